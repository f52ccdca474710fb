#!/usr/bin/env python3
"""Extract the labelled examples published in other scanners' rule files.

Reads the rule files straight out of bare git mirrors at a pinned commit (no work tree, nothing
built or run from those repositories) and writes one example per file:

    OUT/<source>/<rule-id>/pos-NNN.txt   an example the rule's authors say it must find
    OUT/<source>/<rule-id>/neg-NNN.txt   an example they say it must not find
    OUT/labels.jsonl                     one line per file (see `label_row`)

Each file holds the example text exactly as published (the YAML string, or the value of the Go
string literal), byte for byte, UTF-8. A negative that another issuer rule of the same source
matches is labelled `negative-other-secret` (see `SourcePattern`); families come from the table
below. Each source's LICENSE/NOTICE is copied to OUT/<source>/.

Sources (see SOURCES.md):
  noseyparker  praetorian-inc/noseyparker  crates/noseyparker/data/default/builtin/rules/*.yml
               `examples:` -> positive, `negative_examples:` -> negative
  kingfisher   mongodb/kingfisher          data/rules/*.yml, the same two keys
  gitleaks     gitleaks/gitleaks           cmd/generate/config/rules/*.go: the elements of the
               `tps`/`fps` slices (`tps := []string{…}`, `tps = append(tps, …)`, `fps := …`)
               that are string literals or `+`-joins of string literals only. Elements built at
               run time (`utils.GenerateSampleSecret(…)`, `secrets.NewSecret(…)`, any call or
               variable) are skipped, as are the path-keyed `map[string]string` sets of
               `ValidateWithPaths` rules (their meaning depends on a file name).

Usage:
    extract.py [--mirrors /work/.mirror] [--out DIR] [--only noseyparker,kingfisher,gitleaks]

Python 3 stdlib + PyYAML.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import warnings
from collections import Counter

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("extract.py needs PyYAML (python3 -m pip install pyyaml, or apt-get install python3-yaml)")

HERE = os.path.dirname(os.path.abspath(__file__))

# --------------------------------------------------------------------------------------------
# Sources, pinned. `mirror` is the directory name `fetch` gives under the mirror root.
# --------------------------------------------------------------------------------------------
SOURCES = {
    "noseyparker": {
        "repo": "praetorian-inc/noseyparker",
        "mirror": "praetorian-inc+noseyparker",
        "commit": "2e6e7f36ce36619852532bbe698d8cb7a26d2da7",
        "licence": "Apache-2.0",
        "dir": "crates/noseyparker/data/default/builtin/rules",
        "kind": "yaml",
    },
    "kingfisher": {
        "repo": "mongodb/kingfisher",
        "mirror": "mongodb+kingfisher",
        "commit": "ee7c0db3ef87575768f817820c24736249ffcdef",
        "licence": "Apache-2.0",
        "dir": "data/rules",
        "kind": "yaml",
    },
    "gitleaks": {
        "repo": "gitleaks/gitleaks",
        "mirror": "gitleaks+gitleaks",
        "commit": "b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b",
        "licence": "MIT",
        "dir": "cmd/generate/config/rules",
        "kind": "go",
    },
}

# --------------------------------------------------------------------------------------------
# Families. Every rule is mapped by the FIRST matching line below, tried against
# "<rule id> <rule name>" (lower-cased); exact-id overrides come first. Families that glir has
# rules for are named for what glir finds; the `-other` families are secrets of the same issuer
# that glir's rule set does not claim (see COVERED in score.py). Anything unmatched falls into
# `other:<vendor>`, vendor = the rule file's name.
# --------------------------------------------------------------------------------------------
FAMILY_OVERRIDES = {
    # Issuer tokens whose name would match a broader line below.
    "np.s3.1": "aws-other",                      # S3 bucket names: not secrets
    "np.s3.2": "aws-other",
    "np.arn.1": "aws-other",                     # Amazon Resource Names: not secrets
    "np.github.6": "github-other",               # "GitHub Secret Key": an OAuth app secret by name
    "kingfisher.github.6": "github-other",
    "np.azure.1": "other:azure",                 # Azure (storage) connection strings
    "np.azure.2": "other:azure",
    "kingfisher.azure.1": "other:azure",
    "kingfisher.azure.2": "other:azure",
    "kingfisher.mongodb.1": "other:mongodb",     # "MongoDB API Private Key": an Atlas API key
    "kingfisher.mailjet.1": "other:mailjet",
    "np.jenkins.2": "other:jenkins",
}

FAMILY_PATTERNS = [
    # GitLab: every token family, legacy or prefixed.
    ("gitlab", r"gitlab"),
    # AWS: glir finds access key ids (AKIA/ASIA) and secret access keys.
    ("aws-other", r"(?:\baws|amazon).*(?:session|mws|bedrock|account|bucket|appsync|cognito|resource name)"),
    ("aws", r"\baws\b|\baws[a-z]|amazon"),
    # GitHub: glir finds gh[pousr]_ tokens and github_pat_ fine-grained PATs.
    ("github-other", r"github.*(?:client[ _-]?id|client[ _-]?secret|oauth app|app id)"),
    ("github", r"\bgithub"),
    # Slack: glir finds xox[abposr]- tokens and hooks.slack.com webhook URLs.
    ("slack-other", r"slack.*(?:app[ _-]?(?:level|token)|config|refresh|signing|client)"),
    ("slack", r"\bslack"),
    # Stripe: glir finds live secret and restricted keys (sk_live_, rk_live_).
    ("stripe-other", r"stripe.*(?:test|publishable|webhook|client)"),
    ("stripe", r"\bstripe\b|^stripe-"),
    # GCP: glir finds service-account key JSON. API keys (AIza…), OAuth client ids and
    # secrets, bucket names are other.
    ("gcp", r"(?:gcp|google).*service[ _-]?account"),
    ("gcp-other", r"\bgcp\b|^gcp-|\bgoogle|\bgcs\b|firebase"),
    # PEM private keys (glir's private-key rule): only the rules that are about PEM blocks.
    ("private-key", r"^(?:np\.|kingfisher\.)?(?:pem|privkey)\.\d|^private-key\b"),
    # Other key formats: age, WireGuard, PGP, PuTTY.
    ("private-key-other", r"^(?:np\.|kingfisher\.)?(?:age|wireguard|pgp|gpg|putty)\.\d|^age-secret-key"),
    # Shapes without an issuer. glir has none of these by default (its generic rule is opt-in).
    ("password-hash", r"pwhash|krb5|password hash"),
    ("jwt", r"^(?:np\.|kingfisher\.)?jwt(?:\.\d|-base64\b|\b)"),
    ("url-credentials", r"credentials in (?:a )?url|connection (?:string|uri)|uri with username|url with hardcoded|ftp uri|^(?:np\.)?http\.1\b|curl-auth-user"),
    ("generic", r"generic|weak_password|reactapp|plaintext\.|psexec|vmware|\.net\b|^(?:np\.)?http\.2\b|curl-auth-header"),
]

def family_for(source: str, rule_id: str, name: str, file_stem: str) -> str:
    if rule_id in FAMILY_OVERRIDES:
        return FAMILY_OVERRIDES[rule_id]
    hay = f"{rule_id} {name}".lower()
    for family, pattern in FAMILY_PATTERNS:
        if re.search(pattern, hay):
            return family
    return "other:" + re.sub(r"[^a-z0-9]+", "-", file_stem.lower()).strip("-")


# --------------------------------------------------------------------------------------------
# git
# --------------------------------------------------------------------------------------------
def git(gitdir: str, *args: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", gitdir, *args], check=True, capture_output=True
    ).stdout


def list_files(gitdir: str, commit: str, directory: str, suffixes: tuple[str, ...]) -> list[str]:
    out = git(gitdir, "ls-tree", "-r", "--name-only", commit, "--", directory).decode()
    return sorted(p for p in out.splitlines() if p.endswith(suffixes))


def read_blob(gitdir: str, commit: str, path: str) -> str:
    return git(gitdir, "show", f"{commit}:{path}").decode("utf-8")


# --------------------------------------------------------------------------------------------
# YAML rule files (Nosey Parker, Kingfisher)
# --------------------------------------------------------------------------------------------
def yaml_rules(gitdir: str, commit: str, directory: str):
    """Yield (file stem, rule id, name, positives, negatives)."""
    for path in list_files(gitdir, commit, directory, (".yml", ".yaml")):
        doc = yaml.safe_load(read_blob(gitdir, commit, path)) or {}
        stem = os.path.splitext(os.path.basename(path))[0]
        for rule in doc.get("rules") or []:
            pos = [e for e in (rule.get("examples") or []) if isinstance(e, str)]
            neg = [e for e in (rule.get("negative_examples") or []) if isinstance(e, str)]
            yield (stem, rule["id"], rule.get("name", rule["id"]), pos, neg,
                   (rule.get("pattern"), float(rule.get("min_entropy") or 0)))


# --------------------------------------------------------------------------------------------
# Go rule generators (gitleaks): a small tokenizer, enough for string literals and brackets.
# --------------------------------------------------------------------------------------------
GO_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<lcomment>//[^\n]*)
    | (?P<bcomment>/\*.*?\*/)
    | (?P<raw>`[^`]*`)
    | (?P<str>"(?:[^"\\\n]|\\.)*")
    | (?P<rune>'(?:[^'\\\n]|\\.)+')
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<num>[0-9][0-9A-Za-z_.]*)
    | (?P<op>:=|\.\.\.|&&|\|\||==|!=|<=|>=|[-+*/%&|^<>=!(){}\[\],;:.])
    """,
    re.S | re.X,
)

GO_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
              "\\": "\\", "'": "'", '"': '"'}


def go_unquote(lit: str) -> str:
    if lit.startswith("`"):
        return lit[1:-1].replace("\r", "")  # Go drops carriage returns from raw strings
    body, out, i = lit[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        e = body[i + 1]
        if e in GO_ESCAPES:
            out += GO_ESCAPES[e].encode()
            i += 2
        elif e == "x":
            out.append(int(body[i + 2:i + 4], 16))
            i += 4
        elif e in "01234567":
            out.append(int(body[i + 1:i + 4], 8))
            i += 4
        elif e == "u":
            out += chr(int(body[i + 2:i + 6], 16)).encode("utf-8")
            i += 6
        elif e == "U":
            out += chr(int(body[i + 2:i + 10], 16)).encode("utf-8")
            i += 10
        else:
            raise ValueError(f"bad escape in {lit!r}")
    return out.decode("utf-8")


def go_tokens(src: str):
    pos, toks = 0, []
    while pos < len(src):
        m = GO_TOKEN.match(src, pos)
        if not m:
            raise ValueError(f"cannot tokenize Go at {src[pos:pos + 40]!r}")
        kind = m.lastgroup
        if kind not in ("ws", "lcomment", "bcomment"):
            toks.append((kind, m.group()))
        pos = m.end()
    return toks


def split_elements(toks, i):
    """toks[i] is an opening bracket. Return (elements, index after the closing bracket), each
    element a list of tokens between top-level commas."""
    closer = {"{": "}", "(": ")", "[": "]"}[toks[i][1]]
    depth, elems, cur, j = 0, [], [], i + 1
    while j < len(toks):
        kind, text = toks[j]
        if kind == "op" and text in "({[":
            depth += 1
        elif kind == "op" and text in ")}]":
            if depth == 0:
                assert text == closer, (text, closer)
                if cur:
                    elems.append(cur)
                return elems, j + 1
            depth -= 1
        if depth == 0 and kind == "op" and text == ",":
            elems.append(cur)
            cur = []
        else:
            cur.append(toks[j])
        j += 1
    raise ValueError("unbalanced brackets")


def literal_value(elem):
    """The value of `"a"` or `"a" + `b` + …`; None when anything else is in the element."""
    if not elem or len(elem) % 2 == 0:
        return None
    parts = []
    for k, (kind, text) in enumerate(elem):
        if k % 2 == 0:
            if kind not in ("raw", "str"):
                return None
            parts.append(go_unquote(text))
        elif (kind, text) != ("op", "+"):
            return None
    return "".join(parts)


EXAMPLE_VARS = {"tps": "pos", "fps": "neg"}


def go_rules(gitdir: str, commit: str, directory: str, stats: Counter):
    for path in list_files(gitdir, commit, directory, (".go",)):
        if path.endswith("_test.go"):
            continue
        toks = go_tokens(read_blob(gitdir, commit, path))
        stem = os.path.splitext(os.path.basename(path))[0]
        i = 0
        while i < len(toks):
            if toks[i] != ("ident", "func"):
                i += 1
                continue
            # Find the body: the first `{` after the signature at paren depth 0.
            j, depth = i + 1, 0
            while j < len(toks) and not (toks[j] == ("op", "{") and depth == 0):
                if toks[j][1] == "(":
                    depth += 1
                elif toks[j][1] == ")":
                    depth -= 1
                j += 1
            if j >= len(toks):
                break
            _, end = split_elements(toks, j)
            body = toks[j + 1:end - 1]
            fname = toks[i + 1][1] if toks[i + 1][0] == "ident" else "?"
            i = end
            rule_ids, pattern, entropy = [], None, 0.0
            for k in range(len(body) - 2):
                if body[k] == ("ident", "Entropy") and body[k + 1] == ("op", ":") and body[k + 2][0] == "num":
                    entropy = float(body[k + 2][1])
                if body[k] == ("ident", "RuleID") and body[k + 1] == ("op", ":") and body[k + 2][0] == "str":
                    rule_ids.append(go_unquote(body[k + 2][1]))
                if pattern is None and body[k] == ("ident", "Regex") and body[k + 1] == ("op", ":") \
                        and body[k + 2:k + 6] == [("ident", "regexp"), ("op", "."), ("ident", "MustCompile"), ("op", "(")]:
                    args, _ = split_elements(body, k + 5)
                    if len(args) == 1:
                        pattern = literal_value(args[0])  # None when built by a call
            if not rule_ids:
                continue
            if len(set(rule_ids)) > 1:
                stats["gitleaks: functions with several RuleIDs (first taken)"] += 1
            rule_id = rule_ids[0]
            ex = {"pos": [], "neg": []}
            k = 0
            while k < len(body) - 2:
                kind, text = body[k]
                if kind == "ident" and text in EXAMPLE_VARS and body[k + 1][1] in (":=", "=") \
                        and (k == 0 or body[k - 1][1] != "."):
                    label = EXAMPLE_VARS[text]
                    rhs = k + 2
                    if body[rhs] == ("op", "[") and body[rhs + 1] == ("op", "]") and body[rhs + 2] == ("ident", "string") \
                            and body[rhs + 3] == ("op", "{"):
                        elems, after = split_elements(body, rhs + 3)
                    elif body[rhs] == ("ident", "append") and body[rhs + 1] == ("op", "("):
                        elems, after = split_elements(body, rhs + 1)
                        elems = elems[1:]  # the slice appended to
                    elif body[rhs] == ("ident", "map"):
                        stats["gitleaks: path-keyed example maps skipped (ValidateWithPaths)"] += 1
                        k += 1
                        continue
                    else:
                        stats["gitleaks: example sets built by a call, skipped"] += 1
                        k += 1
                        continue
                    for elem in elems:
                        value = literal_value(elem)
                        if value is None:
                            stats[f"gitleaks: non-literal {label} elements skipped"] += 1
                        else:
                            ex[label].append(value)
                    k = after
                    continue
                k += 1
            # The generator function's name (`GitlabPat`) is the short name; the description
            # is a sentence.
            yield stem, rule_id, fname, ex["pos"], ex["neg"], (pattern, entropy)


# --------------------------------------------------------------------------------------------
# Negatives that hold another rule's secret. Nosey Parker's and gitleaks' negative examples are
# negative FOR THEIR RULE: `np.slack.2` (bot tokens) lists user tokens and legacy bot tokens as
# negatives, which are other rules' positives. A file-level scorer must not call a report on
# them a false positive, so each negative is tried against the patterns of the same source's
# other issuer rules (not the shape families below, whose broad patterns match placeholders
# too); a negative one of them matches is labelled `negative-other-secret` and scored apart.
# --------------------------------------------------------------------------------------------
SHAPE_FAMILIES = {"generic", "url-credentials", "jwt", "password-hash"}


def shannon(s: str) -> float:
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values()) if n else 0.0


class SourcePattern:
    """A rule's regex in Python's `re`, approximately: Rust/RE2 bare inline flag groups (`(?x)`,
    `(?i)`, anywhere) are applied to the whole pattern, negated ones (`(?-u)`) dropped; `\\z` ->
    `\\Z`; `(?<n>` -> `(?P<n>`. `reports(text)` is true when a match's secret (first group, else
    the whole match) reaches the rule's own minimum entropy (gitleaks `Entropy`, Kingfisher
    `min_entropy`), so a placeholder like `glpat-xxxx…` is not counted as another rule's secret.
    Used only to tell which negatives another rule would report."""

    def __init__(self, rx, min_entropy):
        self.rx, self.min_entropy = rx, min_entropy

    def reports(self, text: str) -> bool:
        for m in self.rx.finditer(text):
            secret = next((g for g in m.groups() if g), None) or m.group(0)
            if shannon(secret) >= self.min_entropy:
                return True
        return False


def compile_pattern(pattern: str | None, min_entropy: float = 0.0):
    if not pattern:
        return None
    flags = 0

    def grab(m):
        nonlocal flags
        for ch in m.group(1).split("-")[0]:
            flags |= {"i": re.I, "x": re.X, "s": re.S, "m": re.M}.get(ch, 0)
        return ""

    p = re.sub(r"\(\?([imsxu-]+)\)", grab, pattern)
    p = p.replace(r"\z", r"\Z")
    p = re.sub(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P<\1>", p)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return SourcePattern(re.compile(p, flags), min_entropy)
    except re.error:
        return None


def label_row(source, rule_id, name, label, family, relpath, text, origin, also=()):
    row = {
        "file": relpath,
        "source": source,
        "rule_id": rule_id,
        "rule_name": name,
        "label": label,
        "family": family,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "origin": origin,
    }
    if also:
        row["also_matches"] = sorted(also)
    return row


def safe_dir(rule_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", rule_id)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirrors", default=os.environ.get("MIRRORS", "/work/.mirror"))
    ap.add_argument("--out", default=os.path.join(HERE, "data"))
    ap.add_argument("--only", default=",".join(SOURCES))
    args = ap.parse_args()

    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    rows, stats = [], Counter()
    for source in args.only.split(","):
        spec = SOURCES[source]
        gitdir = os.path.join(args.mirrors, spec["mirror"], "repo")
        commit = spec["commit"]
        git(gitdir, "cat-file", "-e", f"{commit}^{{commit}}")  # fails loudly if not there
        rules = (yaml_rules(gitdir, commit, spec["dir"]) if spec["kind"] == "yaml"
                 else go_rules(gitdir, commit, spec["dir"], stats))
        # The licence and notice go with the examples (Apache-2.0 section 4, MIT's notice clause).
        for name in ("LICENSE", "NOTICE"):
            try:
                blob = git(gitdir, "show", f"{commit}:{name}")
            except subprocess.CalledProcessError:
                continue
            os.makedirs(os.path.join(args.out, source), exist_ok=True)
            with open(os.path.join(args.out, source, name), "wb") as fh:
                fh.write(blob)
        seen_ids = Counter()
        collected = []
        for stem, rule_id, name, pos, neg, (pattern, min_entropy) in rules:
            seen_ids[rule_id] += 1
            rid = rule_id if seen_ids[rule_id] == 1 else f"{rule_id}#{seen_ids[rule_id]}"
            family = family_for(source, rule_id, name, stem)
            compiled = compile_pattern(pattern, min_entropy)
            stats[f"{source}: rules"] += 1
            if pattern and compiled is None:
                stats[f"{source}: rule patterns Python cannot compile"] += 1
            elif not pattern:
                stats[f"{source}: rules without a literal pattern"] += 1
            collected.append((stem, rid, name, family, compiled, pos, neg))
        issuer_rules = [(rid, fam, rx) for _, rid, _, fam, rx, _, _ in collected
                        if rx is not None and fam not in SHAPE_FAMILIES]
        for stem, rid, name, family, compiled, pos, neg in collected:
            for label, examples in (("positive", pos), ("negative", neg)):
                uniq = list(dict.fromkeys(examples))
                stats[f"{source}: duplicate examples within a rule dropped"] += len(examples) - len(uniq)
                for n, text in enumerate(uniq):
                    rel = f"{source}/{safe_dir(rid)}/{label[:3]}-{n:03d}.txt"
                    also, weak = [], False
                    if label == "positive" and compiled is not None and not compiled.reports(text):
                        # Mostly placeholders under the rule's own min_entropy (`abcd1234…`).
                        stats[f"{source}: positives their own rule, as translated here, would not report"] += 1
                        weak = True
                    if label == "negative":
                        also = [orid for orid, _, rx in issuer_rules if orid != rid and rx.reports(text)]
                    kind = "negative-other-secret" if also else label
                    full = os.path.join(args.out, rel)
                    os.makedirs(os.path.dirname(full), exist_ok=True)
                    with open(full, "w", encoding="utf-8", newline="") as fh:
                        fh.write(text)
                    row = label_row(source, rid, name, kind, family, rel, text,
                                    f"{spec['repo']}@{commit[:12]}:{spec['dir']}/{stem}", also)
                    if weak:
                        row["own_rule_reports"] = False
                    rows.append(row)
                    stats[f"{source}: {kind}"] += 1
    with open(os.path.join(args.out, "labels.jsonl"), "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    for k in sorted(stats):
        print(f"{k}: {stats[k]}", file=sys.stderr)
    print(f"{len(rows)} examples in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

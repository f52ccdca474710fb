#!/usr/bin/env python3
"""Score secret scanners on the public labelled examples written by extract.py.

    score.py --data DIR --findings glir=glir.jsonl [--findings kingfisher=kf.jsonl] [--json OUT]
             [--times glir=T.txt ...] [--details]

Unit: one example file. A positive file is FOUND when the tool reports at least one finding in
it ("any" recall); it is found with the right FAMILY when one of those findings is of the
labelled family's issuer ("family" recall: aws-other counts as aws, a glir `pem` finding as
private-key). A `negative` file with any finding is a FALSE POSITIVE; `negative-other-secret`
files (negative for their rule, but holding another rule's secret) are counted apart.
precision = found positives / (found positives + flagged negatives); it depends on the ratio of
positives to negatives in the set (about 4:1 here), so the share of negatives flagged is shown
too.

Families glir has rules for (COVERED) are scored apart from the rest: every other family is out
of glir's scope by design, and its examples count in the overall figures only.

Secrets are never printed whole: a miss shows the longest token-like run of its example, and a
false positive the text at the reported position, both cut to their first 6 characters + '…'.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from extract import family_for  # noqa: E402  (the same mapping table labels the findings)

# What glir's built-in rules claim (crates/glir-scan/src/rules.rs; `glir scan` without --generic).
COVERED = ["gitlab", "aws", "github", "slack", "stripe", "gcp", "private-key"]

GLIR_PROVIDER_FAMILY = {"gitlab": "gitlab", "aws": "aws", "github": "github", "slack": "slack",
                        "stripe": "stripe", "gcp": "gcp", "pem": "private-key"}


def vendor(family: str) -> str:
    return family[:-len("-other")] if family.endswith("-other") else family


def same_family(hit, lab) -> bool:
    """A finding (family, rule, …) is of the example's family: the same issuer, or for an
    unlisted issuer (`other:x`) a rule id that names it."""
    fam = lab["family"]
    if fam.startswith("other:"):
        squash = lambda s: re.sub(r"[^a-z0-9]", "", s.lower())
        return squash(fam[6:]) in squash(hit[1]) or vendor(hit[0]) == fam
    return vendor(hit[0]) == vendor(fam)


def redact(s: str) -> str:
    s = s.strip()
    return (s[:6] + "…") if len(s) > 6 else "…"


TOKENISH = re.compile(r"[A-Za-z0-9_\-+/=.:@]{12,}")


def likely_secret(text: str) -> str:
    runs = TOKENISH.findall(text)
    if not runs:
        return "(no token-like run)"
    best = max(runs, key=len)
    return f"{redact(best)} ({len(best)} chars)"


# --------------------------------------------------------------------------------------------
def load_jsonl(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(l) for l in fh if l.strip().startswith("{")]


def rel_to(path: str, data: str) -> str | None:
    path = os.path.normpath(os.path.abspath(path))
    data = os.path.normpath(os.path.abspath(data))
    if not path.startswith(data + os.sep):
        return None
    return os.path.relpath(path, data)


def parse_findings(tool: str, rows, data: str):
    """-> {relative file: [(family, rule, line, col_start, col_end)]}"""
    out = defaultdict(list)
    for f in rows:
        if tool == "kingfisher":
            inner = f.get("finding") or {}
            path, line = inner.get("path"), inner.get("line")
            col, end = inner.get("column_start"), inner.get("column_end")
            col = None if col is None else col + 1
            rule = (f.get("rule") or {}).get("id", "?")
            name = (f.get("rule") or {}).get("name", "")
            bare = re.sub(r"^(?:betterleaks|veles)\.", "", rule)
            fam = family_for("kingfisher", bare, name, bare.split(".")[1] if "." in bare else bare)
        else:
            path, line = f.get("path"), f.get("line")
            col = (f.get("location") or {}).get("column")
            end = None
            rule = f.get("rule", "?")
            fam = GLIR_PROVIDER_FAMILY.get(f.get("provider"), "generic" if "generic" in rule else f.get("provider", "?"))
        if path is None:
            continue
        if not os.path.isabs(path):
            path = os.path.join(os.getcwd(), path)
        rel = rel_to(path, data)
        if rel is None:
            continue
        out[rel].append((fam, rule, line, col, end))
    return out


def text_at(data: str, rel: str, line, col, end) -> str:
    try:
        lines = open(os.path.join(data, rel), encoding="utf-8", newline="").read().split("\n")
        s = lines[(line or 1) - 1][(col or 1) - 1:]
        if end:
            s = s[:end - (col or 1) + 1]
        return redact(s.split()[0] if s.split() else s)
    except (OSError, IndexError, UnicodeDecodeError):
        return "?"


# --------------------------------------------------------------------------------------------
def tally(items):
    """items: list of (label row, hits) -> counts."""
    c = {"pos": 0, "found": 0, "found_family": 0, "neg": 0, "fp": 0, "neg_other": 0, "neg_other_flagged": 0}
    for lab, hits in items:
        if lab["label"] == "negative-other-secret":
            c["neg_other"] += 1
            c["neg_other_flagged"] += bool(hits)
        elif lab["label"] == "positive":
            c["pos"] += 1
            if hits:
                c["found"] += 1
            if any(same_family(h, lab) for h in hits):
                c["found_family"] += 1
        else:
            c["neg"] += 1
            if hits:
                c["fp"] += 1
    tp, fp = c["found"], c["fp"]
    c["precision"] = tp / (tp + fp) if tp + fp else float("nan")
    c["recall"] = tp / c["pos"] if c["pos"] else float("nan")
    c["recall_family"] = c["found_family"] / c["pos"] if c["pos"] else float("nan")
    c["neg_flagged"] = fp / c["neg"] if c["neg"] else float("nan")
    return c


def score_tool(labels, hits_by_file):
    items = [(lab, hits_by_file.get(lab["file"], [])) for lab in labels]
    groups = {}
    groups["all"] = tally(items)
    # One vote per distinct (text, label): Kingfisher copied many Nosey Parker examples.
    uniq = {}
    for lab, hits in items:
        key = (lab["sha256"], lab["label"])
        prev = uniq.get(key)
        uniq[key] = (lab, hits if prev is None else (prev[1] or hits))
    groups["all, distinct texts"] = tally(list(uniq.values()))
    groups["GitLab families"] = tally([x for x in items if x[0]["family"] == "gitlab"])
    groups["families glir covers"] = tally([x for x in items if x[0]["family"] in COVERED])
    groups["families glir covers, distinct texts"] = tally(
        [x for x in uniq.values() if x[0]["family"] in COVERED])
    groups["out of glir's scope"] = tally([x for x in items if x[0]["family"] not in COVERED])
    per_source = {s: tally([x for x in items if x[0]["source"] == s])
                  for s in sorted({l["source"] for l in labels})}
    per_source_cov = {s: tally([x for x in items if x[0]["source"] == s and x[0]["family"] in COVERED])
                      for s in per_source}
    fams = sorted({l["family"] for l in labels if not l["family"].startswith("other:")})
    per_family = {f: tally([x for x in items if x[0]["family"] == f]) for f in fams}
    per_family["other:* (issuer-specific, not listed)"] = tally(
        [x for x in items if x[0]["family"].startswith("other:")])
    misses = [lab for lab, hits in items if lab["label"] == "positive" and not hits]
    wrong_family = [(lab, hits) for lab, hits in items if lab["label"] == "positive" and hits
                    and not any(same_family(h, lab) for h in hits)]
    fps = [(lab, hits) for lab, hits in items if lab["label"] == "negative" and hits]
    other_flagged = [(lab, hits) for lab, hits in items if lab["label"] == "negative-other-secret" and hits]
    return {"groups": groups, "per_source": per_source, "per_source_covered": per_source_cov,
            "per_family": per_family, "misses": misses, "wrong_family": wrong_family, "fps": fps,
            "other_flagged": other_flagged}


def pct(x):
    return "n/a" if x != x else f"{100 * x:.1f}%"


def row(name, c):
    return (f"| {name} | {pct(c['precision'])} | {pct(c['recall'])} | {pct(c['recall_family'])} | "
            f"{c['found']}/{c['pos']} | {c['fp']}/{c['neg']} | {c['neg_other_flagged']}/{c['neg_other']} |")


HEADER = ("| set | precision | recall (any finding) | recall (right family) | positives found | "
          "negatives flagged | negatives holding another rule's secret, flagged |\n"
          "|---|---:|---:|---:|---:|---:|---:|")


def print_report(results, data, details, times):
    tools = list(results)
    for tool in tools:
        r = results[tool]
        print(f"## {tool}\n")
        if tool in times:
            print(f"time: {times[tool]}\n")
        print(HEADER)
        for name, c in r["groups"].items():
            print(row(name, c))
        for s, c in r["per_source"].items():
            print(row(f"source {s}", c))
        for s, c in r["per_source_covered"].items():
            print(row(f"source {s}, families glir covers", c))
        print("\nper family (covered: " + ", ".join(COVERED) + ")\n")
        print(HEADER.replace("| set |", "| family |"))
        for f, c in r["per_family"].items():
            mark = " (covered)" if f in COVERED else ""
            print(row(f + mark, c))
        print()
        if not details:
            continue
        cov = [l for l in r["misses"] if l["family"] in COVERED]
        print(f"### {tool}: missed positives in families glir covers ({len(cov)})\n")
        for lab in sorted(cov, key=lambda l: (l["family"], l["source"], l["rule_id"], l["file"])):
            text = open(os.path.join(data, lab["file"]), encoding="utf-8", newline="").read()
            print(f"- [{lab['family']}] {lab['source']} {lab['rule_id']} ({lab['rule_name']}): "
                  f"{lab['file']} — {likely_secret(text)}")
        print(f"\n### {tool}: positives found only by a finding of another family ({len(r['wrong_family'])})\n")
        for lab, hits in r["wrong_family"]:
            got = ", ".join(sorted({h[1] for h in hits}))
            print(f"- [{lab['family']}] {lab['source']} {lab['rule_id']}: {lab['file']} — reported as {got}")
        print(f"\n### {tool}: false positives ({len(r['fps'])})\n")
        for lab, hits in sorted(r["fps"], key=lambda x: (x[0]["family"], x[0]["source"], x[0]["rule_id"])):
            got = "; ".join(f"{h[1]} at {h[2]}:{h[3]} {text_at(data, lab['file'], h[2], h[3], h[4])}"
                            for h in hits)
            print(f"- [{lab['family']}] {lab['source']} {lab['rule_id']}: {lab['file']} — {got}")
        print(f"\n### {tool}: negatives holding another rule's secret, flagged (not counted as false positives) ({len(r['other_flagged'])})\n")
        for lab, hits in r["other_flagged"]:
            got = "; ".join(f"{h[1]} at {h[2]}:{h[3]} {text_at(data, lab['file'], h[2], h[3], h[4])}" for h in hits)
            print(f"- [{lab['family']}] {lab['source']} {lab['rule_id']} (also {', '.join(lab['also_matches'])}): {lab['file']} — {got}")
        out = [l for l in r["misses"] if l["family"] not in COVERED]
        by = defaultdict(int)
        for l in out:
            by[l["family"] if not l["family"].startswith("other:") else "other:*"] += 1
        print(f"\n### {tool}: missed positives out of glir's scope ({len(out)}): "
              + ", ".join(f"{k} {v}" for k, v in sorted(by.items(), key=lambda kv: -kv[1])) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--findings", action="append", required=True, metavar="TOOL=JSONL")
    ap.add_argument("--times", action="append", default=[], metavar="TOOL=FILE",
                    help="a file whose first line describes the tool's run time")
    ap.add_argument("--json", metavar="OUT")
    ap.add_argument("--details", action="store_true", help="list misses and false positives")
    args = ap.parse_args()

    labels = load_jsonl(os.path.join(args.data, "labels.jsonl"))
    results = {}
    for spec in args.findings:
        tool, path = spec.split("=", 1)
        kind = "kingfisher" if tool.startswith("kingfisher") else "glir"
        results[tool] = score_tool(labels, parse_findings(kind, load_jsonl(path), args.data))
    times = {}
    for spec in args.times:
        tool, path = spec.split("=", 1)
        times[tool] = open(path).readline().strip()
    print_report(results, args.data, args.details, times)
    if args.json:
        slim = {t: {k: v for k, v in r.items() if k in ("groups", "per_source", "per_source_covered", "per_family")}
                for t, r in results.items()}
        slim["_misses"] = {t: [l["file"] for l in r["misses"]] for t, r in results.items()}
        slim["_false_positives"] = {t: [l["file"] for l, _ in r["fps"]] for t, r in results.items()}
        with open(args.json, "w") as fh:
            json.dump(slim, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Generate a labelled tree shaped like an organisation's repositories plus incident evidence.

    gen_tree.py OUT [--files 2000] [--seed 1]

Writes OUT/tree/... and OUT/labels.jsonl (one line per planted string: path relative to
OUT/tree, 1-based line, kind, family_group, positive, context, host, fingerprint, and for
multi-line things end_line/start_line). Same arguments, same bytes.
"""

import argparse
import collections
import json
import os
import random
import shutil

import builders as B
import filler as F
from corpus import Planter

# (weight, path maker, builder). Paths follow where such files live in practice.
def _repo(rng):
    return f"repos/{rng.choice(F.TEAMS)}/{rng.choice(F.SERVICES)}"


def _incident(rng):
    return f"evidence/INC-{rng.randrange(2024001, 2024400)}"


SOURCE_DIRS = {"py": "app", "js": "src", "ts": "src", "go": "internal/client", "java": "src/main/java/com/acme", "rb": "lib",
               "rs": "src", "sh": "scripts"}


def _source_path(rng):
    ext = rng.choice(["py", "js", "ts", "go", "java", "rb", "rs", "sh"])
    stem = rng.choice(F.VERBS) + "_" + rng.choice(F.NOUNS) if ext in ("py", "rb", "rs", "sh") else F.camel(rng)
    if ext == "java":
        stem = F.pascal(rng)
    return f"{_repo(rng)}/{SOURCE_DIRS[ext]}/{stem}.{ext}"


FILE_KINDS = [
    (650, _source_path, B.source_file),
    (60, lambda r: f"{_repo(r)}/{r.choice(['.env', '.env.production', 'deploy/.env', '.env.local'])}", B.env_file),
    (20, lambda r: f"{_repo(r)}/.env.example", lambda rng, p, path: B.env_file(rng, p, path, example=True)),
    (85, lambda r: f"{_repo(r)}/.gitlab-ci.yml", B.gitlab_ci),
    (90, lambda r: f"{_repo(r)}/k8s/{r.choice(['deployment', 'worker', 'cron'])}.yaml", B.k8s_deployment),
    (60, lambda r: f"{_repo(r)}/k8s/{r.choice(['secret', 'credentials', 'registry-secret', 'sealed-input'])}.yaml", B.k8s_secret),
    (60, lambda r: f"{_repo(r)}/charts/{r.choice(F.SERVICES)}/values{r.choice(['', '-prod', '-staging'])}.yaml", B.helm_values),
    (20, lambda r: f"{_incident(r)}/host/{r.choice(F.USERS)}/.docker/config.json", B.dockerconfigjson_file),
    (8, lambda r: f"{_incident(r)}/runner-{r.randrange(1, 30)}/etc/gitlab-runner/config.toml", B.runner_config),
    (16, lambda r: f"{_incident(r)}/host/{r.choice(F.USERS)}/.netrc", B.netrc),
    (10, lambda r: f"{_incident(r)}/host/{r.choice(F.USERS)}/.aws/credentials", B.aws_credentials),
    (6, lambda r: f"{_repo(r)}/docs/credentials.example", B.aws_credentials),
    (45, lambda r: f"{r.choice([_repo(r) + '/deploy', _incident(r) + '/host/' + r.choice(F.USERS) + '/.ssh'])}/{r.choice(['id_ed25519', 'deploy_key', 'tls.key', 'server.key', 'chain.pem', 'ca.crt', 'signing.pub', 'id_rsa', 'ca.pem'])}", B.pem_file),
    (14, lambda r: f"{_incident(r)}/gcp/{r.choice(['sa-key', 'terraform', 'ci-deployer'])}-{r.randrange(100, 999)}.json", B.gcp_key),
    (45, lambda r: f"{_incident(r)}/api/{r.choice(['tokens', 'runners', 'pipelines', 'deploy_tokens', 'triggers'])}-{r.randrange(1, 999)}.json", B.api_response),
    (22, lambda r: f"{_incident(r)}/logs/{r.choice(['app', 'shipper', 'audit', 'vault'])}-{r.randrange(1, 99)}.jsonl", B.json_escaped),
    (16, lambda r: f"{_incident(r)}/browser/{r.choice(['gitlab', 'session', 'export'])}-{r.randrange(1, 99)}.har", B.har_capture),
    (110, lambda r: f"{r.choice([_repo(r) + '/docs', _incident(r)])}/{r.choice(['runbook', 'RUNBOOK', 'notes', 'timeline', 'README', 'rotation'])}.md", B.runbook),
    (45, lambda r: f"{_incident(r)}/host/{r.choice(F.USERS)}/{r.choice(['.bash_history', '.zsh_history'])}", B.shell_history),
    (35, lambda r: f"{_incident(r)}/nginx/{r.choice(['access.log', 'gitlab_access.log', 'access.log.1'])}", B.access_log),
    (260, lambda r: f"{_incident(r)}/jobs/{r.randrange(10**7, 10**9)}.log", B.job_log),
    (110, lambda r: f"{_repo(r)}/package-lock.json", B.package_lock),
    (80, lambda r: f"{_repo(r)}/go.sum", B.go_sum),
    (25, lambda r: f"{_incident(r)}/host/{r.choice(F.USERS)}/.ssh/authorized_keys", B.authorized_keys),
]


# Every context (positive, and hard-negative category) should have at least this many labels, so per-context recall means
# something; the last RESERVE files top up the contexts the random draw left short.
MIN_PER_CONTEXT = 14
RESERVE = 0.12


def _draw(rng, planter, seen):
    """One file of a randomly chosen kind: (path, FileDoc, kind index)."""
    index = rng.choices(range(len(FILE_KINDS)), [w for w, _, _ in FILE_KINDS])[0]
    return _build(rng, planter, seen, index)


def _build(rng, planter, seen, index):
    _, make_path, build = FILE_KINDS[index]
    path = make_path(rng)
    while path in seen:  # same name twice: put it one directory deeper, as copies often are
        head, tail = path.rsplit("/", 1)
        path = f"{head}/copy-{rng.randrange(1, 10**6)}/{tail}"
    return path, build(rng, planter, path), index


def _contexts(records):
    return {(r["positive"], r["context"]) for r in records}


def generate(out: str, files: int, seed: int) -> tuple:
    rng = random.Random(seed)
    planter = Planter(rng)
    tree = os.path.join(out, "tree")
    if os.path.exists(tree):
        shutil.rmtree(tree)
    seen, labels, counts, producers = set(), [], collections.Counter(), collections.defaultdict(set)

    def keep(path, doc, index):
        data, records = doc.render()
        seen.add(path)
        full = os.path.join(tree, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as fh:
            fh.write(data)
        labels.extend(records)
        for key in _contexts(records):
            producers[key].add(index)
        counts.update((r["positive"], r["context"]) for r in records)

    main = files - int(files * RESERVE)
    for _ in range(main):
        keep(*_draw(rng, planter, seen))
    # Top-up: rebuild files of a kind that produced a short context until one plants it.
    for key in sorted(producers, key=lambda k: counts[k]):
        kinds = sorted(producers[key])
        tries = 0
        while counts[key] < MIN_PER_CONTEXT and len(seen) < files and tries < 3000:
            tries += 1
            path, doc, index = _build(rng, planter, seen, rng.choice(kinds))
            if key in _contexts(doc.render()[1]):
                keep(path, doc, index)
    while len(seen) < files:
        keep(*_draw(rng, planter, seen))
    labels.sort(key=lambda r: (r["path"], r["line"], r["kind"]))
    with open(os.path.join(out, "labels.jsonl"), "w") as fh:
        for rec in labels:
            fh.write(json.dumps(rec, sort_keys=True) + "\n")
    return len(seen), labels


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    n, labels = generate(args.out, args.files, args.seed)
    pos = sum(r["positive"] for r in labels)
    print(f"{n} files, {pos} positives, {len(labels) - pos} hard negatives -> {args.out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Count a scanner's findings and how many planted secrets they cover, without keeping secrets.

    count_findings.py TOOL PLANTED_JSONL ROOT [FINDINGS_FILE] [--groups g1,g2]

TOOL is `glir` (JSONL, `location.path` and `location.line`), `kingfisher` (JSONL, `--redact`) or
`ripsecrets` (`--only-matching` lines, `path:line:match`). Findings are read from FINDINGS_FILE or stdin; only each finding's path and
line are parsed, and ripsecrets' matched text is dropped as each line is read, so no secret is
stored or printed. A planted secret counts as found when a finding names its path (relative to
ROOT) and line: the generators record the line where each value sits (for git, in the blob of the
commit that introduced it). --groups restricts the planted set to the corpus groups that were
scanned. Prints one JSON object: findings, elsewhere (findings off every planted line: false
positives or, for git, a later copy of a planted secret), found, planted, gitlab_found,
gitlab_planted, missed_by_kind.
"""

import argparse
import collections
import json
import os
import sys


def _locations(tool, stream, root):
    root = os.path.abspath(root).rstrip("/") + "/"
    for raw in stream:
        if tool == "ripsecrets":
            parts = raw.split(":", 2)
            if len(parts) < 3 or not parts[1].isdigit():
                continue
            path, line = parts[0], int(parts[1])
        else:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if tool == "kingfisher":
                record = record.get("finding")
                if not isinstance(record, dict):
                    continue  # the summary and audit lines
            elif isinstance(record.get("location"), dict):
                record = record["location"]  # glir: {"kind": "file"|"git", "path", "line", …}
            path = record.get("path") or record.get("file")
            line = record.get("line")
            if path is None or line is None:
                continue
        # Scans are given ROOT as an absolute path; a tool may still report paths relative to it.
        if path.startswith(root):
            path = path[len(root) :]
        elif path.startswith("./"):
            path = path[2:]
        yield path, int(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tool", choices=["glir", "kingfisher", "ripsecrets"])
    parser.add_argument("planted")
    parser.add_argument("root")
    parser.add_argument("findings", nargs="?")
    parser.add_argument("--groups", help="comma-separated corpus groups that were scanned")
    args = parser.parse_args()

    planted = []
    with open(args.planted) as f:
        for raw in f:
            record = json.loads(raw)
            path = record.get("file") or record["path"]
            if args.groups and path.split("/", 1)[0] not in args.groups.split(","):
                continue
            planted.append((path, record["line"], record["gitlab"], record["kind"]))

    stream = open(args.findings, errors="replace") if args.findings else sys.stdin
    planted_at = {(p, l) for p, l, _, _ in planted}
    findings, elsewhere, hit = 0, 0, set()
    for location in _locations(args.tool, stream, args.root):
        findings += 1
        elsewhere += location not in planted_at
        hit.add(location)
    found = [(p, l, g) for p, l, g, _ in planted if (p, l) in hit]
    missed = collections.Counter(k for p, l, _, k in planted if (p, l) not in hit)
    print(
        json.dumps(
            {
                "findings": findings,
                "elsewhere": elsewhere,
                "found": len(found),
                "planted": len(planted),
                "gitlab_found": sum(g for _, _, g in found),
                "gitlab_planted": sum(g for _, _, g, _ in planted),
                "missed_by_kind": dict(sorted(missed.items())),
            }
        )
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Score a secret scanner's findings against the generated labels.

    score.py --labels L --findings F [--tool glir|kingfisher] [--git] [--root PREFIX] [--json]

Matching. A finding matches a label when the path is the same (after removing --root and a
leading "./"), the line lies in the label's range (`line`, or `start_line`..`end_line` for a PEM
block, a hex dump or a GCP key object) and, with --git, the commit is the same. For glir a
finding must also carry the label's fingerprint when the label has one, so a token cut short or
run on past its end is both a false positive and a miss. Kingfisher reports no comparable
fingerprint, so it is matched by path and line only.

Counting. TP = positive labels matched by at least one finding; FN = positive labels matched by
none; FP = findings matching no positive label (broken down by the hard-negative category they
hit, "fingerprint-mismatch:<context>" when they sit on a positive label with another
fingerprint, or "unlabelled"). Further findings on an already-matched label are duplicates and
left out of precision. In --git mode a planted secret may occur in several commits (moved,
re-added, reverted); it counts once, found when any occurrence is matched.
"""

import argparse
import collections
import json
import sys


def load_jsonl(path):
    with open(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def norm_path(path, root):
    if root and path.startswith(root):
        path = path[len(root):]
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def finding_fields(f, tool):
    """(path, line, commit, fingerprint, rule, group) of one finding."""
    if tool == "kingfisher":
        inner = f.get("finding", {})
        commit = None
        git = inner.get("git_metadata") or {}
        if git:
            commit = (git.get("commit") or {}).get("id")
            path = git.get("file_path") or inner.get("path")
            line = inner.get("line")
        else:
            path, line = inner.get("path"), inner.get("line")
        rule = (f.get("rule") or {}).get("id", "?")
        group = "gitlab" if "gitlab" in rule.lower() else "third_party"
        return path, line, commit, None, rule, group
    commit = f.get("commit") or (f.get("location") or {}).get("commit")
    group = "gitlab" if f.get("provider") == "gitlab" else "third_party"
    return f.get("path"), f.get("line"), commit, f.get("fingerprint"), f.get("rule", "?"), group


def index_labels(labels, git):
    by_place = collections.defaultdict(list)
    for i, lab in enumerate(labels):
        lab.setdefault("id", i)
        key = (lab.get("commit") if git else None, lab["path"])
        by_place[key].append(lab)
    return by_place


def covers(lab, line):
    return lab.get("start_line", lab["line"]) <= line <= lab.get("end_line", lab["line"])


def score(labels, findings, tool, git, root):
    by_place = index_labels(labels, git)
    found, fps, dupes = set(), [], 0
    use_fp = tool == "glir"
    for f in findings:
        path, line, commit, fp, rule, group = finding_fields(f, tool)
        if path is None or line is None:
            continue
        path = norm_path(path, root)
        here = [lab for lab in by_place.get((commit if git else None, path), []) if covers(lab, line)]
        pos = [lab for lab in here if lab["positive"] and (not use_fp or not lab.get("fingerprint") or lab["fingerprint"] == fp)]
        if pos:
            # A label with this very fingerprint before one matched by its lines only (a PEM
            # block, a GCP key): on a line holding both, each finding takes its own label.
            fresh = sorted((lab for lab in pos if lab["id"] not in found), key=lambda lab: lab.get("fingerprint") != fp)
            if fresh:
                found.add(fresh[0]["id"])
            else:
                dupes += 1
            continue
        neg = [lab for lab in here if not lab["positive"]]
        wrong_fp = [lab for lab in here if lab["positive"]]
        if neg:
            why, group = neg[0]["context"], neg[0]["family_group"]
        elif wrong_fp:
            why, group = "fingerprint-mismatch:" + wrong_fp[0]["context"], wrong_fp[0]["family_group"]
        else:
            why = "unlabelled"
        fps.append({"path": path, "line": line, "commit": commit, "rule": rule, "context": why, "group": group})
    # One entry per planted secret: in git mode its first occurrence stands for all.
    secrets = {}
    for lab in labels:
        if lab["positive"]:
            secrets.setdefault(lab["id"], lab)
    misses = [lab for sid, lab in secrets.items() if sid not in found]
    return secrets, found, fps, misses, dupes


def ratio(a, b):
    return a / b if b else float("nan")


def summary(secrets, found, fps, select_label, select_fp):
    tp = sum(1 for sid, lab in secrets.items() if sid in found and select_label(lab))
    fn = sum(1 for sid, lab in secrets.items() if sid not in found and select_label(lab))
    fp = sum(1 for f in fps if select_fp(f))
    return {"tp": tp, "fp": fp, "fn": fn, "precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn)}


def report(labels, findings, tool, git, root):
    secrets, found, fps, misses, dupes = score(labels, findings, tool, git, root)
    out = {
        "tool": tool, "git": git, "findings": len(findings), "duplicates": dupes,
        "overall": summary(secrets, found, fps, lambda l: True, lambda f: True),
        "gitlab": summary(secrets, found, fps, lambda l: l["family_group"] == "gitlab", lambda f: f["group"] == "gitlab"),
        "third_party": summary(secrets, found, fps, lambda l: l["family_group"] == "third_party", lambda f: f["group"] == "third_party"),
        "contexts": {}, "kinds": {}, "history": {}, "negatives": {},
        "misses": [{"path": l["path"], "line": l["line"], "commit": l.get("commit"), "kind": l["kind"], "context": l["context"]}
                   for l in sorted(misses, key=lambda l: (l["context"], l["path"], l["line"]))],
        "false_positives": sorted(fps, key=lambda f: (f["context"], f["path"], f["line"])),
    }
    for field, target in (("context", "contexts"), ("kind", "kinds"), ("history", "history")):
        values = sorted({lab.get(field) for lab in secrets.values() if lab.get(field)})
        for v in values:
            out[target][v] = summary(secrets, found, [], lambda l, v=v: l.get(field) == v, lambda f: False)
    # Hard negatives: how many of each category drew at least one finding.
    hit = collections.Counter(f["context"] for f in fps)
    total = collections.Counter(l["context"] for l in labels if not l["positive"])
    for cat in sorted(set(total) | set(hit)):
        out["negatives"][cat] = {"labels": total.get(cat, 0), "findings": hit.get(cat, 0)}
    return out


def pct(x):
    return "n/a" if x != x else f"{100 * x:.1f}%"


def print_text(r):
    print(f"tool: {r['tool']}{' (git history)' if r['git'] else ''}; {r['findings']} findings, {r['duplicates']} duplicates")
    if r["tool"] == "kingfisher":
        print("note: Kingfisher findings are matched by path and line only (no comparable fingerprint)")
    for name in ("overall", "gitlab", "third_party"):
        s = r[name]
        print(f"{name:12} precision {pct(s['precision']):>7}  recall {pct(s['recall']):>7}  TP {s['tp']} FP {s['fp']} FN {s['fn']}")
    for title, key in (("positives by context", "contexts"), ("positives by kind", "kinds"), ("positives by history event", "history")):
        if not r[key]:
            continue
        print(f"\n{title}: found/planted (recall)")
        for name, s in r[key].items():
            print(f"  {name:28} {s['tp']:4}/{s['tp'] + s['fn']:<4} {pct(s['recall'])}")
    print("\nfalse positives by what they hit (hard-negative category: findings/labels)")
    for cat, s in r["negatives"].items():
        print(f"  {cat:40} {s['findings']:4}/{s['labels']}")
    where = lambda x: (f"{x['commit'][:10]}:" if x.get("commit") else "") + f"{x['path']}:{x['line']}"
    for title, items in (("misses", r["misses"]), ("false positives", r["false_positives"])):
        groups = collections.defaultdict(list)
        for x in items:
            groups[x["context"]].append(x)
        print(f"\n{title} by context (count, one example):")
        for ctx, xs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            print(f"  {ctx:40} {len(xs):4}  e.g. {where(xs[0])} {xs[0].get('kind') or xs[0].get('rule')}")
    print(f"\nmisses ({len(r['misses'])}):")
    for m in r["misses"]:
        print(f"  {where(m)} {m['kind']} {m['context']}")
    print(f"\nfalse positives ({len(r['false_positives'])}):")
    for f in r["false_positives"]:
        print(f"  {where(f)} {f['rule']} {f['context']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--findings", required=True)
    ap.add_argument("--tool", choices=["glir", "kingfisher"], default="glir")
    ap.add_argument("--git", action="store_true", help="labels and findings carry commit ids")
    ap.add_argument("--root", default="", help="prefix to strip from finding paths (e.g. the scanned directory + '/')")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    args = ap.parse_args()
    r = report(load_jsonl(args.labels), load_jsonl(args.findings), args.tool, args.git, args.root)
    if args.json:
        json.dump(r, sys.stdout, indent=1)
        print()
    else:
        print_text(r)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Independent labelled corpus for glir's secret scanner: a git history.

    gen_git.py OUT [--commits 300] [--seed 11]

Writes OUT/repo.git (bare, built with `git fast-import`) and OUT/labels_git.jsonl. Files come from
the same file kinds as gen.py; commits add files, touch them (a new blob with the same secrets),
take a secret out again, delete files, move them, restore deleted ones, and put some on a side
branch that is never merged. Every blob that holds a planted string gets labels with the commit
that wrote it; all occurrences of one secret share an `id`, so score.py counts it once. The
`history` field says what became of the secret: kept, removed-later, file-deleted, moved,
restored, side-branch.
"""

import argparse
import json
import os
import random
import shutil
import subprocess

import gen
import kinds as K
from doc import Ctx

SKIP_EDIT = (".json", ".ipynb", ".tfstate")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--commits", type=int, default=300)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    rng = random.Random(args.seed * 7919 + 1)
    c = Ctx(rng)
    plan = [(b, t) for b, n, t in gen.PLAN if n and b is not K.neg_fixtures] + [(K.neg_fixtures, gen.PLAN[-2][2])] * 4
    state = {}        # path -> Doc on main
    deleted = {}      # path -> Doc deleted from main (may be restored)
    history = {}      # secret id -> fate
    sids = {}         # id(label dict) -> secret id
    labels, stream = [], []
    next_sid = [0]

    def sid_of(lab):
        if id(lab) not in sids:
            sids[id(lab)] = next_sid[0]
            next_sid[0] += 1
        return sids[id(lab)]

    def emit(d, path, mark):
        data = d.text().encode()
        stream.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        for lab in d.labels:
            out = dict(lab, path=path, commit=mark, id=sid_of(lab))
            labels.append(out)
            history.setdefault(out["id"], "kept")

    def new_doc(n):
        builder, template = rng.choice(plan) if rng.random() < 0.7 else (K.innocuous, gen.PLAN[-1][2])
        path = template.format(n=n, name=rng.choice(gen.NAMES), user=rng.choice(gen.USERS), winext=rng.choice(["ps1", "bat"]),
                               srcext=rng.choice(list(K.SRC)), keyname=rng.choice(["rsa", "ed25519", "ecdsa"]),
                               plainext=rng.choice([".md", ".yml", ".log", ".cfg"]))
        path = path.replace("/.git/", "/dot-git/")  # git refuses .git path components
        return path, builder(c, path)

    main_mark, side_mark, ts = None, None, 1704067200
    for n in range(1, args.commits + 1):
        ts += rng.randrange(600, 86400)
        live = sorted(state)
        action = rng.choices(["add", "edit", "remove-secret", "delete", "move", "restore", "side"],
                             [40, 14, 10, 8, 8, 5, 6])[0]
        if n <= 5 or not live:
            action = "add"
        if action == "restore" and not deleted:
            action = "add"
        on_side = action == "side"
        parent = side_mark if on_side else main_mark
        if on_side and parent is None:
            parent = main_mark
        head = (f"commit refs/heads/{'feature/tmp-debug' if on_side else 'main'}\nmark :{n}\n"
                f"author {rng.choice(gen.USERS)} <dev@example.com> {ts} +0000\ncommitter CI <ci@example.com> {ts} +0000\n")
        msg = f"{action}: change {n}\n".encode()
        stream.append(head.encode() + f"data {len(msg)}\n".encode() + msg + (f"from :{parent}\n".encode() if parent else b""))
        if action in ("add", "side"):
            path, d = new_doc(n)
            emit(d, path, n)
            if on_side:
                for lab in d.labels:
                    history[sid_of(lab)] = "side-branch"
            else:
                state[path] = d
        elif action == "edit":
            cand = [p for p in live if not p.endswith(SKIP_EDIT)] or live
            p = rng.choice(cand)
            state[p].add("" if p.endswith((".md", ".txt")) else "# " + rng.choice(["touched", "reformat", "bump"]) + f" {n}")
            emit(state[p], p, n)
        elif action == "remove-secret":
            cand = [p for p in live if any(l["positive"] and "start_line" not in l for l in state[p].labels)]
            if not cand:
                p = rng.choice(live)
                state[p].add(f"# noop {n}")
            else:
                p = rng.choice(cand)
                d = state[p]
                lab = rng.choice([l for l in d.labels if l["positive"] and "start_line" not in l])
                same_line = [l for l in d.labels if l["line"] == lab["line"] and "start_line" not in l]
                d.lines[lab["line"] - 1] = "# value removed, see vault" if not p.endswith((".json", ".ipynb", ".tfstate")) else '"removed": true,'
                for l in same_line:
                    d.labels.remove(l)
                    if l["positive"]:
                        history[sid_of(l)] = "removed-later"
            emit(state[p], p, n)
        elif action == "delete":
            p = rng.choice(live)
            stream.append(f"D {p}\n".encode())
            deleted[p] = state.pop(p)
            for l in deleted[p].labels:
                if l["positive"]:
                    history[sid_of(l)] = "file-deleted"
        elif action == "move":
            p = rng.choice(live)
            q = os.path.join("archive", f"{n}", os.path.basename(p))
            stream.append(f"D {p}\n".encode())
            state[q] = state.pop(p)
            emit(state[q], q, n)
            for l in state[q].labels:
                if l["positive"] and history.get(sid_of(l)) == "kept":
                    history[sid_of(l)] = "moved"
        elif action == "restore":
            p = sorted(deleted)[rng.randrange(len(deleted))]
            state[p] = deleted.pop(p)
            emit(state[p], p, n)
            for l in state[p].labels:
                if l["positive"]:
                    history[sid_of(l)] = "restored"
        stream.append(b"\n")
        if on_side:
            side_mark = n
        else:
            main_mark = n

    os.makedirs(args.out, exist_ok=True)
    repo = os.path.join(args.out, "repo.git")
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", repo], check=True)
    marks = os.path.join(args.out, "marks")
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet", f"--export-marks={marks}"], input=b"".join(stream), check=True)
    sha = {}
    with open(marks) as fh:
        for line in fh:
            m, s = line.split()
            sha[int(m[1:])] = s
    os.remove(marks)
    with open(os.path.join(args.out, "labels_git.jsonl"), "w") as fh:
        for lab in labels:
            lab["commit"] = sha[lab["commit"]]
            if lab["positive"]:
                lab["history"] = history[lab["id"]]
            fh.write(json.dumps(lab, sort_keys=True) + "\n")
    pos = {l["id"] for l in labels if l["positive"]}
    neg = {l["id"] for l in labels if not l["positive"]}
    print(f"{args.commits} commits, {len(pos)} planted secrets, {len(neg)} hard negatives ({len(labels)} labels) -> {repo}")


if __name__ == "__main__":
    main()

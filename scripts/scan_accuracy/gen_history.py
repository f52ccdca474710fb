#!/usr/bin/env python3
"""Generate a bare git repository whose history leaks secrets the way real ones do.

    gen_history.py OUT [--commits 300] [--seed 1]

Writes OUT/repo.git (built with `git fast-import`, fixed dates, so same arguments give the same
commit ids) and OUT/labels_git.jsonl: one line per occurrence of a planted string in a blob a
commit introduced (commit, path, line, kind, family_group, positive, context, host, fingerprint,
id, history). `id` groups the occurrences of one planted string: a secret that is added, moved
by a refactor, removed, brought back by a revert, or left in a file that is later deleted keeps
its id; `history` says what happened to it. The files are the same kinds gen_tree.py writes.
"""

import argparse
import json
import os
import random
import shutil
import subprocess

import gen_tree as T
from corpus import Block, FileDoc, Planter

# File kinds that read as files in one repository (no incident evidence).
REPO_KINDS = [i for i, (_, make_path, _) in enumerate(T.FILE_KINDS) if "repos/" in make_path(random.Random(0))]
HISTORY_PRECEDENCE = ["kept", "removed", "moved", "deleted-file", "reverted", "merged-branch"]


class Repo:
    """Working state: path -> (FileDoc, kind index); every label object gets a stable id."""

    def __init__(self, rng):
        self.rng = rng
        self.planter = Planter(rng)
        self.files = {}
        self.history = {}
        self.removed = []  # (path, block) pairs a later revert may restore

    def label_id(self, lab):
        # Stored on the label itself: Python's id() of a discarded donor's label may be reused.
        if getattr(lab, "sid", None) is None:
            lab.sid = len(self.history)
            self.history[lab.sid] = "kept"
        return lab.sid

    def mark(self, block, event):
        for lab in block.labels:
            sid = self.label_id(lab)
            if HISTORY_PRECEDENCE.index(event) > HISTORY_PRECEDENCE.index(self.history[sid]):
                self.history[sid] = event

    def new_doc(self, kind, path=None):
        _, make_path, build = T.FILE_KINDS[kind]
        path = path or make_path(self.rng).split("/", 3)[-1]  # drop repos/<team>/<service>/
        return path, build(self.rng, self.planter, path)


def _donor_block(repo, kind, want_label, path):
    """A block from a freshly built file of the same kind, with or without a label."""
    for _ in range(30):
        _, donor = repo.new_doc(kind, path)
        blocks = [b for b in donor.blocks if bool(b.labels) == want_label]
        if blocks:
            return repo.rng.choice(blocks)
    return None


def _commit_ops(repo, n, step, total):
    """Apply this commit's changes; returns (changed paths, deleted paths)."""
    rng, changed, deleted = repo.rng, set(), set()
    early = step < total // 6
    for _ in range(rng.randrange(1, 4)):
        op = "add-file" if early or not repo.files else rng.choices(
            ["add-file", "edit", "add-secret", "remove-secret", "move-secret", "delete-file", "revert"],
            [3, 5, 6, 2, 1.5, 0.5, 1])[0]
        paths = sorted(p for p in repo.files if p not in deleted)
        if op == "add-file" or not paths:
            kind = rng.choice(REPO_KINDS)
            path, doc = repo.new_doc(kind)
            if path in repo.files or path in deleted:
                continue
            repo.files[path] = (doc, kind)
            changed.add(path)
            continue
        path = rng.choice(paths)
        doc, kind = repo.files[path]
        if op == "edit":
            block = _donor_block(repo, kind, False, path)
            if block and len(doc.blocks) > 1:
                doc.blocks.insert(rng.randrange(1, len(doc.blocks) + 1), block)
                if rng.random() < 0.4:
                    plain = [i for i, b in enumerate(doc.blocks) if not b.labels and b is not block]
                    if len(plain) > 2:
                        del doc.blocks[rng.choice(plain[1:])]
                changed.add(path)
        elif op == "add-secret":
            block = _donor_block(repo, kind, True, path)
            if block:
                doc.blocks.insert(rng.randrange(1, len(doc.blocks) + 1) if len(doc.blocks) > 1 else len(doc.blocks), block)
                changed.add(path)
        elif op in ("remove-secret", "move-secret"):
            labelled = [b for b in doc.blocks if b.labels]
            if not labelled or len(doc.blocks) < 2:
                continue
            block = rng.choice(labelled)
            doc.blocks.remove(block)
            changed.add(path)
            if op == "remove-secret":
                repo.mark(block, "removed")
                repo.removed.append((path, block))
                continue
            # Refactor: the same lines land in another file of the same kind (or lower in this one).
            same_kind = [p for p in paths if repo.files[p][1] == kind and p not in deleted]
            target = rng.choice(same_kind)
            tdoc = repo.files[target][0]
            tdoc.blocks.insert(rng.randrange(1, len(tdoc.blocks) + 1) if len(tdoc.blocks) > 1 else len(tdoc.blocks), block)
            repo.mark(block, "moved")
            changed.add(target)
        elif op == "delete-file":
            for block in doc.blocks:
                repo.mark(block, "deleted-file")
            del repo.files[path]
            changed.discard(path)
            deleted.add(path)
        elif op == "revert" and repo.removed:
            rpath, block = repo.removed.pop(rng.randrange(len(repo.removed)))
            if rpath in repo.files and rpath not in deleted:
                rdoc = repo.files[rpath][0]
                rdoc.blocks.insert(rng.randrange(1, len(rdoc.blocks) + 1) if len(rdoc.blocks) > 1 else len(rdoc.blocks), block)
                repo.mark(block, "reverted")
                changed.add(rpath)
    return changed, deleted


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def generate(out, commits, seed):
    rng = random.Random(seed)
    repo = Repo(rng)
    git_dir = os.path.join(out, "repo.git")
    if os.path.exists(git_dir):
        shutil.rmtree(git_dir)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", git_dir], check=True)
    stream, occurrences = bytearray(), []  # occurrences: (mark, path, record)
    when = 1_700_000_000
    branch_point = commits // 2
    branch_len = max(3, commits // 30)
    feature_files = {}

    def commit(ref, mark, parents, message, changed, deleted, files):
        nonlocal when
        when += rng.randrange(600, 90_000)
        author = rng.choice(T.F.USERS)
        stream.extend(f"commit {ref}\nmark :{mark}\n".encode())
        stream.extend(f"author {author} <{author}@example.com> {when} +0000\n".encode())
        stream.extend(f"committer {author} <{author}@example.com> {when} +0000\n".encode())
        stream.extend(_data(message.encode()))
        if parents:
            stream.extend(f"from :{parents[0]}\n".encode())
            for extra in parents[1:]:
                stream.extend(f"merge :{extra}\n".encode())
        for path in sorted(deleted):
            stream.extend(f"D {path}\n".encode())
        for path in sorted(changed):
            data, records = files[path][0].render()
            # Re-anchor each record on the label object so the secret keeps its id across blobs.
            stream.extend(f"M 100644 inline {path}\n".encode())
            stream.extend(_data(data))
            line_labels = _labels_with_lines(files[path][0])
            for lab, rec in zip(line_labels, records):
                rec["id"] = repo.label_id(lab)
                occurrences.append((mark, rec))

    mark, last_main = 0, None
    messages = ["Add {}", "Update {}", "Refactor {}", "Fix config in {}", "Tidy {}", "Bump versions in {}", "WIP {}"]
    step = 0
    while step < commits:
        if step == branch_point and last_main:
            # A feature branch that adds its own files, merged back with a merge commit.
            side_parent, side_files = last_main, {}
            for _ in range(branch_len):
                kind = rng.choice(REPO_KINDS)
                path, doc = repo.new_doc(kind)
                path = doc.path = "feature/" + path
                side_files[path] = (doc, kind)
                for block in doc.blocks:
                    repo.mark(block, "merged-branch")
                mark += 1
                commit("refs/heads/feature", mark, [side_parent], f"feature: add {path}\n", {path}, set(), side_files)
                side_parent = mark
                step += 1
            feature_files = side_files
            changed, deleted = _commit_ops(repo, mark, step, commits)
            repo.files.update(feature_files)
            mark += 1
            commit("refs/heads/main", mark, [last_main, side_parent], "Merge branch 'feature' into 'main'\n", changed, deleted, repo.files)
            last_main = mark
            step += 1
            continue
        changed, deleted = _commit_ops(repo, mark, step, commits)
        if not changed and not deleted:
            continue
        mark += 1
        first = sorted(changed | deleted)[0]
        commit("refs/heads/main", mark, [last_main] if last_main else [], rng.choice(messages).format(first) + "\n", changed, deleted, repo.files)
        last_main = mark
        step += 1
    marks_file = os.path.join(out, "marks")
    subprocess.run(["git", "--git-dir", git_dir, "fast-import", "--quiet", "--date-format=raw", f"--export-marks={marks_file}"],
                   input=bytes(stream), check=True)
    shas = dict(line.split() for line in open(marks_file).read().split("\n") if line)
    os.remove(marks_file)
    labels = []
    for m, rec in occurrences:
        rec = dict(rec, commit=shas[f":{m}"], history=repo.history[rec["id"]])
        labels.append(rec)
    labels.sort(key=lambda r: (r["id"], r["commit"], r["path"], r["line"]))
    with open(os.path.join(out, "labels_git.jsonl"), "w") as fh:
        for rec in labels:
            fh.write(json.dumps(rec, sort_keys=True) + "\n")
    return labels


def _labels_with_lines(doc: FileDoc):
    """Label objects in the order FileDoc.render emits their records."""
    return [lab for block in doc.blocks for lab in block.labels]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--commits", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    labels = generate(args.out, args.commits, args.seed)
    pos = {r["id"] for r in labels if r["positive"]}
    neg = {r["id"] for r in labels if not r["positive"]}
    print(f"{args.commits} commits, {len(pos)} planted positives, {len(neg)} hard negatives, {len(labels)} occurrences -> {args.out}")


if __name__ == "__main__":
    main()

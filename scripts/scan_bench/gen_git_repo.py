#!/usr/bin/env python3
"""Generate the git-history benchmark repository with `git fast-import`.

    scripts/scan_bench/gen_git_repo.py OUT_DIR [--commits 2000] [--files 3000] [--file-kib 40]
                                               [--edits-per-commit 2] [--seed 42]

Creates the bare repository OUT_DIR/repo.git with one branch (`main`): the first commits add
files (source code, YAML/JSON config, Markdown prose, a few CI logs) until --files exist; every
commit after that rewrites a slice of --edits-per-commit files. About one secret per MiB of new
blob bytes is added to a file and removed again 5-200 commits later, so most secrets live only
in history. OUT_DIR/planted_git.jsonl records each one (commit that introduced it, path, line
in that commit's blob, kind, gitlab, fingerprint; never the secret) and OUT_DIR/git_manifest.json
the totals, including the unique blob bytes a history scanner has to read. Deterministic: same
arguments, same commit ids.
"""

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plant  # noqa: E402
import text  # noqa: E402

MIB = 1 << 20
AUTHORS = [
    ("Alice Maintainer", "alice@example.com"),
    ("Bob Developer", "bob@example.com"),
    ("Carol Ops", "carol@example.com"),
    ("Dependency Bot", "bot@example.com"),
    ("Mallory Contractor", "mallory@example.net"),
]
GENRE_WEIGHTS = {"code": 55, "config": 25, "prose": 15, "log": 5}


def _secret_line(rng, kind, value):
    var = plant.VAR_NAMES[kind]
    return rng.choice([f'{var} = "{value}"', f'  {var}: "{value}"', f"export {var}={value}"])


class Repo:
    """In-memory working tree: path -> list of lines (pool strings, shared not copied)."""

    def __init__(self, args):
        self.args = args
        self.rng = random.Random(f"{args.seed}:git")
        self.pools = text.build_pools(random.Random(f"{args.seed}:git-pools"), size=20_000)
        self.files = {}
        self.blob_bytes = 0
        self.seen = set()  # unique blobs: what a history scanner must read once each
        self.planted = []
        self.pending_removals = []  # (commit index, path, line string)
        self.secret_budget = 0.0
        self.time = 1_700_000_000

    def _new_lines(self, genre, kib):
        pool = self.pools[genre]
        lines, size = [], 0
        while size < kib * 1024:
            line = self.rng.choice(pool)
            lines.append(line)
            size += len(line) + 1
        return lines

    def _add_file(self, n):
        genre = self.rng.choices(list(GENRE_WEIGHTS), weights=list(GENRE_WEIGHTS.values()))[0]
        ext = self.rng.choice(text.GENRES[genre][1])
        path = f"{self.rng.choice(['src', 'lib', 'config', 'docs', 'ci', 'app/models', 'app/services'])}/{genre}_{n:05d}.{ext}"
        kib = self.args.file_kib * self.rng.uniform(0.25, 1.75)
        self.files[path] = (genre, self._new_lines(genre, kib))
        return path

    def _edit_file(self, path):
        genre, lines = self.files[path]
        start = self.rng.randrange(0, max(1, len(lines)))
        cut = self.rng.randrange(0, 40)
        lines[start : start + cut] = self._new_lines(genre, self.rng.uniform(0.2, 4))

    def _plant(self, path, commit_index):
        kind = self.rng.choice(plant.KINDS)
        value = plant.make(kind, self.rng)
        line = _secret_line(self.rng, kind, value)
        lines = self.files[path][1]
        at = self.rng.randrange(0, len(lines) + 1)
        lines.insert(at, line)
        removal = commit_index + self.rng.randrange(5, 201)
        self.pending_removals.append((removal, path, line))
        record = {
            "mark": commit_index + 1,
            "path": path,
            "line": at + 1,
            "kind": kind,
            "gitlab": kind in plant.GITLAB_KINDS,
            "fingerprint": plant.fingerprint(value),
            "removed_by_commit": removal + 1,
        }
        self.planted.append(record)

    def _remove_due(self, commit_index, touched):
        due = [r for r in self.pending_removals if r[0] <= commit_index]
        self.pending_removals = [r for r in self.pending_removals if r[0] > commit_index]
        for _, path, line in due:
            lines = self.files[path][1]
            # Identity, not equality: remove the planted line object itself.
            for i, candidate in enumerate(lines):
                if candidate is line:
                    del lines[i]
                    touched.add(path)
                    break

    def commit(self, commit_index, stream):
        touched = set()
        adding = len(self.files) < self.args.files
        if adding:
            per_commit = max(1, self.args.files // max(1, self.args.commits // 7))
            for _ in range(min(per_commit, self.args.files - len(self.files))):
                touched.add(self._add_file(len(self.files)))
        else:
            for path in self.rng.sample(sorted(self.files), self.args.edits_per_commit):
                self._edit_file(path)
                touched.add(path)
        self._remove_due(commit_index, touched)

        blobs = {}
        for path in sorted(touched):
            blobs[path] = ("\n".join(self.files[path][1]) + "\n").encode("ascii")
        new_bytes = sum(map(len, blobs.values()))
        self.secret_budget += new_bytes / MIB * self.args.secrets_per_mib
        # At most one secret per file per commit, so each recorded line number stays exact.
        candidates = sorted(touched)
        while self.secret_budget >= 1 and candidates:
            self.secret_budget -= 1
            path = candidates.pop(self.rng.randrange(len(candidates)))
            self._plant(path, commit_index)
            blobs[path] = ("\n".join(self.files[path][1]) + "\n").encode("ascii")

        name, email = self.rng.choice(AUTHORS)
        self.time += self.rng.randrange(60, 6 * 3600)
        message = f"{text.sentence(self.rng)}\n".encode()
        out = [f"commit refs/heads/main\nmark :{commit_index + 1}\n".encode()]
        for who in ("author", "committer"):
            out.append(f"{who} {name} <{email}> {self.time} +0000\n".encode())
        out.append(f"data {len(message)}\n".encode() + message)
        for path, data in blobs.items():
            out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
            out.append(data)
            out.append(b"\n")
            digest = hashlib.sha1(data).digest()
            if digest not in self.seen:
                self.seen.add(digest)
                self.blob_bytes += len(data)
        stream.write(b"".join(out))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--file-kib", type=float, default=40)
    parser.add_argument("--edits-per-commit", type=int, default=2)
    parser.add_argument("--secrets-per-mib", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    repo_dir = os.path.join(args.out, "repo.git")
    marks = os.path.join(args.out, "git_marks.txt")
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", repo_dir], check=True)
    repo = Repo(args)
    importer = subprocess.Popen(
        ["git", "-C", repo_dir, "fast-import", "--quiet", f"--export-marks={marks}"],
        stdin=subprocess.PIPE,
    )
    for i in range(args.commits):
        repo.commit(i, importer.stdin)
    importer.stdin.close()
    if importer.wait() != 0:
        sys.exit("git fast-import failed")

    mark_to_sha = {}
    with open(marks) as f:
        for line in f:
            mark, sha = line.split()
            mark_to_sha[int(mark[1:])] = sha
    with open(os.path.join(args.out, "planted_git.jsonl"), "w") as f:
        for record in repo.planted:
            record["commit"] = mark_to_sha[record.pop("mark")]
            removal = record.pop("removed_by_commit")
            record["removed_in"] = mark_to_sha.get(removal)  # None: still present at the tip
            f.write(json.dumps(record) + "\n")
    manifest = {
        "seed": args.seed,
        "commits": args.commits,
        "files_at_tip": len(repo.files),
        "unique_blobs": len(repo.seen),
        "unique_blob_bytes": repo.blob_bytes,
        "planted": len(repo.planted),
        "planted_gitlab": sum(r["gitlab"] for r in repo.planted),
    }
    with open(os.path.join(args.out, "git_manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(json.dumps(manifest))


if __name__ == "__main__":
    main()

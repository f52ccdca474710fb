#!/usr/bin/env python3
"""Generate the secret-scan benchmark corpus: realistic text with sparse planted secrets.

    scripts/scan_bench/gen_corpus.py OUT_DIR [--size-mib 1024] [--file-mib 1 | --file-kib N] [--seed 42]

Writes OUT_DIR/corpus/<group>/<file> (CI job logs with ANSI colours and section markers, source
code, YAML/JSON config, Markdown prose), OUT_DIR/planted.jsonl (one line per planted secret:
file, line, kind, gitlab, fingerprint; never the secret) and OUT_DIR/manifest.json (seed, files,
bytes). About one secret per MiB, Poisson-distributed over files. The output depends only on the
arguments: each file has its own seeded generator, so worker processes can build files in any
order.
"""

import argparse
import json
import math
import multiprocessing
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plant  # noqa: E402
import text  # noqa: E402

MIB = 1 << 20
GROUPS = 20

_POOLS = None
_ARGS = None


def _secret_line(rng, genre, kind, value):
    var = plant.VAR_NAMES[kind]
    choices = {
        "log": [
            f"$ export {var}={value}",
            f'$ curl --header "PRIVATE-TOKEN: {value}" https://gitlab.example.com/api/v4/projects',
            f"{var}={value}",
        ],
        "code": [
            f'    let token = "{value}";',
            f'{var} = "{value}"',
            f"  const {var.lower()} = '{value}';",
        ],
        "config": [f'  {var}: "{value}"', f'  "{var.lower()}": "{value}",', f"    - {var}={value}"],
        "prose": [f"Use `{value}` as the token for the staging instance.", f"{var}={value}"],
    }[genre]
    return rng.choice(choices)


def _poisson(rng, lam):
    # Knuth's method; lam is ~1 so the loop is short.
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _build_file(index):
    """Write file `index`; return (relative path, bytes, planted records)."""
    args = _ARGS
    rng = random.Random(f"{args.seed}:file:{index}")
    genres = list(text.GENRES)
    genre = rng.choices(genres, weights=[text.GENRES[g][2] for g in genres])[0]
    ext = rng.choice(text.GENRES[genre][1])
    rel = f"group-{index % GROUPS:02d}/{genre}-{index:05d}.{ext}"
    target = int(args.file_mib * MIB * rng.uniform(0.75, 1.25))

    pool = _POOLS[genre]
    per_line = 1 + (text.LOG_PREFIX_LEN if genre == "log" else 0)  # newline (+ timestamp)
    lines, size = [], 0
    while size < target:
        batch = rng.choices(pool, k=args.batch)
        lines.extend(batch)
        size += sum(map(len, batch)) + per_line * len(batch)
    if genre == "log":
        start = rng.randrange(0, 20 * 86400) * 1_000_000
        lines = [p + l for p, l in zip(text.log_prefix(rng, start, len(lines)), lines)]

    records = []
    count = _poisson(rng, target / MIB * args.secrets_per_mib)
    for line_index in sorted(rng.sample(range(len(lines)), count), reverse=True):
        kind = rng.choice(plant.KINDS)
        value = plant.make(kind, rng)
        secret_line = _secret_line(rng, genre, kind, value)
        if genre == "log":
            # Keep the neighbouring line's `<timestamp>Z 00O ` prefix.
            secret_line = lines[line_index][: text.LOG_PREFIX_LEN] + secret_line
        lines.insert(line_index, secret_line)
        records.append((line_index, kind, plant.fingerprint(value)))
    # Inserted bottom-up: the n-th planted line from the top moved down by the n inserted above it.
    planted = [
        {
            "file": rel,
            "line": line_index + n + 1,
            "kind": kind,
            "gitlab": kind in plant.GITLAB_KINDS,
            "fingerprint": fp,
        }
        for n, (line_index, kind, fp) in enumerate(sorted(records))
    ]

    data = ("\n".join(lines) + "\n").encode("ascii")
    path = os.path.join(args.out, "corpus", rel)
    with open(path, "wb") as f:
        f.write(data)
    return rel, len(data), planted


def _init(args, pools):
    global _ARGS, _POOLS
    _ARGS, _POOLS = args, pools


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--size-mib", type=float, default=1024, help="total size (default 1024 = 1 GiB)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--file-mib", type=float, default=1, help="mean file size (default 1 MiB)")
    size.add_argument("--file-kib", type=float, help="mean file size in KiB, for trees of many small files")
    parser.add_argument("--secrets-per-mib", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    # Lines are drawn 256 at a time (~15 KiB), which would make every small file that large;
    # small files draw 8 at a time. --file-mib keeps 256 so its outputs stay byte for byte.
    args.batch = 256
    if args.file_kib is not None:
        args.file_mib = args.file_kib / 1024
        args.batch = 8

    files = max(1, round(args.size_mib / args.file_mib))
    for g in range(min(GROUPS, files)):
        os.makedirs(os.path.join(args.out, "corpus", f"group-{g:02d}"), exist_ok=True)
    pools = text.build_pools(random.Random(f"{args.seed}:pools"))

    total, planted = 0, []
    with multiprocessing.get_context("fork").Pool(args.jobs, _init, (args, pools)) as workers:
        for _, size, records in workers.imap(_build_file, range(files), chunksize=4):
            total += size
            planted.extend(records)

    with open(os.path.join(args.out, "planted.jsonl"), "w") as f:
        for record in planted:
            f.write(json.dumps(record) + "\n")
    manifest = {
        "seed": args.seed,
        "files": files,
        "bytes": total,
        "planted": len(planted),
        "planted_gitlab": sum(r["gitlab"] for r in planted),
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(json.dumps(manifest))


if __name__ == "__main__":
    main()

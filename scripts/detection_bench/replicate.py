#!/usr/bin/env python3
"""Consecutive copies of a labelled instance's streaming events (gen.py's stream.jsonl), for
benchmarks that need tens of millions of events shaped like an instance rather than drawn
evenly from event types: copy k is shifted k spans later (a span: the input's first to last
day, plus a day) and its ids k times the largest id further.

    python3 scripts/detection_bench/replicate.py IN/stream.jsonl COPIES OUT.jsonl
"""

import datetime
import re
import sys

CREATED = re.compile(r'"created_at":"([^"]+)"')
ID = re.compile(r'^\{"id":"(\d+)"')


def parse(ts: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(ts.replace("Z", "+00:00"))


def main() -> int:
    source, copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(source, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    # The event's own time is the last `created_at` of its line (details may hold others).
    spans = [list(CREATED.finditer(line))[-1].span(1) for line in lines]
    times = [parse(line[a:b]) for line, (a, b) in zip(lines, spans)]
    ids = [int(ID.match(line).group(1)) for line in lines]
    span = (max(times) - min(times)) + datetime.timedelta(days=1)
    step = max(ids) + 1
    with open(out, "w", encoding="utf-8") as w:
        for k in range(copies):
            shift = span * k
            for line, t, i, (a, b) in zip(lines, times, ids, spans):
                at = t + shift
                stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
                line = line[:a] + stamp + line[b:]
                line = ID.sub(f'{{"id":"{i + k * step}"', line, count=1)
                w.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

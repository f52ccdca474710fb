#!/usr/bin/env python3
"""One Markdown row of the benchmark table from GNU `time -v` files and a count_findings.py result.

    table_row.py LABEL TARGET THREADS BYTES COUNT_JSON TIME_FILE...

Uses the run with the smallest wall time: on a shared machine it is the least disturbed one.
"""

import json
import re
import sys


def _field(text, name):
    return re.search(re.escape(name) + r".*?: (.*)", text).group(1).strip()


def _run(path):
    text = open(path).read()
    wall = 0.0
    for part in _field(text, "Elapsed (wall clock) time").split(":"):
        wall = wall * 60 + float(part)
    cpu = float(_field(text, "User time (seconds)")) + float(_field(text, "System time (seconds)"))
    rss_mib = int(_field(text, "Maximum resident set size (kbytes)")) / 1024
    return wall, cpu, rss_mib


def main():
    label, target, threads, size, count_json, *time_files = sys.argv[1:]
    size = int(size)
    wall, cpu, rss = min(_run(path) for path in time_files)
    # GNU time reports to 0.01 s; keep the rates finite for runs faster than that.
    wall, cpu = max(wall, 0.01), max(cpu, 0.01)
    c = json.load(open(count_json))
    print(
        f"| {label} | {target} | {threads} | {size / 1e6:,.0f} MB | {wall:.2f} | {size / 1e6 / wall:,.1f} "
        f"| {cpu:.2f} | {size / 1e6 / cpu:,.1f} | {rss:,.0f} | {c['findings']} | {c['elsewhere']} | {c['found']}/{c['planted']} "
        f"| {c['gitlab_found']}/{c['gitlab_planted']} |"
    )


if __name__ == "__main__":
    main()

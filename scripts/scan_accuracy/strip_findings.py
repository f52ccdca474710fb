#!/usr/bin/env python3
"""Filter a scanner's JSONL on stdin to stdout without the secret values, so findings can be kept
on disk: glir's `secret` field is dropped; Kingfisher (run with --redact) is passed through with
its `snippet` dropped too."""

import json
import sys

DROP = {"secret", "snippet", "match", "raw", "value"}


def scrub(obj):
    if isinstance(obj, dict):
        return {k: scrub(v) for k, v in obj.items() if k not in DROP}
    if isinstance(obj, list):
        return [scrub(v) for v in obj]
    return obj


for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        print(json.dumps(scrub(json.loads(line)), sort_keys=True))

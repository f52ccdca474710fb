#!/usr/bin/env bash
# The command users run, end to end, beside the rsigma CLI on the same rules and file, in one run:
# `glir detect --input FILE --format jsonl` (baseline, every rule, alerts grouped and written)
# and `rsigma engine eval` over the same streaming file. Prints wall time, CPU seconds and peak
# RSS of each; alerts go to files in $OUT.
#
#   scripts/detection_bench/speed.sh [RUNS]      (default 5; needs python3 and, for the peer,
#                                                 `cargo install rsigma --version 0.23.0 --locked`)
#
# The data: gen.py --seed 3 --users 1600 --days 30 (about 900,000 streamed events, 560 MB).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}
OUT=${OUT:-${TMPDIR:-/tmp}/glir-speed}
DATA=$OUT/data
mkdir -p "$OUT"
if [ ! -s "$DATA/stream.jsonl" ]; then
  python3 scripts/detection_bench/gen.py --seed 3 --users 1600 --days 30 --out "$DATA" --quiet
  rm -f "$DATA/rest.json" "$DATA/audit_json.log"
fi
F=$DATA/stream.jsonl
cargo build --release --locked -p glir >/dev/null 2>&1
GLIR=${CARGO_TARGET_DIR:-target}/release/glir
EVENTS=$(wc -l < "$F")
echo "input: $F, $EVENTS events, $(du -m "$F" | cut -f1) MB; $(nproc) cores"

measure() { # label, command...
  local label=$1; shift
  for i in $(seq 1 "$RUNS"); do
    /usr/bin/time -f "%e %U %S %M" -o "$OUT/time" "$@" > "$OUT/$label.out" 2> "$OUT/$label.err" || true
    # time(1) puts "Command exited with non-zero status 1" first when alerts set the exit code.
    read -r wall user sys rss < <(tail -n 1 "$OUT/time")
    awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v n="$EVENTS" \
      'BEGIN { printf "%-7s wall %5.2f s  %9.0f events/s  cpu %5.2f s (%7.0f events/cpu-s)  peak RSS %4.0f MB  lines %s\n",
               l, w, n / w, u + s, n / (u + s), r / 1024, "" }' | tr -d '\n'
    wc -l < "$OUT/$label.out"
  done
}

measure glir "$GLIR" detect --input "$F" --format jsonl
if command -v rsigma >/dev/null; then
  RULES=$OUT/rules-notests
  rm -rf "$RULES" && mkdir -p "$RULES" && cp -r rules/gitlab/*/ "$RULES/" && rm -r "$RULES/tests"
  measure rsigma rsigma engine eval -r "$RULES" -e "@$F" --input-format json \
    --timestamp-field created_at --no-detections --correlation-event-mode refs \
    --max-correlation-events 100 --output-format ndjson
else
  echo "rsigma: not installed (cargo install rsigma --version 0.23.0 --locked)"
fi

#!/usr/bin/env bash
# `glir detect` pushed down versus in glir, and `glir timeline`, over 10M+ stored events shaped
# like an instance: the labelled instance of gen.py (seed 1, 300 users, 30 days: 191,058 events,
# 29 attack scenarios) replicated COPIES times, each copy the next month with fresh ids
# (scripts/detection_bench/replicate.py). Figures go to docs/BENCHMARKS.md.
#
#   scripts/clickhouse_bench_instance.sh [COPIES=53] [URL=clickhouse://127.0.0.1:18123/glir_instance]
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-53}
url=${2:-clickhouse://127.0.0.1:18123/glir_instance}
host=${url#clickhouse://}; host=${host%%/*}; db=${url##*/}
curl -fsS "http://$host/?query=SELECT%201" >/dev/null 2>&1 || scripts/clickhouse-server.sh start >/dev/null
cargo build --release -p glir --bin glir --quiet
glir=target/release/glir
data=bench-data/instance
mkdir -p "$data"
q() { curl -fsS "http://$host/" --data-binary "$1"; }
t() { /usr/bin/time -f "%e s wall, %U+%S s CPU, %M KB peak RSS" "$@"; }
server_pid=$(pgrep -f 'clickhouse-server --config' | head -1 || true)
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$server_pid/stat"; }
server_spent() { echo "server $(echo "$(server_cpu) - $1" | bc) s CPU"; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); ClickHouse $(q 'SELECT version()')"
if [ "$(q "SELECT count() FROM $db.events" 2>/dev/null || echo 0)" -eq 0 ]; then
  python3 scripts/detection_bench/gen.py --seed 1 --users 300 --days 30 --quiet --out "$data/one"
  python3 scripts/detection_bench/replicate.py "$data/one/stream.jsonl" "$copies" "$data/stream.jsonl"
  rm -rf "$data/one"
  echo -n "ingest $(wc -l < "$data/stream.jsonl") events: "
  c0=$(server_cpu)
  t "$glir" --quiet --data-dir "$data/dir" --store "$url" ingest --source bench "$data/stream.jsonl" 2>&1 >/dev/null | tail -1 | tr '\n' ' '
  server_spent "$c0"
  rm -f "$data/stream.jsonl"
fi
echo "stored: $(q "SELECT count() FROM $db.events") events, $(q "SELECT formatReadableSize(sum(bytes)) FROM system.parts WHERE database = '$db' AND table = 'events' AND active") on disk"

# The busiest author and one with about a hundred events.
busy=$(q "SELECT author_name FROM $db.events WHERE author_name != '' GROUP BY author_name ORDER BY count() DESC LIMIT 1")
rare=$(q "SELECT author_name FROM $db.events WHERE author_name != '' GROUP BY author_name HAVING count() BETWEEN 50 AND 200 ORDER BY author_name LIMIT 1")
for actor in "$rare" "$busy"; do
  n=$(q "SELECT count() FROM $db.events WHERE author_name = '$actor'")
  "$glir" --store "$url" --data-dir "$data/dir" timeline --actor "$actor" >/dev/null 2>&1
  best=999999; total=0; runs=10
  for _ in $(seq $runs); do
    t0=$(date +%s%N)
    "$glir" --store "$url" --data-dir "$data/dir" timeline --actor "$actor" >/dev/null 2>&1
    ms=$(( ($(date +%s%N) - t0) / 1000000 )); total=$((total + ms)); (( ms < best )) && best=$ms
  done
  echo "timeline --actor '$actor' ($n events): best $best ms, mean $((total / runs)) ms ($runs runs, whole process)"
done

for mode in pushdown inprocess; do
  extra=(); [ $mode = inprocess ] && extra=(--in-process)
  echo -n "detect, $mode: "
  c0=$(server_cpu)
  t "$glir" --store "$url" --data-dir "$data/dir" --format jsonl detect "${extra[@]}" \
    > "$data/alerts-$mode.jsonl" 2> "$data/detect-$mode.txt" || true
  tail -1 "$data/detect-$mode.txt" | tr '\n' ' '; server_spent "$c0"
  grep -E "pushdown:|events, |note:" "$data/detect-$mode.txt" || true
done
if cmp -s <(sort "$data/alerts-pushdown.jsonl") <(sort "$data/alerts-inprocess.jsonl"); then
  echo "the same $(wc -l < "$data/alerts-pushdown.jsonl") printed alerts both ways"
else
  echo "PRINTED ALERTS DIFFER between pushdown and in-process"
fi

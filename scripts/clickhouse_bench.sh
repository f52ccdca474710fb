#!/usr/bin/env bash
# ClickHouse backend benchmarks: ingest rate, `glir detect` pushed down vs in-process over the
# same stored events, and `glir timeline` latency. Figures go to docs/BENCHMARKS.md.
#
#   scripts/clickhouse_bench.sh [MILLIONS=10] [URL=clickhouse://127.0.0.1:18123/glir_bench]
#
# Starts the loopback server of scripts/clickhouse-server.sh when URL's server is not up.
# Generates MILLIONS files of 1M streaming-layout events (gen_events, seeds 0..MILLIONS-1: disjoint
# ids, consecutive times) one at a time into ./bench-data, ingests each and deletes it.
set -euo pipefail
cd "$(dirname "$0")/.."
millions=${1:-10}
url=${2:-clickhouse://127.0.0.1:18123/glir_bench}
data=bench-data
mkdir -p "$data"
host=${url#clickhouse://}; host=${host%%/*}; db=${url##*/}
if ! curl -fsS "http://$host/?query=SELECT%201" >/dev/null 2>&1; then
  scripts/clickhouse-server.sh start >/dev/null
fi
cargo build --release -p glir --bin glir --quiet
cargo build --release -p glir-ingest --example gen_events --quiet
glir=target/release/glir
gen=target/release/examples/gen_events
q() { curl -fsS "http://$host/" --data-binary "$1"; }
t() { /usr/bin/time -f "%e s wall, %U+%S s CPU, %M KB peak RSS" "$@"; }
# CPU seconds the ClickHouse server has used so far (utime + stime of its process), so each
# phase can say what the database spent beside glir.
server_pid=$(pgrep -f 'clickhouse-server --config' | head -1 || true)
server_cpu() {
  if [ -n "$server_pid" ]; then
    awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$server_pid/stat"
  else echo "?"; fi
}
server_spent() { echo "server $(echo "$(server_cpu) - $1" | bc) s CPU"; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); ClickHouse $(q 'SELECT version()')"
stored=$(q "SELECT count() FROM $db.events" 2>/dev/null || echo 0)
for ((i = stored / 1000000; i < millions; i++)); do
  file="$data/stream-1m-seed$i.jsonl"
  "$gen" 1000000 "$file" "$i"
  sync
  echo -n "ingest 1M (seed $i) into $((i * 1000000)) stored: "
  c0=$(server_cpu)
  t "$glir" --quiet --data-dir "$data/ch-dir" --store "$url" ingest --source bench "$file" 2>&1 >/dev/null | tail -1 | tr '\n' ' '
  server_spent "$c0"
  rm -f "$file"
done
echo "stored: $(q "SELECT count() FROM $db.events") events, $(q "SELECT formatReadableSize(sum(bytes)) FROM system.parts WHERE database = '$db' AND table = 'events' AND active") on disk"

for actor in "Mallory Quiet" "User 200"; do
  "$glir" --store "$url" --data-dir "$data/ch-dir" timeline --actor "$actor" >/dev/null
  best=999999; total=0; runs=10
  for _ in $(seq $runs); do
    t0=$(date +%s%N)
    "$glir" --store "$url" --data-dir "$data/ch-dir" timeline --actor "$actor" >/dev/null
    ms=$(( ($(date +%s%N) - t0) / 1000000 )); total=$((total + ms)); (( ms < best )) && best=$ms
  done
  echo "timeline --actor '$actor': best $best ms, mean $((total / runs)) ms ($runs runs, whole process)"
done

echo -n "detect, pushed down: "
c0=$(server_cpu)
t "$glir" --store "$url" --data-dir "$data/ch-dir" --format jsonl detect > "$data/alerts-pushdown.jsonl" 2> "$data/detect-pushdown.txt" || true
tail -1 "$data/detect-pushdown.txt"; server_spent "$c0"; grep -E "pushdown:|events, " "$data/detect-pushdown.txt" || true
echo -n "detect, in-process: "
c0=$(server_cpu)
t "$glir" --store "$url" --data-dir "$data/ch-dir" --format jsonl detect --in-process > "$data/alerts-inprocess.jsonl" 2> "$data/detect-inprocess.txt" || true
tail -1 "$data/detect-inprocess.txt"; server_spent "$c0"; grep -E "events, " "$data/detect-inprocess.txt" || true
if cmp -s <(sort "$data/alerts-pushdown.jsonl") <(sort "$data/alerts-inprocess.jsonl"); then
  echo "the same $(wc -l < "$data/alerts-pushdown.jsonl") alerts both ways"
else
  echo "ALERTS DIFFER between pushdown and in-process"
fi

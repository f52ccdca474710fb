#!/usr/bin/env bash
# Foundation benchmarks: `glir ingest` throughput and memory, and `glir timeline --actor` latency
# over a large store. Figures go to docs/BENCHMARKS.md.
#
#   scripts/bench.sh [EVENTS_FOR_INGEST=1000000] [EVENTS_FOR_TIMELINE=10000000]
#
# Needs ~8 GB of free disk for the 10M-event store. Data lives in ./bench-data (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
n_ingest=${1:-1000000}
n_timeline=${2:-10000000}
data=bench-data
mkdir -p "$data"

cargo build --release -p glir --bin glir --quiet
cargo build --release -p glir-ingest --example gen_events --quiet
glir=target/release/glir
gen=target/release/examples/gen_events

peak_rss_mb() { awk '/Maximum resident set size/ {printf "%.1f", $NF/1024}' "$1"; }
wall_s() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$1"; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

ingest_run() {
  local n=$1 file="$data/stream-$1.jsonl" dir="$data/store-ingest-$1"
  [ -f "$file" ] || "$gen" "$n" "$file"
  rm -rf "$dir"
  # Start with no dirty pages: writeback left over from a previous run otherwise stalls this
  # one's checkpoints (seen: 6.6 s instead of 1.2 s for 250k events right after a 10M ingest).
  sync
  /usr/bin/time -v "$glir" --quiet --data-dir "$dir" ingest --source bench "$file" 2> "$data/time-$n.txt" >/dev/null
  local secs rss
  secs=$(wall_s "$data/time-$n.txt"); rss=$(peak_rss_mb "$data/time-$n.txt")
  printf 'ingest %9d events (%s MB): %6.2f s  %8.0f events/s  peak RSS %s MB\n' \
    "$n" "$(du -m "$file" | cut -f1)" "$secs" "$(echo "$n / $secs" | bc -l)" "$rss"
}

ingest_run $((n_ingest / 4))
ingest_run "$n_ingest"

big="$data/store-timeline-$n_timeline"
if [ ! -f "$big/glir.db" ]; then
  file="$data/stream-$n_timeline.jsonl"
  [ -f "$file" ] || "$gen" "$n_timeline" "$file"
  "$glir" --quiet --data-dir "$big" ingest --source bench "$file"
  rm -f "$file"
fi
# "Mallory Quiet" acts once per 50,000 generated events (an investigated account); "User 200"
# is the generator's least active regular user (see gen_events.rs).
for actor in "Mallory Quiet" "User 200"; do
  "$glir" --data-dir "$big" timeline --actor "$actor" >/dev/null   # warm the page cache
  runs=20; best=999999; total=0
  for _ in $(seq $runs); do
    t0=$(date +%s%N)
    "$glir" --data-dir "$big" timeline --actor "$actor" > "$data/timeline.txt"
    t=$(( ($(date +%s%N) - t0) / 1000000 )); total=$((total + t)); (( t < best )) && best=$t
  done
  matched=$("$glir" --data-dir "$big" --format csv timeline --actor "$actor" --limit 100000000 | tail -n +2 | wc -l)
  printf 'timeline --actor %-14s over %d events: %6d matching, %5d shown (default --limit 1000), best %4d ms, mean %4d ms (%d runs, whole process)\n' \
    "'$actor'" "$n_timeline" "$matched" "$(grep -c '^[! ] ' "$data/timeline.txt")" "$best" $((total / runs)) "$runs"
done

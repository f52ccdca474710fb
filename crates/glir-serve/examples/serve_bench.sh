#!/usr/bin/env bash
# The receiver's throughput and latency on loopback, with durability on (one fdatasync per
# group commit) and live detection on, against the load generator (examples/load.rs), each run
# on a fresh data directory. Prints the load generator's line and the server's CPU and peak RSS.
#
#   cargo build --release -p glir --bin glir -p glir-serve --example load
#   crates/glir-serve/examples/serve_bench.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
glir=$root/target/release/glir
load=$root/target/release/examples/load
run() { # NAME RATE SECONDS CONNECTIONS BATCH [serve flags...]
  local name=$1 rate=$2 secs=$3 conns=$4 batch=$5; shift 5
  local d; d=$(mktemp -d)
  printf 'stream-token-0123456789\n' > "$d/tok"; chmod 600 "$d/tok"; : > "$d/cfg.toml"
  /usr/bin/time -f "%U %S %M" -o "$d/time" "$glir" --quiet --config "$d/cfg.toml" --data-dir "$d/data" \
    serve --listen 127.0.0.1:18499 --destination bench --token-file "$d/tok" --sink "file:$d/alerts.jsonl" "$@" \
    2> "$d/err" &
  local pid=$!
  for _ in $(seq 50); do curl -sf http://127.0.0.1:18499/healthz >/dev/null && break; sleep 0.1; done
  local line; line=$("$load" http://127.0.0.1:18499/v1/streams/bench "$d/tok" "$rate" "$secs" "$conns" "$batch")
  pkill -INT -P $pid glir; wait $pid || true
  read -r user sys rss < "$d/time"
  printf '%-34s %s | server CPU %.1f s (user %s + sys %s), peak RSS %d MiB\n' "$name" "$line" \
    "$(echo "$user + $sys" | bc)" "$user" "$sys" $((rss / 1024))
  rm -rf "$d"
}
run "single events, as fast as possible" max 10 128 1
run "single events at 10,000/s" 10000 10 128 1
run "batches of 100, as fast as possible" max 10 16 100
run "batches of 100 at 50,000 events/s" 50000 10 16 100

#!/usr/bin/env bash
# `glir detect` three ways over one labelled instance: pushed down to ClickHouse, in glir over
# ClickHouse (--in-process), and over SQLite; wall time, glir's and the server's CPU, and
# whether the printed alerts are the same. Figures go to docs/BENCHMARKS.md.
#
#   scripts/clickhouse_detect_bench.sh [SEED=1] [USERS=300] [DAYS=30]
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${1:-1}; users=${2:-300}; days=${3:-30}
url=clickhouse://127.0.0.1:18123/glir_labelled
curl -fsS "http://127.0.0.1:18123/?query=SELECT%201" >/dev/null 2>&1 || scripts/clickhouse-server.sh start >/dev/null
cargo build --release -p glir --bin glir --quiet
glir=target/release/glir
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/detection_bench/gen.py --seed "$seed" --users "$users" --days "$days" --quiet --out "$work/data"
curl -fsS http://127.0.0.1:18123/ --data-binary "DROP DATABASE IF EXISTS glir_labelled"
"$glir" --quiet --store "$url" --data-dir "$work/ch" ingest --source bench "$work/data/stream.jsonl"
"$glir" --quiet --data-dir "$work/sqlite" ingest --source bench "$work/data/stream.jsonl"
pid=$(pgrep -f 'clickhouse-server --config' | head -1 || true)
cpu() { [ -n "$pid" ] && awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$pid/stat" || echo 0; }
for mode in pushdown inprocess sqlite; do
  case $mode in
    pushdown) args=(--store "$url" --data-dir "$work/ch"); extra=() ;;
    inprocess) args=(--store "$url" --data-dir "$work/ch"); extra=(--in-process) ;;
    sqlite) args=(--data-dir "$work/sqlite"); extra=() ;;
  esac
  c0=$(cpu)
  /usr/bin/time -f "%e s wall, %U+%S s CPU, %M KB peak RSS" "$glir" "${args[@]}" --format jsonl detect "${extra[@]}" \
    > "$work/alerts-$mode.jsonl" 2> "$work/detect-$mode.txt" || true
  echo "$mode: $(tail -1 "$work/detect-$mode.txt"); server $(echo "$(cpu) - $c0" | bc) s CPU"
  grep -E "pushdown:|events, " "$work/detect-$mode.txt" || true
done
for m in inprocess sqlite; do
  if cmp -s <(sort "$work/alerts-pushdown.jsonl") <(sort "$work/alerts-$m.jsonl"); then
    echo "pushed down = $m: $(wc -l < "$work/alerts-pushdown.jsonl") printed alerts"
  else
    echo "DIFFER: pushed down vs $m"
  fi
done
curl -fsS http://127.0.0.1:18123/ --data-binary "DROP DATABASE IF EXISTS glir_labelled"

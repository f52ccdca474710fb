#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS_PER_TARGET (default 180) one after another, one
# libFuzzer process each, and prints how many inputs each executed. A target that finds a crash
# stops there (its input lands in fuzz/artifacts/<target>/); the others still run, and the
# script exits non-zero at the end. Extra arguments go to libFuzzer, e.g. -max_len=65536.
set -euo pipefail

seconds="${1:-180}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
logs="$root/fuzz/logs"
mkdir -p "$logs"

targets=(${FUZZ_TARGETS:-audit_event ingest_reader token_identify sigma_rule job_log archive config stream_body})
failed=()
printf '%-16s %14s %8s  %s\n' target executions seconds result
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t"
    start=$(date +%s)
    status=ok
    cargo +nightly fuzz run -O "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 "$@" \
        >"$logs/$t.log" 2>&1 || status="FAILED (see fuzz/logs/$t.log)"
    wall=$(($(date +%s) - start))
    # The final stats, or libFuzzer's "Done N runs" line; a crash leaves only the last "#N" status.
    execs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$logs/$t.log" | tail -n1 || true)
    [[ -n "$execs" ]] || execs=$(grep -oP '^Done \K[0-9]+' "$logs/$t.log" | tail -n1 || true)
    [[ -n "$execs" ]] || execs=$(grep -oP '^#\K[0-9]+' "$logs/$t.log" | tail -n1 || true)
    printf '%-16s %14s %8s  %s\n' "$t" "${execs:-?}" "$wall" "$status"
    [[ "$status" == ok ]] || failed+=("$t")
done
if ((${#failed[@]})); then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi

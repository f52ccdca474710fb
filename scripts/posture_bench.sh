#!/usr/bin/env bash
# `glir posture` end to end over a simulated instance of N projects (default 5,000): the command
# users run, with its JSON output, under the instance's own rate limit (the fleet turns GitLab's
# authenticated API limit on at GitLab.com's 2,000 requests a minute). Reports requests, 429s,
# wall time, CPU-seconds and peak RSS; then stops a second run part-way and resumes it.
#
#   scripts/posture_bench.sh [N] [--rate-per-minute R]
#
# With R, the fleet's limit is raised to R a minute first (PUT /application/settings), for a
# shorter run; glir reads the limit and paces itself to 90% of it either way.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000}
RATE=
if [[ "${2:-}" == --rate-per-minute ]]; then RATE=${3:?a number}; fi
PORT=${PORT:-18231}
OUT=${OUT:-target/posture-bench}
mkdir -p "$OUT"
cargo build --release --offline -p glir -p glir-sim >/dev/null
SIM=target/release/glir-sim
GLIR=target/release/glir
ADMIN=glpat-FleetRootAdmin0000001
URL=http://127.0.0.1:$PORT

"$SIM" --fleet "$N" --listen 127.0.0.1:$PORT >"$OUT/sim.log" 2>&1 &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$URL/api/v4/version" -H "PRIVATE-TOKEN: $ADMIN" >/dev/null && break; sleep 0.1; done

if [[ -n "$RATE" ]]; then
  curl -sf -X PUT "$URL/api/v4/application/settings" -H "PRIVATE-TOKEN: $ADMIN" \
    -H 'Content-Type: application/json' \
    -d "{\"throttle_authenticated_api_requests_per_period\": $RATE, \"throttle_authenticated_api_period_in_seconds\": 60}" >/dev/null
fi
LIMIT=$(curl -sf "$URL/api/v4/application/settings" -H "PRIVATE-TOKEN: $ADMIN" |
  python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["throttle_authenticated_api_requests_per_period"], "per", s["throttle_authenticated_api_period_in_seconds"], "s, enabled:", s["throttle_authenticated_api_enabled"])')

run() { # name, extra args…
  local name=$1; shift
  local data; data=$(mktemp -d)
  set +e
  GLIR_URL=$URL GLIR_TOKEN=$ADMIN /usr/bin/time -f '%e %U %S %M' -o "$OUT/$name.time" \
    "$GLIR" --data-dir "$data" posture --format json "$@" >"$OUT/$name.json" 2>"$OUT/$name.err"
  echo $? >"$OUT/$name.exit"
  set -e
}

summary() { # name
  python3 - "$OUT" "$1" <<'PY'
import json, sys
out, name = sys.argv[1], sys.argv[2]
wall, user, sys_, rss = open(f"{out}/{name}.time").read().split()[-4:]
exit_code = open(f"{out}/{name}.exit").read().strip()
r = json.load(open(f"{out}/{name}.json"))
c, q = r["counts"], r["requests"]
targets = ", ".join(f"{n} {k}" for k, n in r["targets"].items())
print(f"{name}: exit {exit_code}; {targets}; {len(r['checks'])} checks, {len(r['results'])} outcomes "
      f"({c['pass']} PASS, {c['fail']} FAIL, {c['skip']} SKIP, {c['error']} ERROR); complete: {r['complete']}")
print(f"  requests {q['sent']} (retried {q['retried']}, 429 {q['rate_limited']}), spacing {q['min_interval_ms']} ms; "
      f"resumed targets {r['resumed']}")
print(f"  wall {float(wall):.1f} s, CPU {float(user)+float(sys_):.1f} s (user {user}, sys {sys_}), peak RSS {int(rss)/1024:.1f} MiB")
print(f"  {q['sent']/float(wall):.1f} requests/s")
PY
}

echo "fleet: $N projects; authenticated API limit $LIMIT"
run full
summary full
echo "429s the simulator sent during the run: $(curl -sf "$URL/-/sim/requests?status=429" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')"

# Stopped part-way (SIGINT after a third of the full run's time), then resumed with the same file.
STATE=$OUT/resume.state
rm -f "$STATE"
STOP_AFTER=$(python3 -c "print(max(2, float(open('$OUT/full.time').read().split()[-4]) / 3))")
GLIR_URL=$URL GLIR_TOKEN=$ADMIN timeout -s INT "$STOP_AFTER" "$GLIR" --data-dir "$(mktemp -d)" posture \
  --format json --resume "$STATE" >/dev/null 2>&1 || true
echo "stopped after ${STOP_AFTER}s with $(($(wc -l <"$STATE") - 1)) targets in the resume file"
run resumed --resume "$STATE"
summary resumed

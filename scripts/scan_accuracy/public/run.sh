#!/usr/bin/env bash
# Secret-scan precision/recall on PUBLIC labelled examples (the rule files of Nosey Parker,
# Kingfisher and gitleaks; see SOURCES.md): extract -> build -> scan -> score.
#
#   scripts/scan_accuracy/public/run.sh            report on stdout; files in ${OUT:-/tmp/glir-scan-public}
#
# Variables:
#   MIRRORS     where the bare mirrors live (default /work/.mirror, as the `fetch` tool lays them:
#               <owner>+<name>/repo). A missing mirror is cloned bare from ${GIT_BASE:-https://github.com};
#               a mirror without the pinned commit is fetched into.
#   DATA        the labelled set (default: scripts/scan_accuracy/public/data, rewritten by extract.py)
#   GLIR_BIN    glir binary (default: cargo build --release --offline -p glir --bin glir of this checkout)
#   KINGFISHER  Kingfisher binary (default: the one scripts/scan_bench/install_tools.sh installed
#               under ${GLIR_BENCH_CACHE:-~/.cache/glir-bench}, if any; skipped otherwise)
#   RUNS        timed runs of each scanner (default 5; the median is reported)
#   SKIP_EXTRACT=1  score the existing DATA as it is
# Findings are stored without secret values (../strip_findings.py; Kingfisher runs with --redact).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
mirrors=${MIRRORS:-/work/.mirror}
data=${DATA:-$here/data}
out=${OUT:-/tmp/glir-scan-public}
runs=${RUNS:-5}
mkdir -p "$out"

# 1. Mirrors at the pinned commits (the pins live in extract.py's SOURCES).
if [ "${SKIP_EXTRACT:-0}" != 1 ]; then
  python3 - "$here" <<'PY' | while read -r repo mirror commit; do
import sys
sys.path.insert(0, sys.argv[1])
from extract import SOURCES
for s in SOURCES.values():
    print(s["repo"], s["mirror"], s["commit"])
PY
    gitdir=$mirrors/$mirror/repo
    if [ ! -d "$gitdir" ]; then
      echo "cloning $repo into $gitdir" >&2
      git clone --quiet --bare "${GIT_BASE:-https://github.com}/$repo.git" "$gitdir"
    fi
    if ! git --git-dir="$gitdir" cat-file -e "$commit^{commit}" 2>/dev/null; then
      echo "fetching $commit into $gitdir" >&2
      git --git-dir="$gitdir" fetch --quiet origin "$commit"
    fi
  done
  # 2. Extract.
  python3 "$here/extract.py" --mirrors "$mirrors" --out "$data"
fi

# 3. Build glir (or take GLIR_BIN), find Kingfisher.
if [ -n "${GLIR_BIN:-}" ]; then
  glir=$GLIR_BIN
else
  (cd "$root" && cargo build --release --offline -p glir --bin glir --quiet)
  glir=${CARGO_TARGET_DIR:-$root/target}/release/glir
fi
cache=${GLIR_BENCH_CACHE:-$HOME/.cache/glir-bench}
kingfisher=${KINGFISHER:-}
if [ -z "$kingfisher" ] && [ -x "$cache/kf/bin/python" ]; then
  kingfisher=$("$cache/kf/bin/python" -c \
    'import kingfisher, os; print(os.path.join(os.path.dirname(kingfisher.__file__), "bin", "kingfisher"))' 2>/dev/null || true)
fi

# 4. Scan. Each tool: one run for the findings, then RUNS timed runs (output discarded).
# glir exits 1 on findings, Kingfisher 200. --no-ignore: no .gitignore may hide an example.
# Kingfisher: --no-dedup gives one report per file as glir does (by default it reports a secret
# once however many example files hold it); its first run also builds its rule cache.
cmd_glir=("$glir" scan "$data" --format jsonl -q --no-ignore)
cmd_glir_generic=("$glir" scan "$data" --format jsonl -q --no-ignore --generic)
cmd_kingfisher=("$kingfisher" scan "$data" --no-validate --redact --no-update-check --no-dedup -q --format jsonl)
tools=(glir glir-generic)
[ -n "$kingfisher" ] && [ -x "$kingfisher" ] && tools+=(kingfisher)

findings_args=() times_args=()
for tool in "${tools[@]}"; do
  declare -n c="cmd_${tool//-/_}"
  { "${c[@]}" 2>/dev/null || true; } | python3 "$here/../strip_findings.py" > "$out/$tool.jsonl"
  : > "$out/$tool.times"
  [ -x /usr/bin/time ] || { echo "no /usr/bin/time (apt-get install time): not timed" > "$out/$tool.time"; runs=0; }
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -a -o "$out/$tool.times" "${c[@]}" >/dev/null 2>&1 || true
  done
  unset -n c
  [ "$runs" = 0 ] || python3 - "$out/$tool.times" > "$out/$tool.time" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and l.split()[0][0].isdigit()]
if not rows:
    sys.exit()
wall = statistics.median(float(r[0]) for r in rows)
cpu = statistics.median(float(r[1]) + float(r[2]) for r in rows)
rss = max(int(r[3]) for r in rows) / 1024
print(f"median of {len(rows)} runs: wall {wall:.2f} s, CPU {cpu:.2f} s, max RSS {rss:.0f} MiB")
PY
  findings_args+=(--findings "$tool=$out/$tool.jsonl")
  times_args+=(--times "$tool=$out/$tool.time")
done

# 5. Score.
python3 "$here/score.py" --data "$data" "${findings_args[@]}" "${times_args[@]}" \
  --json "$out/score.json" --details | tee "$out/report.md"
[ -n "$kingfisher" ] || echo >&2 "Kingfisher not installed (scripts/scan_bench/install_tools.sh); glir only."
echo >&2 "versions: $("$glir" --version)${kingfisher:+, $("$kingfisher" --version)}; report: $out/report.md"

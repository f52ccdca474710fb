#!/usr/bin/env bash
# Precision/recall of glir's secret scanner (and Kingfisher, when installed) on labelled data:
# a 2,000-file tree and a 300-commit history for each seed in ${SEEDS:-1 2 3}.
#
#   scripts/scan_accuracy/run.sh          (data in ${ACC_DIR:-/tmp/glir-scan-accuracy})
#
# Seeds 1 and 2 were looked at while the scanner was tuned ("dev"); seed 3 was scored only once
# the rules were frozen ("unseen"). Any other seed is unseen too.
# GLIR_BIN picks the binary (default: `cargo build --release -p glir` of this checkout). Kingfisher is used when
# KINGFISHER is set or scripts/scan_bench/install_tools.sh has installed it; run that script
# first to include it. Findings are stored without secret values (strip_findings.py).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${ACC_DIR:-/tmp/glir-scan-accuracy}
root=$(cd "$here/../.." && pwd)
seeds=${SEEDS:-1 2 3}
if [ -n "${GLIR_BIN:-}" ]; then
  glir=$GLIR_BIN
else
  (cd "$root" && cargo build --release --locked -p glir --quiet)
  glir=${CARGO_TARGET_DIR:-$root/target}/release/glir
fi
files=${FILES:-2000}
commits=${COMMITS:-300}
cache=${GLIR_BENCH_CACHE:-$HOME/.cache/glir-bench}
kingfisher=${KINGFISHER:-}
if [ -z "$kingfisher" ] && [ -x "$cache/kf/bin/python" ]; then
  kingfisher=$("$cache/kf/bin/python" -c \
    'import kingfisher, os; print(os.path.join(os.path.dirname(kingfisher.__file__), "bin", "kingfisher"))' 2>/dev/null || true)
fi
mkdir -p "$dir"

for seed in $seeds; do
  python3 "$here/gen_tree.py" "$dir/tree-$seed" --files "$files" --seed "$seed" >&2
  python3 "$here/gen_history.py" "$dir/git-$seed" --commits "$commits" --seed "$seed" >&2
done

scan() {  # tool data seed -> findings file
  local tool=$1 data=$2 seed=$3 out=$dir/$1-$2-$3.jsonl
  if [ "$data" = files ]; then
    if [ "$tool" = glir ]; then
      (cd "$dir/tree-$seed" && "$glir" scan tree --format jsonl -q || true)
    else
      (cd "$dir/tree-$seed" && "$kingfisher" scan tree --no-validate --redact --no-update-check -q --format jsonl || true)
    fi
  else
    if [ "$tool" = glir ]; then
      "$glir" scan --git "$dir/git-$seed/repo.git" --format jsonl -q || true
    else
      "$kingfisher" scan "$dir/git-$seed/repo.git" --no-validate --redact --no-update-check -q --format jsonl || true
    fi
  fi | python3 "$here/strip_findings.py" > "$out"
  echo "$out"
}

tools=(glir)
[ -n "$kingfisher" ] && [ -x "$kingfisher" ] && tools+=(kingfisher)
rows=()
for tool in "${tools[@]}"; do
  for seed in $seeds; do
    for data in files git; do
      findings=$(scan "$tool" "$data" "$seed")
      if [ "$data" = files ]; then
        args=(--labels "$dir/tree-$seed/labels.jsonl" --root tree/)
      else
        args=(--labels "$dir/git-$seed/labels_git.jsonl" --git)
      fi
      python3 "$here/score.py" "${args[@]}" --findings "$findings" --tool "$tool" > "$dir/score-$tool-$data-$seed.txt"
      python3 "$here/score.py" "${args[@]}" --findings "$findings" --tool "$tool" --json > "$dir/score-$tool-$data-$seed.json"
      rows+=("$tool $data $seed $dir/score-$tool-$data-$seed.json")
    done
  done
done

python3 - "${rows[@]}" <<'PY'
import json, sys
pct = lambda x: "n/a" if x != x else f"{100 * x:.1f}%"
cell = lambda s: f"{pct(s['precision'])} / {pct(s['recall'])}"
counts = lambda s: f"{s['tp']}/{s['fp']}/{s['fn']}"
print("| tool | data | precision | recall | GitLab P / R | third-party P / R | TP/FP/FN (all) | TP/FP/FN (GitLab) | TP/FP/FN (third-party) |")
print("|---|---|---|---|---|---|---|---|---|")
for row in sys.argv[1:]:
    tool, data, seed, path = row.split(" ", 3)
    r = json.load(open(path))
    label = f"dev (seed {seed})" if seed in ("1", "2") else f"unseen (seed {seed})"
    o, g, t = r["overall"], r["gitlab"], r["third_party"]
    print(f"| {tool} | {data}, {label} | {pct(o['precision'])} | {pct(o['recall'])} | {cell(g)} | {cell(t)} | {counts(o)} | {counts(g)} | {counts(t)} |")
PY
echo >&2 "details: $dir/score-*.txt (misses and false positives by context)"
[ "${#tools[@]}" -gt 1 ] || echo >&2 "Kingfisher not installed (scripts/scan_bench/install_tools.sh); glir only."
echo >&2 "Kingfisher rows are matched by path and line only (no comparable fingerprint)."

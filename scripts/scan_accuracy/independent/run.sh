#!/usr/bin/env bash
# Independent accuracy check of `glir scan`: generate the second corpus (seed 11: a 1500-file tree
# and a 300-commit history) and print precision/recall with ../score.py, for glir and, when it is
# installed (scripts/scan_bench/install_tools.sh), Kingfisher (matched by path and line only).
#
#   scripts/scan_accuracy/independent/run.sh [OUT]     (GLIR_BIN, SEED, FILES, COMMITS, VERBOSE=1)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-${TMPDIR:-/tmp}/glir-acc-independent}
glir=${GLIR_BIN:-/work/target-main/release/glir}
seed=${SEED:-11}
score=$here/../score.py
strip=$here/../strip_findings.py
mkdir -p "$out"
python3 "$here/gen.py" "$out" --files "${FILES:-1500}" --seed "$seed"
python3 "$here/gen_git.py" "$out" --commits "${COMMITS:-300}" --seed "$seed"

section() { if [ "${VERBOSE:-0}" = 1 ]; then cat; else sed -n '/^tool/,/^third_party/p;/misses by context/,/^misses (/p' | grep -v '^misses (' ; fi; }

echo; echo "== glir $("$glir" --version | awk '{print $2}'): tree =="
(cd "$out" && "$glir" scan tree --format jsonl -q || true) | python3 "$strip" >"$out/glir_tree.jsonl"
python3 "$score" --labels "$out/labels.jsonl" --findings "$out/glir_tree.jsonl" --root tree/ | section
echo; echo "== glir: git history =="
("$glir" scan --git "$out/repo.git" --format jsonl -q || true) | python3 "$strip" >"$out/glir_git.jsonl"
python3 "$score" --git --labels "$out/labels_git.jsonl" --findings "$out/glir_git.jsonl" | section

kf_py=${GLIR_BENCH_CACHE:-$HOME/.cache/glir-bench}/kf/bin/python
if [ -x "$kf_py" ]; then
  kf=$("$kf_py" -c 'import kingfisher, os; print(os.path.join(os.path.dirname(kingfisher.__file__), "bin", "kingfisher"))')
  kf_args=(--no-validate --redact --no-update-check -q --format jsonl)
  echo; echo "== Kingfisher $("$kf" --version | awk '{print $2}'): tree =="
  (cd "$out" && "$kf" scan tree "${kf_args[@]}" || true) | python3 "$strip" >"$out/kf_tree.jsonl"
  python3 "$score" --tool kingfisher --labels "$out/labels.jsonl" --findings "$out/kf_tree.jsonl" --root tree/ | section
  echo; echo "== Kingfisher: git history =="
  ("$kf" scan "$out/repo.git" "${kf_args[@]}" || true) | python3 "$strip" >"$out/kf_git.jsonl"
  python3 "$score" --tool kingfisher --git --labels "$out/labels_git.jsonl" --findings "$out/kf_git.jsonl" | section
else
  echo; echo "(Kingfisher not installed: scripts/scan_bench/install_tools.sh)"
fi

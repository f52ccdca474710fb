#!/usr/bin/env bash
# Secret-scan benchmark: glir beside Kingfisher and ripsecrets on the same generated data.
#
#   scripts/scan_bench/run.sh
#
# 1. installs the pinned competitors into ${GLIR_BENCH_CACHE:-~/.cache/glir-bench} (install_tools.sh);
# 2. builds glir (`cargo build --release -p glir`); glir is skipped, with a note, when the build
#    fails or the binary has no `scan` command yet;
# 3. generates, once, under ${GLIR_BENCH_DIR:-/tmp/glir-scan-bench}: a ${CORPUS_MIB:-1024} MiB text
#    corpus (gen_corpus.py; files of ~1 MiB, or ~${CORPUS_FILE_KIB} KiB when that is set) and a
#    ${GIT_COMMITS:-2000}-commit git repository (gen_git_repo.py), each with about one planted
#    secret per MiB;
# 4. scans each target with each tool under GNU `/usr/bin/time -v`, once pinned to one core
#    (`taskset -c 0`, plus the tool's own thread flag when it has one) and once with the tool's
#    default threads, and prints a Markdown table (also written to $GLIR_BENCH_DIR/results.md).
#
# MB/s is target bytes (corpus file bytes; for git, the repository's unique blob bytes) / wall
# time, MB = 10^6 bytes; MB per CPU-s (bytes / user+system time) is the per-core figure that
# stays meaningful when other work shares the machine. The page cache is warmed first, so the
# figures are scan speed, not disk. Each measurement is the fastest of ${REPEAT:-3} runs.
# ripsecrets runs at a few MB/s, so by default it scans only ${RIPSECRETS_GROUPS:-1} of the 20
# corpus groups (set RIPSECRETS_GROUPS=20 for all); its bytes column says how much it read.
# Kingfisher runs with --no-validate (no network) and --redact. Findings are counted by
# count_findings.py, which keeps only paths and line numbers: no secret is stored or printed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bench=${GLIR_BENCH_DIR:-/tmp/glir-scan-bench}
corpus_mib=${CORPUS_MIB:-1024}
# Empty: ~1 MiB files. A number: files of about that many KiB (per-file costs: open, read, walk).
corpus_file_kib=${CORPUS_FILE_KIB:-}
git_commits=${GIT_COMMITS:-2000}
rs_groups=${RIPSECRETS_GROUPS:-1}
repeat=${REPEAT:-3}
mkdir -p "$bench/runs"
results=$bench/results.md
notes=()

eval "$("$here/install_tools.sh")"   # sets KINGFISHER and RIPSECRETS
export KF_RULE_CACHE_DIR=${GLIR_BENCH_CACHE:-$HOME/.cache/glir-bench}/kf-rule-cache

# GLIR_BIN=path measures an already built binary instead of building the checkout.
glir=""
glir_bin=${GLIR_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/glir}
if [ -n "${GLIR_BIN:-}" ] || (cd "$root" && cargo build --release -p glir --quiet); then
  if "$glir_bin" scan --help >/dev/null 2>&1; then
    glir=$glir_bin
  else
    notes+=("glir skipped: $glir_bin has no \`scan\` command yet.")
  fi
else
  notes+=("glir skipped: \`cargo build --release -p glir\` failed.")
fi

corpus_dir=$bench/corpus-$corpus_mib
file_size_args=()
if [ -n "$corpus_file_kib" ]; then
  corpus_dir=$corpus_dir-${corpus_file_kib}k
  file_size_args=(--file-kib "$corpus_file_kib")
fi
if [ ! -f "$corpus_dir/manifest.json" ]; then
  echo "generating a $corpus_mib MiB corpus in $corpus_dir ..." >&2
  rm -rf "$corpus_dir"
  python3 "$here/gen_corpus.py" "$corpus_dir" --size-mib "$corpus_mib" "${file_size_args[@]}" >&2
fi
git_dir=$bench/git-$git_commits
if [ ! -f "$git_dir/git_manifest.json" ]; then
  echo "generating a $git_commits-commit repository in $git_dir ..." >&2
  rm -rf "$git_dir"
  python3 "$here/gen_git_repo.py" "$git_dir" --commits "$git_commits" >&2
fi
corpus=$corpus_dir/corpus
repo=$git_dir/repo.git
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
corpus_bytes=$(json_field "$corpus_dir/manifest.json" bytes)
repo_bytes=$(json_field "$git_dir/git_manifest.json" unique_blob_bytes)
rs_dirs=()
for ((g = 0; g < rs_groups && g < 20; g++)); do rs_dirs+=("$corpus/group-$(printf %02d "$g")"); done
rs_group_list=$(IFS=,; echo "${rs_dirs[*]##*/}")
rs_bytes=$(find "${rs_dirs[@]}" -type f -printf '%s\n' | awk '{s += $1} END {print s}')

# Warm the page cache so every tool reads from memory.
# (find, not a glob: a tree of small files is more names than one command line takes.)
find "$corpus" -type f -exec cat {} + >/dev/null
find "$repo" -type f -exec cat {} + >/dev/null

glir_thread_flag=()
if [ -n "$glir" ]; then
  case $("$glir" scan --help 2>&1) in
    *--threads*) glir_thread_flag=(--threads 1) ;;
    *--jobs*) glir_thread_flag=(--jobs 1) ;;
  esac
fi

# Kingfisher compiles its rules into a cached Vectorscan database on first use; build the cache
# outside the measurements.
warm=$(mktemp -d)
echo "nothing here" >"$warm/a.txt"
"$KINGFISHER" scan "$warm" --no-validate --no-update-check -q >/dev/null 2>&1 || true
rm -rf "$warm"

rows=()
missed=()
# measure LABEL TARGET THREADS BYTES TOOL PLANTED ROOT [--groups G] -- COMMAND...
# Runs COMMAND $repeat times under GNU time, its stdout piped into count_findings.py, and appends
# a row for the fastest run (the machine may be shared; the minimum is the least disturbed).
measure() {
  local label=$1 target=$2 threads=$3 bytes=$4 tool=$5 planted=$6 countroot=$7
  shift 7
  local count_args=()
  if [ "$1" = --groups ]; then count_args=(--groups "$2"); shift 2; fi
  shift # --
  local id=${label// /_}-${target}-${threads} run status timefiles=()
  for ((run = 1; run <= repeat; run++)); do
    echo "running: $label on $target ($threads threads), run $run/$repeat" >&2
    set +e
    /usr/bin/time -v -o "$bench/runs/$id.$run.time" "$@" 2>"$bench/runs/$id.stderr" |
      python3 "$here/count_findings.py" "$tool" "$planted" "$countroot" "${count_args[@]}" \
        >"$bench/runs/$id.count"
    status=("${PIPESTATUS[@]}")
    set -e
    # Exit 0 = clean, 1 = findings (glir, ripsecrets), 200 = findings (Kingfisher).
    if ! [[ ${status[0]} =~ ^(0|1|200)$ ]]; then
      rows+=("| $label | $target | $threads | error: exit ${status[0]}, see $bench/runs/$id.stderr |||||||||")
      return
    fi
    timefiles+=("$bench/runs/$id.$run.time")
  done
  rows+=("$(python3 "$here/table_row.py" "$label" "$target" "$threads" "$bytes" "$bench/runs/$id.count" "${timefiles[@]}")")
  missed+=("$label $target ($threads threads): $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["missed_by_kind"])' "$bench/runs/$id.count")")
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
kf_common=(--no-validate --redact --no-update-check -q --format jsonl)
for mode in 1 default; do
  pin=(); kf_jobs=(); glir_threads=()
  if [ "$mode" = 1 ]; then pin=(taskset -c 0); kf_jobs=(--jobs 1); glir_threads=("${glir_thread_flag[@]}"); fi

  if [ -n "$glir" ]; then
    measure glir files "$mode" "$corpus_bytes" glir "$corpus_dir/planted.jsonl" "$corpus" -- \
      "${pin[@]}" "$glir" scan "$corpus" --format jsonl -q "${glir_threads[@]}"
  fi
  measure Kingfisher files "$mode" "$corpus_bytes" kingfisher "$corpus_dir/planted.jsonl" "$corpus" -- \
    "${pin[@]}" "$KINGFISHER" scan "$corpus" "${kf_common[@]}" "${kf_jobs[@]}"
  measure ripsecrets files "$mode" "$rs_bytes" ripsecrets "$corpus_dir/planted.jsonl" "$corpus" \
    --groups "$rs_group_list" -- "${pin[@]}" "$RIPSECRETS" --only-matching "${rs_dirs[@]}"

  if [ -n "$glir" ]; then
    measure glir git "$mode" "$repo_bytes" glir "$git_dir/planted_git.jsonl" "$repo" -- \
      "${pin[@]}" "$glir" scan --git "$repo" --format jsonl -q "${glir_threads[@]}"
  fi
  measure Kingfisher git "$mode" "$repo_bytes" kingfisher "$git_dir/planted_git.jsonl" "$repo" -- \
    "${pin[@]}" "$KINGFISHER" scan "$repo" "${kf_common[@]}" "${kf_jobs[@]}"
done

{
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "versions: glir $([ -n "$glir" ] && "$glir" --version | awk '{print $2}' || echo 'n/a'), $("$KINGFISHER" --version), $("$RIPSECRETS" --version)"
  echo "files: $corpus ($(json_field "$corpus_dir/manifest.json" files) files, $corpus_bytes bytes, $(json_field "$corpus_dir/manifest.json" planted) planted secrets)"
  echo "git: $repo ($git_commits commits, $(json_field "$git_dir/git_manifest.json" unique_blobs) unique blobs, $repo_bytes blob bytes, $(json_field "$git_dir/git_manifest.json" planted) planted secrets)"
  echo
  echo "| tool | target | threads | bytes scanned | wall s | MB/s | CPU s | MB per CPU-s | peak RSS MiB | findings | off planted lines | planted found | GitLab planted found |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Each row is the fastest of $repeat runs; threads \"default\" = the tool's default on $(nproc) cores."
  echo "\"planted found\": a finding at the planted line (git: the line in the blob of the commit that"
  echo "introduced it; a scanner that reports each secret once may name a later blob version instead)."
  echo "Load average before the runs: $load_before (the machine may be shared)."
  echo
  echo "Planted secrets not found, by kind:"
  for m in "${missed[@]}"; do echo "- $m"; done
  for note in "${notes[@]}"; do echo "$note"; done
} | tee "$results"

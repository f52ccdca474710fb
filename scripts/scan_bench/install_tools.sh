#!/usr/bin/env bash
# Install the competitors of the secret-scan benchmark outside the repository:
#   Kingfisher: the `kingfisher-bin` PyPI package (a packaged static binary) in a venv;
#   ripsecrets: `cargo install --locked` from crates.io.
# Both pinned, so reruns compare like with like. Idempotent; prints the binaries' paths.
#
#   scripts/scan_bench/install_tools.sh            (cache: ${GLIR_BENCH_CACHE:-~/.cache/glir-bench})
set -euo pipefail
cache=${GLIR_BENCH_CACHE:-$HOME/.cache/glir-bench}
kingfisher_version=2.14.0
ripsecrets_version=0.1.11
mkdir -p "$cache"

if [ ! -x "$cache/kf/bin/python" ]; then
  python3 -m venv "$cache/kf"
fi
if ! "$cache/kf/bin/pip" show kingfisher-bin 2>/dev/null | grep -qx "Version: $kingfisher_version"; then
  "$cache/kf/bin/pip" install --quiet "kingfisher-bin==$kingfisher_version" >&2
fi
# The console script `kf/bin/kingfisher` is a Python launcher; measure the ELF binary it wraps so
# Python's start-up and memory stay out of the figures.
kingfisher=$("$cache/kf/bin/python" -c \
  'import kingfisher, os; print(os.path.join(os.path.dirname(kingfisher.__file__), "bin", "kingfisher"))')

ripsecrets=$cache/ripsecrets/bin/ripsecrets
if [ ! -x "$ripsecrets" ] || ! "$ripsecrets" --version | grep -q " $ripsecrets_version\$"; then
  cargo install --quiet ripsecrets --version "$ripsecrets_version" --locked --root "$cache/ripsecrets" >&2
fi

echo "KINGFISHER=$kingfisher"
echo "RIPSECRETS=$ripsecrets"

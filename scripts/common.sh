# Sourced by the scripts and the benchmarks: strict mode and the usual paths
# (each may be overridden from the environment).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${LTSKIT_BUILD_DIR:-$root/build}"
jobs="${LTSKIT_JOBS:-$(nproc)}"
ltskit="${LTSKIT:-$build/tools/cli/ltskit}"

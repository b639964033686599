#!/usr/bin/env bash
# Configures and builds ltskit into build/ (or $LTSKIT_BUILD_DIR).
# $LTSKIT_CMAKE_ARGS adds CMake options (the tests pass -DLTSKIT_WERROR=ON).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
if [ ! -f "$build/CMakeCache.txt" ] || [ -n "${LTSKIT_CMAKE_ARGS:-}" ]; then
  # shellcheck disable=SC2086 # the options are words
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${LTSKIT_CMAKE_ARGS:-} >/dev/null
fi
cmake --build "$build" -j "$jobs" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^-- ' || true
test "${PIPESTATUS[0]}" -eq 0
test -x "$build/tools/cli/ltskit"

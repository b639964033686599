#!/usr/bin/env bash
# The README's test command: installs what is needed, builds (warnings are
# errors), checks the formatting, runs every test, then builds the unit tests
# with AddressSanitizer and UndefinedBehaviorSanitizer and runs them once.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bash "$root/scripts/install-deps.sh"

echo "== format (clang-format, .clang-format)"
cd "$root"
git ls-files '*.cc' '*.h' ':!examples/' | xargs clang-format --dry-run --Werror

echo "== build (-Werror)"
LTSKIT_CMAKE_ARGS="-DLTSKIT_WERROR=ON -DLTSKIT_UNITY=ON" bash "$root/scripts/build.sh"

echo "== tests"
# A fresh build has no record of how long each test takes, and ctest would
# start the longest ones (the property shards, the fuzzer) last, leaving one
# core idle at the end: tests/ctest-costs.txt seeds that record.
costs="$build/Testing/Temporary/CTestCostData.txt"
if [ ! -s "$costs" ]; then
  mkdir -p "$(dirname "$costs")"
  cp "$root/tests/ctest-costs.txt" "$costs"
fi
(cd "$build" && ctest --output-on-failure -j "${LTSKIT_TEST_JOBS:-2}" --timeout 900)

echo "== unit tests under AddressSanitizer and UndefinedBehaviorSanitizer"
san="$build/sanitize"
cmake -S "$root" -B "$san" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-O1" \
  -DLTSKIT_SANITIZE=ON -DLTSKIT_WERROR=ON -DLTSKIT_UNITY=ON >/dev/null
cmake --build "$san" -j "$jobs" --target core_test git_test nix_test advisories_test abi_check_test 2>&1 \
  | grep -vE '^\[ *[0-9]+%\]|^-- ' || true
test "${PIPESTATUS[0]}" -eq 0
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd "$san" && ctest --output-on-failure -j "${LTSKIT_TEST_JOBS:-2}" --timeout 900 -L unit)

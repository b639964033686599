#!/usr/bin/env bash
# Benchmark: `ltskit run` on the demo package set, cold (every package is a
# new derivation: a file with a value of this run's own is committed to
# libsafe's sources, so nothing is in the Nix store yet) and then with
# nothing new, against the floor a user cannot go below: `nix-build` of the
# same four packages, also cold, from a checkout of the same tree.
#   - ltskit run, first: sync 4 advisories, track, triage, backport 2 fixes
#     (a third conflicts), build 4 packages, ABI baseline, publish, dashboard;
#   - nix-build of the published head's packages (another build id, so cold too);
#   - ltskit run with nothing new, 10 times: the median and the slowest.
# Usage: bench/run_bench.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
tmp="$(mktemp -d)"
trap '[ -n "${KEEP:-}" ] || { git -C "$tmp/pkgs" worktree remove --force "$tmp/tree" 2>/dev/null; rm -rf "$tmp"; }' EXIT
now() { date +%s.%N; }
ms() { printf '%.0f' "$(echo "($2 - $1) * 1000" | bc -l)"; }
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@localhost GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@localhost

bash "$root/examples/demo/make-demo-repo.sh" "$tmp/pkgs" >/dev/null
git -C "$tmp/pkgs" checkout -q lts/1.0
echo "bench $(date +%s.%N) $$" > "$tmp/pkgs/pkgs/libsafe/src/BUILD-ID"
git -C "$tmp/pkgs" add pkgs/libsafe/src/BUILD-ID
git -C "$tmp/pkgs" commit -q -m "libsafe: build id"
git -C "$tmp/pkgs" checkout -q main
mkdir -p "$tmp/feed"
cp "$root"/examples/demo/advisories/*.json "$tmp/feed/"
"$ltskit" -C "$tmp/ws" init --repo "$tmp/pkgs" --publish-root "$tmp/lts" >/dev/null
"$ltskit" -C "$tmp/ws" channel create 1.0 --branch lts/1.0 --from 2026-01-15 --support-until 2031-01-15 \
  --publish libsafe,libgreet,libgreetxx,hello >/dev/null
"$ltskit" -C "$tmp/ws" advisories source add demo "$tmp/feed" >/dev/null

t0=$(now)
"$ltskit" -C "$tmp/ws" run --json > "$tmp/first.json" 2>/dev/null || test $? -eq 3
t1=$(now)
first=$(ms "$t0" "$t1")
generation=$(jq -r '.published[0].generation' "$tmp/first.json")
built=$(jq -r '.stages[] | select(.stage == "build") | .summary' "$tmp/first.json")

# The floor: the same packages, cold, by nix-build alone.
git -C "$tmp/pkgs" worktree add -q "$tmp/tree" lts/1.0
echo "bench $(date +%s.%N) $$ floor" > "$tmp/tree/pkgs/libsafe/src/BUILD-ID"
t0=$(now)
nix-build "$tmp/tree" -A libsafe -A libgreet -A libgreetxx -A hello --no-out-link >/dev/null 2>&1
t1=$(now)
floor=$(ms "$t0" "$t1")

noop=()
for _ in $(seq 1 10); do
  t0=$(now)
  "$ltskit" -C "$tmp/ws" run --json > "$tmp/noop.json" 2>/dev/null || test $? -eq 3
  t1=$(now)
  test "$(jq -r .nothing_new "$tmp/noop.json")" = true
  noop+=("$(ms "$t0" "$t1")")
done
sorted=$(printf '%s\n' "${noop[@]}" | sort -n)
median=$(echo "$sorted" | sed -n 5p)
slowest=$(echo "$sorted" | tail -1)

printf '%-58s %8s\n' "what" "ms"
printf '%-58s %8s\n' "ltskit run, first (generation $generation; $built)" "$first"
printf '%-58s %8s\n' "nix-build of the same 4 packages, cold (the floor)" "$floor"
printf '%-58s %8s\n' "ltskit run, nothing new (median of 10)" "$median"
printf '%-58s %8s\n' "ltskit run, nothing new (slowest of 10)" "$slowest"
printf 'first run / nix-build: %.2fx\n' "$(echo "$first / $floor" | bc -l)"
echo "first run by stage (ms):"
jq -r '.stages[] | "  \(.stage)  \(.ms | floor)  \(.summary)"' "$tmp/first.json"

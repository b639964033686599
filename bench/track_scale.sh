#!/usr/bin/env bash
# Benchmark (issue 13): tracking at nixpkgs scale. A generated package set
# (bench/scale_repo.cc: 40,003 files, 2,001 packages, then COMMITS commits of
# churn: version bumps, packages moved, new packages, renames, tree-wide
# edits) is tracked over its last COMMITS commits by
#   - the loop a user would otherwise write: one `git worktree`, then for each
#     commit, oldest first, `git checkout` and `nix-env -qaP --json --out-path`;
#   - `ltskit track --history COMMITS` with one evaluation at a time;
#   - the same with two at a time (eval_jobs = 2);
# in one run, each from scratch, on the same commits. Printed: wall time, the
# ratio to the loop, peak memory (the largest process, and the sum over the
# whole process tree sampled every 0.5 s), peak disk (the file system's use
# above what it was at the start, sampled every 0.5 s) and
# the disk left afterwards (.ltskit/cache for ltskit, the worktree for the
# loop), and one checked-out tree for scale. Then a second `track` with
# nothing new. Each run's package lists must agree with the loop's.
# Targets: ltskit no slower than the loop (ratio <= 1.0), two evaluations at
# once faster still, .ltskit/cache under 3x one tree. Exits 1 when one is
# missed.
# Usage: bench/track_scale.sh [COMMITS]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
n="${1:-100}"
tmp="$(mktemp -d)"
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
[ -x "$build/bench/scale_repo" ] || { echo "track_scale: build first (scripts/build.sh)" >&2; exit 1; }

git init -q --bare "$tmp/repo.git"
"$build/bench/scale_repo" "$n" | git -C "$tmp/repo.git" fast-import --quiet
git -C "$tmp/repo.git" symbolic-ref HEAD refs/heads/main
files=$(git -C "$tmp/repo.git" ls-tree -r main | wc -l)
mapfile -t commits < <(git -C "$tmp/repo.git" rev-list --first-parent -n "$n" main | tac)
# Warm the page cache with the objects, for every run alike.
cat "$tmp/repo.git"/objects/pack/* > /dev/null

# The space used on the file system of $tmp, in KB: statfs(2), cheap enough
# to sample twice a second where `du` over 40,000 files is not.
used_kb() { stat -f -c '%b %f %S' "$tmp" | awk '{printf "%d\n", ($1 - $2) * $3 / 1024}'; }

# run_measured NAME CMD...: runs CMD in its own session; writes
# "seconds max_process_kb max_tree_kb max_disk_kb" to $tmp/NAME.m, the disk
# being how much more of the file system was used than at the start (the
# file system must be otherwise quiet).
run_measured() {
  local name="$1"; shift
  sync
  local t0 t1 pid rss peak_rss=0 peak_disk=0 d base
  base=$(used_kb)
  t0=$(date +%s.%N)
  setsid /usr/bin/time -f "%M" -o "$tmp/$name.time" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" &
  pid=$!
  while st=$(ps -o stat= -p "$pid" 2>/dev/null) && [[ "$st" != Z* ]]; do
    rss=$(ps -o rss= -s "$pid" 2>/dev/null | awk '{s += $1} END {print s + 0}')
    (( rss > peak_rss )) && peak_rss=$rss
    d=$(( $(used_kb) - base ))
    (( d > peak_disk )) && peak_disk=$d
    sleep 0.5
  done
  local rc=0
  wait "$pid" || rc=$?
  t1=$(date +%s.%N)
  if [ "$rc" -ne 0 ]; then echo "track_scale: $name failed ($rc):" >&2; tail -20 "$tmp/$name.err" >&2; exit 1; fi
  echo "$(echo "$t1 - $t0" | bc) $(tail -1 "$tmp/$name.time") $peak_rss $peak_disk" > "$tmp/$name.m"
}

# The loop.
cat > "$tmp/loop.sh" <<'LOOP'
set -euo pipefail
repo="$1" wt="$2" out="$3"; shift 3
git -C "$repo" worktree add -q --detach "$wt" "$1"
mkdir -p "$out"
for c in "$@"; do
  git -C "$wt" checkout -q --detach "$c"
  nix-env -f "$wt" -qaP --json --out-path > "$out/$c.json"
done
LOOP
run_measured loop bash "$tmp/loop.sh" "$tmp/repo.git" "$tmp/wt" "$tmp/loop-out" "${commits[@]}"
tree_kb=$(du -sk --exclude=.git "$tmp/wt" | cut -f1)
loop_left_kb=$(du -sk "$tmp/wt" | cut -f1)

# ltskit, one and two evaluations at a time.
for jobs in 1 2; do
  ws="$tmp/ws$jobs"
  "$ltskit" -q -C "$ws" init --repo "$tmp/repo.git" --publish-root "$tmp/lts$jobs" > /dev/null
  sed -i "s/^eval_jobs = .*/eval_jobs = $jobs/" "$ws/ltskit.toml"
  run_measured "ltskit$jobs" "$ltskit" -C "$ws" track --history "$n" --json
  jq -e --argjson n "$n" '.snapshots_added == $n and (.failures | length) == 0' "$tmp/ltskit$jobs.out" > /dev/null ||
    { echo "track_scale: ltskit (eval_jobs $jobs) did not record $n snapshots:" >&2; jq -c '{snapshots_added, failures}' "$tmp/ltskit$jobs.out" >&2; exit 1; }
  echo "$(du -sk "$ws/.ltskit/cache" | cut -f1)" > "$tmp/ltskit$jobs.cache"
done
# The same versions as the loop saw: for every package whose version moved,
# each version and the number of commits that carried it.
for f in "$tmp"/loop-out/*.json; do jq -r 'to_entries[] | "\(.key) \(.value.version)"' "$f"; done |
  sort | uniq -c | awk '{print $2, $3, $1}' > "$tmp/loop-versions"
moved=$(awk '{print $1}' "$tmp/loop-versions" | uniq -d)
for jobs in 1 2; do
  for p in $moved; do
    "$ltskit" -q -C "$tmp/ws$jobs" versions "$p" --json | jq -r --arg p "$p" '.branches[0].versions[] | "\($p) \(.version) \(.commits)"'
  done | sort > "$tmp/ltskit$jobs-versions"
  grep -F -f <(printf '%s \n' $moved) "$tmp/loop-versions" | sort > "$tmp/loop-moved"
  if ! diff -q "$tmp/loop-moved" "$tmp/ltskit$jobs-versions" > /dev/null; then
    echo "track_scale: ltskit (eval_jobs $jobs) saw other versions than nix-env:" >&2
    diff "$tmp/loop-moved" "$tmp/ltskit$jobs-versions" | head >&2; exit 1
  fi
done
# Nothing new.
t0=$(date +%s.%N); "$ltskit" -q -C "$tmp/ws2" track --history "$n" --json > /dev/null; t1=$(date +%s.%N)
noop=$(echo "$t1 - $t0" | bc)
packages=$(jq 'length' "$tmp/loop-out/${commits[-1]}.json")

read -r ls lmax lsum ldisk < "$tmp/loop.m"
read -r s1 max1 sum1 disk1 < "$tmp/ltskit1.m"
read -r s2 max2 sum2 disk2 < "$tmp/ltskit2.m"
cache1=$(cat "$tmp/ltskit1.cache"); cache2=$(cat "$tmp/ltskit2.cache")
awk -v n="$n" -v files="$files" -v pk="$packages" -v tree="$tree_kb" \
    -v ls="$ls" -v lmax="$lmax" -v lsum="$lsum" -v ldisk="$ldisk" -v lleft="$loop_left_kb" \
    -v s1="$s1" -v max1="$max1" -v sum1="$sum1" -v disk1="$disk1" -v c1="$cache1" \
    -v s2="$s2" -v max2="$max2" -v sum2="$sum2" -v disk2="$disk2" -v c2="$cache2" -v noop="$noop" 'BEGIN {
  printf "track at scale: %d commits of a package set of %d files (at the head), %d packages; one checked-out tree: %.0f MB\n\n", n, files, pk, tree / 1024;
  printf "| run | time (s) | ratio to the loop | peak memory, largest process (MB) | peak memory, all processes (MB) | peak disk (MB) | disk afterwards (MB) |\n";
  printf "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  printf "| git worktree + git checkout + nix-env, per commit | %.1f | 1.00 | %.0f | %.0f | %.0f | %.0f (worktree) |\n", ls, lmax / 1024, lsum / 1024, ldisk / 1024, lleft / 1024;
  printf "| ltskit track --history %d, eval_jobs = 1 | %.1f | %.2f | %.0f | %.0f | %.0f | %.0f (.ltskit/cache, %.2fx a tree) |\n", n, s1, s1 / ls, max1 / 1024, sum1 / 1024, disk1 / 1024, c1 / 1024, c1 / tree;
  printf "| ltskit track --history %d, eval_jobs = 2 | %.1f | %.2f | %.0f | %.0f | %.0f | %.0f (.ltskit/cache, %.2fx a tree) |\n", n, s2, s2 / ls, max2 / 1024, sum2 / 1024, disk2 / 1024, c2 / 1024, c2 / tree;
  printf "| ltskit track again, nothing new | %.2f | | | | | |\n\n", noop;
  ok = 1;
  if (s1 / ls > 1.0) { print "MISSED: eval_jobs = 1 is slower than the loop"; ok = 0 }
  if (s2 >= s1) { print "MISSED: two evaluations at once are not faster than one"; ok = 0 }
  if (c2 >= 3 * tree || c1 >= 3 * tree) { print "MISSED: .ltskit/cache is 3x a tree or more"; ok = 0 }
  if (ok) print "targets met: ratio <= 1.0, two at once faster, cache under 3x a tree";
  exit ok ? 0 : 1
}'

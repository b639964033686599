#!/usr/bin/env bash
# Benchmark: backports on a generated repository (default 20,000 commits on
# main, three long-lived LTS branches, file moves, branch-local edits that
# make some picks conflict; bench/backport_repo.cc), a few hundred picks:
#   - ltskit's pick engine (bench/pick_bench: the in-memory cherry-pick,
#     commit and compare-and-swap that `ltskit backport apply` runs);
#   - `git cherry-pick -x` in one worktree, switching branch when the next
#     pick targets another one (the move a worktree needs), `--abort` on a
#     conflict.
# Same picks, same order, one run. Prints the per-pick medians and their
# ratio, and checks that the resulting trees are identical wherever both
# merged cleanly and how often the clean/conflict outcomes agree.
# Then `ltskit backport find` over the whole history against
# `git log --grep` for the same advisory id.
# Usage: bench/backport_bench.sh [COMMITS]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
commits="${1:-20000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }

git init -q -b main "$tmp/repo"
"$build/bench/backport_repo" "$commits" 2> "$tmp/picks.marks" |
  git -C "$tmp/repo" fast-import --quiet --export-marks="$tmp/marks"
# marks -> ids
awk 'NR==FNR { id[$1] = $2; next } { print $1, id[":" $2] }' "$tmp/marks" "$tmp/picks.marks" > "$tmp/picks"
total=$(git -C "$tmp/repo" rev-list --all --count)
npicks=$(wc -l < "$tmp/picks")
# Copies of the branches for git, at the same commits.
for b in lts/a lts/b lts/c; do git -C "$tmp/repo" branch -q "g/$b" "$b"; done

read -r n engine_median engine_mean < <("$build/bench/pick_bench" "$tmp/repo" "$tmp/picks" "$tmp/ltskit.out")

git -C "$tmp/repo" worktree add -q "$tmp/wt" g/lts/a
export GIT_COMMITTER_NAME="LTS Bench" GIT_COMMITTER_EMAIL=lts@example.org
current=lts/a
: > "$tmp/git.out"
: > "$tmp/git.ms"
while read -r branch commit; do
  a=$(date +%s%N)
  if [ "$branch" != "$current" ]; then
    git -C "$tmp/wt" checkout -q "g/$branch"
    current=$branch
  fi
  if git -C "$tmp/wt" cherry-pick -x "$commit" >/dev/null 2>&1; then
    line="$branch $commit clean $(git -C "$tmp/wt" rev-parse 'HEAD^{tree}')"
  else
    git -C "$tmp/wt" cherry-pick --abort >/dev/null 2>&1 || git -C "$tmp/wt" reset -q --hard
    line="$branch $commit conflict -"
  fi
  b=$(date +%s%N)
  echo "$line" >> "$tmp/git.out"
  echo $(( (b - a) / 1000 )) >> "$tmp/git.ms"
done < "$tmp/picks"
git_median=$(sort -n "$tmp/git.ms" | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] / 1000 }')

agree=$(paste -d' ' "$tmp/ltskit.out" "$tmp/git.out" | awk '{ if ($3 == $7) a++ } END { print a + 0 }')
both_clean=$(paste -d' ' "$tmp/ltskit.out" "$tmp/git.out" | awk '$3 == "clean" && $7 == "clean" { n++ } END { print n + 0 }')
same_tree=$(paste -d' ' "$tmp/ltskit.out" "$tmp/git.out" | awk '$3 == "clean" && $7 == "clean" && $4 == $8 { n++ } END { print n + 0 }')
conflicts=$(awk '$3 == "conflict" { n++ } END { print n + 0 }' "$tmp/ltskit.out")

# Message search: `backport find` over the whole history against git log --grep.
id="CVE-2031-$(( (commits / 2) / 5000 * 5000 ))"
mkdir -p "$tmp/feed"
cat > "$tmp/feed/adv.json" <<JSON
{"id": "$id", "modified": "2026-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "bench", "name": "nothere"},
 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
JSON
first=$(git -C "$tmp/repo" rev-list --max-parents=0 main)
"$ltskit" -q -C "$tmp/ws" init --repo "$tmp/repo" >/dev/null
"$ltskit" -q -C "$tmp/ws" channel create old --branch lts/old --from "$first" >/dev/null
"$ltskit" -q -C "$tmp/ws" advisories source add feed "$tmp/feed" >/dev/null
"$ltskit" -q -C "$tmp/ws" advisories sync --skip-triage >/dev/null
f0=$(now); "$ltskit" -q -C "$tmp/ws" backport find "$id" --channel old --json > "$tmp/find.json"; f1=$(now)
g0=$(now); git -C "$tmp/repo" log --format=%H --grep "$id" "$first..main" > "$tmp/grep.out"; g1=$(now)
found=$(jq -r '.candidates[0].commit' "$tmp/find.json")
find_s=$(echo "$f1 - $f0" | bc)
grep_s=$(echo "$g1 - $g0" | bc)

printf 'backports: %d commits in all, %d picks onto 3 LTS branches (%d conflict)\n' "$total" "$npicks" "$conflicts"
printf '  ltskit pick engine (in memory, commit, CAS)   median %8.3f ms  mean %8.3f ms\n' "$engine_median" "$engine_mean"
printf '  git cherry-pick -x in a worktree (+checkout)  median %8.3f ms\n' "$git_median"
printf '  ratio (git / ltskit, median per pick)          %.1fx\n' "$(echo "$git_median / $engine_median" | bc -l)"
printf '  outcomes agree on %d of %d picks (%.1f%%); trees identical on %d of %d picks both merged\n' \
  "$agree" "$npicks" "$(echo "100 * $agree / $npicks" | bc -l)" "$same_tree" "$both_clean"
printf 'message search over %d commits for %s:\n' "$(git -C "$tmp/repo" rev-list --count main)" "$id"
printf '  ltskit backport find     %.3f s (found %s)\n' "$find_s" "${found:0:12}"
printf '  git log --grep           %.3f s (found %s)\n' "$grep_s" "$(head -c 12 "$tmp/grep.out")"
printf '  ratio (ltskit / git)     %.1fx\n' "$(echo "$find_s / $grep_s" | bc -l)"

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
# `git log --grep` for the same advisory id: the first search (which reads
# every commit once and indexes it), and a search after 50 new upstream
# commits (which reads only those), with `git log --diff-filter=A` for the
# added-patch part the first search also does.
# Last, end to end on a Nix-evaluable package set of 200 packages: each
# `ltskit backport apply` as a user runs it (workspace, policy gate with a
# Nix evaluation, compare-and-swap, tracking, triage) against `git
# cherry-pick -x` in a worktree, for the same fixes.
# The picks run on a repository of COMMITS commits (default 20,000: a few
# hundred picks), the search on one of SEARCH_COMMITS (default 100,000).
# Usage: bench/backport_bench.sh [COMMITS] [SEARCH_COMMITS] [E2E_PICKS]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
commits="${1:-20000}"
search_commits="${2:-100000}"
e2e_picks="${3:-30}"
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
if [ "$search_commits" != "$commits" ]; then
  rm -rf "$tmp/repo" "$tmp/wt"
  git init -q -b main "$tmp/repo"
  "$build/bench/backport_repo" "$search_commits" 2> /dev/null | git -C "$tmp/repo" fast-import --quiet
fi
id="CVE-2031-$(( (search_commits / 2) / 5000 * 5000 ))"
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
p0=$(now); git -C "$tmp/repo" log --no-merges --diff-filter=A --name-only --format=%H "$first..main" -- '*.patch' '*.diff' > /dev/null; p1=$(now)
found=$(jq -r '.candidates[0].commit' "$tmp/find.json")
# 50 new upstream commits, then the same search.
tip=$(git -C "$tmp/repo" rev-parse main)
for i in $(seq 1 50); do
  tip=$(GIT_COMMITTER_DATE="2030-01-01T00:00:$(printf %02d $((i % 60)))Z" git -C "$tmp/repo" commit-tree "$tip^{tree}" -p "$tip" -m "later work $i")
done
git -C "$tmp/repo" update-ref refs/heads/main "$tip"
w0=$(now); "$ltskit" -q -C "$tmp/ws" backport find "$id" --channel old --json > "$tmp/find2.json"; w1=$(now)
h0=$(now); git -C "$tmp/repo" log --format=%H --grep "$id" "$first..main" > "$tmp/grep2.out"; h1=$(now)
found2=$(jq -r '.candidates[0].commit' "$tmp/find2.json")
read_again=$(jq -r '.read_commits' "$tmp/find2.json")
find_s=$(echo "$f1 - $f0" | bc)
grep_s=$(echo "$g1 - $g0" | bc)
patch_s=$(echo "$p1 - $p0" | bc)
warm_s=$(echo "$w1 - $w0" | bc)
grep2_s=$(echo "$h1 - $h0" | bc)

# End to end on a Nix-evaluable package set.
e2e="$tmp/e2e"
git init -q -b main "$e2e/pkgs"
{
  echo '{ system ? builtins.currentSystem }:'
  echo 'let mk = pname: version: derivation { inherit pname version system; name = "${pname}-${version}";'
  echo '      builder = "/bin/sh"; args = [ "-c" "echo ${version} > $out" ]; };'
  echo 'in {'
  for i in $(seq 1 200); do echo "  p$i = mk \"p$i\" \"1.0.$i\";"; done
  echo '}'
} > "$e2e/pkgs/default.nix"
for i in $(seq 1 200); do mkdir -p "$e2e/pkgs/src/p$i"; echo "int p$i;" > "$e2e/pkgs/src/p$i/main.c"; done
git -C "$e2e/pkgs" add -A
git -C "$e2e/pkgs" commit -q -m "200 packages"
cut=$(git -C "$e2e/pkgs" rev-parse HEAD)
mkdir -p "$e2e/feed"
: > "$e2e/fixes"
for i in $(seq 1 "$e2e_picks"); do
  echo "int p$i; /* bounds checked */" > "$e2e/pkgs/src/p$i/main.c"
  git -C "$e2e/pkgs" commit -q -am "p$i: check bounds

Fixes ADV-$i."
  echo "ADV-$i $(git -C "$e2e/pkgs" rev-parse HEAD)" >> "$e2e/fixes"
  cat > "$e2e/feed/adv-$i.json" <<JSON
{"id": "ADV-$i", "modified": "2026-01-01T00:00:00Z", "database_specific": {"severity": "HIGH"},
 "affected": [{"package": {"ecosystem": "Nix", "name": "p$i"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
JSON
done
"$ltskit" -q -C "$e2e/ws" init --repo "$e2e/pkgs" >/dev/null
"$ltskit" -q -C "$e2e/ws" channel create 1.0 --branch lts/1.0 --from "$cut" >/dev/null
"$ltskit" -q -C "$e2e/ws" advisories source add feed "$e2e/feed" >/dev/null
"$ltskit" -q -C "$e2e/ws" track >/dev/null
"$ltskit" -q -C "$e2e/ws" advisories sync >/dev/null
git -C "$e2e/pkgs" branch -q g/lts/1.0 lts/1.0
git -C "$e2e/pkgs" worktree add -q "$e2e/wt" g/lts/1.0
: > "$e2e/ltskit.ms"
: > "$e2e/git.ms"
applied=0
while read -r adv sha; do
  a=$(date +%s%N)
  if "$ltskit" -q -C "$e2e/ws" backport apply "$adv" --channel 1.0 --commit "$sha" >/dev/null 2>&1; then
    applied=$((applied + 1))
  fi
  b=$(date +%s%N)
  echo $(( (b - a) / 1000 )) >> "$e2e/ltskit.ms"
  a=$(date +%s%N)
  git -C "$e2e/wt" cherry-pick -x "$sha" >/dev/null 2>&1
  b=$(date +%s%N)
  echo $(( (b - a) / 1000 )) >> "$e2e/git.ms"
done < "$e2e/fixes"
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] / 1000 }'; }
e2e_ltskit=$(median "$e2e/ltskit.ms")
e2e_git=$(median "$e2e/git.ms")
same_e2e=no
[ "$(git -C "$e2e/pkgs" rev-parse 'lts/1.0^{tree}')" = "$(git -C "$e2e/pkgs" rev-parse 'g/lts/1.0^{tree}')" ] && same_e2e=yes
fixed=$("$ltskit" -q -C "$e2e/ws" triage 1.0 --json | jq '[.[] | select(.state == "fixed")] | length')

printf 'backports: %d commits in all, %d picks onto 3 LTS branches (%d conflict)\n' "$total" "$npicks" "$conflicts"
printf '  ltskit pick engine (in memory, commit, CAS)   median %8.3f ms  mean %8.3f ms\n' "$engine_median" "$engine_mean"
printf '  git cherry-pick -x in a worktree (+checkout)  median %8.3f ms\n' "$git_median"
printf '  ratio (git / ltskit, median per pick)          %.1fx\n' "$(echo "$git_median / $engine_median" | bc -l)"
printf '  outcomes agree on %d of %d picks (%.1f%%); trees identical on %d of %d picks both merged\n' \
  "$agree" "$npicks" "$(echo "100 * $agree / $npicks" | bc -l)" "$same_tree" "$both_clean"
printf 'message search over %d commits for %s:\n' "$(git -C "$tmp/repo" rev-list --count "$first..$tip~50")" "$id"
printf '  ltskit backport find, first search (reads, indexes)  %7.3f s (found %s)\n' "$find_s" "${found:0:12}"
printf '  git log --grep                                       %7.3f s (found %s)\n' "$grep_s" "$(head -c 12 "$tmp/grep.out")"
printf '  git log --diff-filter=A -- *.patch *.diff            %7.3f s (the added-patch part)\n' "$patch_s"
printf '  ratio, first search (ltskit / git log --grep)        %.1fx\n' "$(echo "$find_s / $grep_s" | bc -l)"
printf '  after 50 new upstream commits: ltskit find %.3f s (read %s commits, found %s), git log --grep %.3f s\n' \
  "$warm_s" "$read_again" "${found2:0:12}" "$grep2_s"
printf '  ratio, later search (ltskit / git log --grep)        %.2fx\n' "$(echo "$warm_s / $grep2_s" | bc -l)"
printf 'end to end on a 200-package Nix set, %d fixes onto lts/1.0 (%d applied, %d advisories now fixed):\n' \
  "$e2e_picks" "$applied" "$fixed"
printf '  ltskit backport apply (policy gate with Nix, CAS, track, triage)  median %8.3f ms\n' "$e2e_ltskit"
printf '  git cherry-pick -x in a worktree (no policy, no evaluation)       median %8.3f ms\n' "$e2e_git"
printf '  ratio (ltskit / git)  %.1fx; final trees identical: %s\n' "$(echo "$e2e_ltskit / $e2e_git" | bc -l)" "$same_e2e"

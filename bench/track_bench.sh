#!/usr/bin/env bash
# Benchmark: `ltskit track --history N` on the demo package set against what a
# user would otherwise script: for every commit of both branches, `git archive`
# the tree and run `nix-env -qaP --json --out-path` on it. Same commits, one
# run. Also times a second `track` with nothing new (the no-op case).
# Usage: bench/track_bench.sh [N]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
n="${1:-50}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

bash "$root/examples/demo/make-demo-repo.sh" "$tmp/pkgs"
"$ltskit" -q -C "$tmp/ws" init --repo "$tmp/pkgs" --publish-root "$tmp/lts" >/dev/null
"$ltskit" -q -C "$tmp/ws" channel create 1.0 --branch lts/1.0 --from 2026-01-15 >/dev/null

now() { date +%s.%N; }
t0=$(now); "$ltskit" -q -C "$tmp/ws" track --history "$n" --json > "$tmp/track.json"; t1=$(now)
t2=$(now); "$ltskit" -q -C "$tmp/ws" track --history "$n" --json > /dev/null; t3=$(now)

commits=$( { git -C "$tmp/pkgs" rev-list --first-parent -n "$n" main; git -C "$tmp/pkgs" rev-list --first-parent -n "$n" lts/1.0; } | sort -u)
count=$(echo "$commits" | wc -l)
t4=$(now)
for c in $commits; do
  d="$tmp/peer/$c"
  mkdir -p "$d"
  git -C "$tmp/pkgs" archive "$c" | tar -x -C "$d"
  nix-env -f "$d" -qaP --json --out-path > "$d.json"
done
t5=$(now)

awk -v c="$count" -v a="$(echo "$t1 - $t0" | bc)" -v z="$(echo "$t3 - $t2" | bc)" -v b="$(echo "$t5 - $t4" | bc)" 'BEGIN {
  printf "track --history over %d distinct commits of main and lts/1.0\n", c;
  printf "  %-40s %8.3f s\n", "ltskit track --history (first run)", a;
  printf "  %-40s %8.3f s\n", "ltskit track --history (nothing new)", z;
  printf "  %-40s %8.3f s\n", "git archive + nix-env -qaP per commit", b;
  printf "  ratio (peer / ltskit first run)           %8.1fx\n", b / a;
  printf "  ratio (peer / ltskit no-op run)           %8.1fx\n", b / z;
}'

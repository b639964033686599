#!/usr/bin/env bash
# Benchmark: `ltskit vercmp --stdin` over N version pairs (default 1,000,000)
# against the peer, Nix's own builtins.compareVersions evaluated by
# nix-instantiate over the same pairs, in one run. Also checks that both
# give the same answers. Usage: bench/vercmp_bench.sh [N]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
n="${1:-1000000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Deterministic pairs drawn from realistic version shapes.
awk -v n="$n" 'BEGIN {
  srand(42);
  split("0 1 2 3 4 5 9 10 11 12 20 99 100 2023 pre a b rc alpha beta git unstable p", parts, " ");
  np = length(parts);
  for (i = 0; i < n; i++) {
    for (k = 0; k < 2; k++) {
      m = 1 + int(rand() * 4); v = "";
      for (j = 0; j < m; j++) { v = v (j ? (rand() < 0.8 ? "." : "-") : "") parts[1 + int(rand() * np)]; }
      if (k == 0) a = v; else b = (rand() < 0.5 ? a "." v : v);
    }
    print a, b;
  }
}' > "$tmp/pairs.txt"

awk 'BEGIN { print "map (p: builtins.compareVersions (builtins.elemAt p 0) (builtins.elemAt p 1)) [" }
     { printf "[\"%s\" \"%s\"]\n", $1, $2 }
     END { print "]" }' "$tmp/pairs.txt" > "$tmp/pairs.nix"

now() { date +%s.%N; }
t0=$(now); "$ltskit" vercmp --stdin < "$tmp/pairs.txt" > "$tmp/ltskit.out"; t1=$(now)
t2=$(now); nix-instantiate --eval --strict --json "$tmp/pairs.nix" > "$tmp/nix.json"; t3=$(now)

tr -d '[]\n' < "$tmp/nix.json" | tr ',' '\n' | sed -e '$a\' > "$tmp/nix.out"
if ! cmp -s "$tmp/ltskit.out" "$tmp/nix.out"; then
  echo "vercmp: ltskit and nix disagree" >&2
  exit 1
fi
awk -v n="$n" -v a="$(echo "$t1 - $t0" | bc)" -v b="$(echo "$t3 - $t2" | bc)" 'BEGIN {
  printf "vercmp over %d pairs (answers identical)\n", n;
  printf "  %-32s %8.3f s  %10.0f pairs/s\n", "ltskit vercmp --stdin", a, n / a;
  printf "  %-32s %8.3f s  %10.0f pairs/s\n", "nix-instantiate compareVersions", b, n / b;
  printf "  ratio (nix / ltskit)             %8.1fx\n", b / a;
}'

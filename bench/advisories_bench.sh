#!/usr/bin/env bash
# Benchmark: ingest and match a generated corpus of OSV records (default
# 100,000) against a package set (default 50,000 packages), and compare the
# ingest time with `jq empty` merely parsing the same files, in one run.
# Prints: ingest MB/s and records/s, full re-match time, unchanged re-sync time.
# Usage: bench/advisories_bench.sh [RECORDS] [PACKAGES]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
gen="$build/bench/advisory_corpus"
records="${1:-100000}"
packages="${2:-50000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

"$gen" "$packages" "$records" "$tmp"
sync  # let the generated files settle: their write-back must not land inside a measurement
git -C "$tmp/pkgs" init -q -b main
git -C "$tmp/pkgs" add -A
git -C "$tmp/pkgs" -c user.name=bench -c user.email=bench@example.invalid commit -qm "bench package set"
"$ltskit" -q -C "$tmp/ws" init --repo "$tmp/pkgs" --publish-root "$tmp/lts" >/dev/null
"$ltskit" -q -C "$tmp/ws" channel create bench --branch lts/bench --from main >/dev/null
t0=$(now); "$ltskit" -q -C "$tmp/ws" track >/dev/null; t1=$(now)
"$ltskit" -q -C "$tmp/ws" advisories source add bench "$tmp/osv" >/dev/null
bytes=$(du -sb "$tmp/osv" | cut -f1)

# Ingest three times into a fresh copy of the workspace; the median counts.
cp -a "$tmp/ws" "$tmp/ws0"
runs=()
for i in 1 2 3; do
  rm -rf "$tmp/ws"; cp -a "$tmp/ws0" "$tmp/ws"; sync
  a=$(now); "$ltskit" -q -C "$tmp/ws" advisories sync --skip-triage --json > "$tmp/sync1.json"; b=$(now)
  runs+=("$(secs "$a" "$b")")
done
ingest_median=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)
m0=$(now); "$ltskit" -q -C "$tmp/ws" triage refresh >/dev/null; m1=$(now)
t4=$(now); "$ltskit" -q -C "$tmp/ws" triage refresh >/dev/null; t5=$(now)
t6=$(now); "$ltskit" -q -C "$tmp/ws" advisories sync --json > "$tmp/sync2.json"; t7=$(now)
t8=$(now); find "$tmp/osv" -name '*.json' -print0 | xargs -0 -n 2000 jq empty; t9=$(now)
matched=$("$ltskit" -C "$tmp/ws" triage --json | jq length)

awk -v r="$records" -v p="$packages" -v b="$bytes" -v m="$matched" \
    -v track="$(secs "$t0" "$t1")" -v ingest="$ingest_median" -v runs="${runs[*]}" -v rematch="$(secs "$t4" "$t5")" \
    -v resync="$(secs "$t6" "$t7")" -v jq="$(secs "$t8" "$t9")" -v first="$(secs "$m0" "$m1")" 'BEGIN {
  mb = b / 1e6;
  printf "advisories: %d OSV records (%.1f MB of JSON) against %d packages; %d triage rows\n", r, mb, p, m;
  printf "  %-44s %8.3f s\n", "track (nix-env evaluation of the set)", track;
  printf "  %-44s %8.3f s  %7.1f MB/s  %9.0f records/s  (median of %s)\n", "ltskit advisories sync --skip-triage (ingest)", ingest, mb / ingest, r / ingest, runs;
  printf "  %-44s %8.3f s  %7.1f MB/s\n", "jq empty on the same files (parse only)", jq, mb / jq;
  printf "  %-44s %8.1fx\n", "ratio (jq parse / ltskit ingest)", jq / ingest;
  printf "  %-44s %8.3f s\n", "ltskit triage refresh (first match)", first;
  printf "  %-44s %8.3f s\n", "ltskit triage refresh (full re-match)", rematch;
  printf "  %-44s %8.3f s\n", "ltskit advisories sync (unchanged feed)", resync;
}'

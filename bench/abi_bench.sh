#!/usr/bin/env bash
# Benchmark: `ltsabi diff` against libabigail's `abidiff` on the same real
# library pairs (the libpython builds of pyenv), in one run: wall time and
# peak memory of each, their ratios, the verdicts and the counts of removed
# and added functions. Both tools get each side's public headers
# (--headers-dir1/2: the installed include/pythonX.Y), so private types are
# filtered, as the ABI gate does; ABI_BENCH_HEADERS=0 runs without them.
# Usage: bench/abi_bench.sh [LTSABI]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
ltsabi="${1:-${LTSABI:-$root/build/abi-check/ltsabi}}"
find_lib() { ls "$HOME"/.pyenv/versions/"$1"*/lib/libpython"$1".so.1.0 2>/dev/null | head -1 || true; }
p11=$(find_lib 3.11); p12=$(find_lib 3.12); p13=$(find_lib 3.13)
if [ -z "$p12" ] || [ -z "$p13" ]; then
  for f in $(find / -name 'libpython3.1[123].so.1.0' -not -path '/proc/*' 2>/dev/null); do
    case "$f" in *3.11*) p11=${p11:-$f} ;; *3.12*) p12=${p12:-$f} ;; *3.13*) p13=${p13:-$f} ;; esac
  done
fi
if [ -z "$p12" ] || [ -z "$p13" ]; then echo "abi_bench: libpython 3.12 and 3.13 not found" >&2; exit 1; fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

measure() {  # OUT CMD...: prints "seconds kilobytes exit"
  local out="$1"; shift
  local rc=0
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" > "$out" 2>/dev/null || rc=$?
  echo "$(cat "$tmp/time" | tail -1) $rc"
}
verdict() { case "$1" in 0) echo no-change ;; 4) echo compatible ;; 12) echo incompatible ;; *) echo "error($1)" ;; esac; }
counts_ltsabi() { grep -m1 '^functions:' "$1" | sed -E 's/functions: ([0-9]+) removed, [0-9]+ changed, ([0-9]+) added.*/\1\/\2/'; }
counts_abidiff() { grep -m1 'Functions changes summary' "$1" | sed -E 's/.*: ([0-9]+) Removed.* ([0-9]+) Added.*/\1\/\2/' || echo "0/0"; }

printf '%-26s %9s %9s %7s %9s %9s %7s  %-25s %s\n' pair ltsabi_s abidiff_s speedup ltsabi_MB abidiff_MB mem verdict "removed/added (ltsabi | abidiff)"
pairs=("$p13 $p13 3.13-self")
[ -n "$p11" ] && pairs+=("$p11 $p12 3.11->3.12")
pairs+=("$p12 $p13 3.12->3.13" "$p12 $p12 3.12-self")
# The installed headers of a libpython: PREFIX/include/pythonX.Y.
headers_of() { ls -d "$(dirname "$(dirname "$1")")"/include/python3.* 2>/dev/null | head -1 || true; }
for pair in "${pairs[@]}"; do
  set -- $pair
  h=()
  if [ "${ABI_BENCH_HEADERS:-1}" = 1 ] && [ -n "$(headers_of "$1")" ] && [ -n "$(headers_of "$2")" ]; then
    h=(--headers-dir1 "$(headers_of "$1")" --headers-dir2 "$(headers_of "$2")")
  fi
  read -r lt lm lrc < <(measure "$tmp/l.txt" "$ltsabi" diff "$1" "$2" "${h[@]}")
  read -r at am arc < <(measure "$tmp/a.txt" abidiff "$1" "$2" "${h[@]}")
  lc=$(counts_ltsabi "$tmp/l.txt"); ac=$(counts_abidiff "$tmp/a.txt")
  [ "$(verdict "$lrc")" = no-change ] && lc="0/0"
  awk -v n="$3" -v lt="$lt" -v at="$at" -v lm="$lm" -v am="$am" -v lv="$(verdict "$lrc")" -v av="$(verdict "$arc")" \
      -v lc="$lc" -v ac="$ac" 'BEGIN {
    printf "%-26s %9.2f %9.2f %6.1fx %9.1f %9.1f %6.2fx  %-25s %s | %s\n", n, lt, at, at / (lt > 0 ? lt : 0.01),
           lm / 1024, am / 1024, lm / am, lv " / " av, lc, ac }'
done

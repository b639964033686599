#!/usr/bin/env bash
# Benchmark: publishing N packages (default 1,000) as a generation of a
# stable tree, switching and rolling back, against Nix's own profile
# switch and rollback on the same machine in the same run.
#
# The packages are real store paths (nix-store --add) with realistic file
# counts: a program, a shared library with its two links, a .pc file, ten
# headers, a README and a man page (16 files each). The package set names
# them (a derivation-shaped attrset per package), so ltskit evaluates,
# "builds" (all present) and publishes them as it would real builds.
#   - `ltskit publish` of the first generation (GC roots, assembly, digest,
#     manifest, verification, switch) and of a second one;
#   - `ltskit rollback` (the link moves) and `rollback --to` forward again;
#   - `nix-env --profile P --set PATH` (switch) and `nix-env --profile P
#     --rollback` between two store paths;
#   - the disk's floor (as many links as a generation has, by `ln -s`
#     alone) and, where /dev/shm exists, the same publish into a root on
#     tmpfs: ltskit's own work without the disk.
# Usage: bench/publish_bench.sh [N]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
n="${1:-1000}"
tmp="$(mktemp -d)"
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
ms() { echo "($2 - $1) * 1000" | bc -l; }

# The packages, added to the store in one call.
mkdir -p "$tmp/src"
for i in $(seq 1 "$n"); do
  d="$tmp/src/p$i"
  mkdir -p "$d/bin" "$d/lib/pkgconfig" "$d/include/p$i" "$d/share/doc/p$i" "$d/share/man/man1"
  printf '#!/bin/sh\necho p%s\n' "$i" > "$d/bin/p$i"
  chmod +x "$d/bin/p$i"
  printf 'ELF stand-in %s\n' "$i" > "$d/lib/libp$i.so.1.0.$i"
  ln -s "libp$i.so.1.0.$i" "$d/lib/libp$i.so.1"
  ln -s "libp$i.so.1" "$d/lib/libp$i.so"
  printf 'prefix=${pcfiledir}/../..\nlibdir=${prefix}/lib\nincludedir=${prefix}/include\n\nName: p%s\nDescription: package %s\nVersion: 1.0.%s\nLibs: -L${libdir} -lp%s\nCflags: -I${includedir}\n' \
    "$i" "$i" "$i" "$i" > "$d/lib/pkgconfig/p$i.pc"
  for h in $(seq 1 10); do printf '/* p%s header %s */\n' "$i" "$h" > "$d/include/p$i/h$h.h"; done
  echo "p$i" > "$d/share/doc/p$i/README"
  echo ".TH P$i 1" > "$d/share/man/man1/p$i.1"
done
mapfile -t paths < <(cd "$tmp/src" && nix-store --add $(for i in $(seq 1 "$n"); do echo "p$i"; done))

# A package set naming them, in a repository with two commits.
git init -q -b main "$tmp/pkgs"
{
  echo '{ system ? builtins.currentSystem }:'
  echo 'let mk = pname: path: let self = { type = "derivation"; name = "${pname}-1.0"; inherit pname system; version = "1.0";'
  echo '      outPath = builtins.storePath path; drvPath = builtins.storePath path; outputs = [ "out" ]; outputName = "out"; out = self; }; in self;'
  echo 'in {'
  for i in $(seq 1 "$n"); do echo "  p$i = mk \"p$i\" ${paths[$((i - 1))]};"; done
  echo '}'
} > "$tmp/pkgs/default.nix"
git -C "$tmp/pkgs" add -A
git -C "$tmp/pkgs" commit -q -m "$n packages"
publish=$(seq -s, -f 'p%g' 1 "$n")
"$ltskit" -q -C "$tmp/ws" init --repo "$tmp/pkgs" --publish-root "$tmp/lts" >/dev/null
"$ltskit" -q -C "$tmp/ws" channel create 1.0 --branch lts/1.0 --from main --publish "$publish" >/dev/null
"$ltskit" -q -C "$tmp/ws" track >/dev/null
"$ltskit" -q -C "$tmp/ws" build 1.0 >/dev/null

a=$(now); "$ltskit" -q -C "$tmp/ws" publish 1.0 --json > "$tmp/first.json"; b=$(now)
first_ms=$(ms "$a" "$b")
# ltskit's own account of the phases (publish --json "timings_ms").
phase() { sed -n "s/.*\"$1\": *\([0-9.]*\).*/\1/p" "$2" | head -1; }
entries=$(find "$tmp/lts/.generations/1.0/1" | wc -l)
a=$(now); "$ltskit" -q -C "$tmp/ws" publish 1.0 --force "bench: a second generation" --json > "$tmp/second.json"; b=$(now)
second_ms=$(ms "$a" "$b")
a=$(now); "$ltskit" -q -C "$tmp/ws" rollback 1.0 >/dev/null; b=$(now)
rollback_ms=$(ms "$a" "$b")
a=$(now); "$ltskit" -q -C "$tmp/ws" rollback 1.0 --to 2 >/dev/null; b=$(now)
forward_ms=$(ms "$a" "$b")
"$ltskit" -q -C "$tmp/ws" verify 1.0 >/dev/null

# What the filesystem itself costs: as many symbolic links as a generation
# has entries, made by `ln -s` alone in the same folder tree. On a busy
# ext4 disk inode allocation dominates (recently freed inodes are skipped
# one by one); the publish cannot be faster than this.
mkdir -p "$tmp/floor"
a=$(now); seq -f '/nix/store/f%g' 1 "$entries" | xargs ln -s -t "$tmp/floor"; b=$(now)
floor_ms=$(ms "$a" "$b")
# The same publish into a root on tmpfs, when the machine has one: ltskit's
# own work without the disk.
shm_first_ms="" shm_second_ms=""
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  shm="/dev/shm/ltskit-publish-bench-$$"
  trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp" "$shm"' EXIT
  a=$(now); "$ltskit" -q -C "$tmp/ws" publish 1.0 --root "$shm" >/dev/null; b=$(now)
  shm_first_ms=$(ms "$a" "$b")
  a=$(now); "$ltskit" -q -C "$tmp/ws" publish 1.0 --root "$shm" --force "bench: tmpfs" >/dev/null; b=$(now)
  shm_second_ms=$(ms "$a" "$b")
fi

# Nix's profile: switch to one store path, then another, then roll back.
profile="$tmp/profile/p"
mkdir -p "$tmp/profile"
nix-env --profile "$profile" --set "${paths[0]}" >/dev/null 2>&1
a=$(now); nix-env --profile "$profile" --set "${paths[1]}" >/dev/null 2>&1; b=$(now)
nix_set_ms=$(ms "$a" "$b")
a=$(now); nix-env --profile "$profile" --rollback >/dev/null 2>&1; b=$(now)
nix_rollback_ms=$(ms "$a" "$b")

printf 'publish: %d packages, %d entries in a generation\n' "$n" "$entries"
printf '  ltskit publish, first generation (roots, assembly, digest, verify, switch)  %8.1f ms\n' "$first_ms"
printf '  ltskit publish, second generation                                          %8.1f ms\n' "$second_ms"
assembly() { echo "$(phase tree "$1") + $(phase manifest "$1")" | bc -l; }
printf '    of which assembling the tree (links, .pc copies, digest, manifest)       %8.1f ms, %8.1f ms\n' \
  "$(assembly "$tmp/first.json")" "$(assembly "$tmp/second.json")"
printf '    of which syncing it to disk (syncfs) and moving it into place             %8.1f ms, %8.1f ms\n' \
  "$(phase sync "$tmp/first.json")" "$(phase sync "$tmp/second.json")"
printf '    of which the GC root / the ABI gate (first generation)                   %8.1f ms / %.1f ms\n' \
  "$(phase gc_root "$tmp/first.json")" "$(phase abi_gate "$tmp/first.json")"
printf '  the same number of links made by ln -s alone (the disk'"'"'s floor)           %8.1f ms\n' "$floor_ms"
if [ -n "$shm_first_ms" ]; then
  printf '  ltskit publish into a root on tmpfs, first generation                      %8.1f ms\n' "$shm_first_ms"
  printf '  ltskit publish into a root on tmpfs, second generation                     %8.1f ms\n' "$shm_second_ms"
fi
printf '  ltskit rollback (the link moves)                                           %8.1f ms\n' "$rollback_ms"
printf '  ltskit rollback --to (forward again)                                       %8.1f ms\n' "$forward_ms"
printf '  nix-env --profile P --set PATH                                             %8.1f ms\n' "$nix_set_ms"
printf '  nix-env --profile P --rollback                                             %8.1f ms\n' "$nix_rollback_ms"
printf '  ratio rollback (ltskit / nix-env)  %.2fx; switch (ltskit rollback --to / nix-env --set)  %.2fx\n' \
  "$(echo "$rollback_ms / $nix_rollback_ms" | bc -l)" "$(echo "$forward_ms / $nix_set_ms" | bc -l)"

#!/usr/bin/env bash
# Benchmark on real libraries: releases of Debian's source packages, built
# here with -g -O2, compared pair by pair with `ltsabi diff` (without and
# with the installed headers) and with libabigail's `abidiff`, in one run.
# Prints a table of verdicts, times and peak memory.
#
#   bench/abi_real.sh [WORK]        WORK: downloads and builds, kept between
#                                   runs (default ~/.cache/ltskit-abi-real)
#
# The sources are pinned by URL and SHA-256 (Debian's mirror drops
# superseded versions from its indexes, not always from its pool, and this
# keeps the benchmark the same from run to run); each is unpacked with
# dpkg-source, Debian's patches applied. The pairs:
#   expat     2.5.0-1 (bookworm) → 2.5.0-1+deb12u1 (bookworm-security): a Debian security update
#   expat     +deb12u1 → +deb12u2 (bookworm-security, a backport that adds a function)
#   expat     2.2.10 (bullseye) → 2.5.0 (bookworm): an opaque-handle C library across releases
#   libxml2   2.9.14+dfsg-1.3~deb12u4 (bookworm-security) → ~deb12u6: security updates
#   zlib      1.2.11 (bullseye) → 1.2.13 (bookworm) → 1.3.1 (trixie)
#   lz4       1.9.4 (bookworm) → 1.10.0 (trixie)
#   zstd      1.5.4 (bookworm) → 1.5.7 (trixie): opaque handles (ZSTD_CCtx)
#   tinyxml2  8 (bullseye) → 9 (bookworm) → 11 (trixie): C++, SONAME bumps
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
work="${1:-${ABI_REAL_DIR:-$HOME/.cache/ltskit-abi-real}}"
ltsabi="${LTSABI:-$build/abi-check/ltsabi}"
[ -x "$ltsabi" ] || { echo "abi_real: $ltsabi not built (bash scripts/build.sh)" >&2; exit 1; }
for tool in abidiff dpkg-source cmake ninja curl sha256sum; do
  command -v "$tool" >/dev/null || { echo "abi_real: $tool is missing (apt-get install abigail-tools dpkg-dev cmake ninja-build curl)" >&2; exit 1; }
done
mkdir -p "$work/dl" "$work/src" "$work/obj" "$work/prefix" "$work/logs"
debian=http://deb.debian.org/debian/pool/main
security=http://deb.debian.org/debian-security/pool/updates/main

# name version: the files of each source package, "URL SHA256" per line.
sources() {
  case "$1" in
    expat_2.2.10-2+deb11u5) cat <<EOF
$debian/e/expat/expat_2.2.10.orig.tar.gz 62e280f5fd29a5b70973f623e20a7412c3e3912c2684cb0e462e2c881be129e1
$debian/e/expat/expat_2.2.10-2%2bdeb11u5.debian.tar.xz b24f586a155c207b2dbf6db1b6e4106427150acdd3a654c00c52d400da70d23d
$debian/e/expat/expat_2.2.10-2%2bdeb11u5.dsc 5bbf7d1df4aa4fb5d31141b58dc08a687918c1685c48300bc3f67a8f56fe3071
EOF
    ;;
    expat_2.5.0-1) cat <<EOF
$debian/e/expat/expat_2.5.0.orig.tar.gz ab00ee05c7067fd10a35c5d2a4922ebba746ddd50ff83b79c828da17bbdf1757
$debian/e/expat/expat_2.5.0-1.debian.tar.xz 232c69ecdf58850b28b5e22374eae4db024d6558f2fbbd57b9af48ab31ce97ed
$debian/e/expat/expat_2.5.0-1.dsc e7c69b69d720ae1e2971f5edc7fffe274f0047cc61e541cd2013afcc1ba80b81
EOF
    ;;
    expat_2.5.0-1+deb12u1) cat <<EOF
$debian/e/expat/expat_2.5.0.orig.tar.gz ab00ee05c7067fd10a35c5d2a4922ebba746ddd50ff83b79c828da17bbdf1757
$security/e/expat/expat_2.5.0-1%2bdeb12u1.debian.tar.xz 32e9a953f5a240fca186e077ca957fe9352777707b650a58ff989650b9fa0a80
$security/e/expat/expat_2.5.0-1%2bdeb12u1.dsc 6507e647ff25e88be44b413089b357b4a837a461f11353dd38d7686e3e5733a4
EOF
    ;;
    expat_2.5.0-1+deb12u2) cat <<EOF
$debian/e/expat/expat_2.5.0.orig.tar.gz ab00ee05c7067fd10a35c5d2a4922ebba746ddd50ff83b79c828da17bbdf1757
$debian/e/expat/expat_2.5.0-1%2bdeb12u2.debian.tar.xz 7e29f5db5067e55193540089ed0f3ec9676704cf79dcea81a9bfb9f49435ae53
$debian/e/expat/expat_2.5.0-1%2bdeb12u2.dsc 6fc87dbd01f49999ed368cfb37c08d35e41348dda2281d60642f3aa14cb77e32
EOF
    ;;
    libxml2_2.9.14+dfsg-1.3~deb12u4) cat <<EOF
$debian/libx/libxml2/libxml2_2.9.14%2bdfsg.orig.tar.xz 4fe913dec8b1ab89d13b489b419a8203176ea39e931eaa0d25b17eafb9c279e9
$security/libx/libxml2/libxml2_2.9.14%2bdfsg-1.3%7edeb12u4.debian.tar.xz 8c2f4b1b03579a3010c4135e57c7754544bf8085960537532faaa0feb0f2930b
$security/libx/libxml2/libxml2_2.9.14%2bdfsg-1.3%7edeb12u4.dsc de59e0146715a6edb188729823fe13a597b2b9968c69f7e9e32b4c7ef2ad06e1
EOF
    ;;
    libxml2_2.9.14+dfsg-1.3~deb12u6) cat <<EOF
$debian/libx/libxml2/libxml2_2.9.14%2bdfsg.orig.tar.xz 4fe913dec8b1ab89d13b489b419a8203176ea39e931eaa0d25b17eafb9c279e9
$debian/libx/libxml2/libxml2_2.9.14%2bdfsg-1.3%7edeb12u6.debian.tar.xz f33a99a0018cbb94aadc3bf26661e401cb90dff856aa170faf7239151ee9b9ac
$debian/libx/libxml2/libxml2_2.9.14%2bdfsg-1.3%7edeb12u6.dsc d86ce3efb1b75d2781f72f5cdd187474c148a915d610295c85162681bb070a65
EOF
    ;;
    zlib_1.2.11.dfsg-2+deb11u2) cat <<EOF
$debian/z/zlib/zlib_1.2.11.dfsg.orig.tar.gz 80c481411a4fe8463aeb8270149a0e80bb9eaf7da44132b6e16f2b5af01bc899
$debian/z/zlib/zlib_1.2.11.dfsg-2%2bdeb11u2.debian.tar.xz c19794df214f0c2571b19f7dea853c066410232abe9f0ddad77231fabccde0da
$debian/z/zlib/zlib_1.2.11.dfsg-2%2bdeb11u2.dsc ec2ee2fc4dfd1f799dfa6a95133ebccbd7531886de38b0a8e3e58b66706a6dc7
EOF
    ;;
    zlib_1.2.13.dfsg-1) cat <<EOF
$debian/z/zlib/zlib_1.2.13.dfsg.orig.tar.bz2 71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1
$debian/z/zlib/zlib_1.2.13.dfsg-1.debian.tar.xz f66cf3d4f2d7defcd4d1fd1fb0a11ee39f1e01b42ec7d059c9dc5c1695133c44
$debian/z/zlib/zlib_1.2.13.dfsg-1.dsc 3fa1e6b2fc525062aa88207dda52fed8e045373c809d362fe8a2bfbf7cf515a8
EOF
    ;;
    zlib_1.3.dfsg+really1.3.1-1) cat <<EOF
$debian/z/zlib/zlib_1.3.dfsg%2breally1.3.1.orig.tar.gz 60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb
$debian/z/zlib/zlib_1.3.dfsg%2breally1.3.1-1.debian.tar.xz 9ed525955ce9fb0c1b39be8ff98f73450dbfc6305a9a27e6149c8972d38a0a9e
$debian/z/zlib/zlib_1.3.dfsg%2breally1.3.1-1.dsc ede2791e29c1d3b422f9208bdd7edf040c20445ea1e7453a72037576e64fa197
EOF
    ;;
    lz4_1.9.4-1) cat <<EOF
$debian/l/lz4/lz4_1.9.4.orig.tar.gz 0b0e3aa07c8c063ddf40b082bdf7e37a1562bda40a0ff5272957f3e987e0e54b
$debian/l/lz4/lz4_1.9.4-1.debian.tar.xz 47ceec5b95f42598f7b9280b03df9659f2ee6852720ec181488e83bd643f0e5f
$debian/l/lz4/lz4_1.9.4-1.dsc e16302bca544d08d106efc216541f4a0403c8f8a5fad5eaac7588223a55af263
EOF
    ;;
    lz4_1.10.0-4) cat <<EOF
$debian/l/lz4/lz4_1.10.0.orig.tar.gz 537512904744b35e232912055ccf8ec66d768639ff3abe5788d90d792ec5f48b
$debian/l/lz4/lz4_1.10.0-4.debian.tar.xz 8d276c3254182c2c9cf319b9a6504cf257c56b441f37d3db8ad97d33d46a0911
$debian/l/lz4/lz4_1.10.0-4.dsc 394c635aa75a21cd5896680e48821c05336645072ae866b2717d53f36b9ba851
EOF
    ;;
    libzstd_1.5.4+dfsg2-5) cat <<EOF
$debian/libz/libzstd/libzstd_1.5.4%2bdfsg2.orig.tar.xz 8cf4bbb65e77ec348d052c8d6230eba66d435bddf64c8b5be2fcb16880c19953
$debian/libz/libzstd/libzstd_1.5.4%2bdfsg2-5.debian.tar.xz 82ce911445772861d0838bd4545f93bc50658bc7f3cefdb17a307dfb8ffca5d8
$debian/libz/libzstd/libzstd_1.5.4%2bdfsg2-5.dsc 8f602f92b575aa8b5e979196fb6ee82d78f233521dc9636526d3ecba1f63c1b1
EOF
    ;;
    libzstd_1.5.7+dfsg-1) cat <<EOF
$debian/libz/libzstd/libzstd_1.5.7%2bdfsg.orig.tar.xz 0c092ef267edce57ba7f3f2645c861f72eaf5e76273c6c3632869423464b90a5
$debian/libz/libzstd/libzstd_1.5.7%2bdfsg-1.debian.tar.xz 5e88424d919941291f79e1bfada6cb1a6f748671d9de7d4b7d931f361f183a15
$debian/libz/libzstd/libzstd_1.5.7%2bdfsg-1.dsc 8f6ab97fa772d921334e50fa5756a0951e23c718dc913e43a228f28c1a23adf9
EOF
    ;;
    tinyxml2_8.0.0+dfsg-2) cat <<EOF
$debian/t/tinyxml2/tinyxml2_8.0.0%2bdfsg.orig.tar.xz b6b62c427c72e1a324029dacd83ceeea3459b296da80c3bd4b1686b42b9a2fbb
$debian/t/tinyxml2/tinyxml2_8.0.0%2bdfsg-2.debian.tar.xz 64b2f51cfdd12fb0973ba5a5b8eb1ae4bf54412b14ae28ed479d27e933e7eb98
EOF
    ;;
    tinyxml2_9.0.0+dfsg-3.1) cat <<EOF
$debian/t/tinyxml2/tinyxml2_9.0.0%2bdfsg.orig.tar.xz 96510f47a5db537f70dff3e83dd71fd2180cbba4aa76c589a549467e7f34bc9b
$debian/t/tinyxml2/tinyxml2_9.0.0%2bdfsg-3.1.debian.tar.xz 1b9a530419da20087e802b2cec913e477ccedd20d73f5e8afe4c095877e1e076
$debian/t/tinyxml2/tinyxml2_9.0.0%2bdfsg-3.1.dsc 1c60a1d1691419ea45de6a36abc96b6fe12cc519105c617a2a6d891e4455e6e3
EOF
    ;;
    tinyxml2_11.0.0+dfsg-1) cat <<EOF
$debian/t/tinyxml2/tinyxml2_11.0.0%2bdfsg.orig.tar.xz 1346241d0891464c44ce6838527bdc616f96da308d128d6e9a6ec6987db2ac8a
$debian/t/tinyxml2/tinyxml2_11.0.0%2bdfsg-1.debian.tar.xz 7a3dbf42260a7fd71a7047795d1bf7504ed69f4d7604273255f0ab03bc1c6d91
$debian/t/tinyxml2/tinyxml2_11.0.0%2bdfsg-1.dsc ae10fdbbfcbb7633ef77db02ccc9d8ae9efb3f6ebd280d6cd8fa846ee34491a6
EOF
    ;;
    *) echo "abi_real: no sources for $1" >&2; return 1 ;;
  esac
}

# Downloads (once) and checks every file of NAME, then unpacks it with the
# Debian patches applied into $work/src/NAME.
fetch() {
  local name="$1" url sum file
  [ -d "$work/src/$name" ] && return 0
  while read -r url sum; do
    file="$work/dl/$(basename "$url" | sed 's/%2b/+/g; s/%7e/~/g')"
    if [ ! -f "$file" ] || ! echo "$sum  $file" | sha256sum -c --quiet >/dev/null 2>&1; then
      curl -fsSL -o "$file.part" "$url" || { echo "abi_real: cannot download $url" >&2; return 1; }
      echo "$sum  $file.part" | sha256sum -c --quiet || { echo "abi_real: $url: SHA-256 mismatch" >&2; return 1; }
      mv "$file.part" "$file"
    fi
  done < <(sources "$name")
  local dsc="$work/dl/$name.dsc"
  if [ -f "$dsc" ]; then
    dpkg-source --no-check -x "$dsc" "$work/src/$name.part" >"$work/logs/unpack-$name.log" 2>&1
  else  # no .dsc on the mirror: the original tarball and the Debian patches by hand
    local orig deb
    orig=$(ls "$work/dl/${name%%-*}"*.orig.tar.* | head -1)
    deb="$work/dl/$name.debian.tar.xz"
    mkdir -p "$work/src/$name.part"
    tar -xf "$orig" -C "$work/src/$name.part" --strip-components=1
    tar -xf "$deb" -C "$work/src/$name.part"
    if [ -f "$work/src/$name.part/debian/patches/series" ]; then
      grep -v '^#' "$work/src/$name.part/debian/patches/series" | while read -r p _; do
        [ -n "$p" ] && patch -d "$work/src/$name.part" -p1 -s < "$work/src/$name.part/debian/patches/$p"
      done
    fi
  fi
  mv "$work/src/$name.part" "$work/src/$name"
}

cmake_build() {  # SRC OBJ PREFIX EXTRA...
  local s="$1" o="$2" p="$3"; shift 3
  cmake -S "$s" -B "$o" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS="-g -O2" -DCMAKE_CXX_FLAGS="-g -O2" \
    -DCMAKE_INSTALL_PREFIX="$p" -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=ON "$@" || return 1
  # Debian's expat patches test `#if XML_DTD == 1`; its CMake defines the macro empty.
  if [ -f "$o/expat_config.h" ]; then sed -i -E 's/^#define (XML_DTD|XML_NS)$/#define \1 1/' "$o/expat_config.h"; fi
  ninja -C "$o" -j"$jobs" && ninja -C "$o" install
}

# The shared library NAME installed (the file, not a link).
library_of() { find "$work/prefix/$1/lib" -name '*.so.*' -type f 2>/dev/null | sort | head -1; }

# Builds NAME (once) with -g -O2 into $work/prefix/NAME: lib/ and include/.
build_one() {
  local name="$1" s="$work/src/$1" o="$work/obj/$1" p="$work/prefix/$1"
  [ -f "$p/.built" ] && return 0
  rm -rf "$o" "$p"
  mkdir -p "$p"
  case "$name" in
    expat_*) cmake_build "$s/expat" "$o" "$p" -DEXPAT_BUILD_TOOLS=OFF -DEXPAT_BUILD_EXAMPLES=OFF \
               -DEXPAT_BUILD_TESTS=OFF -DEXPAT_BUILD_DOCS=OFF -DEXPAT_SHARED_LIBS=ON ;;
    tinyxml2_8*) cmake_build "$s" "$o" "$p" -DBUILD_TESTS=OFF -DBUILD_TESTING=OFF ;;
    tinyxml2_*) cmake_build "$s" "$o" "$p" -Dtinyxml2_BUILD_TESTING=OFF -DBUILD_TESTING=OFF ;;
    zlib_*) cp -a "$s" "$o" && (cd "$o" && CFLAGS="-g -O2" ./configure --prefix="$p" --libdir="$p/lib" --shared &&
              make -j"$jobs" shared && make install-libs install) ;;
    # CFLAGS from the environment: on make's command line it would drop the
    # Makefiles' own additions (-fPIC).
    lz4_*) cp -a "$s" "$o" && CFLAGS="-g -O2" make -C "$o/lib" -j"$jobs" liblz4 BUILD_STATIC=no \
             CPPFLAGS=-DLZ4F_PUBLISH_STATIC_FUNCTIONS &&
           make -C "$o/lib" install BUILD_STATIC=no PREFIX="$p" CPPFLAGS=-DLZ4F_PUBLISH_STATIC_FUNCTIONS ;;
    libzstd_*) cp -a "$s" "$o" && CFLAGS="-g -O2" make -C "$o/lib" -j"$jobs" libzstd &&
               make -C "$o/lib" install-shared install-includes PREFIX="$p" ;;
    libxml2_*)
      # Debian's patches touch Makefile.am: keep make from calling automake.
      (cd "$s" && touch aclocal.m4 && sleep 1 && touch configure config.h.in && sleep 1 &&
        find . -name Makefile.in -not -path './debian/*' -exec touch {} +)
      mkdir -p "$o" && (cd "$o" && CFLAGS="-g -O2" "$s/configure" -q --prefix="$p" --disable-static \
        --without-python --without-lzma --without-icu --without-zlib --without-debug --without-history \
        --without-readline && make -j"$jobs" libxml2.la && make install-libLTLIBRARIES && make -C include install) ;;
    *) echo "abi_real: no recipe for $name" >&2; return 1 ;;
  esac || return 1
  [ -n "$(library_of "$name")" ] || { echo "abi_real: $name built no shared library" >&2; return 1; }
  touch "$p/.built"
}


tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
measure() {  # OUT CMD...: prints "seconds kilobytes exit"
  local out="$1"; shift
  local rc=0
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$out" 2>&1 || rc=$?
  echo "$(tail -1 "$tmp/time") $rc"
}
verdict() { case "$1" in 0) echo no-change ;; 4) echo compatible ;; 12) echo incompatible ;; *) echo "error($1)" ;; esac; }

# old new kind
pairs=(
  "expat_2.5.0-1 expat_2.5.0-1+deb12u1 security"
  "expat_2.5.0-1+deb12u1 expat_2.5.0-1+deb12u2 security"
  "libxml2_2.9.14+dfsg-1.3~deb12u4 libxml2_2.9.14+dfsg-1.3~deb12u6 security"
  "expat_2.2.10-2+deb11u5 expat_2.5.0-1 release"
  "zlib_1.2.11.dfsg-2+deb11u2 zlib_1.2.13.dfsg-1 release"
  "zlib_1.2.13.dfsg-1 zlib_1.3.dfsg+really1.3.1-1 release"
  "lz4_1.9.4-1 lz4_1.10.0-4 release"
  "libzstd_1.5.4+dfsg2-5 libzstd_1.5.7+dfsg-1 release"
  "tinyxml2_8.0.0+dfsg-2 tinyxml2_9.0.0+dfsg-3.1 soname"
  "tinyxml2_9.0.0+dfsg-3.1 tinyxml2_11.0.0+dfsg-1 soname"
)
names=()
for p in "${pairs[@]}"; do
  set -- $p
  names+=("$1" "$2")
done
for n in $(printf '%s\n' "${names[@]}" | sort -u); do
  if [ ! -f "$work/prefix/$n/.built" ]; then
    [ -t 2 ] && echo "abi_real: building $n" >&2
    fetch "$n" && build_one "$n" >"$work/logs/build-$n.log" 2>&1 || {
      echo "abi_real: building $n failed; see $work/logs/build-$n.log" >&2
      exit 1
    }
  fi
done

printf '%-52s %-8s | %-12s %-12s %-12s | %7s %7s %7s | %6s %6s %6s\n' pair kind ltsabi +headers abidiff \
  lt_s lth_s abi_s lt_MB lth_MB abi_MB
failures=0
for p in "${pairs[@]}"; do
  set -- $p
  a="$(library_of "$1")" b="$(library_of "$2")"
  h=(--headers-dir1 "$work/prefix/$1/include" --headers-dir2 "$work/prefix/$2/include")
  read -r lt lm lrc < <(measure "$tmp/l.txt" "$ltsabi" diff "$a" "$b")
  read -r ht hm hrc < <(measure "$tmp/h.txt" "$ltsabi" diff "$a" "$b" "${h[@]}")
  read -r at am arc < <(measure "$tmp/a.txt" abidiff "$a" "$b" "${h[@]}")
  cp "$tmp/h.txt" "$work/logs/ltsabi-$1--$2.txt"
  cp "$tmp/a.txt" "$work/logs/abidiff-$1--$2.txt"
  printf '%-52s %-8s | %-12s %-12s %-12s | %7.2f %7.2f %7.2f | %6.1f %6.1f %6.1f\n' "$1 → ${2#*_}" "$3" \
    "$(verdict "$lrc")" "$(verdict "$hrc")" "$(verdict "$arc")" "$lt" "$ht" "$at" \
    "$(echo "$lm / 1024" | bc -l)" "$(echo "$hm / 1024" | bc -l)" "$(echo "$am / 1024" | bc -l)"
  # Debian promises its security updates keep the ABI: with the headers the
  # ABI gate passes, each must come out compatible.
  if [ "$3" = security ] && [ "$hrc" != 0 ] && [ "$hrc" != 4 ]; then
    echo "abi_real: the security update $1 → $2 is $(verdict "$hrc") with headers" >&2
    failures=$((failures + 1))
  fi
done
echo "reports: $work/logs/{ltsabi,abidiff}-OLD--NEW.txt"
[ "$failures" = 0 ]

#!/usr/bin/env bash
# Creates the demo package-set repository at DEST, deterministically: fixed
# identities, dates and file modes, so that commit ids are the same on every
# run and every machine (examples/demo/expected-commits.txt lists them).
#
#   make-demo-repo.sh [-v] [--check] DEST
#
# History of main (what an LTS maintainer meets), and the lts/1.0 branch cut
# before the changes that matter:
#   2026-01-05 initial      libsafe 1.0.0, libgreet 1.0.0, libgreetxx 1.0.0, hello 1.0.0
#   2026-01-10 churn        hello 1.0.1                      <- lts/1.0 cut here (tag demo/cut-1.0)
#   2026-01-20 (lts/1.0)    LTS.md: channel notes
#   2026-02-01 CVE-2026-1001  libsafe 1.0.1: out-of-bounds write fixed (patch-level bump)
#   2026-02-10 CVE-2026-1002  libgreet: fix added as a patch file, version unchanged
#   2026-03-01 churn        libgreetxx 1.1.0 (adds Greeter::greet_all), README
#   2026-04-01 ABI break    libsafe 2.0.0 (struct layout, removed function, SONAME .so.2)
#   2026-04-15 move         libgreet: greet.c moved and rewritten as core/format.c, patch folded in
#   2026-05-01 CVE-2026-1003  libgreet 1.0.1: format string fixed in core/format.c (conflicts on lts/1.0)
#   2026-05-10 churn        README
set -euo pipefail

verbose=0
check=0
while [ $# -gt 0 ]; do
  case "$1" in
    -v) verbose=1; shift ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
if [ $# -ne 1 ]; then
  echo "usage: make-demo-repo.sh [-v] [--check] DEST" >&2
  exit 2
fi
dest="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stages="$here/stages"
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
  echo "make-demo-repo.sh: '$dest' exists and is not empty" >&2
  exit 1
fi
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
umask 022

export GIT_CONFIG_NOSYSTEM=1 HOME="$dest/.git-home-unused" TZ=UTC LC_ALL=C
export GIT_AUTHOR_NAME="Demo Upstream" GIT_AUTHOR_EMAIL="upstream@demo.invalid"
export GIT_COMMITTER_NAME="Demo Upstream" GIT_COMMITTER_EMAIL="upstream@demo.invalid"
g() { git -C "$dest" -c commit.gpgsign=false -c core.autocrlf=false -c core.fileMode=true -c init.defaultBranch=main "$@"; }
log() { if [ "$verbose" = 1 ]; then echo "$@"; fi; }

made=""
commit() {  # LABEL DATE MESSAGE
  export GIT_AUTHOR_DATE="$2T10:00:00+0000" GIT_COMMITTER_DATE="$2T10:00:00+0000"
  g add -A
  g commit -q -m "$3"
  made="$made$1 $(g rev-parse HEAD)
"
  log "$1 $(g rev-parse HEAD) $2 $(echo "$3" | head -1)"
}

# default.nix, generated from the versions of each step.
write_default_nix() {  # SAFE_VERSION SAFE_SOVERSION GREET_VERSION GREET_PATCHES GREETXX_VERSION HELLO_VERSION
  local patches=""
  if [ -n "$4" ]; then patches="
    patches = [ $4 ];"; fi
  cat > "$dest/default.nix" <<NIX
# The ltskit demo package set: four packages built with the host C compiler,
# no nixpkgs. Every attribute is a derivation with pname and version.
{ system ? builtins.currentSystem }:
let
  mk = import ./lib/mk-package.nix { inherit system; };
in rec {
  libsafe = mk {
    pname = "libsafe";
    version = "$1";
    kind = "clib";
    libname = "safe";
    soversion = "$2";
    src = ./pkgs/libsafe/src;
    description = "Bounded string and buffer helpers";
  };

  libgreet = mk {
    pname = "libgreet";
    version = "$3";
    kind = "clib";
    libname = "greet";
    soversion = "1";
    src = ./pkgs/libgreet/src;$patches
    deps = [ libsafe ];
    libs = "-lsafe";
    description = "Greeting formatter on top of libsafe";
  };

  libgreetxx = mk {
    pname = "libgreetxx";
    version = "$5";
    kind = "cxxlib";
    libname = "greetxx";
    soversion = "1";
    src = ./pkgs/libgreetxx/src;
    deps = [ libgreet libsafe ];
    libs = "-lgreet -lsafe";
    description = "C++ interface to libgreet";
  };

  hello = mk {
    pname = "hello";
    version = "$6";
    kind = "program";
    src = ./pkgs/hello/src;
    deps = [ libgreetxx libgreet libsafe ];
    libs = "-lgreetxx -lgreet -lsafe";
    description = "Says hello through libgreet and libgreetxx";
  };
}
NIX
}

g init -q
# 1. initial package set
cp -r "$stages/base/." "$dest/"
write_default_nix 1.0.0 1 1.0.0 "" 1.0.0 1.0.0
commit initial 2026-01-05 "Initial package set: libsafe, libgreet, libgreetxx, hello"

# 2. unrelated churn
cp "$stages/02-churn/hello.cc" "$dest/pkgs/hello/src/hello.cc"
write_default_nix 1.0.0 1 1.0.0 "" 1.0.0 1.0.1
commit cut 2026-01-10 "hello 1.0.1: add --help"
cut=$(g rev-parse HEAD)
g tag demo/cut-1.0 "$cut"
g branch lts/1.0 "$cut"

# 4. security fix as a patch-level bump
cp "$stages/04-cve-2026-1001/safe.c" "$dest/pkgs/libsafe/src/safe.c"
write_default_nix 1.0.1 1 1.0.0 "" 1.0.0 1.0.1
commit cve-2026-1001 2026-02-01 "libsafe 1.0.1: fix out-of-bounds write in safe_copy (CVE-2026-1001)

safe_copy wrote the terminating NUL one byte past the end of the
destination when the source was at least as long as the buffer."

# 5. a fix added as a patch file
cp "$stages/05-cve-2026-1002/CVE-2026-1002.patch" "$dest/pkgs/libgreet/CVE-2026-1002.patch"
write_default_nix 1.0.1 1 1.0.0 "./pkgs/libgreet/CVE-2026-1002.patch" 1.0.0 1.0.1
commit cve-2026-1002 2026-02-10 "libgreet: add patch for CVE-2026-1002 (NULL name)"

# 6. unrelated churn: a compatible addition
cp "$stages/06-greetxx-1.1/greetxx.h" "$stages/06-greetxx-1.1/greetxx.cc" "$dest/pkgs/libgreetxx/src/"
printf '\nlibgreetxx 1.1 adds Greeter::greet_all.\n' >> "$dest/README.md"
write_default_nix 1.0.1 1 1.0.0 "./pkgs/libgreet/CVE-2026-1002.patch" 1.1.0 1.0.1
commit greetxx-1.1 2026-03-01 "libgreetxx 1.1.0: add Greeter::greet_all"

# 7. an ABI-breaking major release
cp "$stages/07-libsafe-2.0/safe.h" "$stages/07-libsafe-2.0/safe.c" "$dest/pkgs/libsafe/src/"
write_default_nix 2.0.0 2 1.0.0 "./pkgs/libgreet/CVE-2026-1002.patch" 1.1.0 1.0.1
commit abi-break 2026-04-01 "libsafe 2.0.0: new buffer API

struct safe_buf gains a flags field, safe_append is replaced by
safe_buf_append, and the SONAME becomes libsafe.so.2."

# 8. a file move (and rewrite) that later backports trip over
g rm -q pkgs/libgreet/src/greet.c pkgs/libgreet/CVE-2026-1002.patch
mkdir -p "$dest/pkgs/libgreet/src/core"
cp "$stages/08-move/format.c" "$dest/pkgs/libgreet/src/core/format.c"
write_default_nix 2.0.0 2 1.0.0 "" 1.1.0 1.0.1
commit move 2026-04-15 "libgreet: move formatting into core/format.c

The CVE-2026-1002 patch is folded into the rewritten code."

# 9. a security fix in the moved file
cp "$stages/09-cve-2026-1003/format.c" "$dest/pkgs/libgreet/src/core/format.c"
write_default_nix 2.0.0 2 1.0.1 "" 1.1.0 1.0.1
commit cve-2026-1003 2026-05-01 "libgreet 1.0.1: fix format string vulnerability (CVE-2026-1003)

greet_format passed the assembled greeting, which contains the caller's
name, to snprintf as the format."

# 10. more churn
printf '\nSee https://demo.invalid for releases.\n' >> "$dest/README.md"
commit head 2026-05-10 "README: link to releases"

# The LTS branch's own commit.
g checkout -q lts/1.0
cat > "$dest/LTS.md" <<'MD'
# lts/1.0

Long-term support channel 1.0, cut from main on 2026-01-10.
Only security fixes land here; versions stay put.
MD
commit lts-head 2026-01-20 "lts/1.0: channel notes"
g checkout -q main

if [ "$check" = 1 ]; then
  want="$here/expected-commits.txt"
  got="$(printf '%s' "$made" | sort)"
  exp="$(grep -v '^#' "$want" | sort)"
  if [ "$got" != "$exp" ]; then
    echo "make-demo-repo.sh: commit ids differ from $want" >&2
    diff <(echo "$exp") <(echo "$got") >&2 || true
    exit 1
  fi
  log "commit ids match $want"
fi

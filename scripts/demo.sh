#!/usr/bin/env bash
# The README's main job: installs what is needed, builds, and runs the
# pipeline on the bundled demo package set. Everything it writes stays under
# $LTSKIT_DEMO_DIR (default: build/demo), including the publish root.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
demo="${LTSKIT_DEMO_DIR:-$build/demo}"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"

rm -rf "$demo"
mkdir -p "$demo"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

bash "$root/examples/demo/make-demo-repo.sh" "$demo/pkgs"
# An advisory feed (a folder of OSV records; an https:// URL works the same),
# as it stood before CVE-2026-1001 was published.
mkdir -p "$demo/feed"
for id in CVE-2026-1002 CVE-2026-1003 CVE-2026-1004; do
  cp "$root/examples/demo/advisories/$id.json" "$demo/feed/"
done
step "$ltskit" -C "$demo/ws" init --repo "$demo/pkgs" --publish-root "$demo/lts"
step "$ltskit" -C "$demo/ws" channel create 1.0 --branch lts/1.0 --from 2026-01-15 \
  --support-until 2031-01-15 --publish libsafe,libgreet,libgreetxx,hello
step "$ltskit" -C "$demo/ws" advisories source add demo "$demo/feed"

# The whole pipeline: sync, track, triage, backport (the fix for the high
# CVE-2026-1002 applies; the fix for CVE-2026-1003 conflicts and waits for a
# human: exit status 3), build, ABI gate, publish generation 1, dashboard.
step "$ltskit" -C "$demo/ws" run || echo "(exit status $?: items need a human)"

# A third-party program, built once against $demo/lts/1.0 with pkg-config.
cat > "$demo/consumer.c" <<'C'
#include <stdio.h>
#include <safe.h>
int main(void) {
  char buf[4];
  size_t n = safe_copy(buf, sizeof buf, "abcdef");
  printf("libsafe %s copied %zu bytes into a 4-byte buffer\n", safe_version(), n);
  return 0;
}
C
# shellcheck disable=SC2046
cc "$demo/consumer.c" -o "$demo/consumer" $(PKG_CONFIG_PATH="$demo/lts/1.0/lib/pkgconfig" pkg-config --cflags --libs libsafe)
step "$demo/consumer"

# CVE-2026-1001 is published: the next run backports its fix, rebuilds,
# checks the ABI, and publishes generation 2. The same binary, not rebuilt,
# runs the fixed library.
cp "$root/examples/demo/advisories/CVE-2026-1001.json" "$demo/feed/"
step "$ltskit" -C "$demo/ws" run || echo "(exit status $?: items need a human)"
step "$demo/consumer"
# Nothing new: the run says so, and changes nothing.
step "$ltskit" -C "$demo/ws" run || echo "(exit status $?: items need a human)"
step "$ltskit" -C "$demo/ws" generations 1.0
step "$ltskit" -C "$demo/ws" verify 1.0
step "$ltskit" -C "$demo/ws" rollback 1.0
step "$demo/consumer"
step "$ltskit" -C "$demo/ws" rollback 1.0 --to 2
step "$ltskit" -C "$demo/ws" track --history 50   # every commit of the last 50, searchable
step "$ltskit" -C "$demo/ws" versions libsafe
step "$ltskit" -C "$demo/ws" triage 1.0
step "$ltskit" -C "$demo/ws" backport list 1.0
step "$ltskit" -C "$demo/ws" vex 1.0 -o "$demo/vex-1.0.json"

# The ABI gate: a test channel follows upstream into the libsafe 2.0 major
# release (SONAME bump, a removed function, a public struct's layout), which
# the lts-strict policy holds back (exit status 3); lts/next stays as it was.
commit() { awk -v l="$1" '$1 == l { print $2 }' "$root/examples/demo/expected-commits.txt"; }
git -C "$demo/pkgs" branch lts/next "$(commit greetxx-1.1)"
step "$ltskit" -C "$demo/ws" channel create next --branch lts/next --from "$(commit greetxx-1.1)" \
  --support-until 2027-12-31 --publish libsafe,libgreet,libgreetxx
step "$ltskit" -C "$demo/ws" track next
step "$ltskit" -C "$demo/ws" build next
step "$ltskit" -C "$demo/ws" publish next
git -C "$demo/pkgs" branch -f lts/next "$(commit abi-break)"
step "$ltskit" -C "$demo/ws" track next
step "$ltskit" -C "$demo/ws" build next
step "$ltskit" -C "$demo/ws" publish next || echo "(exit status $?)"
step "$ltskit" -C "$demo/ws" abi next
step "$ltskit" -C "$demo/ws" status

# The ABI gate on the demo's libraries: lts/1.0 against upstream main.
ltsabi="$build/abi-check/ltsabi"
git -C "$demo/pkgs" worktree add -q "$demo/lts-tree" lts/1.0
nix-build "$demo/lts-tree" -A libsafe -A libgreetxx -o "$demo/lts-build" >/dev/null
nix-build "$demo/pkgs" -A libsafe -A libgreetxx -o "$demo/main-build" >/dev/null
abi() { step "$ltsabi" diff "$@" || echo "(exit status $?)"; }
abi "$demo/lts-build-2/lib/libgreetxx.so.1.0.0" "$demo/main-build-2/lib/libgreetxx.so.1.1.0"
# Two whole trees, every library paired by SONAME (as abipkgdiff).
abi "$demo/lts-build" "$demo/main-build"
step "$ltskit" -C "$demo/ws" report --html "$demo/ws/report"
echo
echo "Demo workspace: $demo/ws"
echo "lts/1.0 is published at $demo/lts/1.0 (generation $(readlink "$demo/lts/1.0" | sed 's|.*/||')); $demo/consumer runs against it"
echo "Dashboard: $demo/ws/report/index.html"

#!/usr/bin/env bash
# Installs every Debian package that building, testing and running the ltskit demo
# needs, and configures Nix for single-user, offline, unsandboxed builds as root.
# Idempotent: when everything is already there it only checks and returns.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates patch bc
  libgit2-dev libsqlite3-dev sqlite3 libcurl4-openssl-dev libssl-dev libfmt-dev
  libboost1.81-dev libelf-dev libdw-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libsimdjson-dev libarchive-dev libzstd-dev
  libgtest-dev libgmock-dev
  nix-bin abigail-tools dwz jq hyperfine
  clang libclang-rt-14-dev
  chromium fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Nix: no daemon, no sandbox, no build users, no substituters (there is no network).
conf=/etc/nix/nix.conf
want='# written by ltskit scripts/install-deps.sh
build-users-group =
sandbox = false
substituters =
experimental-features = nix-command
'
if [ ! -f "$conf" ] || ! grep -q "written by ltskit" "$conf"; then
  $SUDO mkdir -p /etc/nix
  printf '%s' "$want" | $SUDO tee "$conf" >/dev/null
fi
if [ ! -d /nix/store ]; then
  $SUDO mkdir -p /nix/store /nix/var/nix
fi

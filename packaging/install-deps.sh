#!/usr/bin/env bash
# Installs what Secu needs to build and test on Debian 12: only the packages that are missing,
# with one `apt-get update`, as root or through sudo. Idempotent: a second run installs nothing.
# Then the npm test peers of tests/peers (node_modules stays out of git).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libcli11-dev libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev libfmt-dev
  libsodium-dev catch2 libssl-dev libcurl4-openssl-dev zlib1g-dev
  sqlite3 curl clang-format procps
  # The fuzz preset: clang and its libFuzzer/sanitizer runtimes (tests/fuzz).
  clang libclang-rt-14-dev
  # The TLS tests make their CA and server certificate with the openssl CLI.
  openssl
  # Docs and shell tests: man pages render (groff -ww, man -l), completions in real shells.
  groff-base man-db bash-completion zsh fish tmux
  # Packaging: CPack's .deb (dpkg-shlibdeps, file), the unit checks (systemd-analyze).
  dpkg-dev file systemd
)
# Node.js runs the test peers (SMTP, OIDC, Stripe); keep a Node that is already there.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: system packages present" >&2
fi

# npm test peers: install exactly what package-lock.json pins, only when it changed.
peers="$root/tests/peers"
if [ -f "$peers/package-lock.json" ]; then
  stamp="$peers/node_modules/.secu-lock-stamp"
  if [ ! -f "$stamp" ] || ! cmp -s "$peers/package-lock.json" "$stamp"; then
    echo "install-deps: npm ci in tests/peers" >&2
    (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$peers/package-lock.json" "$stamp"
  fi
fi

#!/usr/bin/env bash
# Builds the .deb (CPack) from BUILD_DIR, installs it with dpkg into THIS machine, checks the
# installed binaries, man pages, completions, unit, config, user and state dir, then purges it.
# Needs root (dpkg -i); packaging/test.sh runs it only when SECU_TEST_DEB=1.
#   tests/packaging/deb_test.sh [BUILD_DIR]    (default build/dev)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/dev}

[ "$(id -u)" -eq 0 ] || { echo "deb_test: needs root (dpkg -i)" >&2; exit 1; }
if dpkg-query -W -f='${Status}' secu 2>/dev/null | grep -q "install ok installed"; then
  echo "deb_test: a secu package is already installed here; not touching it" >&2
  exit 1
fi

step() { echo "==> $*"; }
fail() { echo "deb_test: FAIL: $*" >&2; exit 1; }

step "build the package"
cmake --build "$build" --target package >/dev/null
deb=$(ls -t "$build"/secu_*.deb | head -n1)
[ -f "$deb" ] || fail "no .deb in $build"
echo "$deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'

purge() { dpkg --purge secu >/dev/null 2>&1 || true; }
trap purge EXIT

step "dpkg -i"
dpkg -i "$deb"
systemctl is-active --quiet secud 2>/dev/null && fail "the package started secud"

step "installed paths"
for f in /usr/bin/secuctl /usr/sbin/secud /usr/share/man/man1/secuctl.1 \
  /usr/share/man/man8/secud.8 /usr/share/bash-completion/completions/secuctl \
  /usr/share/zsh/vendor-completions/_secuctl /usr/share/fish/vendor_completions.d/secuctl.fish \
  /lib/systemd/system/secud.service /etc/secu/secud.json; do
  [ -e "$f" ] || fail "missing $f"
  echo "ok $f"
done
grep -qx /etc/secu/secud.json /var/lib/dpkg/info/secu.conffiles || fail "secud.json is no conffile"
getent passwd secu >/dev/null || fail "no secu user"
[ "$(stat -c '%U %a' /var/lib/secu)" = "secu 700" ] || fail "/var/lib/secu is not secu 0700"
echo "ok user secu, /var/lib/secu $(stat -c '%U:%G %a' /var/lib/secu)"

step "secuctl version (installed)"
out=$(/usr/bin/secuctl version)
echo "$out"
[[ $out == "secuctl "* ]] || fail "secuctl version printed: $out"

step "man -w secuctl / secud"
man -w secuctl
man -w 8 secud
[ "$(man -w secuctl)" = /usr/share/man/man1/secuctl.1 ] || fail "man -w secuctl"
MANWIDTH=80 man secuctl 2>&1 >/dev/null | (! grep .) || fail "man secuctl warned"

step "secud --help (installed)"
/usr/sbin/secud --help | head -n 5

step "bash-completion loads the installed completion on demand"
bash --norc --noprofile -c '
  source /usr/share/bash-completion/bash_completion
  __load_completion secuctl && complete -p secuctl' || fail "bash-completion did not load secuctl"

# The installed scripts call the installed /usr/bin/secuctl (no server: subcommands only).
if command -v fish >/dev/null; then
  step "fish loads the installed completion (vendor_completions.d)"
  # Not --no-config: that also drops the vendor_completions.d paths; a fresh HOME instead.
  fish_home=$(mktemp -d)
  HOME=$fish_home XDG_CONFIG_HOME=$fish_home fish -c 'complete --do-complete="secuctl ag"' |
    grep -q '^agents' ||
    fail "fish did not complete secuctl ag"
  rm -rf "$fish_home"
  echo "ok secuctl ag -> agents"
fi
if command -v zsh >/dev/null; then
  step "zsh finds the installed completion on its fpath"
  zsh -fc 'for d in $fpath; do [[ -r $d/_secuctl ]] && print $d/_secuctl; done; true' | grep . ||
    fail "_secuctl is not on zsh's fpath"
fi

if command -v systemd-analyze >/dev/null; then
  step "systemd-analyze verify / security (installed unit)"
  systemd-analyze verify /lib/systemd/system/secud.service
  systemd-analyze security --offline=true --threshold=30 /lib/systemd/system/secud.service |
    tail -n 1
fi

step "dpkg --purge"
trap - EXIT
dpkg --purge secu
[ ! -e /usr/bin/secuctl ] || fail "/usr/bin/secuctl left behind"
[ ! -e /var/lib/secu ] || fail "/var/lib/secu left behind"
! getent passwd secu >/dev/null || fail "secu user left behind"
echo "deb_test: PASS"

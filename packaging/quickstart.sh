#!/usr/bin/env bash
# Installs what is missing, builds secud and secuctl, starts secud on 127.0.0.1:8787 with its
# data in .secu/data beside the sources, and prints how to use secuctl.
#   packaging/quickstart.sh         # start (or say it is already running)
#   packaging/quickstart.sh stop    # stop it
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

state="$root/.secu"
pidfile="$state/secud.pid"
addr="127.0.0.1:8787"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

if [ "${1:-}" = "stop" ]; then
  if running; then
    kill -TERM "$(cat "$pidfile")"
    for _ in $(seq 50); do running || break; sleep 0.1; done
    echo "secud stopped"
  else
    echo "secud is not running"
  fi
  rm -f "$pidfile"
  exit 0
fi

"$here/install-deps.sh"
cmake --preset dev >/dev/null
cmake --build --preset dev --target secud secuctl
bin="$root/build/dev"

mkdir -p "$state"
chmod 700 "$state"
if running; then
  echo "secud is already running (pid $(cat "$pidfile"))"
else
  if curl -fsS "http://$addr/healthz" >/dev/null 2>&1; then
    echo "quickstart: something else already answers on $addr; stop it first" >&2
    exit 1
  fi
  # --print-admin-token=false: the token is in admin.token; keep it out of the log file.
  nohup "$bin/daemon/secud" serve --listen "$addr" --data-dir "$state/data" \
    --print-admin-token=false >"$state/secud.out" 2>"$state/secud.log" &
  echo $! >"$pidfile"
  for _ in $(seq 100); do
    curl -fsS "http://$addr/readyz" >/dev/null 2>&1 && break
    if ! running; then
      echo "quickstart: secud failed to start; see $state/secud.log" >&2
      tail -n 5 "$state/secud.log" >&2
      exit 1
    fi
    sleep 0.1
  done
fi

cat <<MSG

secud is running on http://$addr (pid $(cat "$pidfile"))
  data:        $state/data
  admin token: $state/data/admin.token (mode 0600; secuctl reads it through SECU_DATA_DIR)
  logs:        $state/secud.log

Use secuctl from this shell:
  export PATH="$bin/cli:\$PATH" SECU_ADDR=http://$addr SECU_DATA_DIR="$state/data"
  secuctl health
  secuctl --help

Stop it with: packaging/quickstart.sh stop
MSG

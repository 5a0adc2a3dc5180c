#!/usr/bin/env bash
# Control-plane writes through the HTTP API: wrk POSTs /v1/agents (each a durable write: the
# agent row and its audit entry, hash chain and Merkle leaf, committed with synchronous=FULL
# before the answer) with 1, 8 and 32 connections, beside raw SQLite single-row commits on the
# same disk (sqlite3, WAL, synchronous=FULL): the ceiling of one durable write per request
# without group commit.
#
# Builds nothing: SECUD must exist. Prints a Markdown section on stdout.
#   SECUD=build/release/daemon/secud tests/bench/control/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
SECUD=${SECUD:-$root/build/release/daemon/secud}
SECUCTL=${SECUCTL:-$root/build/release/cli/secuctl}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-8}
work=$(mktemp -d)
pid=
# secud stops with the script: on success, failure, Ctrl-C or kill.
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Raw SQLite: 2000 single-row transactions in one sqlite3 process.
{
  echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
  echo "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, at INTEGER NOT NULL);"
  for i in $(seq 2000); do echo "BEGIN; INSERT INTO t (name, at) VALUES ('agent-$i', $i); COMMIT;"; done
} >"$work/raw.sql"
t0=$(date +%s%N)
sqlite3 "$work/raw.db" <"$work/raw.sql" >/dev/null
t1=$(date +%s%N)
raw=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", 2000 / (ns / 1e9) }')

"$SECUD" serve --listen 127.0.0.1:0 --port-file "$work/port" --data-dir "$work/data" \
  --log-level warn --print-admin-token false >/dev/null 2>"$work/secud.err" &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "control bench: secud did not start:" >&2; cat "$work/secud.err" >&2; exit 1; }
SECU_ADDR="http://127.0.0.1:$(cat "$work/port")"
export SECU_ADDR
TOKEN=$(cat "$work/data/admin.token")
export TOKEN SECU_ADMIN_TOKEN=$TOKEN
ORG=$("$SECUCTL" -q orgs create --name control-bench)
export ORG

echo "## Control-plane writes (POST /v1/agents over HTTP)"
echo
echo "\`SECUD=build/release/daemon/secud tests/bench/control/run.sh\` ($SECONDS_PER_RUN s per run)."
echo
echo "| clients | agents created/s | p50 | p99 | ratio to raw single-row commits ($raw/s) |"
echo "|---:|---:|---:|---:|---:|"
for c in 1 8 32; do
  out=$(wrk -t1 -c"$c" -d"${SECONDS_PER_RUN}s" --latency -s "$here/create_agent.lua" "$SECU_ADDR" 2>/dev/null)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  awk -v c="$c" -v r="$rps" -v p50="$p50" -v p99="$p99" -v raw="$raw" -v bad="${non2xx:-0}" 'BEGIN {
    printf "| %d | %.0f | %s | %s | %.2f |%s\n", c, r, p50, p99, r / raw, (bad > 0 ? " (" bad " non-2xx)" : "")
  }'
done
total=$(sqlite3 "$work/data/secu.db" "SELECT COUNT(*) FROM agents")
audit=$(sqlite3 "$work/data/secu.db" "SELECT COUNT(*) FROM audit_log")
echo
echo "After the runs: $total agents and $audit audit entries in the database (every answer came"
echo "after its commit). p50/p99 are wrk's latencies (ms unless wrk says otherwise)."
[ "$total" -gt 0 ] || { echo "control bench: no agent was created" >&2; exit 1; }

#!/usr/bin/env bash
# Every benchmark in one command: builds the release preset, runs the audit, ledger, control-plane
# writes, billing/tx stats, gateway, provisioning at scale, secuctl-vs-curl and memory
# benchmarks, and rewrites tests/bench/RESULTS.md with the machine, the commands, the figures and
# the ratios (each beside a baseline measured in the same run).
#
#   tests/bench/run.sh                    # the full run (about 20 minutes on 2 cores)
#   AUDIT_N=100000 STATS_N=100000 SCALE_N=500 DURATION=10s tests/bench/run.sh   # a quick one
#
# Installs the tools it needs from Debian if they are missing (wrk, nginx-light, hyperfine).
# Not part of CI; what each benchmark measures and how to read it: tests/bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
AUDIT_N=${AUDIT_N:-1000000}
STATS_N=${STATS_N:-1000000}
SCALE_N=${SCALE_N:-10000}
LEDGER_SECONDS=${LEDGER_SECONDS:-8}
export DURATION=${DURATION:-20s}
out="$here/RESULTS.md"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
log() { echo "bench: $*" >&2; }

missing=()
for t in wrk hyperfine curl sqlite3; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  log "installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get install -y "${missing[@]/sqlite3/sqlite3}" >&2
fi

log "building the release preset"
cmake --preset release >/dev/null
cmake --build --preset release --target secud secuctl secu_audit_bench secu_ledger_bench \
  secu_stats_bench >&2
bin="$root/build/release"

{
  echo "# Benchmark results"
  echo
  echo "Written by \`tests/bench/run.sh\` on $(date -u +%Y-%m-%dT%H:%MZ) (commit $(git rev-parse --short HEAD))."
  echo "What each benchmark measures and how to read it: [README.md](README.md)."
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs,"
  echo "$(free -m | awk '/Mem:/ {print $2}') MiB RAM, $(uname -sr); load average before the run:"
  echo "$(cut -d' ' -f1-3 /proc/loadavg). Build: the release preset (-O2, as Debian builds packages)."
  echo
} >"$work/results.md"

log "audit ($AUDIT_N entries)"
{
  echo "## Audit log"
  echo
  echo '```'
  echo "build/release/tests/bench/secu_audit_bench $AUDIT_N"
  "$bin/tests/bench/secu_audit_bench" "$AUDIT_N"
  echo '```'
  echo
} >>"$work/results.md"

log "ledger"
{
  echo "## Durable transfers (internal rail, over HTTP)"
  echo
  echo '```'
  echo "build/release/tests/bench/secu_ledger_bench $LEDGER_SECONDS 1 8 32"
  (cd "$bin/tests" && ./bench/secu_ledger_bench "$LEDGER_SECONDS" 1 8 32)
  echo '```'
  echo
} >>"$work/results.md"

log "control-plane writes"
SECUD="$bin/daemon/secud" SECUCTL="$bin/cli/secuctl" "$here/control/run.sh" >>"$work/results.md"
echo >>"$work/results.md"

log "billing summary and tx stats ($STATS_N events)"
{
  echo "## Billing summary and tx stats over $STATS_N events"
  echo
  echo '```'
  echo "build/release/tests/bench/secu_stats_bench $STATS_N"
  echo '```'
  echo
  "$bin/tests/bench/secu_stats_bench" "$STATS_N" 2>/dev/null
  echo
} >>"$work/results.md"

log "gateway"
SECUD="$bin/daemon/secud" SECUCTL="$bin/cli/secuctl" "$here/gateway/run.sh" >>"$work/results.md"
echo >>"$work/results.md"

log "secuctl vs curl, memory"
data="$work/secud"
"$bin/daemon/secud" serve --listen 127.0.0.1:0 --port-file "$work/port" --data-dir "$data" \
  --log-level warn --print-admin-token false >/dev/null 2>"$work/secud.err" &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
sleep 1
rss_idle=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
token=$(cat "$data/admin.token")
export SECU_ADDR="http://127.0.0.1:$port" SECU_ADMIN_TOKEN="$token"
org=$("$bin/cli/secuctl" -q orgs create --name bench)
for i in $(seq 20); do "$bin/cli/secuctl" -q agents create --org "$org" --name "a$i" >/dev/null; done
hyperfine -N --warmup 20 --runs 300 --export-json "$work/hf.json" \
  "curl -sS -o /dev/null -H 'X-Secu-Admin-Token: $token' $SECU_ADDR/v1/agents?limit=20" \
  "$bin/cli/secuctl -o json agents list --limit 20" >/dev/null 2>&1
rss_peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
log "provisioning $SCALE_N agents and keys through secuctl"
scale=$(PATH="$bin/cli:$PATH" "$root/tests/scale/provision.sh" "$SCALE_N")
kill -TERM "$pid"
python3 - "$work/hf.json" "$rss_idle" "$rss_peak" "$scale" >>"$work/results.md" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
curl, cli = r[0], r[1]
print("## secuctl per-command wall time vs curl, and secud memory\n")
print("`hyperfine -N --warmup 20 --runs 300` of the same request (list 20 agents), then")
print("secud's VmRSS when idle and VmHWM after the runs (the gateway benchmark above runs its own")
print("secud).\n")
print("| command | mean | stddev | ratio to curl |")
print("|---|---|---|---|")
for name, x in (("curl", curl), ("secuctl -o json agents list", cli)):
    print(f"| {name} | {x['mean']*1000:.2f} ms | {x['stddev']*1000:.2f} ms | "
          f"{x['mean']/curl['mean']:.2f} |")
print(f"\nsecud RSS idle: {int(sys.argv[2])/1024:.1f} MiB (target: under 30 MiB); peak after the "
      f"runs: {int(sys.argv[3])/1024:.1f} MiB.")
print("\n## Provisioning at scale through secuctl\n")
print("`tests/scale/provision.sh N` (a CI-style script: `secuctl -q agents create` then `secuctl")
print("-q keys create` per agent, against the secud above):\n")
print("    " + sys.argv[4])
PY
mv "$work/results.md" "$out"
log "wrote $out"

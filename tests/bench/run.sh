#!/usr/bin/env bash
# Every benchmark in one command: builds the release preset, runs the audit, ledger, control-plane
# writes, billing/tx stats, list latency, gateway, provisioning at scale, secuctl-vs-curl and
# memory benchmarks, and rewrites tests/bench/RESULTS.md: first a table of the issue-11 targets
# computed from this run's figures, then "Where the time goes" (tests/bench/PROFILE.md verbatim,
# when it exists), then every benchmark's figures with the baselines measured in the same run.
#
#   tests/bench/run.sh      # the full run: about 17 minutes on 2 cores once built (estimated from
#                           # a smoke run: stats 1M ~5 min, provisioning 10k ~5 min, the rest
#                           # ~1-2 min each); a cold release build adds 15-30 minutes
#   AUDIT_N=20000 STATS_N=20000 SCALE_N=200 DURATION=3s LEDGER_SECONDS=2 tests/bench/run.sh  # smoke
#
# Sizes: AUDIT_N (audit entries), STATS_N (billing events and transfers; also the rows of the list
# benchmark, LIST_N), SCALE_N (agents provisioned through secuctl), DURATION (each gateway wrk
# run), LEDGER_SECONDS (each transfer run), CONTROL_SECONDS (each control-plane run),
# JOBS (build parallelism, default nproc).
#
# Installs the tools it needs from Debian if they are missing (wrk, nginx-light, hyperfine, curl,
# sqlite3, procps). Leaves no process behind, even on failure or Ctrl-C. Each phase's duration goes
# to stderr. A benchmark that fails is marked in the table and the script exits 1 after writing
# RESULTS.md. Not part of CI; what each benchmark measures: tests/bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
AUDIT_N=${AUDIT_N:-1000000}
STATS_N=${STATS_N:-1000000}
LIST_N=${LIST_N:-$STATS_N}
SCALE_N=${SCALE_N:-10000}
LEDGER_SECONDS=${LEDGER_SECONDS:-8}
CONTROL_SECONDS=${CONTROL_SECONDS:-8}
JOBS=${JOBS:-$(nproc)}
export DURATION=${DURATION:-20s}
out="$here/RESULTS.md"
work=$(mktemp -d)
log() { echo "bench: $*" >&2; }

# ---- no process left behind: every descendant of this script (secud, nginx, wrk, the bench
# binaries and the secud they spawn) is stopped on exit, whatever the cause ----
descendants() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do
    echo "$c"
    descendants "$c"
  done
}
cleanup() {
  local rc=$? left alive p
  trap - EXIT INT TERM
  left=$(descendants $$)
  if [ -n "$left" ]; then
    # shellcheck disable=SC2086 # one pid per word
    kill -TERM $left 2>/dev/null || true
    # Up to 5 s for them to stop cleanly (the scripts' own traps stop their secud and nginx).
    for _ in $(seq 50); do
      alive=0
      for p in $left; do kill -0 "$p" 2>/dev/null && alive=1; done
      [ "$alive" = 1 ] || break
      sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- phases: each one's duration on stderr and at the end of RESULTS.md ----
phase_name=
phase_t0=0
timings=()
phase() {
  local now
  now=$(date +%s)
  if [ -n "$phase_name" ]; then
    timings+=("$phase_name: $((now - phase_t0)) s")
    log "phase '$phase_name' took $((now - phase_t0)) s"
  fi
  phase_name=$1
  phase_t0=$now
  [ -z "$1" ] || log "phase '$1'"
}
run_t0=$(date +%s)

# ---- tools ----
phase tools
missing=()
for t in wrk hyperfine curl sqlite3; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
command -v pgrep >/dev/null 2>&1 || missing+=(procps)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if ((${#missing[@]})); then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "need root or sudo to install: ${missing[*]}"; exit 1; }
    sudo_cmd=(sudo)
  fi
  log "installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
fi

phase "build (release preset)"
cmake --preset release >/dev/null
cmake --build --preset release -j "$JOBS" --target secud secuctl secu_audit_bench \
  secu_ledger_bench secu_stats_bench secu_list_bench >&2
bin="$root/build/release"

# ---- every benchmark writes a Markdown section to stdout and "RESULT key=value ..." lines;
# the sections go to RESULTS.md, the RESULT lines to $work/result.kv for the targets table ----
touch "$work/sections.md" "$work/result.kv"
failed=()
# bench NAME CMD...: runs CMD (stdout captured) in the background so that `set -e` keeps
# working inside it, records its sections and RESULT lines, or marks it failed.
bench() {
  local name=$1 p
  shift
  "$@" >"$work/bench.out" &
  p=$!
  if wait "$p"; then
    grep -v '^RESULT ' "$work/bench.out" >>"$work/sections.md" || true
    echo >>"$work/sections.md"
    grep '^RESULT ' "$work/bench.out" >>"$work/result.kv" || true
  else
    log "benchmark '$name' FAILED (exit $?)"
    failed+=("$name")
    printf '## %s\n\nFAILED in this run (see the stderr of tests/bench/run.sh).\n\n' "$name" \
      >>"$work/sections.md"
  fi
}
# The benchmark binaries print their RESULT line inside their output: move it out of the fence.
fenced_bin() {
  local title=$1 cmd=$2 rc=0
  shift 2
  "$@" >"$work/fenced.out" || rc=$?
  echo "## $title"
  echo
  echo '```'
  echo "$cmd"
  grep -v '^RESULT ' "$work/fenced.out" || true
  echo '```'
  grep '^RESULT ' "$work/fenced.out" || true
  return "$rc"
}

phase "audit ($AUDIT_N entries)"
bench audit fenced_bin "Audit log" "build/release/tests/bench/secu_audit_bench $AUDIT_N" \
  "$bin/tests/bench/secu_audit_bench" "$AUDIT_N"

phase "ledger (${LEDGER_SECONDS} s per run)"
ledger() { cd "$bin/tests" && ./bench/secu_ledger_bench "$LEDGER_SECONDS" 1 8 32; }
bench ledger fenced_bin "Durable transfers (internal rail, over HTTP)" \
  "build/release/tests/bench/secu_ledger_bench $LEDGER_SECONDS 1 8 32" ledger

phase "control-plane writes"
bench control env SECUD="$bin/daemon/secud" SECUCTL="$bin/cli/secuctl" \
  SECONDS_PER_RUN="$CONTROL_SECONDS" "$here/control/run.sh"

phase "billing summary and tx stats ($STATS_N events)"
stats() {
  echo "## Billing summary and tx stats over $STATS_N events"
  echo
  echo '```'
  echo "build/release/tests/bench/secu_stats_bench $STATS_N"
  echo '```'
  echo
  # Its stderr is the store's migration log: shown only when it fails.
  "$bin/tests/bench/secu_stats_bench" "$STATS_N" 2>"$work/stats.err" || { cat "$work/stats.err" >&2; return 1; }
}
bench stats stats

phase "list latency (1,000 and $LIST_N rows)"
lists() {
  echo "## List latency from 1,000 to $LIST_N rows"
  echo
  echo '```'
  echo "build/release/tests/bench/secu_list_bench $LIST_N"
  echo '```'
  echo
  "$bin/tests/bench/secu_list_bench" "$LIST_N" 2>"$work/list.err" || { cat "$work/list.err" >&2; return 1; }
}
bench lists lists

phase "gateway (wrk, $DURATION per run)"
bench gateway env SECUD="$bin/daemon/secud" SECUCTL="$bin/cli/secuctl" "$here/gateway/run.sh"

phase "secuctl vs curl, idle memory, provisioning $SCALE_N agents"
# One secud: its idle RSS, then hyperfine of the same list through curl and secuctl, then the
# CI-style provisioning script against it.
cli_and_memory() {
  local data="$work/secud" port token org i curl_ms cli_ms curl_sd cli_sd rss_idle rss_peak scale
  "$bin/daemon/secud" serve --listen 127.0.0.1:0 --port-file "$work/port" --data-dir "$data" \
    --log-level warn --print-admin-token false >/dev/null 2>"$work/secud.err" &
  cli_pid=$!
  # This function runs in a subshell of its own: its secud stops with it, even on an error.
  trap 'kill "$cli_pid" 2>/dev/null; wait "$cli_pid" 2>/dev/null' EXIT
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  [ -s "$work/port" ] || { log "secud did not start:"; cat "$work/secud.err" >&2; return 1; }
  port=$(cat "$work/port")
  sleep 1
  rss_idle=$(awk '/VmRSS/ {print $2}' "/proc/$cli_pid/status")
  token=$(cat "$data/admin.token")
  export SECU_ADDR="http://127.0.0.1:$port" SECU_ADMIN_TOKEN="$token"
  org=$("$bin/cli/secuctl" -q orgs create --name bench)
  for i in $(seq 20); do "$bin/cli/secuctl" -q agents create --org "$org" --name "a$i" >/dev/null; done
  local url="$SECU_ADDR/v1/agents?limit=20"
  curl -fsS -o /dev/null -H "X-Secu-Admin-Token: $token" "$url"
  hyperfine -N --warmup 20 --runs 300 --export-csv "$work/hf.csv" \
    "curl -sS -o /dev/null -H 'X-Secu-Admin-Token: $token' $url" \
    "$bin/cli/secuctl -o json agents list --limit 20" >"$work/hf.log" 2>&1 ||
    { cat "$work/hf.log" >&2; return 1; }
  # CSV: command,mean,stddev,median,user,system,min,max (seconds); the command may hold commas.
  read -r curl_ms curl_sd < <(awk -F, 'NR == 2 { printf "%.3f %.3f\n", $(NF-6) * 1000, $(NF-5) * 1000 }' "$work/hf.csv")
  read -r cli_ms cli_sd < <(awk -F, 'NR == 3 { printf "%.3f %.3f\n", $(NF-6) * 1000, $(NF-5) * 1000 }' "$work/hf.csv")
  rss_peak=$(awk '/VmHWM/ {print $2}' "/proc/$cli_pid/status")
  log "provisioning $SCALE_N agents and keys through secuctl"
  scale=$(PATH="$bin/cli:$PATH" "$root/tests/scale/provision.sh" "$SCALE_N")
  kill -TERM "$cli_pid"
  wait "$cli_pid" || true
  trap - EXIT
  echo "## secuctl per-command wall time vs curl, and secud memory"
  echo
  echo "\`hyperfine -N --warmup 20 --runs 300\` of the same request (list 20 agents), then"
  echo "secud's VmRSS when idle and VmHWM after the runs (the gateway benchmark above runs its own"
  echo "secud)."
  echo
  echo "| command | mean | stddev | ratio to curl |"
  echo "|---|---|---|---|"
  echo "| curl | $curl_ms ms | $curl_sd ms | 1.00 |"
  awk -v m="$cli_ms" -v s="$cli_sd" -v c="$curl_ms" \
    'BEGIN { printf "| secuctl -o json agents list | %s ms | %s ms | %.2f |\n", m, s, m / c }'
  echo
  awk -v i="$rss_idle" -v p="$rss_peak" 'BEGIN {
    printf "secud RSS idle: %.1f MiB (target: under 30 MiB); peak after the runs: %.1f MiB.\n", i / 1024, p / 1024 }'
  echo
  echo "## Provisioning at scale through secuctl"
  echo
  echo "\`tests/scale/provision.sh $SCALE_N\` (a CI-style script: \`secuctl -q agents create\` then"
  echo "\`secuctl -q keys create\` per agent, against the secud above):"
  echo
  echo "    $scale"
  echo "RESULT cli_curl_ms=$curl_ms cli_secuctl_ms=$cli_ms rss_idle_kib=$rss_idle"
}
bench cli cli_and_memory
phase ""

# ---- the targets table, from this run's RESULT lines ----
# kv KEY: the value of KEY=... in the RESULT lines, or "" when the benchmark did not give it.
kv() { { grep -o "\(^\| \)$1=[^ ]*" "$work/result.kv" || true; } | tail -1 | cut -d= -f2; }
# row TARGET MEASURED FIGURE MET: one line of the table ("" measured: the benchmark failed).
row() {
  if [ -z "$2" ]; then
    echo "| $1 | no figure (benchmark failed) | — | no |"
  else
    echo "| $1 | $2 | $3 | $4 |"
  fi
}
yes_no() { awk "BEGIN { if ($1) print \"yes\"; else print \"no\" }"; }
fmt() { awk -v x="$2" "BEGIN { printf \"$1\", x }"; }
targets() {
  local a c pa pc tps cl raw n vs scaled j cs e stats_ms worst ci cu idle peak note
  echo "## Targets (issue 11), from this run's figures"
  echo
  echo "| target | measured | ratio / figure | met |"
  echo "|---|---|---|---|"
  a=$(kv gw_nginx_rps) c=$(kv gw_full_rps)
  [ -n "$a" ] && [ -n "$c" ] || a=
  row "governed gateway ≥ 0.5 × nginx proxy_pass requests/s" \
    "${a:+secud full policy + budget $c req/s vs nginx $a req/s (wrk -c${CONNECTIONS:-64} -d$DURATION)}" \
    "${a:+$(awk -v c="$c" -v a="$a" 'BEGIN { printf "%.3f ×", c / a }')}" \
    "${a:+$(yes_no "$c >= 0.5 * $a")}"
  pa=$(kv gw_paced_nginx_p99_ms) pc=$(kv gw_paced_full_p99_ms)
  row "p99 added latency < 1 ms at 1,000 requests/s" \
    "${pa:+p99 secud $pc ms at $(kv gw_paced_full_rps) req/s vs nginx $pa ms at $(kv gw_paced_nginx_rps) req/s}" \
    "${pa:+$(awk -v c="$pc" -v a="$pa" 'BEGIN { printf "+%.3f ms", c - a }')}" \
    "${pa:+$(yes_no "$pc - $pa < 1")}"
  tps=$(kv ledger_best_per_s) cl=$(kv ledger_best_clients) raw=$(kv ledger_raw_single_per_s)
  row "≥ 20,000 durable internal transfers/s with concurrency" \
    "${tps:+$tps transfers/s at $cl clients (raw single-row SQLite commits: $raw/s)}" \
    "${tps:+$(awk -v t="$tps" 'BEGIN { printf "%.3f × target", t / 20000 }')}" \
    "${tps:+$(yes_no "$tps >= 20000")}"
  n=$(kv audit_n) vs=$(kv audit_verify_s)
  if [ -n "$n" ]; then
    scaled=$(awk -v s="$vs" -v n="$n" 'BEGIN { printf "%.2f", s * 1000000 / n }')
    note=""
    [ "$n" -ge 1000000 ] || note=" (N = $n < 10^6: scaled linearly to 10^6)"
  fi
  row "audit verify of 1,000,000 entries < 3 s" \
    "${n:+$(fmt %.3f "$vs") s for $n entries}" "${n:+$scaled s per 10^6 entries$note}" \
    "${n:+$(yes_no "$scaled < 3")}"
  j=$(kv audit_export_jsonl_per_s) cs=$(kv audit_export_csv_per_s)
  e=$(awk -v j="${j:-0}" -v c="${cs:-0}" 'BEGIN { print (j < c ? j : c) }')
  row "export ≥ 300,000 entries/s" \
    "${j:+complete log: JSONL $j entries/s, CSV $cs entries/s ($n entries)}" \
    "${j:+slower of the two: $(awk -v e="$e" 'BEGIN { printf "%.2f × target", e / 300000 }')}" \
    "${j:+$(yes_no "$e >= 300000")}"
  cu=$(kv cli_curl_ms) ci=$(kv cli_secuctl_ms)
  row "secuctl ≤ 1.5 × curl wall time" \
    "${cu:+secuctl $ci ms vs curl $cu ms (list 20 agents, mean of 300)}" \
    "${cu:+$(awk -v a="$ci" -v b="$cu" 'BEGIN { printf "%.2f ×", a / b }')}" \
    "${cu:+$(yes_no "$ci <= 1.5 * $cu")}"
  n=$(kv stats_n) stats_ms=$(kv stats_max_ms)
  note=""
  [ -z "$n" ] || [ "$n" -ge 1000000 ] || note=" (N = $n < 10^6: not scaled, rollups do not grow with N)"
  row "billing summary and tx stats over 1,000,000 events < 50 ms" \
    "${stats_ms:+slowest of summary (one org, all) and stats (one org, public): $stats_ms ms over $n events}" \
    "${stats_ms:+$(awk -v s="$stats_ms" 'BEGIN { printf "%.3f × the 50 ms budget", s / 50 }')$note}" \
    "${stats_ms:+$(yes_no "$stats_ms < 50")}"
  worst=$(kv list_worst_ratio) n=$(kv list_n)
  row "list latency flat from 1,000 to 1,000,000 rows" \
    "${worst:+agents, keys, approvals, transfers, audit: first and deep keyset page at 1,000 and $n rows}" \
    "${worst:+worst ratio @$n / @1000: $worst × (flat: ≤ 2)}" \
    "${worst:+$(yes_no "$worst <= 2")}"
  idle=$(kv rss_idle_kib)
  row "secud idle RSS < 30 MiB" "${idle:+VmRSS 1 s after start}" \
    "${idle:+$(awk -v k="$idle" 'BEGIN { printf "%.1f MiB", k / 1024 }')}" \
    "${idle:+$(yes_no "$idle < 30 * 1024")}"
  peak=$(kv gw_rss_peak_mib)
  row "secud RSS under gateway load (reported)" \
    "${peak:+VmHWM over every gateway run}" "${peak:+$peak MiB}" "${peak:+— (no target)}"
  echo
}

{
  echo "# Benchmark results"
  echo
  echo "Written by \`tests/bench/run.sh\` on $(date -u +%Y-%m-%dT%H:%MZ) (commit $(git rev-parse --short HEAD))."
  echo "What each benchmark measures and how to read it: [README.md](README.md)."
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs,"
  echo "$(free -m | awk '/Mem:/ {print $2}') MiB RAM, $(uname -sr); load average at the end of the run:"
  echo "$(cut -d' ' -f1-3 /proc/loadavg). Build: the release preset (-O2, as Debian builds packages)."
  echo "Sizes: AUDIT_N=$AUDIT_N STATS_N=$STATS_N LIST_N=$LIST_N SCALE_N=$SCALE_N DURATION=$DURATION"
  echo "LEDGER_SECONDS=$LEDGER_SECONDS CONTROL_SECONDS=$CONTROL_SECONDS."
  echo
  targets
  echo "## Where the time goes"
  echo
  if [ -f "$here/PROFILE.md" ]; then
    cat "$here/PROFILE.md"
  else
    echo "No profile recorded yet: the profile findings (perf figures of the gateway) go in"
    echo "tests/bench/PROFILE.md, which run.sh includes here verbatim."
  fi
  echo
  cat "$work/sections.md"
  echo "## Run time per phase"
  echo
  for t in "${timings[@]}"; do echo "- $t"; done
  echo "- total: $(($(date +%s) - run_t0)) s"
} >"$work/results.md"
mv "$work/results.md" "$out"
log "wrote $out"
for t in "${timings[@]}"; do log "  $t"; done
log "  total: $(($(date +%s) - run_t0)) s"
if ((${#failed[@]})); then
  log "FAILED: ${failed[*]}"
  exit 1
fi

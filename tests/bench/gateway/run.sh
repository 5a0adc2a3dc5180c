#!/usr/bin/env bash
# Gateway throughput and latency: wrk against
#   (a) nginx proxy_pass to a static upstream (the baseline: a plain reverse proxy),
#   (b) secud's gateway to the same upstream, allow-all policy, no budget,
#   (c) secud's gateway with a full policy (globs, denied prefixes, max cost, approval
#       threshold above the asked cost), a daily budget that never runs out, declared costs.
# Every secud decision is durable in both (b) and (c): one billing event and one audit entry
# (hash chain + Merkle leaf) committed with synchronous=FULL before the response, then the
# settlement after the stream. The upstream is nginx answering a static 2-byte body.
#
# Builds nothing: SECUD (default build/release/daemon/secud) and SECUCTL must exist. Installs
# wrk and nginx-light from Debian if they are missing (not part of CI). Prints a Markdown
# section for tests/bench/RESULTS.md on stdout; logs on stderr.
#
#   tests/bench/gateway/run.sh                      # 2 wrk threads, 64 connections, 20 s each
#   DURATION=30s CONNECTIONS=32 tests/bench/gateway/run.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
SECUD=${SECUD:-$root/build/release/daemon/secud}
SECUCTL=${SECUCTL:-$root/build/release/cli/secuctl}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-5s}

log() { echo "bench: $*" >&2; }

# A TCP port nothing listens on (from /proc: no python or iproute2 needed), below the ephemeral
# range, so the run does not clash with another nginx or secud on the machine.
free_port() {
  local p hex
  for p in $(shuf -i 20000-32000 -n 50); do
    hex=$(printf '%04X' "$p")
    if ! awk -v h="$hex" '$4 == "0A" && substr($2, length($2) - 3) == h { f = 1 } END { exit !f }' \
      /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  return 1
}
UP_PORT=${UP_PORT:-$(free_port)}
PROXY_PORT=${PROXY_PORT:-$(free_port)}
[ "$UP_PORT" != "$PROXY_PORT" ] || PROXY_PORT=$(free_port)

[ -x "$SECUD" ] || { log "no secud at $SECUD (cmake --preset release && cmake --build --preset release)"; exit 1; }
[ -x "$SECUCTL" ] || { log "no secuctl at $SECUCTL"; exit 1; }

# ---- tools (install-deps.sh's pattern: only what is missing, one apt-get update) ----
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if ((${#missing[@]})); then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "need root or sudo to install: ${missing[*]}"; exit 1; }
    sudo_cmd=(sudo)
  fi
  log "installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d)
pids=()
# Everything this script started stops with it: on success, failure, Ctrl-C or kill.
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- nginx: the upstream (static) and the baseline proxy (keep-alive to the upstream); in the
# foreground (daemon off) as this script's child, so that it cannot outlive the script ----
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  keepalive_requests 1000000;
  upstream vendor { server 127.0.0.1:$UP_PORT; keepalive 128; }
  server {
    listen 127.0.0.1:$UP_PORT;
    location / { default_type text/plain; return 200 "ok"; }
  }
  server {
    listen 127.0.0.1:$PROXY_PORT;
    location / {
      proxy_pass http://vendor;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer vendor-key";
    }
  }
}
NGINX
"$NGINX" -c "$work/nginx.conf" -e "$work/nginx/error.log" &
pids+=($!)
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$PROXY_PORT/v1/charges" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$PROXY_PORT/v1/charges" >/dev/null || {
  log "nginx did not start:"
  cat "$work/nginx/error.log" >&2
  exit 1
}

# ---- secud ----
"$SECUD" serve --listen 127.0.0.1:0 --port-file "$work/port" --data-dir "$work/secud" \
  --log-level warn --print-admin-token false >"$work/secud.out" 2>"$work/secud.err" &
secud_pid=$!
pids+=("$secud_pid")
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { log "secud did not start:"; cat "$work/secud.err" >&2; exit 1; }
SECU_ADDR="http://127.0.0.1:$(cat "$work/port")"
export SECU_ADDR SECU_DATA_DIR="$work/secud"
ctl() { "$SECUCTL" -q "$@"; }

org=$(ctl orgs create bench)
echo -n "vendor-key" >"$work/vendor.key"
vendor=$(ctl vendors create --org "$org" --name nginx --base-url "http://127.0.0.1:$UP_PORT" \
  --auth-type bearer --api-key-file "$work/vendor.key")
allow_all=$(ctl policies create --org "$org" --name allow-all)
full=$(ctl policies create --org "$org" --name full --allow "GET /v1/*" --allow "POST /v1/charges" \
  --deny-prefix /admin --deny-prefix /v1/internal --max-cost 5 --approval-min-cost 10 \
  --approval-action "DELETE *")
agent_b=$(ctl agents create --org "$org" --name allow-all --policy "$allow_all")
agent_c=$(ctl agents create --org "$org" --name full --policy "$full" --daily-budget 1000000000)
key_b=$("$SECUCTL" -o json keys create --agent "$agent_b" --vendor "$vendor" | sed -E 's/.*"key":"([^"]+)".*/\1/')
key_c=$("$SECUCTL" -o json keys create --agent "$agent_c" --vendor "$vendor" | sed -E 's/.*"key":"([^"]+)".*/\1/')

gw="$SECU_ADDR/v1/gateway/v1/charges"
curl -fsS -H "Authorization: Bearer $key_b" "$gw" >/dev/null
curl -fsS -H "Authorization: Bearer $key_c" -H "X-Secu-Cost-USD: 0.001" "$gw" >/dev/null

# ---- runs ----
# "<requests/s> <p50 ms> <p99 ms>" from wrk --latency output.
# "<requests/s> <p50 ms> <p99 ms> <non-2xx>" from a wrk --latency output file.
wrk_figures() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.3f %.3f %s\n", rps, p50, p99, (bad == "" ? 0 : bad) }' "$1"
}

run_wrk() {
  local name=$1
  shift
  log "warm-up $name"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$@" >/dev/null
  # The agent keys stay out of the log.
  log "run $name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $(sed -E 's/sk_secu_[A-Za-z0-9_-]+/sk_secu_…/g' <<<"$*")"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" >"$work/$name.txt"
  cat "$work/$name.txt" >&2
  wrk_figures "$work/$name.txt"
}

read -r a_rps a_p50 a_p99 a_bad < <(run_wrk a "http://127.0.0.1:$PROXY_PORT/v1/charges")
read -r b_rps b_p50 b_p99 b_bad < <(run_wrk b -H "Authorization: Bearer $key_b" "$gw")
read -r c_rps c_p50 c_p99 c_bad < <(run_wrk c -H "Authorization: Bearer $key_c" \
  -H "X-Secu-Cost-USD: 0.001" "$gw")

# ---- the added latency at a set rate: 10 connections, each pausing 10 ms between requests
# (about 1,000 requests/s offered), nginx alone vs secud's full-policy gateway ----
paced() {
  local name=$1
  shift
  wrk -t1 -c10 -d"$DURATION" --latency -s "$here/paced.lua" "$@" >"$work/$name.txt"
  cat "$work/$name.txt" >&2
  wrk_figures "$work/$name.txt"
}
log "paced runs (about 1,000 requests/s)"
read -r pa_rps pa_p50 pa_p99 _ < <(paced pa "http://127.0.0.1:$PROXY_PORT/v1/charges")
read -r pc_rps pc_p50 pc_p99 _ < <(paced pc -H "Authorization: Bearer $key_c" \
  -H "X-Secu-Cost-USD: 0.001" "$gw")
# ---- where secud's CPU goes: its CPU time per request (utime + stime of the whole process, from
# /proc, so no perf is needed) for three requests that each add one layer to the one before:
# /healthz (the HTTP server alone), a gateway request the policy denies (auth, the cached
# governance view, policy evaluation and the durable decision: billing event, budget, audit
# entry), and the full governed request (plus the proxied upstream call and the settlement) ----
BREAKDOWN=${BREAKDOWN:-8s}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$secud_pid/stat"; }
cpu_per_request() {
  local name=$1
  shift
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$@" >/dev/null
  local t0 t1
  t0=$(cpu_ticks)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$BREAKDOWN" "$@" >"$work/$name.txt"
  t1=$(cpu_ticks)
  awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
    /requests in/ { n = $1 } /Requests\/sec/ { rps = $2 }
    END { printf "%.0f %.0f\n", rps, (n > 0 ? t / hz * 1e6 / n : 0) }' "$work/$name.txt"
}
log "CPU per request: healthz, denied, governed ($BREAKDOWN each)"
read -r h_rps h_us < <(cpu_per_request h "$SECU_ADDR/healthz")
read -r d_rps d_us < <(cpu_per_request d -H "Authorization: Bearer $key_c" \
  "$SECU_ADDR/v1/gateway/admin/x")
read -r g_rps g_us < <(cpu_per_request g -H "Authorization: Bearer $key_c" \
  -H "X-Secu-Cost-USD: 0.001" "$gw")

for v in "$a_rps" "$b_rps" "$c_rps" "$pa_rps" "$pc_rps"; do
  if [ -z "$v" ] || [ "$v" = 0 ]; then
    log "a wrk run gave no figures (see its output above)"
    exit 1
  fi
done
rss_peak=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$secud_pid/status")

events=$(sqlite3 "$work/secud/secu.db" "SELECT COUNT(*) FROM billing_events" 2>/dev/null || echo "?")
audit=$(sqlite3 "$work/secud/secu.db" "SELECT COUNT(*) FROM audit_log" 2>/dev/null || echo "?")
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", x / y }'; }

cat <<MD
## Gateway throughput ($(date -u +%Y-%m-%d), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION)

| setup | requests/s | p50 ms | p99 ms | non-2xx |
|---|---:|---:|---:|---:|
| (a) nginx proxy_pass → static upstream | $a_rps | $a_p50 | $a_p99 | $a_bad |
| (b) secud gateway, allow-all policy | $b_rps | $b_p50 | $b_p99 | $b_bad |
| (c) secud gateway, full policy + budget + durable audit | $c_rps | $c_p50 | $c_p99 | $c_bad |

Ratios: b/a = $(ratio "$b_rps" "$a_rps"), c/a = $(ratio "$c_rps" "$a_rps") (target: 0.5).

At a set rate (wrk -t1 -c10, 10 ms pause per connection between requests, $DURATION):

| setup | requests/s | p50 ms | p99 ms |
|---|---:|---:|---:|
| (a) nginx proxy_pass | $pa_rps | $pa_p50 | $pa_p99 |
| (c) secud, full policy + budget + durable audit | $pc_rps | $pc_p50 | $pc_p99 |

Where secud's CPU goes (wrk -t$THREADS -c$CONNECTIONS -d$BREAKDOWN each; secud's user + system CPU
time over the run divided by the requests served; each line adds one layer to the one above):

| request | requests/s | secud CPU per request |
|---|---:|---:|
| GET /healthz: the HTTP server alone | $h_rps | $h_us µs |
| gateway, denied by policy: auth, governance view, policy, durable decision | $d_rps | $d_us µs |
| gateway, allowed: + upstream call through the proxy + settlement | $g_rps | $g_us µs |

Added p99 latency: $(awk -v x="$pc_p99" -v y="$pa_p99" 'BEGIN { printf "%.3f", x - y }') ms (target: under 1 ms).
Peak RSS of secud over all the gateway runs (VmHWM): $rss_peak MiB.
secud wrote $events billing events and $audit audit entries in the runs (each decision committed
before its response).
MD
# One machine-readable line for tests/bench/run.sh's targets table.
echo "RESULT gw_nginx_rps=$a_rps gw_allow_rps=$b_rps gw_full_rps=$c_rps gw_paced_nginx_rps=$pa_rps" \
  "gw_paced_nginx_p99_ms=$pa_p99 gw_paced_full_rps=$pc_rps gw_paced_full_p99_ms=$pc_p99" \
  "gw_rss_peak_mib=$rss_peak gw_full_non2xx=$c_bad gw_allow_non2xx=$b_bad" \
  "gw_cpu_healthz_us=$h_us gw_cpu_denied_us=$d_us gw_cpu_governed_us=$g_us"

#!/usr/bin/env bash
# A CI-style provisioning script at scale: one org and vendor, then N agents each with its key,
# every step a `secuctl -q` call whose output is the id (or the key) and nothing else, as a
# pipeline would run it. Prints the rate; with KEYS_OUT=FILE writes "agent key" lines there
# (mode 0600) for the caller to check.
#
#   SECU_ADDR=… SECU_ADMIN_TOKEN=… tests/scale/provision.sh [N=10000]
# The integration test test_scale_provision.cpp runs it with a small N in CI; tests/bench/run.sh
# runs it with 10,000.
set -euo pipefail
n=${1:-10000}
keys_out=${KEYS_OUT:-/dev/null}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077

org=$(secuctl -q orgs create --name "scale-$$")
printf 'sk_vendor_scale_test' >"$tmp/vendor.key"
vendor=$(secuctl -q vendors create --org "$org" --name upstream \
  --base-url https://api.example.com --auth-type bearer --api-key-file "$tmp/vendor.key")

start=$(date +%s%N)
for i in $(seq "$n"); do
  agent=$(secuctl -q agents create --org "$org" --name "agent-$i")
  key=$(secuctl -q keys create --agent "$agent" --vendor "$vendor")
  case $key in
    sk_secu_*) ;;
    *) echo "provision: agent $i: unexpected key output" >&2; exit 1 ;;
  esac
  printf '%s %s\n' "$agent" "$key" >>"$keys_out"
done
end=$(date +%s%N)

ms=$(((end - start) / 1000000))
awk -v n="$n" -v ms="$ms" -v org="$org" 'BEGIN {
  s = ms / 1000.0; if (s <= 0) s = 0.001
  printf "provisioned %d agents and %d keys in %.1f s: %.0f agents+keys/s, %.1f ms per secuctl call (org %s)\n",
    n, n, s, n / s, ms / (2.0 * n), org
}'

#!/usr/bin/env bash
# Regenerates completions/ and man/ from the built binaries' command trees (the only source of
# truth). tests/integration/test_docs.cpp fails when the committed files drift from them.
#   packaging/gen-docs.sh [BUILD_DIR]    (default build/dev)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/dev}
secuctl="$build/cli/secuctl"
secud="$build/daemon/secud"
mkdir -p "$root/completions" "$root/man"
"$secuctl" completion bash >"$root/completions/secuctl.bash"
"$secuctl" completion zsh >"$root/completions/_secuctl"
"$secuctl" completion fish >"$root/completions/secuctl.fish"
"$secuctl" __man >"$root/man/secuctl.1"
"$secud" __man >"$root/man/secud.8"
echo "regenerated completions/ and man/ from $build"

#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test.
#   packaging/test.sh              # the dev preset (RelWithDebInfo)
#   packaging/test.sh release asan # the release build and AddressSanitizer + UBSan (what CI runs)
#   SECU_TEST_DEB=1 packaging/test.sh   # also builds, installs (dpkg, root) and purges the .deb
# Each preset builds into build/<preset>; ctest runs the unit and integration tests.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

"$here/install-deps.sh"

presets=("$@")
((${#presets[@]})) || presets=(dev)

for preset in "${presets[@]}"; do
  echo "==> preset $preset: configure and build" >&2
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "==> preset $preset: test" >&2
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  ctest --preset "$preset"
done

# The .deb installs into this machine (dpkg -i needs root): only when asked.
if [ "${SECU_TEST_DEB:-0}" = 1 ]; then
  echo "==> .deb: build, install, check, purge" >&2
  "$root/tests/packaging/deb_test.sh" "$root/build/${presets[0]}"
fi

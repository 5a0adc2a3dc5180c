#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test.
#   packaging/test.sh              # the dev preset (RelWithDebInfo)
#   packaging/test.sh release asan # the release build and AddressSanitizer + UBSan (what CI runs)
#   packaging/test.sh fuzz         # the libFuzzer targets (clang), each run over its corpus
#   SECU_TEST_DEB=1 packaging/test.sh   # also builds, installs (dpkg, root) and purges the .deb
# Each preset builds into build/<preset>; ctest runs the unit and integration tests. The fuzz
# preset has no ctest: each target of tests/fuzz runs SECU_FUZZ_SECONDS (default 20) over a
# scratch copy of its corpus, and any crash, leak or sanitizer report fails the step (the
# input is kept in build/fuzz/findings/; tests/fuzz/README.md says what to do with it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

"$here/install-deps.sh"

presets=("$@")
((${#presets[@]})) || presets=(dev)

# Runs every fuzz target of build/fuzz for SECU_FUZZ_SECONDS over its committed corpus. New
# inputs go to a scratch directory, never into tests/fuzz/corpus.
run_fuzz() {
  local secs=${SECU_FUZZ_SECONDS:-20} bin="$root/build/fuzz/tests/fuzz" out="$root/build/fuzz/findings"
  rm -rf "$out" && mkdir -p "$out"
  local failed=0 t name
  for t in "$bin"/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    name=${name#fuzz_}
    mkdir -p "$out/$name/corpus"
    echo "==> fuzz $name: ${secs}s" >&2
    if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$t" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/$name/" "$out/$name/corpus" "$root/tests/fuzz/corpus/$name" \
      >"$out/$name.log" 2>&1; then
      echo "fuzz $name FAILED (log: $out/$name.log, input: $out/$name/)" >&2
      tail -n 40 "$out/$name.log" >&2
      failed=1
    else
      grep -E "^Done|stat::average_exec_per_sec" "$out/$name.log" | tr '\n' ' ' >&2
      echo >&2
    fi
  done
  return $failed
}

for preset in "${presets[@]}"; do
  echo "==> preset $preset: configure and build" >&2
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  if [ "$preset" = fuzz ]; then
    run_fuzz
    continue
  fi
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

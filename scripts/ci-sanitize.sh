#!/usr/bin/env bash
# CI sanitizer stage: the whole test suite built with AddressSanitizer + UndefinedBehaviorSanitizer and run
# through ctest, every test except the real-socket stage (fixed CI ports; it runs un-sanitized in the main
# stage). Any ASan report, leak (LeakSanitizer) or UBSan report fails the test that hit it, and so the stage.
# By default the build is the clang build shared with scripts/ci-fuzz.sh (scripts/hardening-build.sh:
# build-hardening/, -DMGM_FUZZ=ON), so CI compiles the project instrumented once for both stages.
#   usage: scripts/ci-sanitize.sh [build-dir]      (default: build-hardening; env HARDENING_BUILD_DIR)
#   env:   SANITIZE_COMPILER=gcc  g++ 12 instead (-DMGM_SANITIZE=ON, -O2 -g; default dir build-sanitize)
#          JOBS (default nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/hardening-build.sh
COMPILER=${SANITIZE_COMPILER:-clang}
JOBS=${JOBS:-$(nproc)}

start=$(date +%s)
if [ "$COMPILER" = gcc ]; then
    BUILD_DIR=${1:-${MGM_SANITIZE_BUILD_DIR:-build-sanitize}}
    bash scripts/install-deps.sh
    cmake -S . -B "$BUILD_DIR" -G Ninja -DMGM_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
else
    BUILD_DIR=${1:-$HARDENING_BUILD_DIR}
    hardening_ensure_clang
    hardening_configure "$BUILD_DIR"
fi
# Every test binary (test/<area> -> test_<area>, whatever areas exist), the examples and the CLI the scenario
# ctests run; bench programs are not run by ctest, fuzz targets are scripts/ci-fuzz.sh's.
mapfile -t targets < <(cmake --build "$BUILD_DIR" --target help |
  sed -n 's/^\(test_[A-Za-z0-9_]*\|[a-z_]*_example_test\|mgm-sim\): .*/\1/p' | sort -u)
echo "ci-sanitize: $COMPILER build in $BUILD_DIR of ${targets[*]} (load: $(cut -d' ' -f1-3 /proc/loadavg))"
cmake --build "$BUILD_DIR" -j"$JOBS" --target "${targets[@]}"
built=$(date +%s)
echo "ci-sanitize: build $((built - start)) s"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=${LSAN_OPTIONS:-}
# Not the install check either: it builds a plain consumer project against the installed (here: instrumented)
# libraries, which cannot link without the sanitizer runtime; the main stage runs it on the plain build.
ctest --test-dir "$BUILD_DIR" -LE "real-socket|install|browser" --output-on-failure -j"$JOBS" --timeout 600
echo "ci-sanitize: passed (build $((built - start)) s, tests $(( $(date +%s) - built )) s, load: $(cut -d' ' -f1-3 /proc/loadavg))"

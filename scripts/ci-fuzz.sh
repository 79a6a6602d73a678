#!/usr/bin/env bash
# CI fuzzing stage: builds the libFuzzer targets in fuzz/ with clang (-DMGM_FUZZ=ON: the whole project
# instrumented for coverage, with ASan + UBSan; own build directory) and runs each target for a bounded
# time from its seed corpus (fuzz/corpus/<target>/, read-only; new inputs go to a scratch corpus).
# Any crash, sanitizer report, leak, timeout or broken invariant fails the stage; the reproducer is kept
# in the artifacts directory. Prints executions per target.
#   usage: scripts/ci-fuzz.sh [seconds-per-target]     (default 45; env FUZZ_SECONDS, FUZZ_BUILD_DIR,
#          FUZZ_ARTIFACTS (default /tmp/mgm-fuzz-artifacts), FUZZ_TARGETS (default: all four))
#   reproduce: build-fuzz/fuzz/<target> <artifact file>
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-${FUZZ_SECONDS:-45}}
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
ARTIFACTS=${FUZZ_ARTIFACTS:-/tmp/mgm-fuzz-artifacts}
TARGETS=(${FUZZ_TARGETS:-fuzz_http_request fuzz_json_bodies fuzz_eventsub fuzz_jwt})
JOBS=${JOBS:-$(nproc)}

# clang + its runtime libraries (libFuzzer); Debian's clang is clang-14 on bookworm.
if ! command -v clang++ > /dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a > /dev/null 2>&1; then
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
    echo "ci-fuzz: installing clang (libFuzzer)"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi

start=$(date +%s)
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DMGM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target "${TARGETS[@]}"
built=$(date +%s)
echo "ci-fuzz: build $((built - start)) s"

mkdir -p "$ARTIFACTS"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=()
summary=()
for target in "${TARGETS[@]}"; do
    scratch=$(mktemp -d /tmp/mgm-fuzz-corpus.XXXXXX)
    log="$ARTIFACTS/$target.log"
    status=0
    "$BUILD_DIR/fuzz/$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$target-" "$scratch" "fuzz/corpus/$target" > "$log" 2>&1 ||
        status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corpus=$(ls "$scratch" | wc -l)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    line="$target: ${execs:-?} executions (${per_second:-?}/s) in ${SECONDS_PER_TARGET} s, coverage ${cov:-?} edges, $corpus new corpus inputs"
    if [ "$status" -ne 0 ]; then
        line="$line — FAILED (exit $status, see $log)"
        failed+=("$target")
        grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
    fi
    echo "ci-fuzz: $line"
    summary+=("$line")
    rm -rf "$scratch"
done

echo "ci-fuzz: summary (build $((built - start)) s, total $(( $(date +%s) - start )) s):"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
    echo "ci-fuzz: FAILED: ${failed[*]} (artifacts in $ARTIFACTS)" >&2
    exit 1
fi
echo "ci-fuzz: passed"

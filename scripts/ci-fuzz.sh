#!/usr/bin/env bash
# CI fuzzing stage: builds the libFuzzer targets in fuzz/ with clang in the instrumented build shared with
# scripts/ci-sanitize.sh (scripts/hardening-build.sh: -DMGM_FUZZ=ON, the whole project instrumented for
# coverage, with ASan + UBSan; build-hardening/) and runs each target for a bounded time from its seed corpus
# (fuzz/corpus/<target>/, read-only; new inputs go to a scratch corpus), up to FUZZ_JOBS targets at once.
# Any crash, sanitizer report, leak, timeout or broken invariant fails the stage; the reproducer is kept
# in the artifacts directory. Prints executions per target.
#   usage: scripts/ci-fuzz.sh [seconds-per-target]     (default 30; env FUZZ_SECONDS, HARDENING_BUILD_DIR
#          (default build-hardening), FUZZ_ARTIFACTS (default /tmp/mgm-fuzz-artifacts), FUZZ_TARGETS
#          (default: all six), FUZZ_JOBS (targets fuzzed at once, default nproc: one core each))
#   reproduce: build-hardening/fuzz/<target> <artifact file>
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/hardening-build.sh
SECONDS_PER_TARGET=${1:-${FUZZ_SECONDS:-30}}
BUILD_DIR=${FUZZ_BUILD_DIR:-$HARDENING_BUILD_DIR}
ARTIFACTS=${FUZZ_ARTIFACTS:-/tmp/mgm-fuzz-artifacts}
TARGETS=(${FUZZ_TARGETS:-fuzz_http_request fuzz_json_bodies fuzz_eventsub fuzz_jwt fuzz_mock_helix fuzz_mock_desktop})
JOBS=${JOBS:-$(nproc)}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc)}

hardening_ensure_clang
start=$(date +%s)
hardening_configure "$BUILD_DIR"
echo "ci-fuzz: clang build in $BUILD_DIR of ${TARGETS[*]} (load: $(cut -d' ' -f1-3 /proc/loadavg))"
cmake --build "$BUILD_DIR" -j"$JOBS" --target "${TARGETS[@]}"
built=$(date +%s)
echo "ci-fuzz: build $((built - start)) s"

mkdir -p "$ARTIFACTS"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
RESULTS=$(mktemp -d /tmp/mgm-fuzz-results.XXXXXX)
# Fuzzes one target; writes its summary line to $RESULTS/<target>.line and its exit status to .status.
fuzz_one() {
    local target=$1 scratch log status=0
    scratch=$(mktemp -d /tmp/mgm-fuzz-corpus.XXXXXX)
    log="$ARTIFACTS/$target.log"
    "$BUILD_DIR/fuzz/$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$target-" "$scratch" "fuzz/corpus/$target" > "$log" 2>&1 ||
        status=$?
    local execs per_second corpus cov line
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corpus=$(ls "$scratch" | wc -l)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
    line="$target: ${execs:-?} executions (${per_second:-?}/s) in ${SECONDS_PER_TARGET} s, coverage ${cov:-?} edges, $corpus new corpus inputs"
    if [ "$status" -ne 0 ]; then
        line="$line — FAILED (exit $status, see $log)"
        grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
    fi
    echo "ci-fuzz: $line"
    echo "$line" > "$RESULTS/$target.line"
    echo "$status" > "$RESULTS/$target.status"
    rm -rf "$scratch"
}

fuzz_start=$(date +%s)
running=0
for target in "${TARGETS[@]}"; do
    if [ "$running" -ge "$FUZZ_JOBS" ]; then
        wait -n || true
        running=$((running - 1))
    fi
    fuzz_one "$target" &
    running=$((running + 1))
done
wait || true

failed=()
summary=()
for target in "${TARGETS[@]}"; do
    summary+=("$(cat "$RESULTS/$target.line" 2>/dev/null || echo "$target: no result")")
    [ "$(cat "$RESULTS/$target.status" 2>/dev/null || echo 1)" = 0 ] || failed+=("$target")
done
rm -rf "$RESULTS"

echo "ci-fuzz: summary (build $((built - start)) s, fuzzing $(( $(date +%s) - fuzz_start )) s with $FUZZ_JOBS at once, total $(( $(date +%s) - start )) s, load: $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
    echo "ci-fuzz: FAILED: ${failed[*]} (artifacts in $ARTIFACTS)" >&2
    exit 1
fi
echo "ci-fuzz: passed"

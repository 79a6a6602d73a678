#!/usr/bin/env bash
# Runs every benchmark program once with --smoke (tiny sizes, seconds in total), then the EventSub driver script
# with --smoke, so they keep building and running; timings are not checked (they are in docs/BENCHMARKS.md). Exits non-zero if any fails.
# Usage: scripts/bench-smoke.sh [BUILD_DIR]   (default: build)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
status=0
shopt -s nullglob
sources=("$root"/bench/*.cpp)
if [ ${#sources[@]} -eq 0 ]; then echo "bench-smoke: no benchmark sources" >&2; exit 1; fi
for source in "${sources[@]}"; do
  name=$(basename "$source" .cpp)
  exe="$build/bench/$name"
  if [ ! -x "$exe" ]; then
    echo "bench-smoke: $name: not built ($exe)" >&2
    status=1
    continue
  fi
  echo "== $name --smoke"
  start=$(date +%s%N)
  if timeout 120 "$exe" --smoke; then
    echo "bench-smoke: $name ok ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
  else
    echo "bench-smoke: $name FAILED" >&2
    status=1
  fi
done
# The EventSub driver script: nginx ceiling, wrk against nginx and the EBS under wrk + bench/eventsub-wrk.lua.
# Without PostgreSQL here (the PostgreSQL stage owns the clusters; MGM_BENCH_POSTGRESQL=... to include it).
export MGM_BENCH_POSTGRESQL=${MGM_BENCH_POSTGRESQL:-off}
echo "== run-eventsub-vs-nginx.sh --smoke"
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  echo "bench-smoke: run-eventsub-vs-nginx.sh FAILED: needs nginx and wrk (scripts/install-deps.sh)" >&2
  status=1
elif timeout 120 "$root/bench/run-eventsub-vs-nginx.sh" "$build" --smoke; then
  echo "bench-smoke: run-eventsub-vs-nginx.sh ok"
else
  echo "bench-smoke: run-eventsub-vs-nginx.sh FAILED" >&2
  status=1
fi
exit $status

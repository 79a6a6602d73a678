#!/usr/bin/env bash
# The bug hunt (docs/RELIABILITY.md, "The hunt"): every way this project looks for bugs in the simulated stack,
# bounded to a few minutes on 2 cores, on all cores. Exit 1 on any failure, with the command that reproduces it.
#   1. the scenario library with its exact expectations (mgm-sim run scenarios/)
#   2. the library again under random fault mixes: invariants after every event, crashes, stuck simulations
#      (a plain sweep too: no scenario may depend on its seed)
#   3. the workloads (when workloads/ exists) under random fault mixes: the oracle predicts every answer,
#      liveness after healing, invariants, and the coverage points of workloads/required-points.txt
# Every sweep re-runs a sample of its seeds in a fresh process and compares digests (determinism).
#
# usage: scripts/find-bugs.sh [path/to/mgm-sim] [--fail-fast]
#   SCENARIO_SEEDS (default 20), WORKLOAD_SEEDS (default 30), JOBS (default: all cores), FIND_BUGS_JSONL_DIR
#   (keep each sweep's run records there, e.g. as CI artifacts), FIND_BUGS_ARTIFACTS (default
#   build/find-bugs-artifacts, emptied first: each failing run's trace and timeline page, sweep --artifacts).
set -uo pipefail
cd "$(dirname "$0")/.."
MGM_SIM=build/harness/cli/mgm-sim
fail_fast=0
for arg in "$@"; do
  case "$arg" in
    --fail-fast) fail_fast=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) MGM_SIM=$arg ;;
  esac
done
if [[ ! -x "$MGM_SIM" ]]; then
  echo "find-bugs: $MGM_SIM not found or not executable (build the mgm-sim target first)" >&2
  exit 2
fi
scenario_seeds=${SCENARIO_SEEDS:-20}
workload_seeds=${WORKLOAD_SEEDS:-30}
jobs=${JOBS:-$(nproc)}
records=${FIND_BUGS_JSONL_DIR:-}
[ -n "$records" ] && mkdir -p "$records"
artifacts=${FIND_BUGS_ARTIFACTS:-build/find-bugs-artifacts}
rm -rf "$artifacts"
mkdir -p "$artifacts"
status=0
failed=()

hunt() {  # name, command...
  local name=$1
  shift
  local start=$SECONDS
  echo "== find-bugs: $name"
  if "$@"; then
    echo "== find-bugs: $name: no failure ($((SECONDS - start)) s)"
  else
    echo "== find-bugs: $name: FAILED ($((SECONDS - start)) s); reproduce with the commands above, or: $*"
    failed+=("$name")
    status=1
    [ $fail_fast -eq 1 ] && exit 1
  fi
  return 0
}
jsonl() { [ -n "$records" ] && echo "--jsonl $records/$1.jsonl"; }

hunt "scenario library, exact expectations" "$MGM_SIM" run scenarios/
hunt "scenario library, plain sweep (seed independence)" \
  "$MGM_SIM" sweep scenarios/ --seeds 1..3 --jobs "$jobs" --artifacts "$artifacts/scenarios-plain" $(jsonl scenarios-plain)
hunt "scenario library under random faults ($scenario_seeds seeds each)" \
  "$MGM_SIM" sweep scenarios/ --seeds "1..$scenario_seeds" --faults random --jobs "$jobs" --artifacts "$artifacts/scenarios-faults" \
  $(jsonl scenarios-faults)
if [ -d workloads ]; then
  required=()
  if [ -f workloads/required-points.txt ]; then
    while read -r point; do
      [[ -z "$point" || "$point" == \#* ]] || required+=(--require-point "$point")
    done < workloads/required-points.txt
  fi
  hunt "workloads under random faults ($workload_seeds seeds each: oracle, liveness, coverage)" \
    "$MGM_SIM" sweep workloads/ --seeds "1..$workload_seeds" --faults random --jobs "$jobs" "${required[@]}" \
    --artifacts "$artifacts/workloads" \
    $(jsonl workloads)
fi

if [ $status -eq 0 ]; then
  echo "find-bugs: no bug found"
else
  echo "find-bugs: failures in: ${failed[*]}"
fi
if [ -n "$(ls -A "$artifacts" 2>/dev/null)" ]; then
  echo "find-bugs: each failing run's trace (.jsonl) and timeline page (.html, open it in a browser): $artifacts/"
fi
exit $status

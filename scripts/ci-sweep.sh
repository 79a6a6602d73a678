#!/usr/bin/env bash
# Bounded seed sweep for CI (docs/RELIABILITY.md §2): a few hundred seeds across the scenarios that exercise
# the payout path, each seed with its own random fault mix; invariants are checked after every simulated
# event. Exit 1 if any seed violates an invariant, crashes or gets stuck; the failing seed's reproduce
# command is printed. Usage: scripts/ci-sweep.sh [path/to/mgm-sim] [seeds-per-scenario]
set -euo pipefail
cd "$(dirname "$0")/.."
MGM_SIM="${1:-build/harness/cli/mgm-sim}"
SEEDS="${2:-60}"
if [[ ! -x "$MGM_SIM" ]]; then
  echo "ci-sweep: $MGM_SIM not found or not executable (build the mgm-sim target first)" >&2
  exit 2
fi
status=0
# Faulted sweeps over the payout-bearing stories; a plain (fault-free) sweep over the whole library checks
# that no scenario depends on its seed.
"$MGM_SIM" sweep scenarios/natural-cycle.json scenarios/tier-b-slice.json scenarios/helix-retry.json \
    scenarios/active-payout-409.json scenarios/network-faults.json \
    --seeds "1..$SEEDS" --faults random || status=1
"$MGM_SIM" sweep scenarios/ --seeds 1..3 || status=1
exit $status

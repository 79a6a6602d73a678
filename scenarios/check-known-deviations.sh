#!/usr/bin/env bash
# Known deviations must be visible in the CLI's output (docs/RELIABILITY.md §1, decision D4 matched):
# `mgm-sim run` and `mgm-sim sweep` of rename-and-name-taken both pass and both print the D4 line.
#   usage: scenarios/check-known-deviations.sh path/to/mgm-sim scenarios/rename-and-name-taken.json
set -euo pipefail
mgm_sim="$1"
scenario="$2"
run_out=$("$mgm_sim" run "$scenario") || { echo "$run_out"; echo "check-known-deviations: mgm-sim run failed" >&2; exit 1; }
echo "$run_out"
grep -q '^  known deviation: D4 ' <<< "$run_out" ||
  { echo "check-known-deviations: mgm-sim run does not print the D4 known deviation" >&2; exit 1; }
sweep_out=$("$mgm_sim" sweep "$scenario" --seeds 1..2) || { echo "$sweep_out"; echo "check-known-deviations: mgm-sim sweep failed" >&2; exit 1; }
echo "$sweep_out"
grep -q '^  known deviation (2 of 2 seeds): D4 ' <<< "$sweep_out" ||
  { echo "check-known-deviations: mgm-sim sweep does not print the D4 known deviation" >&2; exit 1; }
grep -q '^sweep: 2 run(s) showed a known deviation' <<< "$sweep_out" ||
  { echo "check-known-deviations: mgm-sim sweep's totals do not count the known deviation" >&2; exit 1; }

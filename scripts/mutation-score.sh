#!/usr/bin/env bash
# Mutation score of the bug hunt (docs/RELIABILITY.md, "Mutation score"): applies each planted bug of mutants/
# to a copy of the tree, rebuilds mgm-sim incrementally, runs the hunt's detectors one by one and prints a
# table: mutant -> what caught it (scenario / oracle / invariant / liveness / coverage / crash) and how long
# the first catch took.
#
# usage: scripts/mutation-score.sh [--out FILE.md] [--keep-going] [--shrink] [MUTANT.patch...]
#   default: every mutants/*.patch. --out also writes the table as Markdown. MUTANT_WORKDIR (default
#   build-mutants/ in the tree, where ccache can reuse the main build's objects) holds the copy and its
#   build, kept between calls so that only the mutated file recompiles.
#   --keep-going runs every detector on every mutant (slower; shows everything that catches it) instead of
#   stopping at the first catch.
#   --shrink: for each caught mutant, also shrink its first failing sweep run into a regression scenario
#   (sweep --shrink) and check it: the shrunk file must fail on the mutant and pass on the unmodified code.
#   Adds the shrunk size (steps, faults) and the shrink time to the table; any check failing fails the script.
#   --in-place (CI): plant the mutants in this tree and rebuild build/ instead of a copy (no second full
#   build); each mutant is removed again, also on failure or interruption.
#   SHRINK_FROM=workloads: --shrink takes the first failing workload run even when a scenario sweep run fails
#   (the size of a workload-caught mutant's explicit run shrunk); SHRINK_BUDGET (default 2m): time per shrink.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=""
keep_going=0
shrink=0
in_place=0
planted=""
shrink_failed=0
patches=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --keep-going) keep_going=1; shift ;;
    --shrink) shrink=1; shift ;;
    --in-place) in_place=1; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) patches+=("$1"); shift ;;
  esac
done
[ ${#patches[@]} -gt 0 ] || patches=(mutants/*.patch)

work=${MUTANT_WORKDIR:-$root/build-mutants}
mkdir -p "$work"
if [ $in_place -eq 1 ]; then
  # CI: plant each mutant in this tree and rebuild its own build/ (one file and a link per mutant, no second
  # full build); every mutant is taken out again on exit, whatever happens.
  src="$root"
  [ -x "$src/build/harness/cli/mgm-sim" ] || { echo "mutation-score: --in-place needs build/ built" >&2; exit 2; }
  planted=""
  trap '[ -n "$planted" ] && patch -d "$src" -p1 --no-backup-if-mismatch -R --silent < "$planted"; ninja -C "$src/build" mgm-sim > /dev/null 2>&1' EXIT
else
  src="$work/src"
  mkdir -p "$src"
  # The copy follows the working tree (tracked and new files, uncommitted changes included; modification
  # times kept, so an unchanged file is not rebuilt); files gone from the tree are removed from the copy.
  git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$src"
  comm -23 <(cd "$src" && find . -path ./build -prune -o -type f -print | sed 's#^\./##' | sort) \
           <(git ls-files -co --exclude-standard | sort) | (cd "$src" && xargs -r rm -f --)
  launcher=()
  command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$src" -B "$src/build" -G Ninja "${launcher[@]}" > "$work/cmake.log" 2>&1 ||
    { cat "$work/cmake.log"; echo "mutation-score: cmake failed" >&2; exit 2; }
fi
ninja -C "$src/build" mgm-sim > "$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log"; echo "mutation-score: the unmutated tree does not build" >&2; exit 2; }
mgm_sim="$src/build/harness/cli/mgm-sim"
jobs=${JOBS:-$(nproc)}
# The unmutated binary, kept aside: the shrinker keeps a reduction only if it still passes there.
cp "$mgm_sim" "$work/mgm-sim-reference"

# Each detector: a name and a command that exits non-zero when it catches the mutant. A caught mutant's
# "caught by" is refined from the sweep records' failure kinds.
kind_of() {  # the failure kinds in a --jsonl file, as the table's words
  python3 - "$1" << 'PY'
import json, sys
kinds = []
for line in open(sys.argv[1]):
    line = line.strip()
    if not line: continue
    r = json.loads(line)
    if r.get("verdict") != "FAIL": continue
    k = {"step": "scenario", "internal": "crash", "": "scenario"}.get(r.get("failure_kind", ""), r.get("failure_kind"))
    if k not in kinds: kinds.append(k)
print("+".join(kinds))
PY
}

points_of() {  # the coverage points reached in a --jsonl file, one per line, sorted
  python3 - "$1" << 'PY'
import json, sys
points = set()
for line in open(sys.argv[1]):
    if line.strip():
        points.update(json.loads(line).get("points", {}).keys())
print("\n".join(sorted(points)))
PY
}

detect() {  # detector-name -> sets caught_by / seconds
  local name=$1 log="$work/$1.log" jsonl="$work/$1.jsonl" status
  local start=$SECONDS
  rm -f "$jsonl"
  case "$name" in
    scenarios) "$mgm_sim" run scenarios/ > "$log" 2>&1; status=$? ;;
    scenario-sweep) "$mgm_sim" sweep scenarios/ --seeds 1..4 --faults random --jobs "$jobs" --jsonl "$jsonl" > "$log" 2>&1; status=$? ;;
    workloads) "$mgm_sim" sweep workloads/ --seeds "1..$workload_seeds" --faults random --jobs "$jobs" \
                 --jsonl "$jsonl" > "$log" 2>&1; status=$? ;;
  esac
  local took=$((SECONDS - start))
  # Coverage: a mutant that passes every oracle but keeps the same seeds from a point the unmutated code
  # reaches has changed behaviour the workloads can see.
  if [ "$status" -eq 0 ] && [ "$name" = workloads ] && [ -s "$work/clean-points.txt" ]; then
    local lost
    lost=$(comm -23 "$work/clean-points.txt" <(points_of "$jsonl"))
    if [ -n "$lost" ]; then
      caught_by+=("coverage: never reached $(echo $lost | tr ' ' ',') ($name)")
      [ -z "$first_time" ] && first_time=$took
      return 0
    fi
  fi
  [ "$status" -eq 0 ] && return 1
  local what
  case "$name" in
    scenarios)
      if grep -q "invariant" "$log"; then what=invariant
      elif [ "$status" -gt 128 ] || grep -q "internal error" "$log"; then what=crash
      else what=scenario; fi ;;
    *)
      what=$(kind_of "$jsonl")
      [ -z "$what" ] && grep -q "required coverage point" "$log" && what=coverage
      [ -z "$what" ] && what="exit $status" ;;
  esac
  caught_by+=("$what ($name)")
  [ -z "$first_time" ] && first_time=$took
  return 0
}

# --shrink: the first failing run of the sweeps (scenarios faulted, else plain, else the workloads under faults)
# becomes a shrunk regression: a scenario, or an explicit workload run (docs/WORKLOADS.md).
shrink_mutant() {
  regression=""
  local pick
  rm -f "$work/shrink-plain.jsonl" "$work/shrink-faults.jsonl" "$work/shrink-workloads.jsonl"
  if [ "${SHRINK_FROM:-}" != workloads ]; then
    (cd "$src" && "$mgm_sim" sweep scenarios/ --seeds 1..4 --faults random --jobs "$jobs" --recheck 0 \
        --jsonl "$work/shrink-faults.jsonl" > /dev/null 2>&1)
    (cd "$src" && "$mgm_sim" sweep scenarios/ --seeds 1..2 --jobs "$jobs" --recheck 0 \
        --jsonl "$work/shrink-plain.jsonl" > /dev/null 2>&1)
  fi
  if ! grep -q '"verdict":"FAIL"' "$work/shrink-faults.jsonl" "$work/shrink-plain.jsonl" 2> /dev/null && [ -d workloads ]; then
    if [ -s "$work/workloads.jsonl" ]; then cp "$work/workloads.jsonl" "$work/shrink-workloads.jsonl"
    else
      (cd "$src" && "$mgm_sim" sweep workloads/ --seeds "1..$workload_seeds" --faults random --jobs "$jobs" \
          --recheck 0 --jsonl "$work/shrink-workloads.jsonl" > /dev/null 2>&1)
    fi
  fi
  pick=$(python3 - "$work/shrink-faults.jsonl" "$work/shrink-plain.jsonl" "$work/shrink-workloads.jsonl" << 'PY'
import json, sys
for path, faults in ((sys.argv[1], True), (sys.argv[2], False), (sys.argv[3], True)):
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for line in lines:
        r = json.loads(line)
        if r.get("verdict") == "FAIL" and r.get("failure_kind") not in ("crash", "nondeterminism"):
            print(r["file"], r["seed"], "random" if faults else "none")
            sys.exit(0)
PY
)
  if [ -z "$pick" ]; then shrunk="no sweep run fails (caught only by a scenario's own seed, or by coverage)"; return; fi
  set -- $pick
  local out="$work/regressions" start=$SECONDS
  rm -rf "$out"
  (cd "$src" && "$mgm_sim" sweep "$1" --seeds "$2..$2" --faults "$3" --jobs 1 --recheck 0 --shrink \
      --shrink-reference "$work/mgm-sim-reference" --regressions "$out" --shrink-budget "${SHRINK_BUDGET:-2m}" \
      > "$work/shrink.log" 2>&1)
  local took=$((SECONDS - start))
  regression=$(ls "$out"/*.json 2> /dev/null | head -1)
  if [ -z "$regression" ]; then shrunk="shrink wrote nothing (see $work/shrink.log)"; shrink_failed=1; return; fi
  local sizes
  sizes=$(sed -n 's/.*(\([0-9]* -> [0-9]* steps, [0-9]* -> [0-9]* faults\).*/\1/p' "$work/shrink.log" | head -1)
  case "$1" in workloads/*) sizes="$sizes (workload $(basename "$1" .json) seed $2)" ;; esac
  if (cd "$src" && "$mgm_sim" run "$regression" > "$work/regression-mutant.log" 2>&1); then
    shrunk="$sizes, ${took} s, **passes on the mutant**"
    shrink_failed=1
  else
    shrunk="$sizes, ${took} s"
  fi
}

workload_seeds=${WORKLOAD_SEEDS:-6}
# The unmutated code's coverage with the detectors' seeds: what a mutant may not lose.
if [ -d workloads ]; then
  "$mgm_sim" sweep workloads/ --seeds "1..$workload_seeds" --faults random --jobs "$jobs" --recheck 0 \
    --jsonl "$work/clean-workloads.jsonl" > "$work/clean-workloads.log" 2>&1 ||
    { tail -20 "$work/clean-workloads.log"; echo "mutation-score: the unmutated code fails the workload sweep" >&2; exit 2; }
  points_of "$work/clean-workloads.jsonl" > "$work/clean-points.txt"
fi

rows=()
caught=0
total=0
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  area=$(sed -n 's/^Area: //p' "$patch" | head -1)
  total=$((total + 1))
  caught_by=()
  first_time=""
  # patch(1), not git apply: the copy may sit inside this repository, where git apply would skip its paths.
  if ! patch -d "$src" -p1 --no-backup-if-mismatch --dry-run --silent < "$patch" > /dev/null 2>&1; then
    rows+=("| $name | $area | does not apply to this tree (regenerate the patch) | - |")
    printf '%-45s %s\n' "$name" "does not apply" >&2
    continue
  fi
  patch -d "$src" -p1 --no-backup-if-mismatch --silent < "$patch"
  planted=$patch
  rm -f "$work/scenario-sweep.jsonl" "$work/workloads.jsonl"  # no stale records from the previous mutant
  if ! ninja -C "$src/build" mgm-sim > "$work/build-$name.log" 2>&1; then
    caught_by+=("compile error")
    first_time=0
  else
    for detector in scenarios scenario-sweep workloads; do
      [ "$detector" = workloads ] && [ ! -d workloads ] && continue
      if detect "$detector" && [ $keep_going -eq 0 ]; then break; fi
    done
  fi
  shrunk="-"
  if [ $shrink -eq 1 ] && [ ${#caught_by[@]} -gt 0 ]; then shrink_mutant; fi
  patch -d "$src" -p1 --no-backup-if-mismatch -R --silent < "$patch"
  planted=""
  if [ -n "${regression:-}" ]; then  # the unmodified code must pass the shrunk file
    ninja -C "$src/build" mgm-sim > /dev/null 2>&1
    if ! (cd "$src" && "$mgm_sim" run "$regression" > "$work/regression-clean.log" 2>&1); then
      shrunk="$shrunk, **fails on the unmodified code**"
      shrink_failed=1
    fi
    regression=""
  fi
  if [ ${#caught_by[@]} -gt 0 ]; then
    caught=$((caught + 1))
    verdict=$(IFS=';'; echo "${caught_by[*]}")
    rows+=("| $name | $area | ${verdict//;/, } | ${first_time} s |$([ $shrink -eq 1 ] && echo " $shrunk |")")
  else
    rows+=("| $name | $area | **not caught** | - |$([ $shrink -eq 1 ] && echo " - |")")
  fi
  printf '%-45s %s\n' "$name" "${caught_by[*]:-NOT CAUGHT}" >&2
done
# Leave the copy unmutated and built for the next call.
ninja -C "$src/build" mgm-sim > /dev/null 2>&1

table=$(
  if [ $shrink -eq 1 ]; then
    echo "| mutant | area | caught by (detector) | time to first catch | shrunk regression (steps, faults, time) |"
    echo "|---|---|---|---|---|"
  else
    echo "| mutant | area | caught by (detector) | time to first catch |"
    echo "|---|---|---|---|"
  fi
  printf '%s\n' "${rows[@]}"
  echo
  echo "Score: $caught of $total mutants caught."
)
echo "$table"
[ -n "$out" ] && echo "$table" > "$out"
[ "$caught" -eq "$total" ] && [ $shrink_failed -eq 0 ]

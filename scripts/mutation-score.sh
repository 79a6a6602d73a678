#!/usr/bin/env bash
# Mutation score of the bug hunt (docs/RELIABILITY.md, "Mutation score"): applies each planted bug of mutants/
# to a copy of the tree, rebuilds mgm-sim incrementally, runs the hunt's detectors one by one and prints a
# table: mutant -> what caught it (scenario / oracle / invariant / liveness / coverage / crash) and how long
# the first catch took.
#
# usage: scripts/mutation-score.sh [--out FILE.md] [--keep-going] [MUTANT.patch...]
#   default: every mutants/*.patch. --out also writes the table as Markdown. MUTANT_WORKDIR (default
#   build-mutants/ in the tree, where ccache can reuse the main build's objects) holds the copy and its
#   build, kept between calls so that only the mutated file recompiles.
#   --keep-going runs every detector on every mutant (slower; shows everything that catches it) instead of
#   stopping at the first catch.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=""
keep_going=0
patches=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --keep-going) keep_going=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) patches+=("$1"); shift ;;
  esac
done
[ ${#patches[@]} -gt 0 ] || patches=(mutants/*.patch)

work=${MUTANT_WORKDIR:-$root/build-mutants}
src="$work/src"
mkdir -p "$src"
# The copy follows the working tree (tracked and new files, uncommitted changes included; modification times
# kept, so an unchanged file is not rebuilt); files gone from the tree are removed from the copy.
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$src"
comm -23 <(cd "$src" && find . -path ./build -prune -o -type f -print | sed 's#^\./##' | sort) \
         <(git ls-files -co --exclude-standard | sort) | (cd "$src" && xargs -r rm -f --)
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src" -B "$src/build" -G Ninja "${launcher[@]}" > "$work/cmake.log" 2>&1 ||
  { cat "$work/cmake.log"; echo "mutation-score: cmake failed" >&2; exit 2; }
ninja -C "$src/build" mgm-sim > "$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log"; echo "mutation-score: the unmutated copy does not build" >&2; exit 2; }
mgm_sim="$src/build/harness/cli/mgm-sim"
jobs=${JOBS:-$(nproc)}

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

detect() {  # detector-name -> sets caught_by / seconds
  local name=$1 log="$work/$1.log" jsonl="$work/$1.jsonl" status
  local start=$SECONDS
  rm -f "$jsonl"
  case "$name" in
    scenarios) "$mgm_sim" run scenarios/ > "$log" 2>&1; status=$? ;;
    scenario-sweep) "$mgm_sim" sweep scenarios/ --seeds 1..4 --faults random --jobs "$jobs" --jsonl "$jsonl" > "$log" 2>&1; status=$? ;;
    workloads) "$mgm_sim" sweep workloads/ --seeds 1..6 --faults random --jobs "$jobs" --jsonl "$jsonl" \
                 $(cat workloads/required-points.txt 2>/dev/null | sed 's/^/--require-point /') > "$log" 2>&1; status=$? ;;
  esac
  local took=$((SECONDS - start))
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
  if ! patch -d "$src" -p1 --dry-run --silent < "$patch" > /dev/null 2>&1; then
    rows+=("| $name | $area | does not apply to this tree (regenerate the patch) | - |")
    printf '%-45s %s\n' "$name" "does not apply" >&2
    continue
  fi
  patch -d "$src" -p1 --silent < "$patch"
  if ! ninja -C "$src/build" mgm-sim > "$work/build-$name.log" 2>&1; then
    caught_by+=("compile error")
    first_time=0
  else
    for detector in scenarios scenario-sweep workloads; do
      [ "$detector" = workloads ] && [ ! -d workloads ] && continue
      if detect "$detector" && [ $keep_going -eq 0 ]; then break; fi
    done
  fi
  patch -d "$src" -p1 -R --silent < "$patch"
  if [ ${#caught_by[@]} -gt 0 ]; then
    caught=$((caught + 1))
    verdict=$(IFS=';'; echo "${caught_by[*]}")
    rows+=("| $name | $area | ${verdict//;/, } | ${first_time} s |")
  else
    rows+=("| $name | $area | **not caught** | - |")
  fi
  printf '%-45s %s\n' "$name" "${caught_by[*]:-NOT CAUGHT}" >&2
done
# Leave the copy unmutated and built for the next call.
ninja -C "$src/build" mgm-sim > /dev/null 2>&1

table=$(
  echo "| mutant | area | caught by (detector) | time to first catch |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Score: $caught of $total mutants caught."
)
echo "$table"
[ -n "$out" ] && echo "$table" > "$out"
[ "$caught" -eq "$total" ]

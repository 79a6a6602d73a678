#!/usr/bin/env bash
# An explicit workload run replays its run (docs/WORKLOADS.md, "Explicit runs"): for three faulted seeds of every
# workload file, `mgm-sim workload FILE --seed N --faults random --span 2h --materialize OUT` and `mgm-sim run OUT`
# give the same verdict and the same trace digest. A shorter span keeps the check to a few seconds.
# usage: check-materialize.sh MGM_SIM WORKLOAD...
set -u
sim=$1
shift
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for file in "$@"; do
    for seed in 2 3 5; do
        first=$("$sim" workload "$file" --seed "$seed" --faults random --span 2h --materialize "$out/run.json" 2>&1)
        again=$("$sim" run "$out/run.json" 2>&1)
        a=$(echo "$first" | head -1 | grep -o '^[A-Z]*\|digest [0-9a-f]*' | tr '\n' ' ')
        b=$(echo "$again" | head -1 | grep -o '^[A-Z]*\|digest [0-9a-f]*' | tr '\n' ' ')
        if [[ -z "$a" || "$a" != "$b" ]]; then
            echo "FAIL $(basename "$file") seed $seed: the run gave '$a', its explicit file '$b'"
            status=1
        else
            echo "$(basename "$file") seed $seed: $a(and its explicit file)"
        fi
    done
done
[ $status -eq 0 ] && echo PASS
exit $status

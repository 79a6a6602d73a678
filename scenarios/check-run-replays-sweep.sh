#!/usr/bin/env bash
# `mgm-sim run --faults random --seed N FILE` replays sweep seed N: the same trace digest as
# `mgm-sim sweep FILE --seeds N..N --faults random` (which prints its first 16 hex digits with -v).
# usage: check-run-replays-sweep.sh MGM_SIM FILE
set -u
sim=$1
file=$2
for seed in 3 137; do
    run=$("$sim" run --faults random --seed "$seed" "$file" 2>/dev/null | grep -o 'digest [0-9a-f]*' | head -1 | cut -d' ' -f2)
    sweep=$("$sim" sweep "$file" --seeds "$seed..$seed" --faults random -v 2>/dev/null | grep -o 'digest [0-9a-f]*' | head -1 | cut -d' ' -f2)
    if [[ -z "$run" || -z "$sweep" || "$run" != "$sweep"* ]]; then
        echo "FAIL seed $seed: run digest '$run', sweep digest '$sweep'"
        exit 1
    fi
    echo "seed $seed: run and sweep both give digest $run"
done
echo "PASS"

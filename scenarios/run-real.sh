#!/usr/bin/env bash
# Runs one portable scenario over real sockets: starts `mgm-sim serve` (CI ports, CI environment), waits
# until it is ready, runs `mgm-sim run --target real FILE`, stops the server. Exit status = the run's.
#   usage: scenarios/run-real.sh path/to/mgm-sim scenarios/tier-b-slice.json
set -euo pipefail
mgm_sim="$1"
scenario="$2"
log="$(mktemp)"
Mgm__SqlitePath=:memory: "$mgm_sim" serve >"$log" 2>&1 &   # a fresh store per run
server=$!
cleanup() {
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  if grep -q 'mgm-sim serve: ready' "$log"; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "run-real.sh: mgm-sim serve exited early:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if ! grep -q 'mgm-sim serve: ready' "$log"; then
  echo "run-real.sh: mgm-sim serve not ready after 10 s:" >&2
  cat "$log" >&2
  exit 1
fi
"$mgm_sim" run --target real "$scenario"

#!/usr/bin/env bash
# CI second stage: the five services on real sockets at the reference CI addresses (mgm-sim serve, configured
# with the reference CI's environment block), driven by the project's own Tier A + Tier B client (mgm-sim e2e).
# Fails on any failed step; checks that all ports answer within 1 s of start and that SIGTERM stops the
# server cleanly (exit 0).
#   usage: scripts/ci-real-socket-stage.sh [path/to/mgm-sim]     (default: build/harness/cli/mgm-sim)
set -euo pipefail
cd "$(dirname "$0")/.."
MGM_SIM=${1:-${MGM_SIM:-build/harness/cli/mgm-sim}}
[ -x "$MGM_SIM" ] || { echo "ci-real-socket-stage: $MGM_SIM not found (build first)" >&2; exit 1; }
# The CI port map (MGM_EBS_PORT, MGM_EVENTSUB_PORT, ...): the same numbers mgm-sim serve listens on.
. scripts/ci-ports.sh
# A log file per run (two runs at once must not share one); MGM_SIM_SERVE_LOG names it instead.
LOG=${MGM_SIM_SERVE_LOG:-$(mktemp /tmp/mgm-sim-serve.XXXXXX.log)}
PORTS=("$MGM_EBS_PORT" "$MGM_EVENTSUB_PORT" "$MGM_JWT_PORT" "$MGM_HELIX_PORT" "$MGM_DESKTOP_PORT")

# Whatever already listens on a CI port would be tested instead of our server: refuse to start.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "${PORTS[@]}"; do
    if port_busy "$port"; then
        echo "ci-real-socket-stage: FAILED: 127.0.0.1:$port is already in use by another process (another" \
             "mgm-sim serve or test run?); the stage needs all of ${PORTS[*]} free" >&2
        exit 1
    fi
done

# The reference CI's per-process env blocks (e2e-test.yml), merged: they agree wherever they overlap.
export ASPNETCORE_ENVIRONMENT=Development
export Mgm__ApiKey=ci-desktop-api-key
export Mgm__DevSkipSubscriberCheck=true
export Mgm__EnableE2eHarness=true
export Twitch__EventSubSecret=e2e-ci-eventsub-secret
export Twitch__HelixApiBaseUrl=http://127.0.0.1:$MGM_HELIX_PORT
export Twitch__BroadcasterAccessToken=e2e-ci-broadcast-token
export Twitch__BroadcasterUserId=e2e-ci-broadcaster
export Twitch__HelixClientId=e2e-ci-helix-client
export Backend__BaseUrl=http://127.0.0.1:$MGM_EBS_PORT
export SyntheticDesktop__BackendBaseUrl=http://127.0.0.1:$MGM_EBS_PORT
# A fresh store per run, like the reference CI's fresh Postgres per job (serve's default is a durable file).
export Mgm__SqlitePath=:memory:

now_ms() { date +%s%3N; }

start_ms=$(now_ms)
"$MGM_SIM" serve > "$LOG" 2>&1 &
SERVER_PID=$!
cleanup() {
    if kill -0 "$SERVER_PID" 2>/dev/null; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

# Every port must answer HTTP within 1 s of start (the reference allows 90 s for the EBS and 60 s per mock),
# and it must be our server that answers: it is alive and has printed that it listens on every port.
ready=""
for _ in $(seq 1 100); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "ci-real-socket-stage: FAILED: mgm-sim serve exited during startup (log $LOG):" >&2
        cat "$LOG" >&2
        exit 1
    fi
    if grep -q "mgm-sim serve: ready" "$LOG" && curl -s -o /dev/null --max-time 1 http://127.0.0.1:$MGM_EBS_PORT/ &&
       curl -sf -o /dev/null --max-time 1 http://127.0.0.1:$MGM_EVENTSUB_PORT/health &&
       curl -sf -o /dev/null --max-time 1 http://127.0.0.1:$MGM_JWT_PORT/health &&
       curl -sf -o /dev/null --max-time 1 http://127.0.0.1:$MGM_HELIX_PORT/health &&
       curl -sf -o /dev/null --max-time 1 http://127.0.0.1:$MGM_DESKTOP_PORT/health; then
        ready=yes
        break
    fi
    sleep 0.01
done
ready_ms=$(( $(now_ms) - start_ms ))
if [ -z "$ready" ]; then
    echo "ci-real-socket-stage: services not answering (see $LOG):" >&2
    cat "$LOG" >&2
    exit 1
fi
for port in "${PORTS[@]}"; do
    grep -q "listening on http://127.0.0.1:$port\$" "$LOG" ||
        { echo "ci-real-socket-stage: FAILED: our server does not listen on :$port (log $LOG)" >&2; cat "$LOG" >&2; exit 1; }
done
echo "ci-real-socket-stage: all five ports answering ${ready_ms} ms after start"
if [ "$ready_ms" -ge 1000 ]; then
    echo "ci-real-socket-stage: FAILED: startup took ${ready_ms} ms (limit 1000 ms)" >&2
    exit 1
fi

# The whole Tier A + Tier B choreography, exact checks, exit 1 on the first failed step.
"$MGM_SIM" e2e
kill -0 "$SERVER_PID" 2>/dev/null || { echo "ci-real-socket-stage: FAILED: mgm-sim serve died during the flow (log $LOG)" >&2; exit 1; }

# Clean shutdown on SIGTERM.
kill -TERM "$SERVER_PID"
status=0
wait "$SERVER_PID" || status=$?
trap - EXIT
if [ "$status" -ne 0 ]; then
    echo "ci-real-socket-stage: FAILED: mgm-sim serve exited with $status after SIGTERM (log: $LOG)" >&2
    cat "$LOG" >&2
    exit 1
fi
grep -q "mgm-sim serve: stopped" "$LOG" || { echo "ci-real-socket-stage: FAILED: no clean-stop line in $LOG" >&2; exit 1; }
echo "ci-real-socket-stage: passed ($(grep -c -- ' -> ' "$LOG") requests served; log $LOG)"
[ -n "${MGM_SIM_SERVE_LOG:-}" ] || rm -f "$LOG"   # a failed run keeps its log (exits above)

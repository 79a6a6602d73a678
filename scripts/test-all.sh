#!/usr/bin/env bash
# Quick start #2 (and what CI runs): install dependencies, build, run every test.
#   stage 1: all simulated tests (unit, integration, security, scenarios) — ctest -LE real-socket
#            then a smoke run of every benchmark program and a bounded seed sweep with random faults
#   stage 2: real sockets on the CI port map (mgm-sim serve + the project's Tier A/B client,
#            portable scenarios over TCP) — ctest -L real-socket, one at a time (fixed ports)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja
cmake --build build -j"$(nproc)"
ctest --test-dir build -LE real-socket --output-on-failure -j"$(nproc)"
bash scripts/bench-smoke.sh
bash scripts/ci-sweep.sh build/sim/cli/mgm-sim
ctest --test-dir build -L real-socket --output-on-failure

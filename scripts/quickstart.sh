#!/usr/bin/env bash
# Quick start #1: install dependencies, build, and run the main job — every simulated scenario
# (embedded SQLite, in-memory network, virtual clock).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja
cmake --build build -j"$(nproc)"
ctest --test-dir build -L '^scenario$' --output-on-failure -j"$(nproc)"

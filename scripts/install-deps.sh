#!/usr/bin/env bash
# Installs the Debian (bookworm) packages needed to build and test the harness.
# Idempotent: packages already installed are skipped; apt is only touched when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libssl-dev libsqlite3-dev nlohmann-json3-dev
  libmimalloc-dev            # the allocator of mgm-sim and the benchmarks (MGM_MIMALLOC in CMakeLists.txt)
  catch2 libtrompeloeil-cpp-dev
  python3 curl
  gdb                        # the pretty-printer and break-flag tests (test/debugging/test_gdb.py, docs/DEBUGGING.md)
  nginx-light wrk            # bench smoke: bench/run-eventsub-vs-nginx.sh (nginx ceiling, EBS under wrk + Lua)
  libpq-dev postgresql       # the EBS store on PostgreSQL (ConnectionStrings__PostgreSQL) and its CI stage
  lld                        # faster links (CMake falls back to gold, then the default linker, without it)
  chromium fonts-dejavu-core # the timeline page rendered headless by the ctest label `browser` (test/browser/)
  clang libclang-rt-14-dev   # sanitizer + fuzz stages (scripts/hardening-build.sh): clang 14, libFuzzer, ASan/UBSan runtimes
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

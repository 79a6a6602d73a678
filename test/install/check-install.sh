#!/usr/bin/env bash
# `cmake --install` and find_package(MgmHarness), as another project uses them: installs this build into a
# prefix under the build directory (fixed, so a rerun's consumer build is a ccache hit), checks that bin/mgm-sim
# runs a scenario, then configures, builds and runs test/install/consumer against the prefix.
# usage: check-install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
prefix=$build/install-check/prefix
consumer=$build/install-check/consumer
rm -rf "$prefix" "$consumer"
cmake --install "$build" --prefix "$prefix" > /dev/null

test -x "$prefix/bin/mgm-sim" || { echo "FAIL: no $prefix/bin/mgm-sim"; exit 1; }
test -f "$prefix/lib/cmake/MgmHarness/MgmHarnessConfig.cmake" || { echo "FAIL: no MgmHarnessConfig.cmake"; exit 1; }
test -f "$prefix/include/mgm/harness/world/world.h" || { echo "FAIL: no installed world.h"; exit 1; }
PATH="$prefix/bin:$PATH" mgm-sim run "$source/scenarios/tier-a-enrollment.json"

launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
generator=()
if command -v ninja > /dev/null; then generator=(-G Ninja); fi
cmake -S "$source/test/install/consumer" -B "$consumer" "${generator[@]}" "${launcher[@]}" \
      -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Debug > /dev/null
cmake --build "$consumer" > /dev/null
"$consumer/consumer"
echo "PASS: installed into $prefix; a project built against find_package(MgmHarness) ran a World"

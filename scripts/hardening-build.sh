# Sourced by scripts/ci-sanitize.sh and scripts/ci-fuzz.sh: the ONE instrumented build both stages share.
# clang (Debian bookworm: clang-14) with -DMGM_FUZZ=ON compiles everything with
# -fsanitize=fuzzer-no-link,address,undefined; the Catch2 test binaries and mgm-sim link the ASan + UBSan
# runtimes (which give the coverage callbacks weak no-op definitions), the fuzz targets additionally link
# libFuzzer. -O1 with line tables only: symbolized sanitizer stacks at about half the compile time of g++ -O2 -g
# with ASan (docs/RELIABILITY.md §3, "CI budget"). Both scripts configure identically, so the second one
# reuses what the first one built.
HARDENING_BUILD_DIR=${HARDENING_BUILD_DIR:-build-hardening}

# Installs clang and its runtimes (libFuzzer, ASan/UBSan) if missing: install-deps.sh lists them.
hardening_ensure_clang() {
    bash scripts/install-deps.sh
    if ! command -v clang++ > /dev/null ||
        ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a > /dev/null 2>&1; then
        echo "hardening: clang++ or libFuzzer (libclang-rt-*-dev) missing after install-deps.sh" >&2
        return 1
    fi
}

# Configures $1 (default $HARDENING_BUILD_DIR); quiet unless it fails.
hardening_configure() {
    local dir=${1:-$HARDENING_BUILD_DIR} log
    log=$(mktemp)
    if ! CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DMGM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" > "$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

// Seed sweeps: one scenario replayed under many seeds, each seed optionally drawing its own fault mix
// (network latency/drops/refusals/splits, short partitions, Helix failures, same-instant timer order).
// `mgm-sim sweep` is the command-line face; docs/RELIABILITY.md §2 explains the verdicts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/time.h"
#include "harness/scenario/runner.h"
#include "harness/scenario/scenario.h"

namespace mgm::backend {
class StoreRecycler;
}

namespace mgm::harness::scenario {

// A short partition between two endpoints ("driver" or a service name), starting `at` after the start.
struct PlannedPartition {
    std::string a;
    std::string b;
    sim::Duration at{0};
    sim::Duration length{0};
};

// Everything a seed perturbs. All zero/false = a perfect network in FIFO order (the plain scenario).
struct FaultMix {
    bool shuffle_same_instant = false;  // seeded permutation of timers due at the same instant
    std::uint64_t tie_salt = 0;
    sim::Duration latency_min{0};
    sim::Duration latency_max{0};
    double reset_probability = 0;  // per write, every link
    double refuse_probability = 0;  // per connect, every link
    std::size_t split_max_bytes = 0;
    std::vector<PlannedPartition> partitions;
    int helix_fail_next = 0;  // MockHelixApi fails its first N chat calls...
    int helix_fail_status = 500;  // ...with this status...
    bool helix_fail_drop = false;  // ...or by dropping the connection
    bool any() const;
    std::string describe() const;  // one line: "latency 1-20ms, drop 0.8%, partition ebs<->helix ..."
};

// The fault mix of a seed: drawn from Rng(seed).derive("sweep.faults"), independent of the World's streams.
FaultMix draw_fault_mix(std::uint64_t seed);

enum class Verdict {
    pass,  // every expectation and invariant held
    tolerated,  // with faults: an expectation diverged (the faults legitimately change HTTP outcomes), but
    // every invariant held and the simulation neither crashed nor got stuck
    fail,  // an invariant was violated, the run crashed or got stuck, or (without faults, or --strict)
    // an expectation failed
};
const char* to_string(Verdict verdict);

struct SweepOptions {
    bool faults = false;  // --faults random
    bool strict = false;  // --strict: expectations must hold even under faults
    // Shared by the sweep's Worlds: each run's EBS store is the previous run's, emptied (same results as a
    // new store: test_tier_b_flow, `mgm-sim run --twice`), without opening and preparing it again.
    std::shared_ptr<mgm::backend::StoreRecycler> store_recycler;
};

struct SeedOutcome {
    std::uint64_t seed = 0;
    Verdict verdict = Verdict::pass;
    FaultMix faults;
    RunResult result;
};

// Runs `scenario` once with `seed` (and, with options.faults, the seed's fault mix); invariants always on.
SeedOutcome run_seed(const Scenario& scenario, std::uint64_t seed, const SweepOptions& options);

// "mgm-sim sweep scenarios/x.json --seeds 137..137 --faults random": the command that replays one seed.
std::string reproduce_command(const std::string& file, std::uint64_t seed, const SweepOptions& options);

}  // namespace mgm::harness::scenario

// A fault mix: everything a sweep seed perturbs (latency, dropped and refused connections, byte splits,
// timed partitions, Helix failures, the order of timers due at the same instant). Drawn per seed by sweeps,
// or written out explicitly in a scenario file ("fault_mix") so a failing run replays without its sweep.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/core/time.h"

namespace mgm::harness {
class World;
}

namespace mgm::harness::scenario {

struct RunOptions;

// A short partition between two endpoints ("driver" or a service name), starting `at` after the start.
struct PlannedPartition {
    std::string a;
    std::string b;
    sim::Duration at{0};
    sim::Duration length{0};
};

// All zero/false = a perfect network in FIFO order (the plain scenario).
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
    bool operator==(const FaultMix& other) const;
};

// The fault mix of a seed: drawn from Rng(seed).derive("sweep.faults"), independent of the World's streams.
FaultMix draw_fault_mix(std::uint64_t seed);

// The scenario file form ("fault_mix": {...}, docs/SCENARIOS.md): exact (durations in tick-exact text,
// probabilities as written), only the parts that are on. fault_mix_from_json throws std::invalid_argument
// naming the field.
nlohmann::json to_json(const FaultMix& mix);
FaultMix fault_mix_from_json(const nlohmann::json& spec);

// Makes a run use `mix`: the same-instant tie order before the World is built, the network and Helix faults
// on the built World before the first step. Keeps whatever configure_world/on_world the options had.
void install_fault_mix(RunOptions& run, const FaultMix& mix);
// The two halves of install_fault_mix, for runs that build their World themselves (harness/workload): the
// network and Helix faults on a built World, and the seeded same-instant order for
// WorldConfig::timer_tie_breaker.
void apply_fault_mix(harness::World& world, const FaultMix& mix);
std::function<std::uint64_t(std::uint64_t sequence)> fault_tie_breaker(const FaultMix& mix);

}  // namespace mgm::harness::scenario

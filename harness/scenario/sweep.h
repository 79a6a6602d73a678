// Seed sweeps: one scenario replayed under many seeds, each seed optionally drawing its own fault mix
// (network latency/drops/refusals/splits, short partitions, Helix failures, same-instant timer order).
// `mgm-sim sweep` is the command-line face; docs/RELIABILITY.md §2 explains the verdicts.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/core/time.h"
#include "harness/scenario/fault_mix.h"
#include "harness/scenario/runner.h"
#include "harness/scenario/scenario.h"

namespace mgm::backend {
class StoreRecycler;
}

namespace mgm::harness::scenario {

enum class Verdict {
    pass,  // every expectation and invariant held
    tolerated,  // with faults: an expectation diverged (the faults legitimately change HTTP outcomes), but
    // every invariant held and the simulation neither crashed nor got stuck
    fail,  // an invariant was violated, the run crashed or got stuck, or (without faults, or --strict)
    // an expectation failed
};
const char* to_string(Verdict verdict);
// A run's verdict under `mix` (see Verdict); `strict`: expectations must hold even under faults.
Verdict judge(const RunResult& result, const FaultMix& mix, bool strict);

struct SweepOptions {
    bool faults = false;  // --faults random
    bool strict = false;  // --strict: expectations must hold even under faults
    // Shared by the sweep's Worlds: each run's EBS store is the previous run's, emptied (same results as a
    // new store: test_tier_b_flow, `mgm-sim run --twice`), without opening and preparing it again.
    std::shared_ptr<mgm::backend::StoreRecycler> store_recycler;
    // sweep --artifacts replays a failing run with its trace written here, detail lines included.
    std::ostream* trace_sink = nullptr;
    bool trace_detail = false;
};

// Counters keyed by name ("resets", "helix_failures", a coverage point...): what actually happened in a run.
using Counts = std::map<std::string, std::uint64_t>;

// The faults that struck a simulated World so far (the loopback network's counters, MockHelixApi's injected
// failures), zero counts left out.
Counts faults_fired(harness::World& world);

struct SeedOutcome {
    std::uint64_t seed = 0;
    Verdict verdict = Verdict::pass;
    FaultMix faults;
    Counts faults_fired;  // only the faults that struck at least once
    Counts points;  // coverage points reached (workloads)
    RunResult result;
};

// Runs `scenario` once with `seed` (and, with options.faults, the seed's fault mix); invariants always on.
SeedOutcome run_seed(const Scenario& scenario, std::uint64_t seed, const SweepOptions& options);

// "mgm-sim sweep scenarios/x.json --seeds 137..137 --faults random": the command that replays one seed.
std::string reproduce_command(const std::string& file, std::uint64_t seed, const SweepOptions& options);

// One run of a sweep as one JSON line (`sweep --jsonl`), the unit that shards exchange and `sweep-merge`
// combines: nothing else is shared between shards.
struct RunRecord {
    std::string file;
    std::string name;
    std::uint64_t seed = 0;
    std::uint64_t run = 0;  // index in the unsharded sweep (input-major, then seed)
    std::string shard;  // "K/N", empty when not sharded
    Verdict verdict = Verdict::pass;
    std::string failure_kind;  // "", "step", "invariant", "internal", "crash", "nondeterminism"
    std::string failure;
    std::string digest;
    std::string fault_mix;  // FaultMix::describe()
    Counts faults_fired;
    Counts points;
    std::uint64_t trace_records = 0;
    std::uint64_t invariant_checks = 0;
    std::vector<std::string> known_deviations;
    std::string reproduce;
    bool recheck = false;  // a determinism re-run of an earlier record of this shard
    double seconds = 0;  // wall-clock time of the run (JUnit reports); not part of any comparison
};

RunRecord make_record(const std::string& file, const std::string& name, const SeedOutcome& outcome,
                      const SweepOptions& options);
nlohmann::json to_json(const RunRecord& record);
// The record as one JSONL line; bytes that are not UTF-8 (a failure report quoting a torn body) become U+FFFD.
std::string to_line(const RunRecord& record);
// Throws std::runtime_error naming the field when a line is not a run record.
RunRecord record_from_json(const nlohmann::json& line);
Verdict parse_verdict(const std::string& text);

}  // namespace mgm::harness::scenario

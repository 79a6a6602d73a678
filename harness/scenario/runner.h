// Replays a Scenario: in simulation against a fresh World (virtual clock, loopback network, seeded), or
// with --target real against services already listening on the CI ports (portable scenarios only).
// A failing step stops the run; the report names the file:line, the step, expected vs actual and the
// simulated time, so a person can read it without opening the trace.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/time.h"
#include "sim/trace/log.h"
#include "harness/scenario/breakpoints.h"
#include "harness/scenario/scenario.h"

namespace mgm::harness {
struct WorldConfig;
class World;
}  // namespace mgm::harness

namespace mgm::harness::scenario {

enum class Target { simulation, real };

struct RunOptions {
    Target target = Target::simulation;
    std::optional<std::uint64_t> seed;  // overrides the scenario's seed (--seed)
    std::optional<sim::Instant> break_at;  // raise SIGTRAP before the first event at/after this instant
    BreakOptions breaks;  // call mgm_break_here at a record, an event, an invariant violation (simulation)
    bool keep_trace = false;  // keep JSONL lines in memory (RunResult::trace_jsonl)
    std::ostream* progress = nullptr;  // one line per step, stamped with simulated time (-v)
    sim::LogLevel log_level = sim::LogLevel::warn;  // the World's log (stderr), lines carry simulated time
    // Check the EBS invariants (harness/scenario/invariants.h) after every simulated event and at the end.
    bool check_invariants = true;
    // Simulation only: adjust the World's configuration before it is built (sweeps: same-instant order),
    // and act on the built World before the first step (sweeps: the seed's network and Helix faults).
    std::function<void(harness::WorldConfig&)> configure_world;
    std::function<void(harness::World&)> on_world;
    // Simulation only: read the World once the run is over, before it is torn down (sweeps: faults fired).
    std::function<void(harness::World&)> on_finish;
};

// Why a run failed: a step's expectation, an invariant, or the run itself (a stuck simulation, an exception).
enum class FailureKind { none, step, invariant, internal };

struct RunResult {
    bool passed = false;
    std::string scenario_name;
    std::string file;
    std::uint64_t seed = 0;
    std::size_t steps_run = 0;  // top-level and nested steps executed (incl. the failing one)
    sim::Instant started_at;
    sim::Instant ended_at;  // simulated (or wall-clock in real mode) time at the end
    std::string digest;  // trace SHA-256 (simulation); empty in real mode
    std::uint64_t trace_records = 0;
    std::string failure;  // multi-line report when !passed
    // A scenario with its own fault_mix whose expectation diverged under it (passed, but say where).
    std::string tolerated;
    FailureKind failure_kind = FailureKind::none;
    std::uint64_t invariant_checks = 0;  // full invariant checks run (0 when disabled)
    std::vector<std::string> known_deviations;  // tolerated, documented departures (InvariantChecker)
    std::string trace_jsonl;  // when RunOptions::keep_trace
    bool break_reached = false;  // RunOptions::break_at was reached (SIGTRAP raised)
    std::vector<BreakHit> break_hits;  // RunOptions::breaks hit, in order
};

// Never throws for scenario failures (they are in RunResult); throws std::runtime_error only for a World
// that cannot be built (bad configuration) - reported by the CLI.
RunResult run_scenario(const Scenario& scenario, const RunOptions& options = {});

// "PASS name (file) 23 steps, 2026-04-04T12:00:00Z -> 2026-04-04T12:10:00Z simulated, digest 1a2b..."
// followed by the failure block when it failed.
std::string format_result(const RunResult& result);

}  // namespace mgm::harness::scenario

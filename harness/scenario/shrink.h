// From a failing run to a small regression scenario: materialise writes a sweep run out as an explicit
// scenario file (the steps, the seed, the drawn fault mix as "fault_mix"), shrink reduces such a file while
// the same failure persists (delta debugging over steps and fault parts, shorter partitions, smaller
// repeats). docs/RELIABILITY.md, "From a failing seed to a regression scenario".
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/scenario/fault_mix.h"
#include "harness/scenario/runner.h"

namespace mgm::harness::scenario {

// What makes two failures "the same": the failure kind and its key - the invariant's name, the internal
// error's message, the failed expectation's wording - without step numbers, times or ids. Empty: passed (or
// only tolerated).
std::string failure_signature(const RunResult& result);
// A failure text without ids, instants, long numbers and request numbers ("request #123"), trimmed: the part of
// a report that stays the same when the run that produced it is reduced.
std::string normalise_failure_text(std::string text);

// The explicit scenario of run (file, seed, mix): the file's document with "seed", "fault_mix" and a
// "regression" block (failure signature, the original reproduce command, the commit when known).
nlohmann::json materialise(const nlohmann::json& document, std::uint64_t seed, const FaultMix& mix,
                           const std::string& signature, const std::string& reproduce, const std::string& commit);

// One run of a candidate: its failure signature ("" = it passed or does not load), the failure report, and
// when the run stopped (offset from its start; explicit workload runs: actions after it never ran).
struct ShrinkRun {
    std::string signature;
    std::string failure;
    std::optional<sim::Duration> stopped_at;
};

// True for failures that correct code may also produce once the setup they needed is gone (a failed
// expectation, an oracle mismatch, a liveness condition): such a file is reduced below its failure only
// with a reference build.
bool needs_reference(const std::string& signature);

struct ShrinkOptions {
    std::chrono::milliseconds budget{std::chrono::minutes(2)};  // wall time; the best file so far is kept
    std::function<void(const std::string& line)> progress;  // one line per improvement
    // A build without the bug (e.g. the last green commit's mgm-sim): a reduction is kept only if it still
    // passes there. Without one, a failed expectation is shrunk only by dropping fault parts and the steps
    // after it: dropping earlier steps can make the same expectation fail for a reason that is no bug (the
    // setup it needed is gone). Invariant violations and internal errors need no reference: correct code
    // never produces them, so every reduction that keeps them is still a valid regression.
    std::function<bool(const nlohmann::json& document)> passes_without_bug;
    // How a candidate runs. Default: the scenario runner with invariants. An explicit workload run
    // (harness/workload) brings its own; the passes are the same JSON edits either way.
    std::function<ShrinkRun(const nlohmann::json& document)> run;
};

struct ShrinkResult {
    bool reproduced = false;  // the input failed with a signature at all
    std::string signature;
    nlohmann::json document;  // the smallest failing document found (the input when !reproduced)
    std::size_t steps_before = 0, steps_after = 0;  // all steps, nested ones included (workloads: actions)
    std::size_t faults_before = 0, faults_after = 0;  // parts of the fault mix
    std::size_t runs = 0;  // candidate runs tried
    bool budget_exhausted = false;
    bool steps_kept = false;  // a failed expectation without a reference: the steps before it were not touched
    double seconds = 0;
};

// Runs `document` (named `file` in reports), then keeps every reduction that fails with the same signature.
ShrinkResult shrink(const nlohmann::json& document, const std::string& file, const ShrinkOptions& options = {});

// Steps (nested included) and fault-mix parts of a scenario document: the sizes the shrinker reports. For an
// explicit workload run: its actions (the heal not counted) and its fault-mix parts plus timed fault parts.
std::size_t count_steps(const nlohmann::json& steps);
std::size_t count_size(const nlohmann::json& document);
std::size_t count_faults(const nlohmann::json& document);

}  // namespace mgm::harness::scenario

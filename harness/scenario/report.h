// The failure report: what a person reads when a run fails, without opening the trace - the file:line and
// summary of the step, its note, the simulated time, and the expected-vs-actual lines.
#pragma once

#include <string>

#include "harness/scenario/runner.h"

namespace mgm::harness::scenario {

class RunContext;

// A step that did not hold (StepFailure's message).
std::string step_failure_report(const RunContext& run, const std::string& message);
// An EBS invariant broken during the run (InvariantViolation's message).
std::string invariant_report(const RunContext& run, const std::string& message);
// The run itself failed (an exception from the World, a stuck simulation).
std::string internal_error_report(const RunContext& run, const std::string& message);

// Fills in what the run leaves behind (steps run, invariant counts, the trace digest) and stops checking
// invariants, so the World's teardown is not checked.
RunResult& finish(RunContext& run, RunResult& result);

}  // namespace mgm::harness::scenario

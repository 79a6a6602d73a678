// The failure report and the result line (format_result).
#include "harness/scenario/report.h"

#include <sstream>

#include "harness/scenario/invariants.h"
#include "harness/scenario/run_context.h"
#include "harness/scenario/steps.h"
#include "harness/world/world.h"
#include "sim/clock/sim_loop.h"
#include "sim/trace/trace.h"

namespace mgm::harness::scenario {

namespace {

// Failure reports show the step in full (the step log cuts it at 100 characters).
constexpr std::size_t kReportSummaryLimit = 2000;

// "  at file:line, step 4 (i=2 of 3): http POST /api/payouts/<id>/..." for the step being run, if any, with
// its variables' values; "    as written: ..." when they differ from the file's text.
void write_step_line(std::ostream& out, const RunContext& run) {
    if (!run.current) return;
    const Step& step = *run.current;
    out << "  at " << run.scenario.file << ":" << step.line << ", step " << step.path;
    if (!run.repeat_passes.empty()) {
        out << " (";
        const char* sep = "";
        for (const auto& pass : run.repeat_passes) {
            out << sep << pass.var << "=" << pass.pass << " of " << pass.of;
            sep = ", ";
        }
        out << ")";
    }
    const std::string written = step.summary(kReportSummaryLimit);
    const std::string substituted =
        run.current_spec.is_null() ? written : step.summary(run.current_spec, kReportSummaryLimit);
    out << ": " << substituted << "\n";
    if (substituted != written) out << "    as written: " << written << "\n";
}

void write_indented(std::ostream& out, const std::string& message) {
    std::istringstream lines(message);
    for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
}

}  // namespace

std::string step_failure_report(const RunContext& run, const std::string& message) {
    const Step& step = *run.current;
    std::ostringstream out;
    write_step_line(out, run);
    if (step.spec.contains("note") && step.spec["note"].is_string())
        out << "  note: " << step.spec["note"].get<std::string>() << "\n";
    out << "  simulated time: " << sim::format_iso8601(run.now());
    if (run.options.target == Target::real) out << " (wall clock, real target)";
    out << "\n";
    write_indented(out, message);
    // Waits and checks that fail because the roulette cycle is idle say so (and why).
    const bool about_the_cycle = step.kind == StepKind::wait || step.kind == StepKind::assert_ ||
                                 step.kind == StepKind::until || step.kind == StepKind::advance;
    if (run.simulation() && about_the_cycle) {
        try {
            if (auto hint = idle_cycle_hint(run)) out << "  cycle: " << *hint << "\n";
        } catch (const std::exception&) {
        }
    }
    return out.str();
}

std::string invariant_report(const RunContext& run, const std::string& message) {
    std::ostringstream out;
    write_step_line(out, run);
    write_indented(out, message);
    return out.str();
}

std::string internal_error_report(const RunContext& run, const std::string& message) {
    std::ostringstream out;
    write_step_line(out, run);
    out << "  simulated time: " << sim::format_iso8601(run.now()) << "\n";
    out << "  internal error: " << message << "\n";
    return out.str();
}

RunResult& finish(RunContext& run, RunResult& result) {
    result.steps_run = run.steps_run;
    result.break_reached = run.break_raised;
    if (run.breakpoints) result.break_hits = run.breakpoints->hits();
    if (run.invariants) {
        result.invariant_checks = run.invariants->checks_run();
        result.known_deviations = run.invariants->known_deviations();
        run.world->loop().set_after_event(nullptr);  // teardown events are not checked
    }
    if (run.world) {
        run.world->trace().set_sink(nullptr);  // the file ends where the digest does (teardown is not traced)
        result.digest = run.world->trace().digest_hex();
        result.trace_records = run.world->trace().size();
        if (run.options.on_finish) run.options.on_finish(*run.world);
        if (run.options.keep_trace) {
            std::ostringstream out;
            run.world->trace().write_jsonl(out);
            result.trace_jsonl = out.str();
        }
    }
    return result;
}

std::string format_result(const RunResult& r) {
    std::ostringstream out;
    out << (r.passed ? "PASS " : "FAIL ") << r.scenario_name << " (" << r.file << ") seed " << r.seed << ", "
        << r.steps_run << " steps, " << sim::format_iso8601(r.started_at) << " -> " << sim::format_iso8601(r.ended_at);
    if (!r.digest.empty()) out << ", " << r.trace_records << " trace records, digest " << r.digest;
    out << "\n";
    // Tolerated, documented departures (docs/RELIABILITY.md §1) are shown, never silently swallowed.
    for (const auto& deviation : r.known_deviations) out << "  known deviation: " << deviation << "\n";
    if (!r.tolerated.empty())
        out << "  tolerated: an expectation diverged under the file's fault_mix (invariants held):\n" << r.tolerated;
    if (!r.passed) out << r.failure;
    return out.str();
}

}  // namespace mgm::harness::scenario

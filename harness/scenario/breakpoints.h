// Stopping a simulated run in a debugger at a trace record, a domain event or an invariant violation
// (mgm-sim run/workload --break-at-event N, --break-on EVENT, --break-on-invariant; docs/DEBUGGING.md).
// Each hit calls mgm_break_here(), an ordinary function that does nothing: `break mgm_break_here` in gdb stops
// there with the hit in its arguments, and `up` walks into the code that recorded the event. Without that
// breakpoint (or without a debugger) the run goes on unchanged: the trace and its digest are the same.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/trace/trace.h"

namespace mgm::sim {
class Clock;
}

extern "C" {
// What stopped the run, for the debugger: `reason` is the flag ("--break-at-event", "--break-on",
// "--break-on-invariant"), `record` the trace record number (the last one written, for an invariant),
// `event` the domain event's name (or the invariant's), `time` the simulated time (ISO-8601), `detail` the
// record's JSONL line (or the invariant's description). Never inlined, never removed; does nothing.
void mgm_break_here(const char* reason, std::uint64_t record, const char* event, const char* time,
                    const char* detail);
}

namespace mgm::harness::scenario {

enum class Invariant;

struct BreakOptions {
    std::optional<std::uint64_t> at_record;  // --break-at-event N: the N-th trace record (1-based, its "seq")
    std::vector<std::string> on_events;  // --break-on GLOB: domain events whose name matches
    bool on_invariant = false;  // --break-on-invariant: before the violation is reported
    bool any() const { return at_record || !on_events.empty() || on_invariant; }
};

// One hit, as mgm_break_here received it.
struct BreakHit {
    std::string reason;
    std::uint64_t record = 0;
    std::string event;
    std::string time;
    std::string detail;
};

// Watches one run's trace (and, through invariant_violated, its invariant checker) and calls mgm_break_here for
// each hit, after a line on `log` saying what was hit and how to stop there.
class Breakpoints {
public:
    Breakpoints(BreakOptions options, sim::Trace& trace, const sim::Clock& clock, std::ostream* log);
    // For the invariant checker's violation hook.
    void invariant_violated(Invariant invariant, const std::string& detail);
    const std::vector<BreakHit>& hits() const { return hits_; }
    // Whether --break-at-event's record was reached (a warning names a record beyond the end of the run).
    bool record_reached() const { return record_reached_; }

private:
    void on_record(const sim::TraceRecord& record);
    void hit(BreakHit hit);

    BreakOptions options_;
    sim::Trace& trace_;
    const sim::Clock& clock_;
    std::ostream* log_;
    std::vector<BreakHit> hits_;
    bool record_reached_ = false;
    bool hinted_ = false;
    sim::Trace::Subscription subscription_;  // last: unsubscribes before the members it writes go
};

// Reads one of the break flags at argv[i] (advancing i past its value). nullopt: not a break flag. Otherwise
// an empty string when it was read into `options`, or the error to print (naming the flag).
std::optional<std::string> parse_break_flag(int argc, char** argv, int& i, BreakOptions& options);
// The break flags' lines for a command's --help.
extern const char* const kBreakFlagsHelp;

}  // namespace mgm::harness::scenario

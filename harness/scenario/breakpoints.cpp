#include "harness/scenario/breakpoints.h"

#include <charconv>
#include <ostream>
#include <string_view>

#include "harness/scenario/invariants.h"
#include "harness/scenario/step_validation.h"
#include "sim/clock/clock.h"

extern "C" __attribute__((noinline, used)) void mgm_break_here(const char* reason, std::uint64_t record,
                                                                const char* event, const char* time,
                                                                const char* detail) {
    // An empty asm that claims to read the arguments: the call and its arguments survive optimisation, so gdb
    // shows them in the frame.
    asm volatile("" : : "r"(reason), "r"(record), "r"(event), "r"(time), "r"(detail) : "memory");
}

namespace mgm::harness::scenario {

const char* const kBreakFlagsHelp =
    "  --break-at-event N  call mgm_break_here() when the N-th trace record is written (its \"seq\"; mgm-sim trace\n"
    "                      shows the numbers), inside the code that records it\n"
    "  --break-on EVENT    the same for every domain event whose name matches (payout.created, payout.*)\n"
    "  --break-on-invariant  the same when an invariant is violated, before the run stops\n"
    "                      Under gdb: break mgm_break_here (docs/DEBUGGING.md). Without it the run goes on.\n";

Breakpoints::Breakpoints(BreakOptions options, sim::Trace& trace, const sim::Clock& clock, std::ostream* log)
    : options_(std::move(options)), trace_(trace), clock_(clock), log_(log) {
    if (options_.at_record || !options_.on_events.empty())
        subscription_ = trace_.add_record_listener([this](const sim::TraceRecord& record) { on_record(record); });
}

void Breakpoints::on_record(const sim::TraceRecord& record) {
    if (options_.at_record && record.seq == *options_.at_record) {
        record_reached_ = true;
        hit({"--break-at-event", record.seq, std::string(record.named ? record.name : record.kind),
             std::string(record.t), std::string(record.line)});
    }
    if (record.named && record.kind == "event") {
        for (const auto& pattern : options_.on_events) {
            if (!glob_match(pattern, record.name)) continue;
            hit({"--break-on", record.seq, std::string(record.name), std::string(record.t), std::string(record.line)});
            break;
        }
    }
}

void Breakpoints::invariant_violated(Invariant invariant, const std::string& detail) {
    if (!options_.on_invariant) return;
    hit({"--break-on-invariant", trace_.size(), to_string(invariant), sim::format_iso8601(clock_.now()), detail});
}

void Breakpoints::hit(BreakHit h) {
    if (log_) {
        *log_ << "mgm-sim: " << h.reason << ": record #" << h.record << " " << h.event << " at " << h.time;
        if (!hinted_) *log_ << " (calling mgm_break_here; to stop here, run under gdb with: break mgm_break_here)";
        *log_ << "\n";
        log_->flush();
        hinted_ = true;
    }
    hits_.push_back(std::move(h));
    const BreakHit& last = hits_.back();
    mgm_break_here(last.reason.c_str(), last.record, last.event.c_str(), last.time.c_str(), last.detail.c_str());
}

std::optional<std::string> parse_break_flag(int argc, char** argv, int& i, BreakOptions& options) {
    const std::string_view arg = argv[i];
    if (arg == "--break-on-invariant") {
        options.on_invariant = true;
        return std::string();
    }
    if (arg != "--break-at-event" && arg != "--break-on") return std::nullopt;
    if (i + 1 >= argc) return std::string(arg) + " needs a value";
    const std::string value = argv[++i];
    if (arg == "--break-at-event") {
        std::uint64_t n = 0;
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (error != std::errc() || end != value.data() + value.size() || n == 0)
            return "--break-at-event wants a trace record number (1 or more; mgm-sim trace shows them), got '" + value +
                   "'";
        options.at_record = n;
        return std::string();
    }
    if (auto problem = event_glob_problem(value); !problem.empty()) return "--break-on: " + problem;
    options.on_events.push_back(value);
    return std::string();
}

}  // namespace mgm::harness::scenario

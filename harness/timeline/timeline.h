// The picture of a run: a trace (JSONL records, with or without detail lines) turned into a timeline model
// (lanes per service, HTTP exchanges between them, domain events, faults, payout lives, the 5-minute grid,
// idle stretches compressed), then written as one self-contained HTML page or as Chrome trace-event JSON
// (Perfetto, chrome://tracing). docs/TIMELINE.md describes both.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace mgm::harness::timeline {

// Reads trace records one line at a time (a 24 h run's idle ticks are counted, not kept).
class TimelineBuilder {
public:
    TimelineBuilder();
    ~TimelineBuilder();
    TimelineBuilder(const TimelineBuilder&) = delete;
    TimelineBuilder& operator=(const TimelineBuilder&) = delete;

    // One JSONL line (a blank line is skipped). Throws std::invalid_argument for a line that is not a JSON
    // object with "kind" and "t".
    void add_line(std::string_view line);
    // Every line of a JSONL stream; a bad line throws std::invalid_argument naming its line number.
    void add_stream(std::istream& in);
    // The title shown on the page and in the Perfetto process name.
    void set_title(std::string title);
    // The model both writers take (docs/TIMELINE.md has its shape).
    nlohmann::json model() const;

    struct State;

private:
    std::unique_ptr<State> state_;
};

// A record that marks how a run failed, for the end of its trace: {"kind": "failure", "actor": "scenario",
// "t", "failure": "step"|"invariant"|"internal", "message"}. mgm-sim run and sweep append it to the trace file.
std::string failure_line(std::string_view t, std::string_view failure_kind, std::string_view message);

// One HTML file: inline script and style, no network fetches; opens from file://.
std::string render_html(const nlohmann::json& model);
// {"traceEvents": [...]}: a track per service, exchanges as slices joined by flow arrows, domain events as
// instants, faults as slices; real simulated time (nothing compressed), microseconds from the run's start.
std::string render_perfetto(const nlohmann::json& model);

// Reads a JSONL trace and writes the page to `html_path` and the trace-event JSON to `perfetto_path` (an empty
// path: not written). Throws std::runtime_error naming the file or the trace's bad line.
void write_views(std::istream& trace, const std::string& title, const std::string& html_path,
                 const std::string& perfetto_path);

}  // namespace mgm::harness::timeline

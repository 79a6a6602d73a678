// A scenario file as data: seed, start instant, configuration overrides, variables and a list of steps.
// Parsing validates every step's shape up front (file:line errors); the runner executes them.
// The format is documented with a complete example in docs/SCENARIOS.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/scenario/fault_mix.h"
#include "sim/core/time.h"

namespace mgm::harness::scenario {

// A malformed scenario file. what() = "file:line: message".
class ScenarioError : public std::runtime_error {
public:
    ScenarioError(std::string file, int line, const std::string& message);
    const std::string& file() const { return file_; }
    int line() const { return line_; }
    // Several errors of one file: what() lists each "file:line: message" on its own line; file() and line()
    // are the first one's.
    static ScenarioError combined(const std::vector<ScenarioError>& errors);
    std::size_t count() const { return count_; }

private:
    ScenarioError(std::string file, int line, std::string text, std::size_t count);
    std::string file_;
    int line_;
    std::size_t count_ = 1;
};

// Every step kind. The step's kind is the one verb key it carries ("http", "advance", ...).
enum class StepKind {
    chat,  // a chat message through the EventSub mock (signed with the configured secret)
    eventsub,  // a raw EventSub delivery: chosen body and headers
    http,  // any HTTP request to any service, with expect + capture
    desktop,  // SyntheticDesktop POST /run-sequence
    advance,  // move simulated time: to an instant, by a duration, to a boundary or phase
    wait,  // run until a condition or domain event holds (simulated-time limit)
    fault,  // network faults for a time span (latency, partition, drop, refuse)
    helix_fail,  // make MockHelixApi fail its next N calls (status or dropped connection)
    assert_,  // check Helix requests, pool, payouts, roulette phase, events, time
    set,  // set variables
    repeat,  // run nested steps N times with a counter variable
    log,  // print a note (progress, documentation)
    stub,  // a scripted HTTP service on the simulated network (e.g. a Helix with subscriptions)
    until,  // retry one nested step until it holds, within a budget of tries and simulated time
};

std::string_view step_kind_name(StepKind kind);

struct Step {
    StepKind kind = StepKind::log;
    std::size_t index = 0;  // 1-based position among its siblings
    std::string path;  // "7" or "12.3" for a nested step (repeat)
    int line = 0;  // line of the step's opening brace in the file
    nlohmann::json spec;  // the step object as written (variables substituted at run time)
    std::vector<Step> children;  // repeat's nested steps
    // One line for messages: `http POST /api/roulette/verify-candidate`, cut at `limit` characters. With
    // `substituted` (the step with its variables' values), the values are shown instead of "${name}".
    std::string summary(std::size_t limit = 100) const;
    std::string summary(const nlohmann::json& substituted, std::size_t limit = 100) const;
};

struct Scenario {
    std::string file;  // as given on the command line
    std::string name;  // "name" or the file stem
    std::string description;
    std::uint64_t seed = 1;
    sim::Instant start;  // default: 2026-04-04T12:00:00Z
    bool portable = false;  // no clock control: may also run with --target real
    std::map<std::string, std::string> config;  // settings overrides ("Mgm:ApiKey" -> value)
    std::map<std::string, std::string> vars;  // initial variables
    std::vector<Step> steps;
    // An explicit fault mix (a materialised failing sweep run): every run of the file, `mgm-sim run` included,
    // replays it, and judges like a sweep does: an expectation that diverges under it is tolerated unless
    // `strict`; invariants, crashes and stuck simulations always fail.
    std::optional<FaultMix> fault_mix;
    bool strict = false;
};

// Parses JSON with comments (// and /* */). Throws ScenarioError (with the line of the offending step).
Scenario parse_scenario(std::string_view text, const std::string& file);
Scenario load_scenario_file(const std::string& path);
// The file's JSON document (comments stripped), unvalidated: for tools that rewrite scenarios (shrink).
nlohmann::json parse_scenario_json(std::string_view text, const std::string& file);
// The command-line inputs of `mgm-sim run` and `sweep`: each a scenario file, or a directory whose *.json
// files are loaded in name order. Everything is parsed before anything runs; throws ScenarioError on the
// first file that fails.
std::vector<Scenario> load_scenario_inputs(const std::vector<std::string>& inputs);
// The files those inputs name: each file as given, each directory's *.json in name order (also workloads).
// Throws ScenarioError for a directory that cannot be listed.
std::vector<std::string> scenario_files(const std::vector<std::string>& inputs);
// The same, but every file is loaded and every file's errors are kept: `mgm-sim run DIR` reports them all.
struct LoadedScenarios {
    std::vector<Scenario> scenarios;
    std::vector<ScenarioError> errors;  // one per file that failed (each may list several lines)
};
LoadedScenarios load_all_scenario_inputs(const std::vector<std::string>& inputs);

// The start used when a file has no "start": 2026-04-04T12:00:00Z (the World's default).
inline constexpr sim::Instant kDefaultScenarioStart = sim::Instant::from_unix_seconds(1775304000);

// Line of every value in a JSON text, by JSON pointer ("/steps/3" -> 42). Comments and strings are
// skipped correctly; exposed for tests.
std::map<std::string, int> json_value_lines(std::string_view text);

}  // namespace mgm::harness::scenario

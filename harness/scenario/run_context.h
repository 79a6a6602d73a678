// The state of one scenario run, shared by every step executor: the World (simulation) or the standalone
// real-socket driver, the settings the services read, the variables (built-in ones included), the domain
// events seen so far, and the step being run. Executors report a step that does not hold with StepFailure.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/scenario/runner.h"
#include "harness/scenario/scenario.h"
#include "sim/core/settings.h"
#include "sim/core/time.h"
#include "sim/http/client.h"
#include "sim/http/message.h"
#include "sim/trace/trace.h"

namespace mgm::sim {
class Rng;
}
namespace mgm::http {
class Server;
}
namespace mgm::harness {
class Driver;
}

namespace mgm::harness::scenario {

class InvariantChecker;
class RunContext;

// A step did not hold. The message is the "expected vs actual" part of the report.
class StepFailure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Message helpers shared by the executors.
std::string truncate(std::string text, std::size_t limit = 600);
std::string describe(const http::ClientResult& result);  // "HTTP 200 (type), body: ..." or "no response: ..."
std::optional<nlohmann::json> parse_json(const std::string& text);
nlohmann::json load_body_json(const http::ClientResult& result);  // StepFailure unless a JSON response
// A number the file wrote as a number or, after substitution, as text ("${n}" -> "3"); StepFailure naming
// `field` otherwise.
std::int64_t integer_value(const nlohmann::json& value, const std::string& field);
double number_value(const nlohmann::json& value, const std::string& field);

// The built-in variables, in the order messages list them. A scenario may read them but never assign them.
// `stored` ones are fixed for the run and kept with the scenario's own variables (they are listed among the
// defined ones); the others are computed from the run's time when read.
struct BuiltinVariable {
    std::string_view name;
    bool stored;
    std::string (*value)(const RunContext& run);
};
const std::vector<BuiltinVariable>& builtin_variables();
bool is_builtin_variable(std::string_view name);
std::string builtin_variable_list();  // "now, cycle, boundary, start, seed"

class RunContext {
public:
    RunContext(const Scenario& scenario, const RunOptions& options);
    ~RunContext();
    RunContext(const RunContext&) = delete;
    RunContext& operator=(const RunContext&) = delete;

    bool simulation() const { return world != nullptr; }
    sim::Instant now() const;
    void require_simulation(const char* what) const;  // StepFailure "<what> needs the simulation target"

    // ----- variables --------------------------------------------------------------------------------------
    std::optional<std::string> variable(const std::string& name) const;
    void set_variable(const std::string& name, std::string value) { vars[name] = std::move(value); }
    std::string substitute(const std::string& text) const;  // "${name}" -> value; StepFailure when unknown
    // Every string and object key, except a repeat's "steps".
    nlohmann::json substitute(const nlohmann::json& value) const;
    // "${i+1}": names and integers joined by + - * /; StepFailure when a name is unknown or not an integer.
    std::int64_t evaluate(const std::string& expression) const;
    sim::Instant instant(const nlohmann::json& value, const char* what) const;  // ISO-8601 or anchor+offset
    sim::Duration duration(const nlohmann::json& value, const char* what) const;  // "90s" or seconds

    // ----- HTTP -------------------------------------------------------------------------------------------
    // "ebs", "helix", ... or "127.0.0.1:9999" -> the address to send to (the World's or the CI port).
    std::string address_of(const std::string& service) const;
    http::ClientResult send(const std::string& service, const std::string& method, const std::string& target,
                            http::Headers headers, std::string body, sim::Duration timeout);
    http::ClientResult send(const std::string& service, const std::string& method, const std::string& target,
                            http::Headers headers, std::string body);

    const Scenario& scenario;
    RunOptions options;
    std::uint64_t seed = 1;
    sim::Settings settings;
    std::unique_ptr<sim::Rng> rng;
    // Declared before world so they outlive the World's teardown (the loop's hook points at the checker, the
    // checker's violation hook at the breakpoints).
    std::unique_ptr<Breakpoints> breakpoints;
    std::unique_ptr<InvariantChecker> invariants;
    std::unique_ptr<World> world;
    std::vector<std::unique_ptr<http::Server>> stubs;  // after world: destroyed first
    std::unique_ptr<Driver> owned_driver;
    Driver* driver = nullptr;
    std::vector<nlohmann::json> events;  // domain events recorded in the trace, in order
    // The requests the services answered, in order (the trace's server records): assert call_order.
    struct Call {
        std::string t;  // simulated time (ISO-8601)
        std::string text;  // "helix POST /helix/chat/messages"
        int status = 0;
    };
    std::vector<Call> calls;
    bool record_calls = false;  // only a scenario that asserts call_order pays for collecting them
    sim::Trace::Subscription events_subscription;  // after events: gone before it, while world lives on
    const Step* current = nullptr;  // the step being run (the failure report names it)
    nlohmann::json current_spec;  // the step being run with its variables substituted (null until known)
    std::size_t steps_run = 0;
    // Where the event waits' windows begin: the number of events recorded when this step and the step before
    // it began, and the simulated times they began at.
    std::size_t step_first_event = 0;
    std::size_t previous_step_first_event = 0;
    sim::Instant step_started_at;
    sim::Instant previous_step_started_at;
    // The passes of the repeats enclosing the step being run, outermost first: {"i", 2, 3} = pass 2 of 3.
    struct RepeatPass {
        std::string var;
        int pass = 0;
        int of = 0;
    };
    std::vector<RepeatPass> repeat_passes;
    // The last `advance` to a roulette phase: what it asked for and when it landed (the idle-cycle hint).
    std::string last_phase_advance;
    sim::Instant last_phase_advance_at;
    std::uint64_t observers = 0;  // fresh observer ids for assert phase
    bool break_raised = false;

private:
    void build_world();  // simulation: the World, its invariant checker, event listener and --break-at hook

    std::map<std::string, std::string> vars;
};

}  // namespace mgm::harness::scenario

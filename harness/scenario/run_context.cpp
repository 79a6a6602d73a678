// The run context: building the World (or the real-socket driver), variables with the built-in ones, time
// expressions, and sending a request to a named service.
#include "harness/scenario/run_context.h"

#include <cctype>
#include <csignal>
#include <iostream>

#include "backend/domain/roulette.h"
#include "harness/scenario/breakpoints.h"
#include "harness/scenario/invariants.h"
#include "harness/scenario/json_match.h"
#include "harness/scenario/time_expr.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"
#include "sim/clock/sim_loop.h"
#include "sim/core/rng.h"
#include "sim/http/server.h"
#include "sim/trace/trace.h"

extern char** environ;

namespace mgm::harness::scenario {

using nlohmann::json;

std::string truncate(std::string text, std::size_t limit) {
    if (text.size() > limit) text = text.substr(0, limit) + "... (" + std::to_string(text.size()) + " bytes)";
    return text;
}

std::string describe(const http::ClientResult& result) {
    if (!result.ok()) return "no response: " + result.describe();
    const auto& r = *result.response;
    std::string out = "HTTP " + std::to_string(r.status);
    if (auto type = r.headers.get("Content-Type")) out += " (" + *type + ")";
    out += r.body.empty() ? ", empty body" : ", body: " + truncate(r.body);
    return out;
}

std::optional<json> parse_json(const std::string& text) {
    try {
        return json::parse(text);
    } catch (const json::exception&) { return std::nullopt; }
}

json load_body_json(const http::ClientResult& result) {
    if (!result.ok()) throw StepFailure("expected a response, got " + describe(result));
    auto parsed = parse_json(result.response->body);
    if (!parsed) throw StepFailure("expected a JSON body, got " + describe(result));
    return *parsed;
}

std::int64_t integer_value(const json& value, const std::string& field) {
    if (value.is_number_integer() || value.is_number_unsigned()) return value.get<std::int64_t>();
    if (value.is_string()) {
        const std::string& text = value.get_ref<const std::string&>();
        std::size_t used = 0;
        try {
            const long long n = std::stoll(text, &used);
            if (used == text.size()) return n;
        } catch (const std::exception&) {
        }
    }
    throw StepFailure(field + " must be an integer, got " + value.dump());
}

double number_value(const json& value, const std::string& field) {
    if (value.is_number()) return value.get<double>();
    if (value.is_string()) {
        const std::string& text = value.get_ref<const std::string&>();
        std::size_t used = 0;
        try {
            const double n = std::stod(text, &used);
            if (used == text.size()) return n;
        } catch (const std::exception&) {
        }
    }
    throw StepFailure(field + " must be a number, got " + value.dump());
}

// ----- built-in variables ------------------------------------------------------------------------------

const std::vector<BuiltinVariable>& builtin_variables() {
    static const std::vector<BuiltinVariable> table = {
        {"now", false, [](const RunContext& run) { return sim::format_iso8601(run.now()); }},
        {"cycle", false,
         [](const RunContext& run) { return sim::format_iso8601(backend::floor_to_5_minutes(run.now())); }},
        {"boundary", false,
         [](const RunContext& run) { return sim::format_iso8601(backend::next_5_minute_boundary(run.now())); }},
        {"start", false, [](const RunContext& run) { return sim::format_iso8601(run.scenario.start); }},
        {"seed", true, [](const RunContext& run) { return std::to_string(run.seed); }},
    };
    return table;
}

bool is_builtin_variable(std::string_view name) {
    for (const auto& builtin : builtin_variables())
        if (builtin.name == name) return true;
    return false;
}

std::string builtin_variable_list() {
    std::string list;
    for (const auto& builtin : builtin_variables()) {
        if (!list.empty()) list += ", ";
        list += builtin.name;
    }
    return list;
}

// ----- construction ------------------------------------------------------------------------------------

RunContext::RunContext(const Scenario& scenario_, const RunOptions& options_) : scenario(scenario_), options(options_) {
    seed = options.seed.value_or(scenario.seed);
    settings = harness::reference_ci_settings();
    for (const auto& [key, value] : scenario.config) settings.set(key, value);
    rng = std::make_unique<sim::Rng>(sim::Rng(seed).derive("scenario"));
    vars = scenario.vars;
    for (const auto& builtin : builtin_variables())
        if (builtin.stored) vars[std::string(builtin.name)] = builtin.value(*this);

    if (options.target == Target::simulation) {
        build_world();
    } else {
        // The running services were configured from the environment (mgm-sim serve); read the same keys so
        // signatures, JWTs and API keys match.
        settings.overlay(sim::Settings::from_environment(environ));
        owned_driver = harness::RealDriver::standalone();
        driver = owned_driver.get();
    }
}

namespace {

// Whether any step (nested ones included) asserts call_order: only then are the served requests collected.
bool asserts_call_order(const std::vector<Step>& steps) {
    for (const Step& step : steps) {
        if (step.kind == StepKind::assert_ && step.spec.contains("assert") && step.spec["assert"].is_object() &&
            step.spec["assert"].contains("call_order"))
            return true;
        if (asserts_call_order(step.children)) return true;
    }
    return false;
}

}  // namespace

void RunContext::build_world() {
    record_calls = asserts_call_order(scenario.steps);
    harness::WorldConfig config;
    config.seed = seed;
    config.start = scenario.start;
    config.settings = settings;
    config.keep_trace_lines = options.keep_trace;
    config.log_level = options.log_level;
    // The services' warnings name the scenario they come from (`mgm-sim run DIR` runs many in one process).
    config.log_sink = [name = scenario.name](const std::string& line) { std::clog << name << ": " << line << '\n'; };
    // A scenario that points a service URL somewhere else (a stub) keeps its settings verbatim.
    for (const auto& [key, value] : scenario.config) {
        std::string lower = key;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == "twitch:helixapibaseurl" || lower == "backend:baseurl" ||
            lower == "syntheticdesktop:backendbaseurl")
            config.wire_urls = false;
    }
    if (options.configure_world) options.configure_world(config);
    world = std::make_unique<harness::World>(config);
    if (options.check_invariants && world->runs(harness::Service::ebs)) invariants = InvariantChecker::attach(*world);
    if (options.breaks.any()) {
        breakpoints = std::make_unique<Breakpoints>(options.breaks, world->trace(), world->clock(), &std::cerr);
        if (invariants)
            invariants->set_on_violation([b = breakpoints.get()](Invariant invariant, const std::string& detail) {
                b->invariant_violated(invariant, detail);
            });
    }
    events_subscription = world->trace().add_record_listener([this](const sim::TraceRecord& record) {
        if (record.kind == "event") {
            events.push_back(record.to_json());
        } else if (record_calls && record.kind == "http") {  // a service answered a request: assert call_order
            int status = 0;
            for (const sim::TraceField& field : record.flat)
                if (field.key == "status" && field.is_number) status = static_cast<int>(field.number);
            if (record.fields && record.fields->contains("status") && (*record.fields)["status"].is_number())
                status = (*record.fields)["status"].get<int>();
            calls.push_back(Call{std::string(record.t),
                                 std::string(record.actor) + " " + std::string(record.text("method")) + " " +
                                     std::string(record.text("target")),
                                 status});
        }
    });
    if (options.break_at) {
        sim::Instant when = *options.break_at;
        world->loop().set_before_fire([this, when](sim::Instant deadline) {
            if (break_raised || deadline < when) return;
            break_raised = true;
            std::cerr << "mgm-sim: --break-at " << sim::format_iso8601(when)
                      << ": raising SIGTRAP before the event due at " << sim::format_iso8601(deadline) << " (now "
                      << sim::format_iso8601(world->clock().now()) << ")\n";
            std::raise(SIGTRAP);
        });
    }
    driver = &world->driver();
    if (options.on_world) options.on_world(*world);
}

RunContext::~RunContext() = default;

sim::Instant RunContext::now() const { return driver->now(); }

void RunContext::require_simulation(const char* what) const {
    if (!simulation()) throw StepFailure(std::string(what) + " needs the simulation target");
}

// ----- variables ---------------------------------------------------------------------------------------

std::optional<std::string> RunContext::variable(const std::string& name) const {
    for (const auto& builtin : builtin_variables())
        if (!builtin.stored && builtin.name == name) return builtin.value(*this);
    auto it = vars.find(name);
    if (it != vars.end()) return it->second;
    return std::nullopt;
}

std::string RunContext::substitute(const std::string& text) const {
    std::string out;
    std::size_t pos = 0;
    while (true) {
        auto open = text.find("${", pos);
        if (open == std::string::npos) {
            out += text.substr(pos);
            return out;
        }
        auto close = text.find('}', open);
        if (close == std::string::npos) throw StepFailure("unterminated ${ in \"" + text + "\"");
        out += text.substr(pos, open - pos);
        std::string name = text.substr(open + 2, close - open - 2);
        auto value = variable(name);
        if (!value && name.find_first_of("+-*/") != std::string::npos) value = std::to_string(evaluate(name));
        if (!value) {
            std::string known;
            for (const auto& [k, v] : vars) known += (known.empty() ? "" : ", ") + k;
            throw StepFailure("unknown variable ${" + name + "} (defined: " + (known.empty() ? "none" : known) +
                              "; built-in: " + builtin_variable_list() + ")");
        }
        out += *value;
        pos = close + 1;
    }
}

namespace {

// An integer expression inside "${...}": names and integers joined by + - * / (integer arithmetic, * and /
// before + and -, left to right), e.g. "${i+1}", "${n * 2 - 1}".
class Arithmetic {
public:
    Arithmetic(const std::string& text, const RunContext& run) : text_(text), run_(run) {}

    std::int64_t evaluate() {
        std::int64_t value = sum();
        skip_space();
        if (pos_ != text_.size()) fail("unexpected \"" + text_.substr(pos_) + "\"");
        return value;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw StepFailure("cannot compute ${" + text_ + "}: " + why +
                          " (an expression is variables and integers joined by + - * /)");
    }
    void skip_space() {
        while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
    }
    std::int64_t sum() {
        std::int64_t value = product();
        while (true) {
            skip_space();
            if (pos_ >= text_.size() || (text_[pos_] != '+' && text_[pos_] != '-')) return value;
            const char op = text_[pos_++];
            const std::int64_t rhs = product();
            value = op == '+' ? value + rhs : value - rhs;
        }
    }
    std::int64_t product() {
        std::int64_t value = operand();
        while (true) {
            skip_space();
            if (pos_ >= text_.size() || (text_[pos_] != '*' && text_[pos_] != '/')) return value;
            const char op = text_[pos_++];
            const std::int64_t rhs = operand();
            if (op == '/' && rhs == 0) fail("division by zero");
            value = op == '*' ? value * rhs : value / rhs;
        }
    }
    std::int64_t operand() {
        skip_space();
        const std::size_t begin = pos_;
        if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
        while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
            ++pos_;
        const std::string token = text_.substr(begin, pos_ - begin);
        if (token.empty() || token == "-") fail("a value is missing");
        const bool negative = token[0] == '-';
        const std::string body = negative ? token.substr(1) : token;
        std::int64_t value;
        if (std::isdigit(static_cast<unsigned char>(body[0]))) {
            value = integer_value(json(body), "${" + text_ + "}");
        } else {
            auto text = run_.variable(body);
            if (!text) fail("unknown variable " + body);
            try {
                value = integer_value(json(*text), body);
            } catch (const StepFailure&) { fail(body + " is \"" + *text + "\", not an integer"); }
        }
        return negative ? -value : value;
    }

    const std::string& text_;
    const RunContext& run_;
    std::size_t pos_ = 0;
};

}  // namespace

std::int64_t RunContext::evaluate(const std::string& expression) const { return Arithmetic(expression, *this).evaluate(); }

json RunContext::substitute(const json& value) const {
    if (value.is_string()) return substitute(value.get<std::string>());
    if (value.is_object()) {
        json out = json::object();
        for (auto it = value.begin(); it != value.end(); ++it) {
            // Nested steps of a repeat are substituted when they run (their counter changes). Keys take
            // variables too ("capture": {"w${i}": ...}).
            if (it.key() == "steps") out[it.key()] = it.value();
            else out[substitute(it.key())] = substitute(it.value());
        }
        return out;
    }
    if (value.is_array()) {
        json out = json::array();
        for (const auto& element : value) out.push_back(substitute(element));
        return out;
    }
    return value;
}

sim::Instant RunContext::instant(const json& value, const char* what) const {
    std::string text = substitute(value.get<std::string>());
    AnchorLookup lookup = [this](std::string_view name) -> std::optional<sim::Instant> {
        auto text = variable(std::string(name));
        if (!text) return std::nullopt;
        return sim::parse_iso8601(*text);
    };
    auto parsed = parse_instant(text, lookup);
    if (!parsed) throw StepFailure(std::string(what) + ": cannot resolve instant \"" + text + "\"");
    return *parsed;
}

sim::Duration RunContext::duration(const json& value, const char* what) const {
    if (value.is_number()) return sim::Duration{static_cast<std::int64_t>(value.get<double>() * 10'000'000)};
    std::string text = substitute(value.get<std::string>());
    auto parsed = parse_duration(text);
    if (!parsed) throw StepFailure(std::string(what) + ": cannot read duration \"" + text + "\"");
    return *parsed;
}

// ----- HTTP --------------------------------------------------------------------------------------------

std::string RunContext::address_of(const std::string& service) const {
    if (service.find(':') != std::string::npos) return service;  // "127.0.0.1:9999"
    auto parsed = harness::parse_service(service);
    if (!parsed) throw StepFailure("unknown service \"" + service + "\" (ebs, eventsub, jwt, helix, desktop)");
    return simulation() ? world->address(*parsed) : harness::default_address(*parsed);
}

http::ClientResult RunContext::send(const std::string& service, const std::string& method, const std::string& target,
                                    http::Headers headers, std::string body, sim::Duration timeout) {
    http::Request request;
    request.method = method;
    request.target = target;
    auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    request.headers = std::move(headers);
    request.body = std::move(body);
    return driver->send(address_of(service), std::move(request), timeout);
}

http::ClientResult RunContext::send(const std::string& service, const std::string& method, const std::string& target,
                                    http::Headers headers, std::string body) {
    return send(service, method, target, std::move(headers), std::move(body), harness::kDriverDefaultTimeout);
}

}  // namespace mgm::harness::scenario

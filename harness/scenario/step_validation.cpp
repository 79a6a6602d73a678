// Load-time step validation: the verb lookup, the shared shape checks, and the steps arrays.
#include "harness/scenario/step_validation.h"

#include <algorithm>

#include "harness/scenario/run_context.h"
#include "harness/scenario/time_expr.h"
#include "harness/scenario/verbs.h"

namespace mgm::harness::scenario {

using nlohmann::json;

int ParseContext::line_of(const std::string& pointer) const {
    // The closest enclosing value with a known line.
    std::string p = pointer;
    while (true) {
        auto it = lines.find(p);
        if (it != lines.end()) return it->second;
        auto slash = p.rfind('/');
        if (slash == std::string::npos || p.empty()) return 1;
        p = p.substr(0, slash);
    }
}

void ParseContext::fail(const std::string& pointer, const std::string& message) const {
    throw ScenarioError(file, line_of(pointer), message);
}

bool has_variable(const json& value) {
    return value.is_string() && value.get_ref<const std::string&>().find("${") != std::string::npos;
}

std::optional<sim::Instant> parse_instant_shape(const std::string& text) {
    return parse_instant(text, [](std::string_view) { return std::optional<sim::Instant>(sim::Instant{}); });
}

void require_duration(const ParseContext& ctx, const std::string& pointer, const json& value, const char* what) {
    if (value.is_number()) return;  // seconds
    if (!value.is_string()) ctx.fail(pointer, std::string(what) + " must be a duration like \"90s\" or \"5m-1t\"");
    if (has_variable(value)) return;
    if (!parse_duration(value.get<std::string>()))
        ctx.fail(pointer, std::string(what) + ": cannot read duration \"" + value.get<std::string>() +
                              "\" (units: d h m s ms us t)");
}

void require_instant(const ParseContext& ctx, const std::string& pointer, const json& value, const char* what) {
    if (!value.is_string()) ctx.fail(pointer, std::string(what) + " must be an instant (ISO-8601 or anchor+offset)");
    if (has_variable(value)) return;
    if (!parse_instant_shape(value.get<std::string>()))
        ctx.fail(pointer, std::string(what) + ": cannot read instant \"" + value.get<std::string>() + "\"");
}

void require_keys(const ParseContext& ctx, const std::string& pointer, const json& object,
                  const std::vector<const char*>& allowed) {
    if (!object.is_object()) ctx.fail(pointer, "expected an object");
    for (auto it = object.begin(); it != object.end(); ++it) {
        bool known = std::any_of(allowed.begin(), allowed.end(), [&](const char* k) { return it.key() == k; });
        if (!known) {
            std::string list;
            for (const char* k : allowed) list += std::string(list.empty() ? "" : ", ") + k;
            ctx.fail(pointer + "/" + it.key(), "unknown key \"" + it.key() + "\" (allowed: " + list + ")");
        }
    }
}

void require_keys(const ParseContext& ctx, const std::string& pointer, const json& object,
                  std::initializer_list<const char*> allowed, std::initializer_list<const char*> required) {
    require_keys(ctx, pointer, object, std::vector<const char*>(allowed));
    for (const char* key : required) {
        if (!object.contains(key)) ctx.fail(pointer, std::string("missing required key \"") + key + "\"");
    }
}

void require_type(const ParseContext& ctx, const std::string& pointer, const json& value, bool ok, const char* what) {
    (void)value;
    if (!ok) ctx.fail(pointer, what);
}

void validate_expect(const ParseContext& ctx, const std::string& pointer, const json& expect) {
    require_keys(ctx, pointer, expect, {"status", "json", "body", "headers", "empty", "error"});
    if (expect.contains("status")) {
        const json& s = expect["status"];
        bool ok =
            s.is_number_integer() ||
            (s.is_array() && std::all_of(s.begin(), s.end(), [](const json& v) { return v.is_number_integer(); }));
        require_type(ctx, pointer + "/status", s, ok, "status must be an integer or an array of integers");
    }
    if (expect.contains("body"))
        require_type(ctx, pointer + "/body", expect["body"], expect["body"].is_string(), "body must be a string");
    if (expect.contains("headers"))
        require_type(ctx, pointer + "/headers", expect["headers"], expect["headers"].is_object(),
                     "headers must be an object");
    if (expect.contains("empty"))
        require_type(ctx, pointer + "/empty", expect["empty"], expect["empty"].is_boolean(),
                     "empty must be true/false");
    if (expect.contains("error"))
        require_type(ctx, pointer + "/error", expect["error"], expect["error"].is_string(),
                     "error must be a string (\"timeout\", \"connection refused\", ...)");
}

void require_assignable(const ParseContext& ctx, const std::string& pointer, const std::string& name) {
    if (is_builtin_variable(name))
        ctx.fail(pointer,
                 "\"" + name + "\" is a built-in variable (" + builtin_variable_list() + "); pick another name");
}

void validate_capture(const ParseContext& ctx, const std::string& pointer, const json& capture) {
    if (!capture.is_object()) ctx.fail(pointer, "capture must map variable names to JSON paths");
    for (auto it = capture.begin(); it != capture.end(); ++it) {
        require_assignable(ctx, pointer + "/" + it.key(), it.key());
        if (!it.value().is_string()) ctx.fail(pointer + "/" + it.key(), "a capture path must be a string");
    }
}

void validate_pool_check(const ParseContext& ctx, const std::string& pointer, const json& pool) {
    require_keys(ctx, pointer, pool, {"contains", "excludes", "size", "members", "users"});
}

namespace {

Step parse_step(const ParseContext& ctx, const json& spec, const std::string& pointer, std::size_t index,
                const std::string& parent_path) {
    Step step;
    step.index = index;
    step.path = parent_path.empty() ? std::to_string(index) : parent_path + "." + std::to_string(index);
    step.line = ctx.line_of(pointer);
    step.spec = spec;
    if (!spec.is_object()) ctx.fail(pointer, "a step must be an object like {\"http\": \"GET /api/version\"}");

    const Verb* found = nullptr;
    for (const Verb& verb : verbs()) {
        if (!spec.contains(verb.name)) continue;
        if (found) ctx.fail(pointer, "a step has more than one verb key (split it into two steps)");
        found = &verb;
    }
    if (!found) {
        std::string list;
        for (const Verb& verb : verbs()) {
            if (!list.empty()) list += ", ";
            list += verb.name;
        }
        ctx.fail(pointer, "a step needs exactly one of: " + list);
    }
    step.kind = found->kind;
    const std::string name(found->name);
    const std::string vp = pointer + "/" + name;
    found->validate(StepValidation{ctx, pointer, spec, vp, spec[name], step});
    return step;
}

}  // namespace

std::vector<Step> parse_steps(const ParseContext& ctx, const json& steps, const std::string& pointer,
                              const std::string& parent_path) {
    if (!steps.is_array()) ctx.fail(pointer, "steps must be an array");
    std::vector<Step> out;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        out.push_back(parse_step(ctx, steps[i], pointer + "/" + std::to_string(i), i + 1, parent_path));
    }
    return out;
}

}  // namespace mgm::harness::scenario

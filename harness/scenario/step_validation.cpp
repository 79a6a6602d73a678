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

std::string field_name(const std::string& pointer) {
    std::string out;
    std::size_t pos = 0;
    // Drop "/steps/N" (and a repeat's nested "/steps/N"): the line already says which step.
    std::vector<std::string> tokens;
    while (pos < pointer.size()) {
        auto next = pointer.find('/', pos + 1);
        tokens.push_back(pointer.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1));
        pos = next == std::string::npos ? pointer.size() : next;
    }
    std::size_t first = 0;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i)
        if (tokens[i] == "steps") first = i + 2;
    for (std::size_t i = first; i < tokens.size(); ++i) out += (out.empty() ? "" : ".") + tokens[i];
    return out.empty() ? pointer : out;
}

namespace {

const char* kind_text(JsonKind kind) {
    switch (kind) {
    case JsonKind::string: return "a string";
    case JsonKind::integer: return "an integer (or a \"${variable}\")";
    case JsonKind::count: return "a non-negative integer (or a \"${variable}\")";
    case JsonKind::number: return "a number";
    case JsonKind::boolean: return "true or false";
    case JsonKind::object: return "an object";
    case JsonKind::array: return "an array";
    case JsonKind::strings: return "an array of strings";
    case JsonKind::string_or_null: return "a string or null";
    case JsonKind::matcher: return "a value or a matcher object";
    }
    return "?";
}

std::string got_text(const json& value) {
    std::string shown = value.dump();
    if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
    if (value.is_string()) return "the string " + shown;
    if (value.is_boolean()) return "the boolean " + shown;
    if (value.is_number()) return "the number " + shown;
    if (value.is_null()) return "null";
    return std::string(value.is_array() ? "an array " : "an object ") + shown;
}

bool kind_ok(const json& value, JsonKind kind) {
    switch (kind) {
    case JsonKind::string: return value.is_string();
    case JsonKind::integer: return value.is_number_integer() || has_variable(value);
    case JsonKind::count:
        return (value.is_number_integer() && value.get<std::int64_t>() >= 0) || value.is_number_unsigned() ||
               has_variable(value);
    case JsonKind::number: return value.is_number() || has_variable(value);
    case JsonKind::boolean: return value.is_boolean();
    case JsonKind::object: return value.is_object();
    case JsonKind::array: return value.is_array();
    case JsonKind::strings:
        return value.is_array() && std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); });
    case JsonKind::string_or_null: return value.is_string() || value.is_null();
    case JsonKind::matcher: return true;
    }
    return false;
}

}  // namespace

void require_kind(const ParseContext& ctx, const std::string& pointer, const json& value, JsonKind kind) {
    if (kind_ok(value, kind)) return;
    ctx.fail(pointer, field_name(pointer) + " must be " + kind_text(kind) + ", got " + got_text(value));
}

void require_types(const ParseContext& ctx, const std::string& pointer, const json& object,
                   std::initializer_list<FieldType> fields) {
    if (!object.is_object()) return;
    for (const FieldType& field : fields)
        if (object.contains(field.key)) require_kind(ctx, pointer + "/" + field.key, object[field.key], field.kind);
}

const std::vector<std::string>& known_event_names() {
    static const std::vector<std::string> names = {
        "e2e.spin_forced",          "gift.created",
        "gift.item_selected",       "gift.state_changed",
        "gift.timed_out",           "gift.usage_recorded",
        "helix.announce_attempt",   "helix.announce_failed",
        "helix.announce_skipped",   "helix.announced",
        "payout.accepted",          "payout.created",
        "payout.expiration_sweep",  "payout.expired",
        "payout.status_changed",    "pool.chat_ignored",
        "pool.enrolled",            "pool.removed",
        "roulette.candidate_selected", "roulette.cycle_consumed",
        "roulette.cycle_created",   "roulette.rollover",
    };
    return names;
}

namespace {

// Levenshtein distance, for "did you mean" hints on verbs and event names.
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// " (did you mean \"x\"?)" for the closest candidate within two edits, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = 3;
    for (const auto& candidate : candidates) {
        const std::size_t d = edit_distance(word, candidate);
        if (d < best_distance) {
            best = candidate;
            best_distance = d;
        }
    }
    return best.empty() ? "" : " (did you mean \"" + best + "\"?)";
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
    // Iterative with one backtrack point (the last '*'): linear for the patterns people type.
    std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

std::string event_glob_problem(std::string_view pattern) {
    const auto& names = known_event_names();
    for (const auto& name : names)
        if (glob_match(pattern, name)) return {};
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return "\"" + std::string(pattern) + "\" matches no event the EBS records" +
           did_you_mean(std::string(pattern), names) + "; the names: " + list + " ('*' matches any run of characters)";
}

void require_event_name(const ParseContext& ctx, const std::string& pointer, const json& value) {
    require_kind(ctx, pointer, value, JsonKind::string);
    if (has_variable(value)) return;
    const std::string name = value.get<std::string>();
    const auto& names = known_event_names();
    if (std::find(names.begin(), names.end(), name) != names.end()) return;
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    ctx.fail(pointer, "unknown event \"" + name + "\"" + did_you_mean(name, names) + "; the EBS records: " + list);
}

void validate_expect(const ParseContext& ctx, const std::string& pointer, const json& expect) {
    require_keys(ctx, pointer, expect, {"status", "json", "body", "headers", "empty", "error"});
    if (expect.is_object() && expect.contains("headers") && expect["headers"].is_object())
        for (auto it = expect["headers"].begin(); it != expect["headers"].end(); ++it)
            require_kind(ctx, pointer + "/headers/" + it.key(), it.value(), JsonKind::string);
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
        if (!it.value().is_string())
            ctx.fail(pointer + "/" + it.key(), field_name(pointer + "/" + it.key()) +
                                                   ": a capture path must be a string, got " + got_text(it.value()));
    }
}

void validate_pool_check(const ParseContext& ctx, const std::string& pointer, const json& pool) {
    require_keys(ctx, pointer, pool, {"contains", "excludes", "size", "members", "users"});
    require_types(ctx, pointer, pool,
                  {{"contains", JsonKind::strings},
                   {"excludes", JsonKind::strings},
                   {"size", JsonKind::count},
                   {"members", JsonKind::array},
                   {"users", JsonKind::strings}});
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
        std::vector<std::string> names;
        for (const Verb& verb : verbs()) {
            if (!list.empty()) list += ", ";
            list += verb.name;
            names.emplace_back(verb.name);
        }
        // The keys that are no step option of any verb are the likely misspelt verb.
        static const std::vector<std::string> options = {
            "note", "expect", "capture", "within", "service", "viewer", "jwt", "bearer", "api_key", "headers", "json",
            "body", "content_type", "timeout", "between", "for", "min", "max", "probability", "bytes", "routes",
            "var", "steps", "tries", "every"};
        std::string unknown;
        for (auto it = spec.begin(); it != spec.end(); ++it) {
            if (std::find(options.begin(), options.end(), it.key()) != options.end()) continue;
            unknown = it.key();
            break;
        }
        if (!unknown.empty())
            ctx.fail(pointer + "/" + unknown, "unknown verb \"" + unknown + "\"" + did_you_mean(unknown, names) +
                                                  "; a step needs exactly one of: " + list);
        ctx.fail(pointer, "a step needs exactly one of: " + list);
    }
    step.kind = found->kind;
    const std::string name(found->name);
    const std::string vp = pointer + "/" + name;
    found->validate(StepValidation{ctx, pointer, spec, vp, spec[name], step});
    return step;
}

}  // namespace

Step parse_nested_step(const ParseContext& ctx, const json& spec, const std::string& pointer, std::size_t index,
                       const std::string& parent_path) {
    return parse_step(ctx, spec, pointer, index, parent_path);
}

std::vector<Step> parse_steps(const ParseContext& ctx, const json& steps, const std::string& pointer,
                              const std::string& parent_path) {
    if (!steps.is_array()) ctx.fail(pointer, "steps must be an array");
    std::vector<Step> out;
    // Every step is checked, so one load reports all of a file's mistakes, not only the first.
    std::vector<ScenarioError> errors;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        try {
            out.push_back(parse_step(ctx, steps[i], pointer + "/" + std::to_string(i), i + 1, parent_path));
        } catch (const ScenarioError& e) { errors.push_back(e); }
    }
    if (!errors.empty()) throw ScenarioError::combined(errors);
    return out;
}

}  // namespace mgm::harness::scenario

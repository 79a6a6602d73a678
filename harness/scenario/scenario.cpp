// Scenario file parsing: JSON with comments -> Scenario, every step validated against its kind's shape,
// every error reported as file:line.
#include "harness/scenario/scenario.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "harness/scenario/time_expr.h"

namespace mgm::harness::scenario {

using nlohmann::json;

ScenarioError::ScenarioError(std::string file, int line, const std::string& message)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + message), file_(std::move(file)), line_(line) {}

std::string_view step_kind_name(StepKind kind) {
    switch (kind) {
        case StepKind::chat: return "chat";
        case StepKind::eventsub: return "eventsub";
        case StepKind::http: return "http";
        case StepKind::desktop: return "desktop";
        case StepKind::advance: return "advance";
        case StepKind::wait: return "wait";
        case StepKind::fault: return "fault";
        case StepKind::helix_fail: return "helix_fail";
        case StepKind::assert_: return "assert";
        case StepKind::set: return "set";
        case StepKind::repeat: return "repeat";
        case StepKind::log: return "log";
        case StepKind::stub: return "stub";
    }
    return "?";
}

std::string Step::summary() const {
    const std::string verb(step_kind_name(kind));
    const json& value = spec.contains(verb) ? spec.at(verb) : json();
    std::string detail;
    switch (kind) {
        case StepKind::http:
            detail = value.is_string() ? value.get<std::string>() : "";
            if (spec.contains("service") && spec["service"].is_string() && spec["service"] != "ebs")
                detail = spec["service"].get<std::string>() + " " + detail;
            break;
        case StepKind::chat:
            if (value.is_object() && value.contains("text")) detail = value["text"].dump();
            break;
        case StepKind::advance:
        case StepKind::fault:
        case StepKind::log:
            detail = value.is_string() ? value.get<std::string>() : value.dump();
            break;
        case StepKind::repeat:
            detail = value.dump() + " times";
            break;
        default:
            detail = value.dump();
            break;
    }
    if (detail.size() > 100) detail = detail.substr(0, 97) + "...";
    return detail.empty() ? verb : verb + " " + detail;
}

// ---------------------------------------------------------------------------------------------------------
// Line map: a small scanner over the raw text that records where each JSON value starts.
namespace {

class LineScanner {
public:
    explicit LineScanner(std::string_view text) : text_(text) {}

    std::map<std::string, int> run() {
        skip_space();
        if (pos_ < text_.size()) value("");
        return lines_;
    }

private:
    void skip_space() {
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c == '\n') {
                ++line_;
                ++pos_;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                ++pos_;
            } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
                while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
            } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
                pos_ += 2;
                while (pos_ + 1 < text_.size() && !(text_[pos_] == '*' && text_[pos_ + 1] == '/')) {
                    if (text_[pos_] == '\n') ++line_;
                    ++pos_;
                }
                pos_ += 2;
            } else {
                break;
            }
        }
    }

    std::string string_token() {
        std::string out;
        ++pos_;  // opening quote
        while (pos_ < text_.size() && text_[pos_] != '"') {
            if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
                char e = text_[pos_ + 1];
                out += e == 'n' ? '\n' : e == 't' ? '\t' : e;  // good enough for keys
                pos_ += 2;
                continue;
            }
            if (text_[pos_] == '\n') ++line_;
            out += text_[pos_++];
        }
        ++pos_;  // closing quote
        return out;
    }

    static std::string escape_pointer_token(const std::string& key) {
        std::string out;
        for (char c : key) {
            if (c == '~') out += "~0";
            else if (c == '/') out += "~1";
            else out += c;
        }
        return out;
    }

    void value(const std::string& pointer) {
        skip_space();
        if (pos_ >= text_.size()) return;
        lines_[pointer] = line_;
        char c = text_[pos_];
        if (c == '{') {
            ++pos_;
            while (true) {
                skip_space();
                if (pos_ >= text_.size()) return;
                if (text_[pos_] == '}') { ++pos_; return; }
                if (text_[pos_] == ',') { ++pos_; continue; }
                if (text_[pos_] != '"') { ++pos_; continue; }  // malformed: the real parser reports it
                std::string key = string_token();
                skip_space();
                if (pos_ < text_.size() && text_[pos_] == ':') ++pos_;
                value(pointer + "/" + escape_pointer_token(key));
            }
        } else if (c == '[') {
            ++pos_;
            std::size_t index = 0;
            while (true) {
                skip_space();
                if (pos_ >= text_.size()) return;
                if (text_[pos_] == ']') { ++pos_; return; }
                if (text_[pos_] == ',') { ++pos_; continue; }
                value(pointer + "/" + std::to_string(index++));
            }
        } else if (c == '"') {
            string_token();
        } else {
            while (pos_ < text_.size() && std::string_view(",]}\n\r\t /").find(text_[pos_]) == std::string_view::npos)
                ++pos_;
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    int line_ = 1;
    std::map<std::string, int> lines_;
};

// ---------------------------------------------------------------------------------------------------------
// Step validation.

struct Context {
    const std::string& file;
    const std::map<std::string, int>& lines;
    int line_of(const std::string& pointer) const {
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
    [[noreturn]] void fail(const std::string& pointer, const std::string& message) const {
        throw ScenarioError(file, line_of(pointer), message);
    }
};

bool has_variable(const json& value) {
    return value.is_string() && value.get_ref<const std::string&>().find("${") != std::string::npos;
}

// Anchors are resolved at run time; at parse time accept any identifier-looking anchor.
std::optional<sim::Instant> parse_instant_shape(const std::string& text) {
    return parse_instant(text, [](std::string_view) { return std::optional<sim::Instant>(sim::Instant{}); });
}

void require_duration(const Context& ctx, const std::string& pointer, const json& value, const char* what) {
    if (value.is_number()) return;  // seconds
    if (!value.is_string()) ctx.fail(pointer, std::string(what) + " must be a duration like \"90s\" or \"5m-1t\"");
    if (has_variable(value)) return;
    if (!parse_duration(value.get<std::string>()))
        ctx.fail(pointer, std::string(what) + ": cannot read duration \"" + value.get<std::string>() +
                              "\" (units: d h m s ms us t)");
}

void require_instant(const Context& ctx, const std::string& pointer, const json& value, const char* what) {
    if (!value.is_string()) ctx.fail(pointer, std::string(what) + " must be an instant (ISO-8601 or anchor+offset)");
    if (has_variable(value)) return;
    if (!parse_instant_shape(value.get<std::string>()))
        ctx.fail(pointer, std::string(what) + ": cannot read instant \"" + value.get<std::string>() + "\"");
}

void require_keys(const Context& ctx, const std::string& pointer, const json& object,
                  std::initializer_list<const char*> allowed, std::initializer_list<const char*> required = {}) {
    if (!object.is_object()) ctx.fail(pointer, "expected an object");
    for (auto it = object.begin(); it != object.end(); ++it) {
        bool known = std::any_of(allowed.begin(), allowed.end(), [&](const char* k) { return it.key() == k; });
        if (!known) {
            std::string list;
            for (const char* k : allowed) list += std::string(list.empty() ? "" : ", ") + k;
            ctx.fail(pointer + "/" + it.key(), "unknown key \"" + it.key() + "\" (allowed: " + list + ")");
        }
    }
    for (const char* key : required) {
        if (!object.contains(key)) ctx.fail(pointer, std::string("missing required key \"") + key + "\"");
    }
}

void require_type(const Context& ctx, const std::string& pointer, const json& value, bool ok, const char* what) {
    if (!ok) ctx.fail(pointer, what);
}

const std::set<std::string>& http_methods() {
    static const std::set<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
    return methods;
}

void validate_expect(const Context& ctx, const std::string& pointer, const json& expect) {
    require_keys(ctx, pointer, expect, {"status", "json", "body", "headers", "empty", "error"});
    if (expect.contains("status")) {
        const json& s = expect["status"];
        bool ok = s.is_number_integer() || (s.is_array() && std::all_of(s.begin(), s.end(), [](const json& v) {
                                                return v.is_number_integer();
                                            }));
        require_type(ctx, pointer + "/status", s, ok, "status must be an integer or an array of integers");
    }
    if (expect.contains("body")) require_type(ctx, pointer + "/body", expect["body"], expect["body"].is_string(), "body must be a string");
    if (expect.contains("headers"))
        require_type(ctx, pointer + "/headers", expect["headers"], expect["headers"].is_object(), "headers must be an object");
    if (expect.contains("empty"))
        require_type(ctx, pointer + "/empty", expect["empty"], expect["empty"].is_boolean(), "empty must be true/false");
    if (expect.contains("error"))
        require_type(ctx, pointer + "/error", expect["error"], expect["error"].is_string(),
                     "error must be a string (\"timeout\", \"connection refused\", ...)");
}

// Built-in variables and time anchors; a scenario may read but not assign them.
bool is_reserved_variable(const std::string& name) {
    return name == "now" || name == "cycle" || name == "boundary" || name == "start" || name == "seed";
}

void require_assignable(const Context& ctx, const std::string& pointer, const std::string& name) {
    if (is_reserved_variable(name))
        ctx.fail(pointer, "\"" + name + "\" is a built-in variable (now, cycle, boundary, start, seed); pick another name");
}

void validate_capture(const Context& ctx, const std::string& pointer, const json& capture) {
    if (!capture.is_object()) ctx.fail(pointer, "capture must map variable names to JSON paths");
    for (auto it = capture.begin(); it != capture.end(); ++it) {
        require_assignable(ctx, pointer + "/" + it.key(), it.key());
        if (!it.value().is_string()) ctx.fail(pointer + "/" + it.key(), "a capture path must be a string");
    }
}

void validate_pool_check(const Context& ctx, const std::string& pointer, const json& pool) {
    require_keys(ctx, pointer, pool, {"contains", "excludes", "size", "members", "users"});
}

std::vector<Step> parse_steps(const Context& ctx, const json& steps, const std::string& pointer,
                              const std::string& parent_path);

Step parse_step(const Context& ctx, const json& spec, const std::string& pointer, std::size_t index,
                const std::string& parent_path) {
    Step step;
    step.index = index;
    step.path = parent_path.empty() ? std::to_string(index) : parent_path + "." + std::to_string(index);
    step.line = ctx.line_of(pointer);
    step.spec = spec;
    if (!spec.is_object()) ctx.fail(pointer, "a step must be an object like {\"http\": \"GET /api/version\"}");

    static const std::vector<std::pair<const char*, StepKind>> verbs = {
        {"chat", StepKind::chat},         {"eventsub", StepKind::eventsub}, {"http", StepKind::http},
        {"desktop", StepKind::desktop},   {"advance", StepKind::advance},   {"wait", StepKind::wait},
        {"fault", StepKind::fault},       {"helix_fail", StepKind::helix_fail}, {"assert", StepKind::assert_},
        {"set", StepKind::set},           {"repeat", StepKind::repeat},     {"log", StepKind::log},
        {"stub", StepKind::stub}};
    std::vector<StepKind> found;
    std::string verb;
    for (const auto& [name, kind] : verbs) {
        if (spec.contains(name)) {
            found.push_back(kind);
            verb = name;
        }
    }
    if (found.empty()) {
        std::string list;
        for (const auto& v : verbs) list += std::string(list.empty() ? "" : ", ") + v.first;
        ctx.fail(pointer, "a step needs exactly one of: " + list);
    }
    if (found.size() > 1) ctx.fail(pointer, "a step has more than one verb key (split it into two steps)");
    step.kind = found.front();
    const std::string vp = pointer + "/" + verb;
    const json& v = spec[verb];

    switch (step.kind) {
        case StepKind::chat:
            require_keys(ctx, pointer, spec, {"chat", "expect", "note"});
            require_keys(ctx, vp, v, {"user", "login", "text", "badges", "message_id", "broadcaster", "timestamp", "via"},
                         {"user", "text"});
            if (v.contains("badges"))
                require_type(ctx, vp + "/badges", v["badges"], v["badges"].is_array(), "badges must be an array of set ids");
            if (v.contains("via"))
                require_type(ctx, vp + "/via", v["via"], v["via"] == "mock" || v["via"] == "ebs", "via must be \"mock\" or \"ebs\"");
            break;
        case StepKind::eventsub:
            require_keys(ctx, pointer, spec, {"eventsub", "expect", "note"});
            require_keys(ctx, vp, v, {"body", "headers", "sign", "secret", "message_id", "timestamp", "via"}, {"body"});
            if (v.contains("headers"))
                require_type(ctx, vp + "/headers", v["headers"], v["headers"].is_object(), "headers must be an object");
            if (v.contains("sign")) require_type(ctx, vp + "/sign", v["sign"], v["sign"].is_boolean(), "sign must be true/false");
            if (v.contains("via"))
                require_type(ctx, vp + "/via", v["via"], v["via"] == "mock" || v["via"] == "ebs", "via must be \"mock\" or \"ebs\"");
            break;
        case StepKind::http: {
            require_keys(ctx, pointer, spec,
                         {"http", "service", "viewer", "jwt", "bearer", "api_key", "headers", "json", "body",
                          "content_type", "expect", "capture", "timeout", "note"});
            if (!v.is_string()) ctx.fail(vp, "http must be \"METHOD /path\", e.g. \"GET /api/pool/me\"");
            const std::string line = v.get<std::string>();
            auto space = line.find(' ');
            if (space == std::string::npos || !http_methods().count(line.substr(0, space)) ||
                line.find('/', space) == std::string::npos)
                ctx.fail(vp, "http must be \"METHOD /path\" with an upper-case method, got \"" + line + "\"");
            if (spec.contains("json") && spec.contains("body")) ctx.fail(pointer, "use either json or body, not both");
            int auth = spec.contains("viewer") + spec.contains("jwt") + spec.contains("bearer");
            if (auth > 1) ctx.fail(pointer, "use only one of viewer, jwt, bearer");
            if (spec.contains("viewer")) {
                const json& viewer = spec["viewer"];
                if (viewer.is_object()) require_keys(ctx, pointer + "/viewer", viewer, {"user", "name"}, {"user"});
                else require_type(ctx, pointer + "/viewer", viewer, viewer.is_string(), "viewer must be a user id or {user, name}");
            }
            if (spec.contains("jwt")) {
                require_keys(ctx, pointer + "/jwt", spec["jwt"],
                             {"claims", "expires_in", "not_before_in", "key", "key_base64", "alg", "omit_exp"});
                if (spec["jwt"].contains("expires_in")) require_duration(ctx, pointer + "/jwt/expires_in", spec["jwt"]["expires_in"], "expires_in");
            }
            if (spec.contains("api_key"))
                require_type(ctx, pointer + "/api_key", spec["api_key"],
                             spec["api_key"].is_boolean() || spec["api_key"].is_string(), "api_key must be true or a key string");
            if (spec.contains("headers"))
                require_type(ctx, pointer + "/headers", spec["headers"], spec["headers"].is_object(), "headers must be an object");
            if (spec.contains("body"))
                require_type(ctx, pointer + "/body", spec["body"], spec["body"].is_string(), "body must be a string (use json for JSON)");
            if (spec.contains("timeout")) require_duration(ctx, pointer + "/timeout", spec["timeout"], "timeout");
            if (spec.contains("expect")) validate_expect(ctx, pointer + "/expect", spec["expect"]);
            if (spec.contains("capture")) validate_capture(ctx, pointer + "/capture", spec["capture"]);
            break;
        }
        case StepKind::desktop:
            require_keys(ctx, pointer, spec, {"desktop", "expect", "capture", "note"});
            require_keys(ctx, vp, v, {"payout", "character"}, {"payout", "character"});
            if (spec.contains("expect")) validate_expect(ctx, pointer + "/expect", spec["expect"]);
            if (spec.contains("capture")) validate_capture(ctx, pointer + "/capture", spec["capture"]);
            break;
        case StepKind::advance:
            require_keys(ctx, pointer, spec, {"advance", "note"});
            if (v.is_string()) {
                const std::string text = v.get<std::string>();
                if (text != "next_phase" && !has_variable(v) && !parse_duration(text) && !parse_instant_shape(text))
                    ctx.fail(vp, "advance: \"" + text + "\" is neither a duration, an instant nor \"next_phase\"");
            } else {
                require_keys(ctx, vp, v, {"to", "by", "to_phase", "offset"});
                int modes = v.contains("to") + v.contains("by") + v.contains("to_phase");
                if (modes != 1) ctx.fail(vp, "advance needs exactly one of to, by, to_phase");
                if (v.contains("to")) require_instant(ctx, vp + "/to", v["to"], "to");
                if (v.contains("by")) require_duration(ctx, vp + "/by", v["by"], "by");
                if (v.contains("offset")) require_duration(ctx, vp + "/offset", v["offset"], "offset");
                if (v.contains("to_phase")) {
                    static const std::set<std::string> phases = {"collecting", "spinning", "verification", "boundary", "next"};
                    if (!v["to_phase"].is_string() || !phases.count(v["to_phase"].get<std::string>()))
                        ctx.fail(vp + "/to_phase", "to_phase must be one of collecting, spinning, verification, boundary, next");
                }
            }
            break;
        case StepKind::wait:
            require_keys(ctx, pointer, spec, {"wait", "within", "capture", "note"});
            require_keys(ctx, vp, v, {"event", "where", "new", "payout", "status", "helix_requests", "pool", "phase"});
            {
                int conditions = v.contains("event") + v.contains("payout") + v.contains("helix_requests") +
                                 v.contains("pool") + v.contains("phase");
                if (conditions != 1) ctx.fail(vp, "wait needs exactly one of event, payout, helix_requests, pool, phase");
                if (v.contains("payout") && !v.contains("status")) ctx.fail(vp, "wait for a payout needs \"status\"");
                if (v.contains("pool")) validate_pool_check(ctx, vp + "/pool", v["pool"]);
                if ((v.contains("where") || v.contains("new")) && !v.contains("event"))
                    ctx.fail(vp, "where/new only apply to an event wait");
            }
            if (spec.contains("within")) require_duration(ctx, pointer + "/within", spec["within"], "within");
            if (spec.contains("capture")) validate_capture(ctx, pointer + "/capture", spec["capture"]);
            break;
        case StepKind::fault: {
            require_keys(ctx, pointer, spec, {"fault", "between", "for", "min", "max", "probability", "bytes", "note"});
            static const std::set<std::string> kinds = {"partition", "latency", "drop", "refuse", "split", "heal"};
            if (!v.is_string() || !kinds.count(v.get<std::string>()))
                ctx.fail(vp, "fault must be one of partition, latency, drop, refuse, split, heal");
            if (v != "heal") {
                if (!spec.contains("between") || !spec["between"].is_array() || spec["between"].size() != 2)
                    ctx.fail(pointer, "fault needs \"between\": [\"ebs\", \"helix\"] (two services or addresses)");
            }
            if (spec.contains("for")) require_duration(ctx, pointer + "/for", spec["for"], "for");
            if (spec.contains("min")) require_duration(ctx, pointer + "/min", spec["min"], "min");
            if (spec.contains("max")) require_duration(ctx, pointer + "/max", spec["max"], "max");
            if (v == "latency" && !spec.contains("min")) ctx.fail(pointer, "a latency fault needs \"min\" (and optionally \"max\")");
            break;
        }
        case StepKind::helix_fail:
            require_keys(ctx, pointer, spec, {"helix_fail", "note"});
            require_keys(ctx, vp, v, {"next", "status", "drop"}, {"next"});
            require_type(ctx, vp + "/next", v["next"], v["next"].is_number_integer(), "next must be an integer");
            break;
        case StepKind::assert_:
            require_keys(ctx, pointer, spec, {"assert", "note"});
            require_keys(ctx, vp, v, {"helix_requests", "pool", "payout", "payouts", "phase", "events", "now", "vars", "gift"});
            if (v.empty()) ctx.fail(vp, "assert needs at least one check");
            if (v.contains("helix_requests"))
                require_keys(ctx, vp + "/helix_requests", v["helix_requests"], {"count", "messages", "last"});
            if (v.contains("pool")) validate_pool_check(ctx, vp + "/pool", v["pool"]);
            if (v.contains("payout")) require_keys(ctx, vp + "/payout", v["payout"], {"id", "user", "status", "announced", "accepted", "fields"});
            if (v.contains("payouts")) require_keys(ctx, vp + "/payouts", v["payouts"], {"user", "count", "statuses"});
            if (v.contains("events")) require_keys(ctx, vp + "/events", v["events"], {"name", "count", "where"}, {"name"});
            if (v.contains("gift")) require_keys(ctx, vp + "/gift", v["gift"], {"id", "state", "reason"}, {"id"});
            if (v.contains("now")) require_instant(ctx, vp + "/now", v["now"], "now");
            if (v.contains("vars"))
                require_type(ctx, vp + "/vars", v["vars"], v["vars"].is_object(), "vars must map names to expected values");
            break;
        case StepKind::set:
            require_keys(ctx, pointer, spec, {"set", "note"});
            require_type(ctx, vp, v, v.is_object(), "set must map variable names to values");
            for (auto it = v.begin(); it != v.end(); ++it) require_assignable(ctx, vp + "/" + it.key(), it.key());
            break;
        case StepKind::repeat:
            require_keys(ctx, pointer, spec, {"repeat", "var", "steps", "note"}, {"steps"});
            require_type(ctx, vp, v, v.is_number_integer() && v.get<int>() >= 0, "repeat must be a count (>= 0)");
            if (spec.contains("var")) {
                require_type(ctx, pointer + "/var", spec["var"], spec["var"].is_string(), "var must be a name");
                require_assignable(ctx, pointer + "/var", spec["var"].get<std::string>());
            }
            step.children = parse_steps(ctx, spec["steps"], pointer + "/steps", step.path);
            break;
        case StepKind::stub:
            require_keys(ctx, pointer, spec, {"stub", "routes", "note"}, {"routes"});
            require_type(ctx, vp, v, v.is_string() && v.get<std::string>().find(':') != std::string::npos,
                         "stub must be the address to listen on, e.g. \"127.0.0.1:9055\"");
            require_type(ctx, pointer + "/routes", spec["routes"], spec["routes"].is_array(), "routes must be an array");
            for (std::size_t i = 0; i < spec["routes"].size(); ++i) {
                const std::string rp = pointer + "/routes/" + std::to_string(i);
                require_keys(ctx, rp, spec["routes"][i], {"route", "status", "json", "body", "content_type"}, {"route"});
                const json& route = spec["routes"][i]["route"];
                if (!route.is_string() || route.get<std::string>().find(' ') == std::string::npos)
                    ctx.fail(rp + "/route", "route must be \"METHOD /path\"");
            }
            break;
        case StepKind::log:
            require_keys(ctx, pointer, spec, {"log", "note"});
            require_type(ctx, vp, v, v.is_string(), "log must be a string");
            break;
    }
    return step;
}

std::vector<Step> parse_steps(const Context& ctx, const json& steps, const std::string& pointer,
                              const std::string& parent_path) {
    if (!steps.is_array()) ctx.fail(pointer, "steps must be an array");
    std::vector<Step> out;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        out.push_back(parse_step(ctx, steps[i], pointer + "/" + std::to_string(i), i + 1, parent_path));
    }
    return out;
}

std::string file_stem(const std::string& path) {
    auto slash = path.find_last_of('/');
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    auto dot = base.rfind('.');
    return dot == std::string::npos ? base : base.substr(0, dot);
}

std::string setting_text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
    return value.dump();
}

}  // namespace

std::map<std::string, int> json_value_lines(std::string_view text) { return LineScanner(text).run(); }

Scenario parse_scenario(std::string_view text, const std::string& file) {
    json root;
    try {
        root = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    } catch (const json::parse_error& e) {
        // byte position -> line
        std::size_t byte = std::min<std::size_t>(e.byte, text.size());
        int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
        throw ScenarioError(file, line, std::string("invalid JSON: ") + e.what());
    }
    const auto lines = json_value_lines(text);
    Context ctx{file, lines};
    require_keys(ctx, "", root, {"name", "description", "seed", "start", "portable", "config", "vars", "steps", "tags"},
                 {"steps"});

    Scenario scenario;
    scenario.file = file;
    scenario.name = root.contains("name") ? root["name"].get<std::string>() : file_stem(file);
    if (root.contains("description")) {
        require_type(ctx, "/description", root["description"], root["description"].is_string(), "description must be a string");
        scenario.description = root["description"].get<std::string>();
    }
    if (root.contains("seed")) {
        require_type(ctx, "/seed", root["seed"], root["seed"].is_number_unsigned() || root["seed"].is_number_integer(),
                     "seed must be a non-negative integer");
        scenario.seed = root["seed"].get<std::uint64_t>();
    }
    scenario.start = kDefaultScenarioStart;
    if (root.contains("start")) {
        if (!root["start"].is_string()) ctx.fail("/start", "start must be an ISO-8601 instant");
        auto start = sim::parse_iso8601(root["start"].get<std::string>());
        if (!start) ctx.fail("/start", "start: cannot read instant \"" + root["start"].get<std::string>() + "\"");
        scenario.start = *start;
    }
    if (root.contains("portable")) {
        require_type(ctx, "/portable", root["portable"], root["portable"].is_boolean(), "portable must be true/false");
        scenario.portable = root["portable"].get<bool>();
    }
    if (root.contains("config")) {
        if (!root["config"].is_object()) ctx.fail("/config", "config must map setting keys (\"Mgm:ApiKey\") to values");
        for (auto it = root["config"].begin(); it != root["config"].end(); ++it) {
            if (it.value().is_object() || it.value().is_array())
                ctx.fail("/config/" + it.key(), "a setting value must be a string, number or boolean");
            scenario.config[it.key()] = setting_text(it.value());
        }
    }
    if (root.contains("vars")) {
        if (!root["vars"].is_object()) ctx.fail("/vars", "vars must map names to values");
        for (auto it = root["vars"].begin(); it != root["vars"].end(); ++it) {
            require_assignable(ctx, "/vars/" + it.key(), it.key());
            scenario.vars[it.key()] = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
        }
    }
    scenario.steps = parse_steps(ctx, root["steps"], "/steps", "");
    // Portable scenarios never touch the clock or simulation-only state.
    if (scenario.portable) {
        std::function<void(const std::vector<Step>&)> check = [&](const std::vector<Step>& steps) {
            for (const auto& step : steps) {
                bool sim_only = step.kind == StepKind::advance || step.kind == StepKind::wait ||
                                step.kind == StepKind::fault || step.kind == StepKind::stub;
                if (step.kind == StepKind::assert_) {
                    const json& a = step.spec["assert"];
                    sim_only = a.contains("pool") || a.contains("payout") || a.contains("payouts") ||
                               a.contains("events") || a.contains("now") || a.contains("gift");
                }
                if (sim_only)
                    throw ScenarioError(file, step.line,
                                        "step " + step.path + " (" + std::string(step_kind_name(step.kind)) +
                                            ") needs simulation, but the scenario is marked \"portable\": true");
                check(step.children);
            }
        };
        check(scenario.steps);
    }
    return scenario;
}

Scenario load_scenario_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ScenarioError(path, 0, "cannot open file");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return parse_scenario(buffer.str(), path);
}

std::vector<Scenario> load_scenario_inputs(const std::vector<std::string>& inputs) {
    std::vector<std::string> files;
    for (const auto& input : inputs) {
        std::error_code ec;
        if (!std::filesystem::is_directory(input, ec)) {
            files.push_back(input);
            continue;
        }
        std::vector<std::string> found;
        for (const auto& entry : std::filesystem::directory_iterator(input, ec))
            if (entry.path().extension() == ".json") found.push_back(entry.path().string());
        if (ec) throw ScenarioError(input, 0, "cannot list directory: " + ec.message());
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    std::vector<Scenario> scenarios;
    for (const auto& file : files) scenarios.push_back(load_scenario_file(file));
    return scenarios;
}

}  // namespace mgm::harness::scenario

// The verb table. Its order is the order messages list the verbs in.
#include "harness/scenario/verbs.h"

#include "harness/scenario/steps.h"

namespace mgm::harness::scenario {

using nlohmann::json;

namespace {

// Summary details: the value itself when it is text ("90s", "partition", a log line).
std::string text_or_json(const json&, const json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string http_detail(const json& spec, const json& value) {
    std::string detail = value.is_string() ? value.get<std::string>() : "";
    if (spec.contains("service") && spec["service"].is_string() && spec["service"] != "ebs")
        detail = spec["service"].get<std::string>() + " " + detail;
    return detail;
}

std::string chat_detail(const json&, const json& value) {
    return value.is_object() && value.contains("text") ? value["text"].dump() : "";
}

std::string repeat_detail(const json&, const json& value) { return value.dump() + " times"; }

std::string until_detail(const json&, const json& value) {
    for (const Verb& v : verbs())
        if (value.is_object() && value.contains(v.name)) {
            const json& inner = value[std::string(v.name)];
            return "(" + std::string(v.name) + " " + (v.detail ? v.detail(value, inner) : inner.dump()) + ")";
        }
    return value.dump();
}

}  // namespace

const std::vector<Verb>& verbs() {
    constexpr Reach real = Reach::real_sockets;
    constexpr Reach sim_only = Reach::simulation_only;
    // kind, name, validate, execute, reach, needs_simulation, detail, substitution
    static const std::vector<Verb> table = {
        {StepKind::chat, "chat", validate_chat, run_chat, real, nullptr, chat_detail},
        {StepKind::eventsub, "eventsub", validate_eventsub, run_eventsub, real},
        {StepKind::http, "http", validate_http, run_http, real, nullptr, http_detail},
        {StepKind::desktop, "desktop", validate_desktop, run_desktop, real},
        {StepKind::advance, "advance", validate_advance, run_advance, sim_only, nullptr, text_or_json},
        {StepKind::wait, "wait", validate_wait, run_wait, sim_only},
        {StepKind::fault, "fault", validate_fault, run_fault, sim_only, nullptr, text_or_json},
        {StepKind::helix_fail, "helix_fail", validate_helix_fail, run_helix_fail, real},
        {StepKind::assert_, "assert", validate_assert, run_assert, real, assert_needs_simulation},
        {StepKind::set, "set", validate_set, run_set, real},
        {StepKind::repeat, "repeat", validate_repeat, run_repeat, real, nullptr, repeat_detail,
         Substitution::nested_steps},
        {StepKind::log, "log", validate_log, run_log, real, nullptr, text_or_json},
        {StepKind::stub, "stub", validate_stub, run_stub, sim_only},
        {StepKind::until, "until", validate_until, run_until, sim_only, nullptr, until_detail,
         Substitution::nested_steps},
    };
    return table;
}

const Verb& verb(StepKind kind) {
    for (const Verb& v : verbs())
        if (v.kind == kind) return v;
    throw std::logic_error("step kind without a row in the verb table");
}

bool needs_simulation(const Step& step) {
    const Verb& v = verb(step.kind);
    if (v.reach == Reach::simulation_only) return true;
    return v.needs_simulation && v.needs_simulation(step.spec);
}

std::string_view step_kind_name(StepKind kind) { return verb(kind).name; }

std::string Step::summary(std::size_t limit) const { return summary(spec, limit); }

std::string Step::summary(const json& substituted, std::size_t limit) const {
    const Verb& v = verb(kind);
    const std::string name(v.name);
    const json& value = substituted.contains(name) ? substituted.at(name) : json();
    std::string detail = v.detail ? v.detail(substituted, value) : value.dump();
    if (detail.size() > limit) detail = detail.substr(0, limit - 3) + "...";
    return detail.empty() ? name : name + " " + detail;
}

}  // namespace mgm::harness::scenario

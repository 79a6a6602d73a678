// Checks: the assert step (one row per check), response expectations, captures, and the simulated state
// they read (the EBS store, recorded domain events, MockHelixApi's request log).
#include <algorithm>

#include "backend/domain/roulette.h"
#include "backend/ebs.h"
#include "backend/domain/store.h"
#include "harness/scenario/json_match.h"
#include "harness/scenario/run_context.h"
#include "harness/scenario/step_validation.h"
#include "harness/scenario/steps.h"
#include "harness/scenario/verbs.h"
#include "harness/world/world.h"

namespace mgm::harness::scenario {

using nlohmann::json;

// ----- expect and capture --------------------------------------------------------------------------------

namespace {

void check_expected_headers(const json& expected, const http::ClientResult& result) {
    const http::Response& response = *result.response;
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        auto actual = response.headers.get(it.key());
        const std::string wanted = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
        if (wanted == "$absent") {
            if (actual) throw StepFailure("expected no " + it.key() + " header, got \"" + *actual + "\"");
            continue;
        }
        if (!actual)
            throw StepFailure("expected header " + it.key() + ": " + wanted + ", header missing; " + describe(result));
        if (wanted != "$any" && *actual != wanted)
            throw StepFailure("expected header " + it.key() + ": " + wanted + ", got \"" + *actual + "\"");
    }
}

}  // namespace

void check_expect(const json& expect, const http::ClientResult& result) {
    if (expect.contains("error")) {
        const std::string wanted = expect["error"].get<std::string>();
        if (result.ok()) throw StepFailure("expected a transport failure (" + wanted + "), got " + describe(result));
        if (wanted != "any" && result.describe().find(wanted) == std::string::npos)
            throw StepFailure("expected transport failure \"" + wanted + "\", got \"" + result.describe() + "\"");
        return;
    }
    if (!result.ok()) throw StepFailure("expected a response, got " + describe(result));
    const http::Response& response = *result.response;
    if (expect.contains("status")) {
        const json& s = expect["status"];
        bool ok = s.is_array()
                      ? std::any_of(s.begin(), s.end(), [&](const json& v) { return v.get<int>() == response.status; })
                      : s.get<int>() == response.status;
        if (!ok) throw StepFailure("expected status " + s.dump() + ", got " + describe(result));
    }
    if (expect.contains("body") && response.body != expect["body"].get<std::string>())
        throw StepFailure("expected body " + json(expect["body"]).dump() + "\n  actual   " + describe(result));
    if (expect.value("empty", false) && !response.body.empty())
        throw StepFailure("expected an empty body, got " + describe(result));
    if (expect.contains("headers")) check_expected_headers(expect["headers"], result);
    if (expect.contains("json")) {
        auto actual = parse_json(response.body);
        if (!actual)
            throw StepFailure("expected a JSON body matching " + expect["json"].dump() + ", got " + describe(result));
        std::string where, why;
        if (!json_subset_match(expect["json"], *actual, &where, &why))
            throw StepFailure("body mismatch at " + where + ": " + why + "\n  expected (subset) " +
                              truncate(expect["json"].dump()) + "\n  actual   " + describe(result));
    }
}

void capture_from(RunContext& run, const json& capture, const json& source, const std::string& what) {
    for (auto it = capture.begin(); it != capture.end(); ++it) {
        const std::string path = it.value().get<std::string>();
        auto value = json_path_get(source, path);
        if (!value)
            throw StepFailure("capture " + it.key() + ": no \"" + path + "\" in " + what + ": " +
                              truncate(source.dump()));
        run.set_variable(it.key(), json_to_variable_text(*value));
    }
}

void capture_response(RunContext& run, const json& capture, const http::ClientResult& result) {
    if (!result.ok()) throw StepFailure("capture needs a response, got " + describe(result));
    for (auto it = capture.begin(); it != capture.end(); ++it) {
        const std::string path = it.value().get<std::string>();
        if (path == "$status") run.set_variable(it.key(), std::to_string(result.response->status));
        else if (path == "$body") run.set_variable(it.key(), result.response->body);
        else capture_from(run, json{{it.key(), path}}, load_body_json(result), "the response body");
    }
}

// ----- simulated state -----------------------------------------------------------------------------------

const backend::Store& store(RunContext& run) {
    run.require_simulation("this check");
    return run.world->ebs().store();
}

std::string current_phase(RunContext& run) {
    auto spin = store(run).load_spin();
    if (!spin) return "idle";
    return backend::to_string(
        backend::resolve_spin_phase(run.now(), static_cast<std::size_t>(store(run).pool_size()), *spin));
}

std::optional<json> find_event(const RunContext& run, const std::string& name, const json& where,
                               std::size_t from_index) {
    for (std::size_t i = run.events.size(); i > from_index; --i) {
        const json& e = run.events[i - 1];
        if (e.value("name", "") != name) continue;
        if (!where.is_null() && !json_subset_match(where, e)) continue;
        return e;
    }
    return std::nullopt;
}

std::optional<std::string> pool_mismatch(RunContext& run, const json& check) {
    auto pool = store(run).list_pool();
    json members = json::array();
    for (const auto& m : pool) members.push_back(json{{"user", m.twitch_user_id}, {"name", m.character_name}});
    auto has_name = [&](const std::string& name) {
        return std::any_of(pool.begin(), pool.end(), [&](const auto& m) { return m.character_name == name; });
    };
    auto has_user = [&](const std::string& user) {
        return std::any_of(pool.begin(), pool.end(), [&](const auto& m) { return m.twitch_user_id == user; });
    };
    const std::string actual = "pool is " + members.dump();
    if (check.contains("size") && static_cast<std::int64_t>(pool.size()) != integer_value(check["size"], "pool.size"))
        return "expected pool size " + check["size"].dump() + ", " + actual;
    for (const auto& name : check.value("contains", json::array()))
        if (!has_name(name.get<std::string>())) return "expected " + name.dump() + " in the pool, " + actual;
    for (const auto& name : check.value("excludes", json::array()))
        if (has_name(name.get<std::string>()) || has_user(name.get<std::string>()))
            return "expected " + name.dump() + " not in the pool, " + actual;
    for (const auto& user : check.value("users", json::array()))
        if (!has_user(user.get<std::string>())) return "expected user " + user.dump() + " in the pool, " + actual;
    if (check.contains("members")) {
        std::string where, why;
        if (!json_subset_match(check["members"], members, &where, &why))
            return "pool members differ at " + where + ": " + why + "; " + actual;
    }
    return std::nullopt;
}

std::optional<backend::Payout> find_payout(RunContext& run, const std::string& id) {
    auto uuid = sim::Uuid::parse_any(id);
    if (!uuid) throw StepFailure("\"" + id + "\" is not a payout id");
    return store(run).find_payout(*uuid);
}

std::optional<std::string> idle_cycle_hint(const RunContext& run) {
    if (!run.simulation() || !run.world->runs(harness::Service::ebs)) return std::nullopt;
    const backend::Store& s = run.world->ebs().store();
    const sim::Instant now = run.now();
    const sim::Instant cycle = backend::floor_to_5_minutes(now);
    const sim::Instant next = backend::next_5_minute_boundary(now);
    auto spin = s.load_spin();
    std::string hint;
    if (!spin) {
        hint = "no roulette cycle has started yet (the EBS opens one at its first tick after a boundary)";
    } else if (spin->cycle_start == cycle && spin->pool_was_empty_at_cycle_start) {
        hint = "the cycle that began at " + sim::format_iso8601(cycle) +
               " is idle: the pool was empty at its start, so it has no spinning or verification phase and draws no "
               "candidate, even if someone enrolled since; the next cycle begins at " + sim::format_iso8601(next);
    } else if (s.pool_size() == 0) {
        hint = "the roulette is idle: the pool is empty now";
    } else {
        return std::nullopt;
    }
    if (!run.last_phase_advance.empty() && backend::floor_to_5_minutes(run.last_phase_advance_at) == cycle)
        hint += " (" + run.last_phase_advance + ", which landed at " + sim::format_iso8601(run.last_phase_advance_at) +
                " inside this cycle)";
    return hint;
}

std::optional<std::string> rate_limit_hint(const http::ClientResult& result, const std::string& partition) {
    if (!result.ok()) return std::nullopt;
    bool limited = result.response->status == 429;
    if (!limited) {  // SyntheticDesktop reports the EBS's answers per step
        auto body = parse_json(result.response->body);
        if (body && body->is_object() && body->contains("steps") && (*body)["steps"].is_array())
            for (const auto& s : (*body)["steps"])
                if (s.is_object() && s.value("statusCode", 0) == 429) limited = true;
    }
    if (!limited) return std::nullopt;
    std::string who = partition == "desktop"
                          ? "partition \"desktop\": the Desktop's shared API-key bucket (every X-MGM-ApiKey request - "
                            "this scenario's \"api_key\" steps and SyntheticDesktop's calls - shares it)"
                          : "partition \"" + partition + "\"";
    return "rate limit: the EBS answered 429 - " + who +
           " has used its 5 requests of the current 60 s window; space the calls (\"advance\": \"60s\") or use "
           "another partition (docs/SCENARIOS.md, \"Rate limits\")";
}

namespace {

json helix_requests(RunContext& run) {
    auto result = run.send("helix", "GET", "/requests", {}, {});
    if (!result.ok() || result.response->status != 200)
        throw StepFailure("could not read MockHelixApi /requests: " + describe(result));
    return load_body_json(result);
}

json payout_json(const backend::Payout& p) {
    return json{{"id", p.id.str()},
                {"twitchUserId", p.twitch_user_id},
                {"characterName", p.character_name},
                {"goldAmount", p.gold_amount},
                {"enrollmentRequestId", p.enrollment_request_id},
                {"status", backend::to_string(p.status)},
                {"createdAt", sim::format_iso8601(p.created_at)},
                {"updatedAt", p.updated_at ? json(sim::format_iso8601(*p.updated_at)) : json()},
                {"accepted", p.winner_accepted_at.has_value()},
                {"isRewardSentAnnouncedToChat", p.is_reward_sent_announced_to_chat}};
}

// ----- the assert checks ---------------------------------------------------------------------------------

void check_now(RunContext& run, const json& value) {
    sim::Instant expected = run.instant(value, "now");
    if (expected != run.now())
        throw StepFailure("expected simulated time " + sim::format_iso8601(expected) + ", it is " +
                          sim::format_iso8601(run.now()));
}

void check_vars(RunContext& run, const json& value) {
    for (auto it = value.begin(); it != value.end(); ++it) {
        auto actual = run.variable(it.key());
        const std::string wanted = json_to_variable_text(it.value());
        if (!actual || *actual != wanted)
            throw StepFailure("expected ${" + it.key() + "} = \"" + wanted + "\", got " +
                              (actual ? "\"" + *actual + "\"" : std::string("undefined")));
    }
}

// Through the API, as the extension sees it; a fresh observer id keeps the assertion out of every
// rate-limit bucket the scenario itself uses.
void check_phase(RunContext& run, const json& value) {
    const std::string observer = "scenario-observer-" + std::to_string(++run.observers);
    json token_spec = {{"claims", {{"user_id", observer}}}};
    http::Headers headers;
    headers.set("Authorization", "Bearer " + minted_token(run, token_spec));
    auto result = run.send("ebs", "GET", "/api/roulette/state", headers, {});
    json state = load_body_json(result);
    json expected = value.is_string() ? json{{"spinPhase", value}} : value;
    std::string where, why;
    if (!json_subset_match(expected, state, &where, &why))
        throw StepFailure("roulette state mismatch at " + where + ": " + why + "\n  state: " + state.dump());
}

void check_helix_requests(RunContext& run, const json& check) {
    json all = helix_requests(run);
    json messages = json::array();  // of the accepted (2xx) calls
    for (const auto& r : all["requests"]) {
        int status = r.value("status", 0);
        if (status >= 200 && status < 300) {
            messages.push_back(r["body"].is_object() ? r["body"].value("message", json()) : json());
        }
    }
    const std::string seen =
        "Helix saw " + std::to_string(all["requests"].size()) + " calls: " + truncate(all["requests"].dump(), 900);
    if (check.contains("count") && static_cast<std::int64_t>(all["requests"].size()) !=
                                       integer_value(check["count"], "helix_requests.count"))
        throw StepFailure("expected " + json_to_variable_text(check["count"]) + " Helix calls\n  " + seen);
    if (check.contains("messages")) {
        std::string where, why;
        if (!json_subset_match(check["messages"], messages, &where, &why))
            throw StepFailure("Helix messages (accepted calls) differ at " + where + ": " + why + "\n  " + seen);
    }
    if (check.contains("last")) {
        if (all["requests"].empty()) throw StepFailure("expected a last Helix call, there were none");
        std::string where, why;
        if (!json_subset_match(check["last"], all["requests"].back(), &where, &why))
            throw StepFailure("last Helix call differs at " + where + ": " + why + "\n  " + seen);
    }
}

void check_pool(RunContext& run, const json& check) {
    if (auto why = pool_mismatch(run, check)) throw StepFailure(*why);
}

void check_payout(RunContext& run, const json& check) {
    std::optional<backend::Payout> payout;
    std::string label;
    if (check.contains("id")) {
        label = check["id"].get<std::string>();
        payout = find_payout(run, label);
    } else if (check.contains("user")) {
        label = "latest of user " + check["user"].get<std::string>();
        payout = store(run).latest_payout_for_user(check["user"].get<std::string>());
    } else {
        throw StepFailure("assert payout needs id or user");
    }
    if (!payout) throw StepFailure("no payout " + label);
    json actual = payout_json(*payout);
    json expected = check.value("fields", json::object());
    if (check.contains("status")) expected["status"] = check["status"];
    if (check.contains("announced")) expected["isRewardSentAnnouncedToChat"] = check["announced"];
    if (check.contains("accepted")) expected["accepted"] = check["accepted"];
    std::string where, why;
    if (!json_subset_match(expected, actual, &where, &why))
        throw StepFailure("payout " + label + " differs at " + where + ": " + why + "\n  payout: " + actual.dump());
}

void check_payouts(RunContext& run, const json& check) {
    json list = json::array();
    for (const auto& p : store(run).list_payouts()) {
        if (check.contains("user") && p.twitch_user_id != check["user"].get<std::string>()) continue;
        list.push_back(backend::to_string(p.status));
    }
    if (check.contains("count") &&
        static_cast<std::int64_t>(list.size()) != integer_value(check["count"], "payouts.count"))
        throw StepFailure("expected " + json_to_variable_text(check["count"]) + " payouts, found " +
                          std::to_string(list.size()) + " with statuses " + list.dump());
    std::string where, why;
    if (check.contains("statuses") && !json_subset_match(check["statuses"], list, &where, &why))
        throw StepFailure("expected payout statuses " + check["statuses"].dump() + ", found " + list.dump() + " (at " +
                          where + ": " + why + ")");
}

void check_events(RunContext& run, const json& check) {
    run.require_simulation("assert events");
    const std::string name = check["name"].get<std::string>();
    json matching = json::array();
    for (const auto& e : run.events) {
        if (e.value("name", "") != name) continue;
        if (check.contains("where") && !json_subset_match(check["where"], e)) continue;
        matching.push_back(e);
    }
    if (check.contains("count") &&
        static_cast<std::int64_t>(matching.size()) != integer_value(check["count"], "events.count"))
        throw StepFailure("expected " + json_to_variable_text(check["count"]) + " " + name + " events" +
                          (check.contains("where") ? " matching " + check["where"].dump() : "") + ", found " +
                          std::to_string(matching.size()) +
                          (matching.empty() ? "" : ": " + truncate(matching.dump(), 900)));
    if (!check.contains("count") && matching.empty())
        throw StepFailure("expected at least one " + name + " event, found none");
}

void check_gift(RunContext& run, const json& check) {
    auto id = sim::Uuid::parse_any(check["id"].get<std::string>());
    if (!id) throw StepFailure("\"" + check["id"].get<std::string>() + "\" is not a gift request id");
    auto gift = store(run).find_gift(*id);
    if (!gift) throw StepFailure("no gift request " + check["id"].get<std::string>());
    json actual = {{"state", backend::to_string(gift->state)},
                   {"reason", gift->failure_reason ? json(*gift->failure_reason) : json()}};
    json expected = json::object();
    if (check.contains("state")) expected["state"] = check["state"];
    if (check.contains("reason")) expected["reason"] = check["reason"];
    std::string where, why;
    if (!json_subset_match(expected, actual, &where, &why))
        throw StepFailure("gift request differs at " + where + ": " + why + "\n  gift: " + actual.dump());
}

// The calls each service received, in the order the services answered them (the trace's server records), each
// matched in turn after the previous one.
void check_call_order(RunContext& run, const json& value) {
    run.require_simulation("assert call_order");
    std::size_t from = 0;
    std::string previous;
    for (const auto& pattern_json : value) {
        const std::string pattern = pattern_json.get<std::string>();
        std::size_t found = run.calls.size();
        for (std::size_t i = from; i < run.calls.size(); ++i) {
            if (glob_match(pattern, run.calls[i].text)) {
                found = i;
                break;
            }
        }
        if (found == run.calls.size()) {
            std::string seen;
            const std::size_t first = run.calls.size() > 40 ? run.calls.size() - 40 : 0;
            for (std::size_t i = first; i < run.calls.size(); ++i)
                seen += "\n    " + run.calls[i].t + " " + run.calls[i].text + " -> " + std::to_string(run.calls[i].status);
            throw StepFailure("expected a call matching \"" + pattern + "\"" +
                              (previous.empty() ? "" : " after " + previous) + ", found none\n  calls received" +
                              (first > 0 ? " (last 40 of " + std::to_string(run.calls.size()) + ")" : "") + ":" +
                              (seen.empty() ? " none" : seen));
        }
        previous = "\"" + run.calls[found].text + "\" at " + run.calls[found].t;
        from = found + 1;
    }
}

// Load-time shapes of the checks that have one.
void validate_helix_requests_check(const ParseContext& ctx, const std::string& pointer, const json& value) {
    require_keys(ctx, pointer, value, {"count", "messages", "last"});
    require_types(ctx, pointer, value,
                  {{"count", JsonKind::count}, {"messages", JsonKind::matcher}, {"last", JsonKind::object}});
}
void validate_payout_check(const ParseContext& ctx, const std::string& pointer, const json& value) {
    require_keys(ctx, pointer, value, {"id", "user", "status", "announced", "accepted", "fields"});
    require_types(ctx, pointer, value,
                  {{"id", JsonKind::string},
                   {"user", JsonKind::string},
                   {"announced", JsonKind::boolean},
                   {"accepted", JsonKind::boolean},
                   {"fields", JsonKind::object}});
    if (!value.contains("id") && !value.contains("user")) ctx.fail(pointer, "assert payout needs \"id\" or \"user\"");
}
void validate_payouts_check(const ParseContext& ctx, const std::string& pointer, const json& value) {
    require_keys(ctx, pointer, value, {"user", "count", "statuses"});
    require_types(ctx, pointer, value, {{"user", JsonKind::string}, {"count", JsonKind::count}});
}
void validate_events_check(const ParseContext& ctx, const std::string& pointer, const json& value) {
    require_keys(ctx, pointer, value, {"name", "count", "where"}, {"name"});
    require_event_name(ctx, pointer + "/name", value["name"]);
    require_types(ctx, pointer, value, {{"count", JsonKind::count}, {"where", JsonKind::object}});
}
void validate_gift_check(const ParseContext& ctx, const std::string& pointer, const json& value) {
    require_keys(ctx, pointer, value, {"id", "state", "reason"}, {"id"});
    require_types(ctx, pointer, value, {{"id", JsonKind::string}});
}
void validate_phase_check(const ParseContext& ctx, const std::string& pointer, const json& value) {
    require_type(ctx, pointer, value, value.is_string() || value.is_object(),
                 "phase must be a phase name (\"spinning\") or a subset of the roulette state");
}
void validate_call_order_check(const ParseContext& ctx, const std::string& pointer, const json& value) {
    require_kind(ctx, pointer, value, JsonKind::strings);
    if (value.size() < 2) ctx.fail(pointer, "call_order needs at least two calls to order");
    for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string text = value[i].get<std::string>();
        if (std::count(text.begin(), text.end(), ' ') < 2)
            ctx.fail(pointer + "/" + std::to_string(i),
                     "a call is \"SERVICE METHOD /path\" (\"*\" matches anything), e.g. \"helix POST /helix/*\", got \"" +
                         text + "\"");
    }
}
void validate_now_check(const ParseContext& ctx, const std::string& pointer, const json& value) {
    require_instant(ctx, pointer, value, "now");
}
void validate_vars_check(const ParseContext& ctx, const std::string& pointer, const json& value) {
    require_type(ctx, pointer, value, value.is_object(), "vars must map names to expected values");
}

struct AssertCheck {
    const char* name;
    // real_sockets: reads only what the services answer over HTTP (or the variables).
    Reach reach;
    void (*validate)(const ParseContext& ctx, const std::string& pointer, const json& value);  // nullptr: any
    void (*run)(RunContext& run, const json& value);
};

// In the order they run (and messages list them): the clock and variables, then what the services answer,
// then the EBS store.
const std::vector<AssertCheck>& assert_checks() {
    static const std::vector<AssertCheck> table = {
        {"now", Reach::simulation_only, validate_now_check, check_now},
        {"vars", Reach::real_sockets, validate_vars_check, check_vars},
        {"phase", Reach::real_sockets, validate_phase_check, check_phase},
        {"helix_requests", Reach::real_sockets, validate_helix_requests_check, check_helix_requests},
        {"pool", Reach::simulation_only, validate_pool_check, check_pool},
        {"payout", Reach::simulation_only, validate_payout_check, check_payout},
        {"payouts", Reach::simulation_only, validate_payouts_check, check_payouts},
        {"events", Reach::simulation_only, validate_events_check, check_events},
        {"gift", Reach::simulation_only, validate_gift_check, check_gift},
        {"call_order", Reach::simulation_only, validate_call_order_check, check_call_order},
    };
    return table;
}

}  // namespace

std::vector<std::string> assert_check_names() {
    std::vector<std::string> names;
    for (const AssertCheck& check : assert_checks()) names.emplace_back(check.name);
    return names;
}

void validate_assert(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"assert", "note"});
    std::vector<const char*> names;
    for (const AssertCheck& check : assert_checks()) names.push_back(check.name);
    require_keys(ctx, vp, v, names);
    if (v.empty()) ctx.fail(vp, "assert needs at least one check");
    for (const AssertCheck& check : assert_checks())
        if (check.validate && v.contains(check.name)) check.validate(ctx, vp + "/" + check.name, v[check.name]);
}

bool assert_needs_simulation(const json& spec) {
    const json& checks = spec["assert"];
    return std::any_of(assert_checks().begin(), assert_checks().end(), [&](const AssertCheck& check) {
        return check.reach == Reach::simulation_only && checks.contains(check.name);
    });
}

void run_assert(RunContext& run, const Step&, const json& step) {
    const json& spec = step["assert"];
    for (const AssertCheck& check : assert_checks())
        if (spec.contains(check.name)) check.run(run, spec[check.name]);
}

}  // namespace mgm::harness::scenario

// HTTP steps: chat and raw EventSub deliveries, any request to any service (with its tokens and keys),
// the SyntheticDesktop sequence, and scripted services (stub) on the simulated network.
#include <memory>
#include <set>

#include "fakes/eventsub_delivery.h"
#include "fakes/mock_extension_jwt.h"
#include "harness/scenario/json_match.h"
#include "harness/scenario/run_context.h"
#include "harness/scenario/step_validation.h"
#include "harness/scenario/steps.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"
#include "sim/core/crypto.h"
#include "sim/core/jwt.h"
#include "sim/core/rng.h"
#include "sim/http/server.h"

namespace mgm::harness::scenario {

using nlohmann::json;

namespace {

const std::set<std::string>& http_methods() {
    static const std::set<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
    return methods;
}

// A viewer token from MockExtensionJwt's /token, as the CI's Tier A gate gets one.
std::string viewer_token(RunContext& run, const std::string& user, const std::string& name) {
    auto result =
        run.send("jwt", "GET",
                 "/token?userId=" + http::percent_encode(user) + "&displayName=" + http::percent_encode(name), {}, {});
    if (!result.ok() || result.response->status != 200)
        throw StepFailure("could not get a viewer JWT from MockExtensionJwt: " + describe(result));
    auto body = parse_json(result.response->body);
    if (!body || !body->contains("access_token"))
        throw StepFailure("MockExtensionJwt answered without access_token: " + describe(result));
    return (*body)["access_token"].get<std::string>();
}

// An EventSub delivery of `body`: signed like the reference's test script unless "sign": false, then the
// step's header overrides, POSTed to the webhook mock (or, "via": "ebs", to the EBS directly).
http::ClientResult deliver_eventsub(RunContext& run, const json& spec, const std::string& body) {
    http::Headers headers;
    headers.set("Content-Type", "application/json");
    std::string message_id =
        spec.contains("message_id") ? spec["message_id"].get<std::string>() : run.rng->uuid_v4().str();
    std::string timestamp = spec.contains("timestamp") ? spec["timestamp"].get<std::string>()
                                                       : std::to_string(run.now().unix_seconds_floor());
    if (spec.value("sign", true)) {
        std::string secret = spec.contains("secret") ? spec["secret"].get<std::string>()
                                                     : run.settings.get_or("Twitch:EventSubSecret", "");
        fakes::eventsub::sign(headers, secret, message_id, timestamp, body);
    }
    if (spec.contains("headers")) {
        for (auto it = spec["headers"].begin(); it != spec["headers"].end(); ++it) {
            if (it.value().is_null()) headers.remove(it.key());
            else headers.set(it.key(), it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
        }
    }
    const std::string via = spec.value("via", "mock");
    return run.send(via == "ebs" ? "ebs" : "eventsub", "POST", "/api/twitch/eventsub", headers, body);
}

}  // namespace

// ----- chat ----------------------------------------------------------------------------------------------

void validate_chat(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"chat", "expect", "note"});
    require_keys(ctx, vp, v, {"user", "login", "text", "badges", "message_id", "broadcaster", "timestamp", "via"},
                 {"user", "text"});
    require_types(ctx, vp, v,
                  {{"user", JsonKind::string},
                   {"login", JsonKind::string},
                   {"text", JsonKind::string},
                   {"message_id", JsonKind::string},
                   {"timestamp", JsonKind::string}});
    if (v.contains("badges"))
        require_type(ctx, vp + "/badges", v["badges"], v["badges"].is_array(), "badges must be an array of set ids");
    if (v.contains("via"))
        require_type(ctx, vp + "/via", v["via"], v["via"] == "mock" || v["via"] == "ebs",
                     "via must be \"mock\" or \"ebs\"");
}

void run_chat(RunContext& run, const Step&, const json& step) {
    const json& chat = step["chat"];
    const std::string user = chat["user"].get<std::string>();
    fakes::eventsub::ChatMessage message;
    message.message_id = chat.contains("message_id") ? chat["message_id"].get<std::string>() : run.rng->uuid_v4().str();
    message.chatter_user_id = user;
    message.chatter_user_login = chat.value("login", user);
    message.text = chat["text"].get<std::string>();
    if (chat.contains("badges")) {
        message.badges.clear();
        for (const auto& b : chat["badges"]) message.badges.push_back(b.is_string() ? b.get<std::string>() : b.dump());
    }
    if (chat.contains("broadcaster"))
        message.broadcaster_user_id =
            chat["broadcaster"].is_string() ? chat["broadcaster"].get<std::string>() : chat["broadcaster"].dump();
    json delivery = json::object();
    delivery["message_id"] = message.message_id;
    if (chat.contains("timestamp")) delivery["timestamp"] = chat["timestamp"];
    if (chat.contains("via")) delivery["via"] = chat["via"];
    auto result = deliver_eventsub(run, delivery, fakes::eventsub::chat_message_body(message));
    check_expect(step.value("expect", json{{"status", 200}}), result);
}

// ----- eventsub ------------------------------------------------------------------------------------------

void validate_eventsub(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"eventsub", "expect", "note"});
    require_keys(ctx, vp, v, {"body", "headers", "sign", "secret", "message_id", "timestamp", "via"}, {"body"});
    require_types(ctx, vp, v,
                  {{"secret", JsonKind::string}, {"message_id", JsonKind::string}, {"timestamp", JsonKind::string}});
    if (v.contains("headers"))
        require_type(ctx, vp + "/headers", v["headers"], v["headers"].is_object(), "headers must be an object");
    if (v.contains("sign"))
        require_type(ctx, vp + "/sign", v["sign"], v["sign"].is_boolean(), "sign must be true/false");
    if (v.contains("via"))
        require_type(ctx, vp + "/via", v["via"], v["via"] == "mock" || v["via"] == "ebs",
                     "via must be \"mock\" or \"ebs\"");
}

void run_eventsub(RunContext& run, const Step&, const json& step) {
    const json& spec = step["eventsub"];
    std::string body = spec["body"].is_string() ? spec["body"].get<std::string>() : spec["body"].dump();
    auto result = deliver_eventsub(run, spec, body);
    check_expect(step.value("expect", json{{"status", 200}}), result);
}

// ----- http ----------------------------------------------------------------------------------------------

void validate_http(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec,
                 {"http", "service", "viewer", "jwt", "bearer", "api_key", "headers", "json", "body", "content_type",
                  "expect", "capture", "timeout", "note"});
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
        else
            require_type(ctx, pointer + "/viewer", viewer, viewer.is_string(),
                         "viewer must be a user id or {user, name}");
        require_types(ctx, pointer + "/viewer", viewer, {{"user", JsonKind::string}, {"name", JsonKind::string}});
    }
    require_types(ctx, pointer, spec,
                  {{"service", JsonKind::string}, {"bearer", JsonKind::string}, {"content_type", JsonKind::string}});
    if (spec.contains("jwt")) {
        require_keys(ctx, pointer + "/jwt", spec["jwt"],
                     {"claims", "expires_in", "not_before_in", "key", "key_base64", "alg", "omit_exp"});
        require_types(ctx, pointer + "/jwt", spec["jwt"],
                      {{"claims", JsonKind::object},
                       {"key", JsonKind::string},
                       {"key_base64", JsonKind::string},
                       {"alg", JsonKind::string},
                       {"omit_exp", JsonKind::boolean}});
        if (spec["jwt"].contains("not_before_in"))
            require_duration(ctx, pointer + "/jwt/not_before_in", spec["jwt"]["not_before_in"], "not_before_in");
        if (spec["jwt"].contains("expires_in"))
            require_duration(ctx, pointer + "/jwt/expires_in", spec["jwt"]["expires_in"], "expires_in");
    }
    if (spec.contains("api_key"))
        require_type(ctx, pointer + "/api_key", spec["api_key"],
                     spec["api_key"].is_boolean() || spec["api_key"].is_string(),
                     "api_key must be true or a key string");
    if (spec.contains("headers")) {
        require_type(ctx, pointer + "/headers", spec["headers"], spec["headers"].is_object(),
                     "headers must be an object");
        for (auto it = spec["headers"].begin(); it != spec["headers"].end(); ++it)
            if (!it.value().is_null()) require_kind(ctx, pointer + "/headers/" + it.key(), it.value(), JsonKind::string);
    }
    if (spec.contains("body"))
        require_type(ctx, pointer + "/body", spec["body"], spec["body"].is_string(),
                     "body must be a string (use json for JSON)");
    if (spec.contains("timeout")) require_duration(ctx, pointer + "/timeout", spec["timeout"], "timeout");
    if (spec.contains("expect")) validate_expect(ctx, pointer + "/expect", spec["expect"]);
    if (spec.contains("capture")) validate_capture(ctx, pointer + "/capture", spec["capture"]);
}

std::string minted_token(RunContext& run, const json& spec) {
    fakes::MockExtensionJwtConfig config = fakes::MockExtensionJwtConfig::from_settings(run.settings);
    std::string key;
    if (spec.contains("key")) key = spec["key"].get<std::string>();
    else if (spec.contains("key_base64")) {
        auto decoded = sim::crypto::base64_decode(spec["key_base64"].get<std::string>());
        if (!decoded) throw StepFailure("jwt.key_base64 is not valid base64");
        key = *decoded;
    } else {
        auto configured = config.signing_key();
        if (!configured) throw StepFailure("Twitch:ExtensionSecret is not valid base64; cannot mint a JWT");
        key = *configured;
    }
    nlohmann::ordered_json payload = nlohmann::ordered_json::object();
    if (spec.contains("claims")) {
        for (auto it = spec["claims"].begin(); it != spec["claims"].end(); ++it) payload[it.key()] = it.value();
    }
    if (!config.extension_client_id.empty() && !payload.contains("aud")) payload["aud"] = config.extension_client_id;
    if (!spec.value("omit_exp", false)) {
        sim::Duration lifetime = spec.contains("expires_in") ? run.duration(spec["expires_in"], "jwt.expires_in")
                                                             : sim::Duration(std::chrono::hours(2));
        payload["exp"] = (run.now() + lifetime).unix_seconds_floor();
    }
    if (spec.contains("not_before_in"))
        payload["nbf"] = (run.now() + run.duration(spec["not_before_in"], "jwt.not_before_in")).unix_seconds_floor();
    sim::jwt::Algorithm alg = sim::jwt::Algorithm::hs256;
    std::string alg_name = spec.value("alg", "HS256");
    if (alg_name == "HS384") alg = sim::jwt::Algorithm::hs384;
    else if (alg_name == "HS512") alg = sim::jwt::Algorithm::hs512;
    return sim::jwt::encode(payload, key, alg);
}

namespace {

// The request's headers: Authorization from viewer / jwt / bearer, the API key, the body's type, then the
// step's own headers (null removes one).
http::Headers request_headers(RunContext& run, const json& step) {
    http::Headers headers;
    if (step.contains("viewer")) {
        const json& viewer = step["viewer"];
        std::string user = viewer.is_string() ? viewer.get<std::string>() : viewer["user"].get<std::string>();
        std::string name = viewer.is_object() ? viewer.value("name", user) : user;
        headers.set("Authorization", "Bearer " + viewer_token(run, user, name));
    } else if (step.contains("jwt")) {
        headers.set("Authorization", "Bearer " + minted_token(run, step["jwt"]));
    } else if (step.contains("bearer")) {
        headers.set("Authorization", "Bearer " + step["bearer"].get<std::string>());
    }
    if (step.contains("api_key")) {
        const json& key = step["api_key"];
        if (key.is_string()) headers.set("X-MGM-ApiKey", key.get<std::string>());
        else if (key.get<bool>()) headers.set("X-MGM-ApiKey", run.settings.get_or("Mgm:ApiKey", ""));
    }
    if (step.contains("json")) headers.set("Content-Type", "application/json");
    if (step.contains("content_type")) headers.set("Content-Type", step["content_type"].get<std::string>());
    if (step.contains("headers")) {
        for (auto it = step["headers"].begin(); it != step["headers"].end(); ++it) {
            if (it.value().is_null()) headers.remove(it.key());
            else headers.add(it.key(), it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
        }
    }
    return headers;
}

// The EBS's rate-limit partition of the request (docs/CONTRACT.md §4): the JWT's user_id, else "desktop" for
// the API key, else the JWT's sub, else the client's address.
std::string rate_limit_partition_of(const json& step) {
    if (step.contains("viewer"))
        return step["viewer"].is_string() ? step["viewer"].get<std::string>() : step["viewer"].value("user", "");
    if (step.contains("jwt") && step["jwt"].contains("claims") && step["jwt"]["claims"].is_object()) {
        const json& claims = step["jwt"]["claims"];
        if (claims.contains("user_id")) return json_to_variable_text(claims["user_id"]);
    }
    if (step.contains("api_key") && !(step["api_key"].is_boolean() && !step["api_key"].get<bool>())) return "desktop";
    if (step.contains("jwt") && step["jwt"].contains("claims") && step["jwt"]["claims"].contains("sub"))
        return json_to_variable_text(step["jwt"]["claims"]["sub"]);
    return "the scenario's client address";
}

// check_expect, with the rate-limit partition named when the EBS (or the Desktop's calls) got a 429.
void check_expect_naming_limits(const json& expect, const http::ClientResult& result, const std::string& partition) {
    try {
        check_expect(expect, result);
    } catch (const StepFailure& failure) {
        auto hint = rate_limit_hint(result, partition);
        if (!hint) throw;
        throw StepFailure(std::string(failure.what()) + "\n  " + *hint);
    }
}

}  // namespace

void run_http(RunContext& run, const Step&, const json& step) {
    const std::string line = step["http"].get<std::string>();
    const auto space = line.find(' ');
    const std::string method = line.substr(0, space);
    const std::string target = line.substr(line.find_first_not_of(' ', space));
    http::Headers headers = request_headers(run, step);
    std::string body;
    if (step.contains("json")) body = step["json"].dump();
    else if (step.contains("body")) body = step["body"].get<std::string>();
    sim::Duration timeout =
        step.contains("timeout") ? run.duration(step["timeout"], "timeout") : harness::kDriverDefaultTimeout;
    auto result = run.send(step.value("service", "ebs"), method, target, headers, body, timeout);
    // No expect: any response will do.
    const std::string service = step.value("service", "ebs");
    if (service == "ebs")
        check_expect_naming_limits(step.value("expect", json::object()), result, rate_limit_partition_of(step));
    else check_expect(step.value("expect", json::object()), result);
    if (step.contains("capture")) capture_response(run, step["capture"], result);
}

// ----- desktop -------------------------------------------------------------------------------------------

void validate_desktop(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"desktop", "expect", "capture", "note"});
    require_keys(ctx, vp, v, {"payout", "character"}, {"payout", "character"});
    require_types(ctx, vp, v, {{"payout", JsonKind::string}, {"character", JsonKind::string}});
    if (spec.contains("expect")) validate_expect(ctx, pointer + "/expect", spec["expect"]);
    if (spec.contains("capture")) validate_capture(ctx, pointer + "/capture", spec["capture"]);
}

void run_desktop(RunContext& run, const Step&, const json& step) {
    const json& spec = step["desktop"];
    json body = {{"payoutId", spec["payout"]}, {"characterName", spec["character"]}};
    http::Headers headers;
    headers.set("Content-Type", "application/json");
    auto result = run.send("desktop", "POST", "/run-sequence", headers, body.dump());
    check_expect_naming_limits(step.value("expect", json{{"status", 200}, {"json", {{"ok", true}}}}), result, "desktop");
    if (step.contains("capture")) capture_response(run, step["capture"], result);
}

// ----- stub ----------------------------------------------------------------------------------------------

void validate_stub(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"stub", "routes", "note"}, {"routes"});
    require_type(ctx, vp, v, v.is_string() && v.get<std::string>().find(':') != std::string::npos,
                 "stub must be the address to listen on, e.g. \"127.0.0.1:9055\"");
    require_type(ctx, pointer + "/routes", spec["routes"], spec["routes"].is_array(), "routes must be an array");
    for (std::size_t i = 0; i < spec["routes"].size(); ++i) {
        const std::string rp = pointer + "/routes/" + std::to_string(i);
        require_keys(ctx, rp, spec["routes"][i], {"route", "status", "json", "body", "content_type"}, {"route"});
        require_types(ctx, rp, spec["routes"][i],
                      {{"status", JsonKind::integer}, {"body", JsonKind::string}, {"content_type", JsonKind::string}});
        if (has_variable(spec["routes"][i].value("status", json())))
            ctx.fail(rp + "/status", field_name(rp + "/status") + " must be a number here (stubs take no variables)");
        const json& route = spec["routes"][i]["route"];
        if (!route.is_string() || route.get<std::string>().find(' ') == std::string::npos)
            ctx.fail(rp + "/route", "route must be \"METHOD /path\"");
    }
}

// A scripted HTTP service: fixed answers per "METHOD /path" (query ignored), 404 otherwise.
void run_stub(RunContext& run, const Step&, const json& step) {
    const std::string address = step["stub"].get<std::string>();
    auto routes = std::make_shared<std::vector<std::pair<std::string, http::Response>>>();
    for (const auto& route : step["routes"]) {
        http::Response response;
        response.status = route.value("status", 200);
        if (route.contains("json")) {
            response = http::Response::json(response.status, route["json"].dump());
        } else if (route.contains("body")) {
            response = http::Response::text(response.status, route["body"].get<std::string>(),
                                            route.value("content_type", "text/plain; charset=utf-8"));
        }
        routes->emplace_back(route["route"].get<std::string>(), std::move(response));
    }
    http::ServerOptions options;
    options.actor = "stub";
    World& world = *run.world;
    auto server = std::make_unique<http::Server>(
        world.network(), world.scheduler(), address,
        [routes](const http::Request& request, std::function<void(http::Response)> respond) {
            const std::string key = request.method + " " + request.path;
            for (const auto& [route, response] : *routes) {
                if (route == key) return respond(response);
            }
            respond(http::Response::empty(404));
        },
        options, &world.trace(), &world.log());
    if (auto ec = server->start()) throw StepFailure("stub cannot listen on " + address + ": " + ec.message());
    run.stubs.push_back(std::move(server));
}

}  // namespace mgm::harness::scenario

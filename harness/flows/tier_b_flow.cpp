#include "harness/flows/tier_b_flow.h"

#include <cstdio>
#include <functional>
#include <ostream>

#include <nlohmann/json.hpp>

#include "fakes/eventsub_delivery.h"
#include "sim/core/rng.h"
#include "sim/http/message.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"

namespace mgm::harness {

TierBFlowOptions flow_options_for(World& world) {
    TierBFlowOptions o;
    o.ebs_url = world.url(Service::ebs);
    o.eventsub_url = world.url(Service::eventsub);
    o.jwt_url = world.url(Service::jwt);
    o.helix_url = world.url(Service::helix);
    o.desktop_url = world.url(Service::desktop);
    const sim::Settings& s = world.config().settings;
    o.eventsub_secret = s.get_or("Twitch:EventSubSecret", o.eventsub_secret);
    o.api_key = s.get_or("Mgm:ApiKey", o.api_key);
    o.broadcaster_user_id = s.get_or("Twitch:BroadcasterUserId", o.broadcaster_user_id);
    o.broadcaster_access_token = s.get_or("Twitch:BroadcasterAccessToken", o.broadcaster_access_token);
    o.helix_client_id = s.get_or("Twitch:HelixClientId", o.helix_client_id);
    if (world.config().seed) o.message_id_seed = *world.config().seed;
    return o;
}

namespace {

using json = nlohmann::json;

// Thrown by a check inside a step; the message names the component and what differed.
struct StepFailed {
    std::string message;
};

std::string abbreviated(const std::string& text, std::size_t max = 400) {
    return text.size() <= max ? text : text.substr(0, max) + "...";
}

// Requires a response with exactly `status`; returns it.
const http::Response& expect_status(const http::ClientResult& result, int status, const std::string& component,
                                    const std::string& what) {
    if (!result.ok()) throw StepFailed{component + ": " + what + ": no response (" + result.describe() + ")"};
    if (result.response->status != status)
        throw StepFailed{component + ": " + what + ": expected HTTP " + std::to_string(status) + ", got " +
                         std::to_string(result.response->status) + " " + abbreviated(result.response->body)};
    return *result.response;
}

json parse_json(const http::Response& response, const std::string& component, const std::string& what) {
    try {
        return json::parse(response.body);
    } catch (const json::exception&) {
        throw StepFailed{component + ": " + what + ": body is not JSON: " + abbreviated(response.body)};
    }
}

void expect_equal(const json& doc, const std::string& key, const json& expected, const std::string& component,
                  const std::string& what) {
    if (!doc.is_object() || !doc.contains(key) || doc.at(key) != expected)
        throw StepFailed{component + ": " + what + ": expected \"" + key + "\" = " + expected.dump() + ", got " +
                         (doc.is_object() && doc.contains(key) ? doc.at(key).dump() : std::string("(absent)")) +
                         " in " + abbreviated(doc.dump())};
}

std::string format_ms(sim::Duration d) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f ms", static_cast<double>(d.count()) / 10'000.0);
    return buffer;
}

}  // namespace

std::string FlowReport::failure() const {
    for (std::size_t i = 0; i < steps.size(); ++i)
        if (!steps[i].ok) return "step " + std::to_string(i + 1) + " " + steps[i].name + " failed: " + steps[i].detail;
    return {};
}

void FlowReport::print(std::ostream& out) const {
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const auto& s = steps[i];
        out << (s.ok ? "  ok   " : "  FAIL ") << (i + 1) << ". " << s.name << "  (" << format_ms(s.elapsed) << ")";
        if (!s.ok) out << "\n         " << s.detail;
        out << "\n";
    }
    out << (ok ? "Tier A + B: all checks passed" : "Tier A + B: FAILED") << " in " << format_ms(total) << "\n";
}

FlowReport run_tier_a_b_flow(Driver& driver, const TierBFlowOptions& o, std::ostream* progress) {
    FlowReport report;
    const sim::Instant flow_start = driver.now();
    auto base = [](const std::string& url) { return std::string(http::without_trailing_slashes(url)); };
    const std::string ebs = base(o.ebs_url), eventsub = base(o.eventsub_url), jwt = base(o.jwt_url),
                      helix = base(o.helix_url), desktop = base(o.desktop_url);
    const std::string expected_message =
        "Награда отправлена персонажу " + o.character_name + " на почту, проверяй ящик!";
    const auto timeout = o.request_timeout;

    // State carried between steps.
    std::string payout_id;
    std::string character_name;
    std::uint64_t helix_baseline = 0;
    bool helix_counting = o.check_helix_request_count;

    auto fetch_token = [&](const std::string& what) {
        std::string url = jwt + "/token?userId=" + http::percent_encode(o.twitch_user_id) +
                          "&displayName=" + http::percent_encode(o.jwt_display_name);
        auto r = driver.get(url, {}, timeout);
        json doc = parse_json(expect_status(r, 200, "MockExtensionJwt", what), "MockExtensionJwt", what);
        expect_equal(doc, "token_type", "Bearer", "MockExtensionJwt", what);
        expect_equal(doc, "expires_in", 7200, "MockExtensionJwt", what);
        if (!doc.contains("access_token") || !doc["access_token"].is_string() ||
            doc["access_token"].get<std::string>().empty())
            throw StepFailed{"MockExtensionJwt: " + what + ": no access_token in " + abbreviated(doc.dump())};
        return doc["access_token"].get<std::string>();
    };
    auto pool_me = [&](const std::string& token, const std::string& what) {
        http::Headers h;
        h.set("Authorization", "Bearer " + token);
        auto r = driver.get(ebs + "/api/pool/me", h, timeout);
        return parse_json(expect_status(r, 200, "EBS", what), "EBS", what);
    };

    struct StepDef {
        std::string name;
        std::function<std::string()> body;  // returns the detail on success; throws StepFailed
    };
    std::vector<StepDef> steps = {
        {"probe services (EBS root, four /health)",
         [&] {
             auto root = driver.get(ebs + "/", {}, timeout);
             if (!root.ok()) throw StepFailed{"EBS: GET / : no response (" + root.describe() + ")"};
             if (root.response->status >= 500)
                 throw StepFailed{"EBS: GET / answered " + std::to_string(root.response->status)};
             struct Probe {
                 std::string component, url, key1, value1, key2;
             };
             const Probe probes[] = {
                 {"MockEventSubWebhook", eventsub, "status", "ok", "service"},
                 {"MockExtensionJwt", jwt, "status", "ok", "service"},
                 {"MockHelixApi", helix, "status", "healthy", "component"},
                 {"SyntheticDesktop", desktop, "status", "healthy", "component"},
             };
             for (const auto& p : probes) {
                 auto r = driver.get(p.url + "/health", {}, timeout);
                 json doc = parse_json(expect_status(r, 200, p.component, "GET /health"), p.component, "GET /health");
                 expect_equal(doc, p.key1, p.value1, p.component, "GET /health");
                 expect_equal(doc, p.key2, p.component, p.component, "GET /health");
             }
             return "EBS root " + std::to_string(root.response->status) + ", four mocks healthy";
         }},
        {"Tier A: signed EventSub !twgold via MockEventSubWebhook",
         [&] {
             sim::Rng rng(o.message_id_seed);
             std::string message_id = rng.derive("flow.eventsub").uuid_v4().str();
             std::string timestamp = std::to_string(driver.now().unix_seconds_floor());
             fakes::eventsub::ChatMessage message;
             message.message_id = message_id;
             message.chatter_user_id = o.twitch_user_id;
             message.chatter_user_login = o.twitch_login;
             message.text = "!twgold " + o.character_name;
             std::string raw = fakes::eventsub::chat_message_body(message);
             http::Headers h = fakes::eventsub::delivery_headers(o.eventsub_secret, message_id, timestamp, raw);
             auto r = driver.request("POST", eventsub + "/api/twitch/eventsub", raw, h, timeout);
             const auto& resp = expect_status(r, 200, "MockEventSubWebhook -> EBS", "POST /api/twitch/eventsub");
             if (!resp.body.empty())
                 throw StepFailed{"MockEventSubWebhook -> EBS: expected an empty 200, got body " +
                                  abbreviated(resp.body)};
             return "HTTP 200 (message " + message_id + ")";
         }},
        {"Tier A: token from MockExtensionJwt, GET /api/pool/me enrolled",
         [&] {
             std::string token = fetch_token("GET /token");
             json doc = pool_me(token, "GET /api/pool/me");
             expect_equal(doc, "isEnrolled", true, "EBS", "GET /api/pool/me");
             expect_equal(doc, "characterName", o.character_name, "EBS", "GET /api/pool/me");
             return "JWT " + std::to_string(token.size()) + " chars; " + doc.dump();
         }},
        {"Tier B: POST /api/e2e/prepare-pending-payout",
         [&] {
             if (helix_counting) {
                 auto r = driver.get(helix + "/requests", {}, timeout);
                 json doc = parse_json(expect_status(r, 200, "MockHelixApi", "GET /requests (extension)"),
                                       "MockHelixApi", "GET /requests (extension)");
                 if (!doc.contains("count") || !doc["count"].is_number_unsigned())
                     throw StepFailed{"MockHelixApi: GET /requests: no count in " + abbreviated(doc.dump())};
                 helix_baseline = doc["count"].get<std::uint64_t>();
             }
             http::Headers h;
             h.set("X-MGM-ApiKey", o.api_key);
             json body = {{"twitchUserId", o.twitch_user_id}};
             auto r = driver.post_json(ebs + "/api/e2e/prepare-pending-payout", body.dump(), h, timeout);
             json doc =
                 parse_json(expect_status(r, 200, "EBS", "prepare-pending-payout"), "EBS", "prepare-pending-payout");
             if (!doc.contains("payoutId") || !doc["payoutId"].is_string() ||
                 doc["payoutId"].get<std::string>().empty())
                 throw StepFailed{"EBS: prepare-pending-payout: no payoutId in " + abbreviated(doc.dump())};
             expect_equal(doc, "characterName", o.character_name, "EBS", "prepare-pending-payout");
             payout_id = doc["payoutId"].get<std::string>();
             character_name = doc["characterName"].get<std::string>();
             return "Pending payout " + payout_id + " character " + character_name;
         }},
        {"Tier B: SyntheticDesktop POST /run-sequence",
         [&] {
             json body = {{"payoutId", payout_id}, {"characterName", character_name}};
             auto r = driver.post_json(desktop + "/run-sequence", body.dump(), {}, timeout);
             json doc = parse_json(expect_status(r, 200, "SyntheticDesktop", "run-sequence"), "SyntheticDesktop",
                                   "run-sequence");
             expect_equal(doc, "ok", true, "SyntheticDesktop", "run-sequence");
             expect_equal(doc, "error", nullptr, "SyntheticDesktop", "run-sequence");
             const char* names[] = {"POST confirm-acceptance", "PATCH status InProgress", "PATCH status Sent"};
             if (!doc.contains("steps") || !doc["steps"].is_array() || doc["steps"].size() != 3)
                 throw StepFailed{"SyntheticDesktop: run-sequence: expected 3 steps in " + abbreviated(doc.dump())};
             for (std::size_t i = 0; i < 3; ++i) {
                 expect_equal(doc["steps"][i], "name", names[i], "SyntheticDesktop", "run-sequence step");
                 expect_equal(doc["steps"][i], "statusCode", 200, "SyntheticDesktop -> EBS", names[i]);
             }
             json sent = json::parse(doc["steps"][2].value("bodySnippet", std::string("{}")), nullptr, false);
             expect_equal(sent, "status", "Sent", "EBS", "PATCH status Sent body");
             expect_equal(sent, "isRewardSentAnnouncedToChat", true, "EBS", "PATCH status Sent body");
             return "3 steps, 200/200/200, payout Sent and announced";
         }},
        {"Tier B: MockHelixApi GET /last-request (message, broadcaster, auth headers)",
         [&] {
             auto r = driver.get(helix + "/last-request", {}, timeout);
             json doc = parse_json(expect_status(r, 200, "MockHelixApi", "GET /last-request"), "MockHelixApi",
                                   "GET /last-request");
             expect_equal(doc, "captured", true, "MockHelixApi", "GET /last-request");
             if (!doc.contains("body") || !doc["body"].is_object())
                 throw StepFailed{"MockHelixApi: last-request body is not an object: " + abbreviated(doc.dump())};
             const json& body = doc["body"];
             expect_equal(body, "message", expected_message, "EBS -> Helix", "chat message");
             expect_equal(body, "broadcaster_id", o.broadcaster_user_id, "EBS -> Helix", "chat message");
             expect_equal(body, "sender_id", o.broadcaster_user_id, "EBS -> Helix", "chat message");
             expect_equal(doc, "authorizationHeader", "Bearer " + o.broadcaster_access_token, "EBS -> Helix",
                          "Authorization header");
             expect_equal(doc, "clientIdHeader", o.helix_client_id, "EBS -> Helix", "Client-Id header");
             return "message, broadcaster_id, sender_id, Authorization and Client-Id exact";
         }},
        {"Tier B: Helix chat message recorded exactly once",
         [&] {
             if (!helix_counting) return std::string("skipped (check_helix_request_count off)");
             auto r = driver.get(helix + "/requests", {}, timeout);
             json doc = parse_json(expect_status(r, 200, "MockHelixApi", "GET /requests (extension)"), "MockHelixApi",
                                   "GET /requests (extension)");
             std::uint64_t count = doc.value("count", std::uint64_t{0});
             if (count != helix_baseline + 1)
                 throw StepFailed{"EBS -> Helix: expected exactly 1 POST during Tier B, got " +
                                  std::to_string(count - helix_baseline) + " (" + abbreviated(doc.dump(), 1200) + ")"};
             const json& last = doc["requests"].back();
             expect_equal(last, "status", 204, "MockHelixApi", "recorded request");
             expect_equal(last["body"], "broadcaster_id", o.broadcaster_user_id, "EBS -> Helix", "recorded request");
             return "1 POST (" + std::to_string(count) + " recorded in total)";
         }},
        {"Tier B: SyntheticDesktop GET /last-run ok",
         [&] {
             auto r = driver.get(desktop + "/last-run", {}, timeout);
             json doc = parse_json(expect_status(r, 200, "SyntheticDesktop", "GET /last-run"), "SyntheticDesktop",
                                   "GET /last-run");
             expect_equal(doc, "ok", true, "SyntheticDesktop", "GET /last-run");
             if (!doc.contains("steps") || doc["steps"].size() != 3)
                 throw StepFailed{"SyntheticDesktop: last-run: expected 3 steps in " + abbreviated(doc.dump())};
             if (!doc.contains("completedAtUtc") || !doc["completedAtUtc"].is_string())
                 throw StepFailed{"SyntheticDesktop: last-run: completedAtUtc missing"};
             return "ok, 3 steps, completed " + doc["completedAtUtc"].get<std::string>();
         }},
        {"Tier B: GET /api/pool/me not enrolled after Sent",
         [&] {
             std::string token = fetch_token("GET /token");
             json doc = pool_me(token, "GET /api/pool/me");
             expect_equal(doc, "isEnrolled", false, "EBS", "GET /api/pool/me after Sent");
             expect_equal(doc, "characterName", nullptr, "EBS", "GET /api/pool/me after Sent");
             return doc.dump();
         }},
    };

    for (auto& step : steps) {
        FlowStep done;
        done.name = step.name;
        sim::Instant started = driver.now();
        try {
            done.detail = step.body();
            done.ok = true;
        } catch (const StepFailed& failed) { done.detail = failed.message; } catch (const std::exception& e) {
            done.detail = std::string("unexpected error: ") + e.what();
        }
        done.elapsed = driver.now() - started;
        report.steps.push_back(done);
        if (progress) {
            *progress << (done.ok ? "ok   " : "FAIL ") << report.steps.size() << ". " << done.name << " ("
                      << format_ms(done.elapsed) << "): " << done.detail << std::endl;
        }
        if (!done.ok) break;
    }
    report.ok = !report.steps.empty() && report.steps.back().ok && report.steps.size() == steps.size();
    report.total = driver.now() - flow_start;
    return report;
}

}  // namespace mgm::harness

// The EBS's HTTP pipeline over real HTTP bytes in simulation: routing (404/405), authentication,
// rate limiting, request binding failures and hostile inputs. Never a crash, never a corrupted store.
#include <catch2/catch.hpp>

#include "ebs_fixture.h"

using namespace mgm;
using namespace mgm::testing;
using backend::PayoutStatus;

namespace {

bool is_problem(const http::Response& response, int status, const char* title) {
    auto body = EbsFixture::body_json(response);
    return response.status == status && body["status"] == status && body["title"] == title &&
           body["traceId"].get<std::string>().rfind("00-", 0) == 0 &&
           response.headers.get("Content-Type")->rfind("application/problem+json", 0) == 0;
}

}  // namespace

TEST_CASE("GAP-31 GET /api/version: fallback version and raw optional fields", "[ebs][http]") {
    EbsFixture f;
    auto response = f.get("/api/version");
    REQUIRE(response.status == 200);
    REQUIRE(response.headers.get("Content-Type") == std::optional<std::string>("application/json; charset=utf-8"));
    REQUIRE(
        response.body ==
        R"({"version":"1.0.0","releaseNotesUrl":null,"minimumDesktopVersion":null,"minimumAddonVersion":null,"minimumExtensionVersion":null})");

    auto config = http_test_profile();
    config.version_current = "  2.3.4 ";
    config.version_minimum_desktop = "1.2.0";
    EbsFixture configured(config);
    auto body = EbsFixture::body_json(configured.get("/api/version"));
    REQUIRE(body["version"] == "2.3.4");
    REQUIRE(body["minimumDesktopVersion"] == "1.2.0");
}

TEST_CASE("RT-154 GET / and /health: 404 empty (no root, no health route)", "[ebs][http]") {
    EbsFixture f;
    for (const char* target : {"/", "/health", "/api", "/api/unknown"}) {
        auto response = f.get(target);
        REQUIRE(response.status == 404);
        REQUIRE(response.body.empty());
    }
}

TEST_CASE("routing: wrong method 405 + Allow - paths case-insensitive with one trailing slash", "[ebs][http]") {
    EbsFixture f;
    auto response = f.request("PUT", "/api/version");
    REQUIRE(response.status == 405);
    REQUIRE(response.body.empty());
    REQUIRE(response.headers.get("Allow") == std::optional<std::string>("GET"));
    REQUIRE(f.request("OPTIONS", "/api/payouts/claim").status == 405);
    REQUIRE(f.get("/API/Version/").status == 200);
    REQUIRE(f.get("/api/version//").status == 404);
}

TEST_CASE("routing: the EBS's whole route table - each route's method, scheme and the Allow of its path",
          "[ebs][http]") {
    enum class Scheme { anonymous, bearer, api_key };
    struct Expected {
        const char* method;
        const char* path;
        Scheme scheme;
        const char* allow;  // the path's methods as the 405 lists them (sorted)
    };
    const std::string id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    const std::vector<Expected> table = {
        {"GET", "/api/version", Scheme::anonymous, "GET"},
        {"POST", "/api/twitch/eventsub", Scheme::anonymous, "POST"},
        {"GET", "/api/roulette/state", Scheme::bearer, "GET"},
        {"GET", "/api/pool/me", Scheme::bearer, "GET"},
        {"GET", "/api/payouts/my-last", Scheme::bearer, "GET"},
        {"POST", "/api/payouts/claim", Scheme::bearer, "POST"},
        {"GET", "/api/payouts/pending", Scheme::api_key, "GET"},
        {"PATCH", "/api/payouts/{id}/status", Scheme::api_key, "PATCH"},
        {"POST", "/api/payouts/{id}/confirm-acceptance", Scheme::api_key, "POST"},
        {"POST", "/api/roulette/verify-candidate", Scheme::api_key, "POST"},
        {"POST", "/api/e2e/prepare-pending-payout", Scheme::api_key, "POST"},
        {"GET", "/api/streamers/streamer-1/gift-queue", Scheme::bearer, "GET"},
        {"POST", "/api/gift-requests", Scheme::bearer, "GET, POST"},
        {"GET", "/api/gift-requests", Scheme::api_key, "GET, POST"},
        {"PATCH", "/api/gift-requests/{id}", Scheme::api_key, "PATCH"},
        {"POST", "/api/gift-requests/{id}/select-item", Scheme::api_key, "POST"},
        {"POST", "/api/gift-requests/{id}/confirm", Scheme::api_key, "POST"},
    };
    EbsFixture f;
    for (const Expected& route : table) {
        std::string path = route.path;
        if (const std::size_t at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, id);
        INFO(route.method << " " << path);
        // No credentials: the route's scheme challenges (not counted by the rate limiter).
        const http::Response bare = f.request(route.method, path);
        switch (route.scheme) {
        case Scheme::anonymous:
            REQUIRE(bare.status != 401);
            REQUIRE(bare.status != 404);
            REQUIRE(bare.status != 405);
            break;
        case Scheme::bearer:
            REQUIRE(bare.status == 401);
            REQUIRE(bare.headers.get("WWW-Authenticate") == std::optional<std::string>("Bearer"));
            break;
        case Scheme::api_key:
            REQUIRE(bare.status == 401);
            REQUIRE_FALSE(bare.headers.get("WWW-Authenticate"));
            break;
        }
        // A method the path does not have: 405 + the path's methods, matched case-insensitively.
        const http::Response wrong = f.request("DELETE", path);
        REQUIRE(wrong.status == 405);
        REQUIRE(wrong.headers.get("Allow") == std::optional<std::string>(route.allow));
        std::string lower = route.method;
        for (char& c : lower) c = static_cast<char>(c - 'A' + 'a');
        REQUIRE(f.request(lower, path).status == bare.status);
        f.next_rate_window();
    }
}

TEST_CASE("routing: bogus GUID segments are no route (404), valid GUID forms are accepted", "[ebs][http]") {
    EbsFixture f;
    for (const char* id : {"not-a-guid", "12345", "3f2504e0-4f89-11d3-9a0c-0305e82c330", "%00", "..",
                           "3f2504e0-4f89-11d3-9a0c-0305e82c3301x"}) {
        INFO(id);
        auto response = f.desktop_send("PATCH", std::string("/api/payouts/") + id + "/status", R"({"status":"sent"})");
        REQUIRE(response.status == 404);
        REQUIRE(response.body.empty());
        f.next_rate_window();
    }
    // 32-hex, braces and parentheses are GUIDs: the handler runs and reports its own not_found.
    for (const char* id : {"3f2504e04f8911d39a0c0305e82c3301", "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}",
                           "(3F2504E0-4F89-11D3-9A0C-0305E82C3301)"}) {
        INFO(id);
        auto response = f.desktop_send("PATCH", std::string("/api/payouts/") + id + "/status", R"({"status":"sent"})");
        REQUIRE(response.status == 404);
        REQUIRE(EbsFixture::body_json(response)["code"] == "not_found");
    }
}

TEST_CASE("GAP-01 rate limiter: 6th call in a minute is 429 empty - other users unaffected - recovery",
          "[ebs][http][ratelimit]") {
    EbsFixture f;
    const std::string alice = f.jwt("alice", "Alice");
    for (int i = 0; i < 5; ++i) REQUIRE(f.viewer_get(alice, "/api/roulette/state").status == 200);
    auto limited = f.viewer_get(alice, "/api/roulette/state");
    REQUIRE(limited.status == 429);
    REQUIRE(limited.body.empty());
    REQUIRE_FALSE(limited.headers.get("Retry-After"));
    REQUIRE(f.viewer_get(f.jwt("bob", "Bob"), "/api/roulette/state").status == 200);

    f.advance(std::chrono::seconds(59));
    REQUIRE(f.viewer_get(alice, "/api/roulette/state").status == 429);
    f.advance(std::chrono::seconds(1));
    REQUIRE(f.viewer_get(alice, "/api/roulette/state").status == 200);
}

TEST_CASE("GAP-01 rate limiter: all desktop calls share one bucket - 404/405 count - 401s do not",
          "[ebs][http][ratelimit]") {
    EbsFixture f;
    // Auth-middleware 401s are not counted.
    for (int i = 0; i < 10; ++i)
        REQUIRE(f.get("/api/payouts/pending", {EbsFixture::api_key_header("wrong")}).status == 401);
    REQUIRE(f.desktop_get("/api/payouts/pending").status == 200);
    REQUIRE(f.desktop_get("/api/gift-requests").status == 200);
    REQUIRE(f.desktop_send("POST", "/api/roulette/verify-candidate", R"({"schemaVersion":2,"characterName":"Abcd"})")
                .status == 400);
    REQUIRE(f.desktop_get("/api/payouts/pending").status == 200);
    REQUIRE(f.desktop_get("/api/payouts/pending").status == 200);
    REQUIRE(f.desktop_get("/api/payouts/pending").status == 429);

    // Anonymous traffic is partitioned by client IP; unmatched routes and 405s consume permits.
    EbsFixture g;
    REQUIRE(g.get("/").status == 404);
    REQUIRE(g.request("DELETE", "/api/version").status == 405);
    REQUIRE(g.get("/health").status == 404);
    REQUIRE(g.get("/api/version").status == 200);
    REQUIRE(g.get("/api/version").status == 200);
    REQUIRE(g.get("/api/version").status == 429);
    REQUIRE(g.get("/").status == 429);
    // A valid JWT moves /api/version into the user's own bucket.
    REQUIRE(g.viewer_get(g.jwt("carol"), "/api/version").status == 200);
}

TEST_CASE("GAP-01 rate limiter: EventSub is exempt", "[ebs][http][ratelimit]") {
    EbsFixture f;
    for (int i = 0; i < 12; ++i) REQUIRE(f.eventsub(R"({"subscription":{"type":"channel.follow"}})").status == 200);
}

TEST_CASE("RT-042 claim without bearer: 401 empty with WWW-Authenticate: Bearer", "[ebs][http][auth]") {
    EbsFixture f;
    auto response =
        f.send_json("POST", "/api/payouts/claim", R"({"characterName":"Abcd","enrollmentRequestId":"tc016-enroll"})");
    REQUIRE(response.status == 401);
    REQUIRE(response.body.empty());
    REQUIRE(response.headers.get("WWW-Authenticate") == std::optional<std::string>("Bearer"));
}

TEST_CASE("GAP-02 JWT rejections: expired, bad signature, wrong/missing audience, alg none, garbage",
          "[ebs][http][auth]") {
    EbsFixture f;
    auto expect_invalid = [&](const std::string& token) {
        auto response = f.viewer_get(token, "/api/pool/me");
        REQUIRE(response.status == 401);
        REQUIRE(response.body.empty());
        REQUIRE(response.headers.get("WWW-Authenticate")->rfind("Bearer error=\"invalid_token\"", 0) == 0);
    };
    SECTION("expired beyond the 5-minute skew") {
        const std::string token = f.jwt("u1", "U", std::string(kTestAudience), std::chrono::seconds(60));
        f.advance(std::chrono::minutes(5) + std::chrono::seconds(59));
        REQUIRE(f.viewer_get(token, "/api/pool/me").status == 200);  // within skew
        f.advance(std::chrono::seconds(2));
        expect_invalid(token);
        auto response = f.viewer_get(token, "/api/pool/me");
        REQUIRE(response.headers.get("WWW-Authenticate")->find("The token expired at") != std::string::npos);
    }
    SECTION("bad signature") {
        std::string token = f.jwt("u1");
        token[token.size() - 2] = token[token.size() - 2] == 'A' ? 'B' : 'A';
        expect_invalid(token);
        nlohmann::ordered_json payload;
        payload["user_id"] = "u1";
        payload["aud"] = kTestAudience;
        payload["exp"] = f.clock.now().unix_seconds_floor() + 3600;
        expect_invalid(sim::jwt::encode(payload, sim::crypto::sha256("wrong")));
    }
    SECTION("wrong and missing audience when a client id is configured") {
        expect_invalid(f.jwt("u1", "U", std::string("other-client")));
        expect_invalid(f.jwt("u1", "U", std::nullopt));
    }
    SECTION("alg none") {
        nlohmann::ordered_json payload;
        payload["user_id"] = "u1";
        payload["aud"] = kTestAudience;
        payload["exp"] = f.clock.now().unix_seconds_floor() + 3600;
        const std::string token = sim::crypto::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                                  sim::crypto::base64url_encode(payload.dump()) + ".";
        expect_invalid(token);
    }
    SECTION("garbage tokens and empty bearer") {
        expect_invalid("x");
        expect_invalid("a.b.c");
        auto empty = f.get("/api/pool/me", {{"Authorization", "Bearer    "}});
        REQUIRE(empty.status == 401);
        REQUIRE(empty.headers.get("WWW-Authenticate") == std::optional<std::string>("Bearer"));
    }
}

TEST_CASE("GAP-02 no client id configured: tokens without aud are accepted (CI profile)", "[ebs][http][auth]") {
    auto config = http_test_profile();
    config.extension_client_id = "";
    EbsFixture f(config);
    auto body = EbsFixture::body_json(f.viewer_get(f.jwt("e2e-viewer-1", "E2EViewer", std::nullopt), "/api/pool/me"));
    REQUIRE(body["isEnrolled"] == false);
}

TEST_CASE("GAP-03 scheme isolation: API key does not open Bearer routes and vice versa", "[ebs][http][auth]") {
    EbsFixture f;
    auto bearer_route = f.desktop_get("/api/pool/me");
    REQUIRE(bearer_route.status == 401);
    REQUIRE(bearer_route.headers.get("WWW-Authenticate") == std::optional<std::string>("Bearer"));
    auto key_route = f.viewer_get(f.jwt("u1"), "/api/payouts/pending");
    REQUIRE(key_route.status == 401);
    REQUIRE(key_route.body.empty());
    REQUIRE_FALSE(key_route.headers.get("WWW-Authenticate"));
}

TEST_CASE("RT-040/RT-041/GAP-05 API key over HTTP", "[ebs][http][auth]") {
    EbsFixture f;
    auto ok = f.desktop_get("/api/payouts/pending");
    REQUIRE(ok.status == 200);
    REQUIRE(ok.body == "[]");
    for (const char* key : {"not-the-configured-key", "", "INTEGRATION-TEST-DESKTOP-API-KEY"}) {
        auto response = f.get("/api/payouts/pending", {EbsFixture::api_key_header(key)});
        REQUIRE(response.status == 401);
        REQUIRE(response.body.empty());
        REQUIRE_FALSE(response.headers.get("WWW-Authenticate"));
    }
    REQUIRE(f.get("/api/payouts/pending").status == 401);
    REQUIRE(f.get("/api/payouts/pending", {{"x-mgm-apikey", kTestApiKey}}).status == 200);
    REQUIRE(f.get("/api/payouts/pending", {EbsFixture::api_key_header(), EbsFixture::api_key_header()}).status == 401);

    auto unconfigured = http_test_profile();
    unconfigured.api_key = "";
    EbsFixture g(unconfigured);
    REQUIRE(g.get("/api/payouts/pending", {EbsFixture::api_key_header("")}).status == 401);
}

TEST_CASE("RT-046/GAP-04 valid JWT without user_id/sub: controller 401 ProblemDetails - sub is a fallback",
          "[ebs][http][auth]") {
    EbsFixture f;
    auto response = f.viewer_get(f.jwt("", "NoId"), "/api/pool/me");
    REQUIRE(is_problem(response, 401, "Unauthorized"));
    REQUIRE(EbsFixture::body_json(response)["type"] == "https://tools.ietf.org/html/rfc9110#section-15.5.2");

    nlohmann::ordered_json payload;
    payload["sub"] = "sub-user";
    payload["aud"] = kTestAudience;
    payload["exp"] = f.clock.now().unix_seconds_floor() + 3600;
    const std::string token = sim::jwt::encode(payload, EbsFixture::dev_key());
    auto claim =
        f.viewer_send(token, "POST", "/api/payouts/claim", R"({"characterName":"Subby","enrollmentRequestId":"s1"})");
    REQUIRE(claim.status == 201);
    auto member = f.store().find_pool_member("sub-user");
    REQUIRE(member);
    REQUIRE(member->twitch_display_name == "sub-user");  // display name falls back to the user id
}

TEST_CASE("binding over HTTP: 415, malformed JSON, wrong types, invalid UTF-8 are rejected before any write",
          "[ebs][http][binding]") {
    EbsFixture f;
    const std::string token = f.jwt("u1", "U");
    auto claim = [&](std::string body, const char* content_type = "application/json") {
        return f.request("POST", "/api/payouts/claim", std::move(body),
                         {EbsFixture::bearer(token), {"Content-Type", content_type}});
    };
    REQUIRE(is_problem(claim(R"({"characterName":"Abcd","enrollmentRequestId":"e1"})", "text/plain"), 415,
                       "Unsupported Media Type"));
    auto no_type = f.request("POST", "/api/payouts/claim", R"({"characterName":"Abcd","enrollmentRequestId":"e1"})",
                             {EbsFixture::bearer(token)});
    REQUIRE(no_type.status == 415);
    auto malformed = claim(R"({"characterName":"Abcd",)");
    REQUIRE(malformed.status == 400);
    REQUIRE(EbsFixture::body_json(malformed)["title"] == "One or more validation errors occurred.");
    REQUIRE(EbsFixture::body_json(malformed)["errors"].contains("body"));
    f.next_rate_window();
    auto wrong_type = claim(R"({"characterName":123,"enrollmentRequestId":"e1"})");
    REQUIRE(wrong_type.status == 400);
    REQUIRE(EbsFixture::body_json(wrong_type)["errors"].contains("$.characterName"));
    auto invalid_utf8 = claim("{\"characterName\":\"Ab\xff\xfe\",\"enrollmentRequestId\":\"e1\"}");
    REQUIRE(invalid_utf8.status == 400);
    auto missing = claim(R"({"enrollmentRequestId":"e1"})");
    REQUIRE(missing.status == 400);
    REQUIRE(EbsFixture::body_json(missing)["errors"]["CharacterName"][0] == "The CharacterName field is required.");
    auto empty = claim("");
    REQUIRE(empty.status == 400);
    REQUIRE(f.store().pool_size() == 0);
    REQUIRE_FALSE(f.store().find_enrollment("e1"));
}

TEST_CASE("binding: wrong types on desktop bodies (status enum, booleans, uuids) are 400", "[ebs][http][binding]") {
    EbsFixture f;
    auto payout = f.seed_payout("u1", "Abcd", PayoutStatus::Pending, f.clock.now());
    const std::string target = "/api/payouts/" + payout.id.str() + "/status";
    REQUIRE(f.desktop_send("PATCH", target, R"({"status":"shipped"})").status == 400);
    REQUIRE(f.desktop_send("PATCH", target, R"({"status":true})").status == 400);
    REQUIRE(f.desktop_send("POST", "/api/roulette/verify-candidate",
                           R"({"schemaVersion":1,"spinCycleId":"nope","characterName":"Abcd","online":true})")
                .status == 400);
    REQUIRE(f.desktop_send("POST", "/api/roulette/verify-candidate",
                           R"({"schemaVersion":1,"characterName":"Abcd","online":"yes"})")
                .status == 400);
    REQUIRE(f.store().find_payout(payout.id)->status == PayoutStatus::Pending);
    f.next_rate_window();
    // Numbers as strings and integer enums bind.
    REQUIRE(EbsFixture::body_json(f.desktop_send("PATCH", target, R"({"status":1})"))["status"] == "InProgress");
    REQUIRE(f.desktop_send("POST", "/api/roulette/verify-candidate", R"({"schemaVersion":"2","characterName":"Abcd"})")
                .status == 400);
}

TEST_CASE("hostile transport input: oversized body 413, header flood 431, garbage request line 400",
          "[ebs][http][hostile]") {
    EbsFixture f;
    const std::string huge_length =
        "POST /api/twitch/eventsub HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
        "40000000\r\n\r\n{}";
    REQUIRE(f.raw(huge_length).rfind("HTTP/1.1 413", 0) == 0);

    std::string flood = "GET /api/version HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 2000; ++i) flood += "X-Flood-" + std::to_string(i) + ": " + std::string(20, 'a') + "\r\n";
    flood += "\r\n";
    REQUIRE(f.raw(flood).rfind("HTTP/1.1 431", 0) == 0);

    REQUIRE(f.raw("\x16\x03\x01 not http at all\r\n\r\n").rfind("HTTP/1.1 400", 0) == 0);
    // The service is still healthy afterwards.
    REQUIRE(f.get("/api/version").status == 200);
}

TEST_CASE("hostile bodies on every body-bound route never crash and never write", "[ebs][http][hostile]") {
    EbsFixture f;
    const std::string token = f.jwt("u1", "U");
    const std::string guid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    const std::vector<std::pair<std::string, std::string>> routes = {
        {"POST", "/api/payouts/claim"},
        {"PATCH", "/api/payouts/" + guid + "/status"},
        {"POST", "/api/payouts/" + guid + "/confirm-acceptance"},
        {"POST", "/api/roulette/verify-candidate"},
        {"POST", "/api/e2e/prepare-pending-payout"},
        {"POST", "/api/gift-requests"},
        {"PATCH", "/api/gift-requests/" + guid},
        {"POST", "/api/gift-requests/" + guid + "/select-item"},
        {"POST", "/api/gift-requests/" + guid + "/confirm"},
    };
    const std::vector<std::string> bodies = {
        "{",
        "[]",
        "\"x\"",
        "{\"a\":\"\xc3\"}",
        std::string(70, '[') + std::string(70, ']'),
        R"({"characterName":{"x":1},"status":[1],"item":"x","confirmed":"true","state":{}})",
    };
    for (const auto& [method, target] : routes) {
        for (const auto& body : bodies) {
            INFO(method << " " << target << " " << body.substr(0, 30));
            auto response = f.request(
                method, target, body,
                {EbsFixture::bearer(token), EbsFixture::api_key_header(), {"Content-Type", "application/json"}});
            REQUIRE(response.status == 400);
            f.next_rate_window();
        }
    }
    REQUIRE(f.store().pool_size() == 0);
    REQUIRE(f.store().list_payouts().empty());
    REQUIRE(f.store().list_gifts().empty());
    REQUIRE(f.store().list_events().empty());
}

TEST_CASE("D10 the EBS refuses to start without a JWT key outside Development", "[ebs][config]") {
    auto config = http_test_profile();
    config.environment = "Production";
    if (config.eventsub_secret.empty()) config.eventsub_secret = "d10-secret";  // D10b needs it outside Development
    config.extension_secret = "";
    REQUIRE_THROWS_AS(EbsFixture(config), backend::ConfigError);
    config.extension_secret = "not base64!";
    REQUIRE_THROWS_AS(EbsFixture(config), backend::ConfigError);
    // A configured base64 secret is the key: tokens signed with it are accepted.
    config.extension_secret = sim::crypto::base64_encode("0123456789abcdef0123456789abcdef");
    EbsFixture f(config);
    nlohmann::ordered_json payload;
    payload["user_id"] = "u1";
    payload["aud"] = kTestAudience;
    payload["exp"] = f.clock.now().unix_seconds_floor() + 60;
    REQUIRE(f.viewer_get(sim::jwt::encode(payload, "0123456789abcdef0123456789abcdef"), "/api/pool/me").status == 200);
    REQUIRE(f.viewer_get(f.jwt("u1"), "/api/pool/me").status == 401);  // the dev key no longer works
}

TEST_CASE("hostile identities: NUL and non-ASCII inside JWT user ids stay distinct in the store",
          "[ebs][http][hostile]") {
    EbsFixture f;
    auto token_for = [&](const std::string& user_id) {
        nlohmann::ordered_json payload;
        payload["user_id"] = user_id;
        payload["aud"] = kTestAudience;
        payload["exp"] = f.clock.now().unix_seconds_floor() + 3600;
        return sim::jwt::encode(payload, EbsFixture::dev_key());
    };
    const std::string first = std::string("u\0x", 3);
    const std::string second = std::string("u\0y", 3);
    auto claim = f.viewer_send(token_for(first), "POST", "/api/payouts/claim",
                               R"({"characterName":"Abcd","enrollmentRequestId":"e\u00001"})");
    REQUIRE(claim.status == 201);
    REQUIRE(EbsFixture::body_json(f.viewer_get(token_for(first), "/api/pool/me"))["isEnrolled"] == true);
    REQUIRE(EbsFixture::body_json(f.viewer_get(token_for(second), "/api/pool/me"))["isEnrolled"] == false);
    REQUIRE(EbsFixture::body_json(f.viewer_get(token_for("Пётр"), "/api/pool/me"))["isEnrolled"] == false);
    REQUIRE(f.store().find_pool_member(first)->twitch_user_id == first);
    REQUIRE_FALSE(f.store().find_enrollment("e"));
    REQUIRE(
        f.store().find_enrollment(std::string("e\0"
                                              "1",
                                              3)));
}

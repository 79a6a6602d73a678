// MockHelixApi contract (docs/CONTRACT.md §8, RT-155, RT-161, GAP-37) and its extensions: every request
// kept with a count, reset, and fail-next (status or dropped connection).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "fake_bench.h"
#include "fakes/mock_helix_api.h"

using namespace mgm;
using nlohmann::json;

namespace {

constexpr const char* kPost = "http://127.0.0.1:9053/helix/chat/messages";
constexpr const char* kLast = "http://127.0.0.1:9053/last-request";
const std::string kProbeBody =
    R"({"broadcaster_id":"bcast-test","sender_id":"bcast-test","message":"Награда отправлена персонажу Etoehero на почту, проверяй ящик!"})";

struct HelixBench : test::FakeBench {
    fakes::MockHelixApi helix;
    explicit HelixBench(fakes::MockHelixApiConfig config = {}) : helix(config, seams("helix")) {
        serve_fake("127.0.0.1:9053", helix);
    }
    http::ClientResult post(const std::string& body, const char* auth = "Bearer e2e-test-token",
                            const char* client_id = "e2e-client-id") {
        http::Headers h;
        h.set("Content-Type", "application/json");
        if (auth) h.set("Authorization", auth);
        if (client_id) h.set("Client-Id", client_id);
        return driver.request("POST", kPost, body, h);
    }
    json get_json(const std::string& url) {
        auto r = driver.get(url);
        REQUIRE(r.ok());
        REQUIRE(r.response->status == 200);
        return json::parse(r.response->body);
    }
};

}  // namespace

TEST_CASE("MockHelixApi /health and /last-request before any POST", "[fakes][helix]") {
    HelixBench bench;
    auto health = bench.driver.get("http://127.0.0.1:9053/health");
    REQUIRE(health.ok());
    CHECK(health.response->body == R"({"status":"healthy","component":"MockHelixApi"})");
    auto last = bench.driver.get(kLast);
    REQUIRE(last.ok());
    CHECK(last.response->status == 200);
    CHECK(last.response->body == R"({"captured":false})");
}

TEST_CASE("MockHelixApi records a chat message and answers 204 - /last-request shows body and headers",
          "[fakes][helix]") {
    HelixBench bench;
    auto r = bench.post(kProbeBody);
    REQUIRE(r.ok());
    CHECK(r.response->status == 204);
    CHECK(r.response->body.empty());

    json last = bench.get_json(kLast);
    CHECK(last["captured"] == true);
    CHECK(last["body"] == json::parse(kProbeBody));
    CHECK(last["authorizationHeader"] == "Bearer e2e-test-token");
    CHECK(last["clientIdHeader"] == "e2e-client-id");
    // The reference's field order.
    auto raw = bench.driver.get(kLast).response->body;
    CHECK(raw.find(R"("captured":true,"body":{)") == 1);
    CHECK(raw.find(R"("authorizationHeader")") < raw.find(R"("clientIdHeader")"));
}

TEST_CASE("MockHelixApi: without StrictAuth, missing headers are recorded as empty strings", "[fakes][helix]") {
    HelixBench bench;
    auto r = bench.post(R"({"message":"x"})", nullptr, nullptr);
    REQUIRE(r.ok());
    CHECK(r.response->status == 204);
    json last = bench.get_json(kLast);
    CHECK(last["authorizationHeader"] == "");
    CHECK(last["clientIdHeader"] == "");
}

TEST_CASE("MockHelixApi StrictAuth demands a Bearer Authorization and a Client-Id (else 401, not recorded)",
          "[fakes][helix]") {
    auto config =
        fakes::MockHelixApiConfig::from_settings(sim::Settings::from_pairs({{"MockHelix__StrictAuth", "TRUE"}}));
    REQUIRE(config.strict_auth);
    HelixBench bench(config);
    CHECK(bench.post(kProbeBody, nullptr, "cid").response->status == 401);
    CHECK(bench.post(kProbeBody, "Basic abc", "cid").response->status == 401);
    CHECK(bench.post(kProbeBody, "Bearer t", nullptr).response->status == 401);
    CHECK(bench.get_json(kLast)["captured"] == false);
    CHECK(bench.post(kProbeBody, "bearer t", "cid").response->status == 204);  // scheme case-insensitive
    CHECK(bench.get_json(kLast)["captured"] == true);
    CHECK(bench.helix.request_count() == 4);
    CHECK(bench.helix.requests()[0].outcome == "unauthorized");

    CHECK_FALSE(fakes::MockHelixApiConfig::from_settings(sim::Settings::from_pairs({{"MockHelix:StrictAuth", "yes"}}))
                    .strict_auth);
    CHECK_FALSE(fakes::MockHelixApiConfig::from_settings(sim::Settings()).strict_auth);
}

TEST_CASE("MockHelixApi: invalid JSON is a 500 that replaces the headers but keeps the previous body",
          "[fakes][helix]") {
    HelixBench bench;
    REQUIRE(bench.post(R"({"message":"first"})").response->status == 204);
    auto bad = bench.post("not json", "Bearer other", "other-client");
    REQUIRE(bad.ok());
    CHECK(bad.response->status == 500);
    json last = bench.get_json(kLast);
    CHECK(last["body"]["message"] == "first");
    CHECK(last["authorizationHeader"] == "Bearer other");
}

TEST_CASE("MockHelixApi extension: GET /requests keeps every call with a count - POST /reset clears",
          "[fakes][helix][extension]") {
    HelixBench bench;
    bench.post(R"({"message":"one"})");
    bench.post(R"({"message":"two"})");
    json list = bench.get_json("http://127.0.0.1:9053/requests");
    CHECK(list["count"] == 2);
    REQUIRE(list["requests"].size() == 2);
    CHECK(list["requests"][0]["body"]["message"] == "one");
    CHECK(list["requests"][1]["body"]["message"] == "two");
    CHECK(list["requests"][1]["sequence"] == 2);
    CHECK(list["requests"][1]["status"] == 204);
    CHECK(list["requests"][1]["receivedAtUtc"] == "2026-04-04T12:00:00Z");

    auto reset = bench.driver.post_json("http://127.0.0.1:9053/reset", "");
    REQUIRE(reset.ok());
    CHECK(reset.response->status == 200);
    CHECK(bench.get_json("http://127.0.0.1:9053/requests")["count"] == 0);
    CHECK(bench.get_json(kLast)["captured"] == false);
}

TEST_CASE("MockHelixApi extension: fail-next answers the next N calls with a status, then recovers",
          "[fakes][helix][extension]") {
    HelixBench bench;
    auto plan = bench.driver.post_json("http://127.0.0.1:9053/fail-next", R"({"count":2,"status":503})");
    REQUIRE(plan.ok());
    CHECK(plan.response->status == 200);
    CHECK(json::parse(plan.response->body)["remaining"] == 2);

    CHECK(bench.post(kProbeBody).response->status == 503);
    CHECK(bench.post(kProbeBody).response->status == 503);
    CHECK(bench.get_json(kLast)["captured"] == false);  // failed calls never become the "last request"
    CHECK(bench.post(kProbeBody).response->status == 204);
    json list = bench.get_json("http://127.0.0.1:9053/requests");
    CHECK(list["count"] == 3);
    CHECK(list["requests"][0]["outcome"] == "injected_status");
    CHECK(list["requests"][2]["outcome"] == "recorded");

    auto bad = bench.driver.post_json("http://127.0.0.1:9053/fail-next", R"({"count":1,"status":42})");
    REQUIRE(bad.ok());
    CHECK(bad.response->status == 400);
}

TEST_CASE("MockHelixApi extension: fail-next drop closes the connection without an answer",
          "[fakes][helix][extension]") {
    HelixBench bench;
    bench.helix.fail_next(1, 500, /*drop=*/true);
    auto dropped = bench.post(kProbeBody);
    CHECK_FALSE(dropped.ok());
    CHECK_FALSE(dropped.timed_out);
    CHECK(bench.helix.requests().at(0).outcome == "injected_drop");
    CHECK(bench.post(kProbeBody).response->status == 204);
}

// SyntheticDesktop contract (docs/CONTRACT.md §8, RT-160, RT-162, GAP-39): step names, 200/400/500/502
// semantics, /last-run shape; extensions /run-pending and /runs (per-step timing).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "fake_bench.h"
#include "fakes/synthetic_desktop.h"

using namespace mgm;
using nlohmann::json;

namespace {

constexpr const char* kRun = "http://127.0.0.1:9054/run-sequence";
constexpr const char* kLastRun = "http://127.0.0.1:9054/last-run";
const std::string kPayout = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

fakes::SyntheticDesktopConfig ci_config() {
    fakes::SyntheticDesktopConfig c;
    c.api_key = "ci-desktop-api-key";
    return c;
}

struct DesktopBench : test::FakeBench {
    fakes::SyntheticDesktop desktop;
    explicit DesktopBench(fakes::SyntheticDesktopConfig config = ci_config())
        : desktop(std::move(config), seams("desktop")) {
        serve_fake("127.0.0.1:9054", desktop);
    }
    http::ClientResult run(const std::string& body) { return driver.post_json(kRun, body); }
    json last_run() {
        auto r = driver.get(kLastRun);
        REQUIRE(r.ok());
        REQUIRE(r.response->status == 200);
        return json::parse(r.response->body);
    }
};

std::string run_body(const std::string& id = kPayout, const std::string& name = "Etoehero") {
    return json{{"payoutId", id}, {"characterName", name}}.dump();
}

}  // namespace

TEST_CASE("SyntheticDesktop /health and the initial /last-run", "[fakes][desktop]") {
    DesktopBench bench;
    auto health = bench.driver.get("http://127.0.0.1:9054/health");
    REQUIRE(health.ok());
    CHECK(health.response->body == R"({"status":"healthy","component":"SyntheticDesktop"})");
    auto last = bench.driver.get(kLastRun);
    REQUIRE(last.ok());
    CHECK(last.response->body == R"({"ok":false,"steps":[],"error":null,"completedAtUtc":null})");
}

TEST_CASE("SyntheticDesktop configuration keys and defaults", "[fakes][desktop]") {
    CHECK(fakes::SyntheticDesktopConfig{}.backend_base_url == "http://127.0.0.1:8080");
    CHECK(fakes::SyntheticDesktopConfig{}.api_key.empty());
    auto c = fakes::SyntheticDesktopConfig::from_settings(sim::Settings::from_pairs(
        {{"SyntheticDesktop__BackendBaseUrl", "http://127.0.0.1:18080/"}, {"Mgm__ApiKey", "k"}}));
    CHECK(c.backend_base_url == "http://127.0.0.1:18080/");
    CHECK(c.api_key == "k");
}

TEST_CASE("SyntheticDesktop run-sequence makes the Desktop's three calls and reports ok", "[fakes][desktop]") {
    DesktopBench bench;
    bench.serve_stub_ebs();
    bench.ebs_answer = [](const http::Request& r) {
        if (r.path.find("confirm-acceptance") != std::string::npos) return http::Response::empty(200);
        return http::Response::json(200, R"({"status":"whatever"})");
    };
    auto r = bench.run(run_body());
    REQUIRE(r.ok());
    CHECK(r.response->status == 200);
    json doc = json::parse(r.response->body);
    CHECK(doc["ok"] == true);
    CHECK(doc["error"] == nullptr);
    CHECK(doc["completedAtUtc"] == "2026-04-04T12:00:00Z");
    REQUIRE(doc["steps"].size() == 3);
    CHECK(doc["steps"][0] == json{{"name", "POST confirm-acceptance"}, {"statusCode", 200}, {"bodySnippet", ""}});
    CHECK(doc["steps"][1]["name"] == "PATCH status InProgress");
    CHECK(doc["steps"][1]["bodySnippet"] == R"({"status":"whatever"})");
    CHECK(doc["steps"][2]["name"] == "PATCH status Sent");

    REQUIRE(bench.ebs_requests.size() == 3);
    const auto& confirm = bench.ebs_requests[0];
    CHECK(confirm.method == "POST");
    CHECK(confirm.path == "/api/payouts/" + kPayout + "/confirm-acceptance");
    CHECK(confirm.body == R"({"characterName":"Etoehero"})");
    CHECK(confirm.headers.get("X-MGM-ApiKey") == std::optional<std::string>("ci-desktop-api-key"));
    CHECK(confirm.headers.get("Content-Type") == std::optional<std::string>("application/json; charset=utf-8"));
    CHECK(bench.ebs_requests[1].method == "PATCH");
    CHECK(bench.ebs_requests[1].path == "/api/payouts/" + kPayout + "/status");
    CHECK(bench.ebs_requests[1].body == R"({"status":"inProgress"})");
    CHECK(bench.ebs_requests[2].body == R"({"status":"sent"})");

    CHECK(bench.last_run() == doc);
}

TEST_CASE("SyntheticDesktop: a failing backend step ends the run with 502 and the steps so far", "[fakes][desktop]") {
    DesktopBench bench;
    bench.serve_stub_ebs();
    SECTION("confirm-acceptance 400 (wrong name)") {
        bench.ebs_answer = [](const http::Request&) {
            return http::Response::json(400, R"({"code":"invalid_character_name","message":"m","details":{}})");
        };
        auto r = bench.run(run_body());
        REQUIRE(r.ok());
        CHECK(r.response->status == 502);
        json doc = json::parse(r.response->body);
        CHECK(doc["ok"] == false);
        REQUIRE(doc["steps"].size() == 1);
        CHECK(doc["steps"][0]["statusCode"] == 400);
        CHECK(doc["steps"][0]["bodySnippet"] == R"({"code":"invalid_character_name","message":"m","details":{}})");
        CHECK(doc["error"] == "Response status code does not indicate success: 400 (Bad Request).");
        CHECK(bench.ebs_requests.size() == 1);
        CHECK(bench.last_run() == doc);
    }
    SECTION("PATCH Sent 409") {
        bench.ebs_answer = [](const http::Request& r) {
            if (r.body == R"({"status":"sent"})")
                return http::Response::json(409, R"({"code":"terminal_status_change_not_allowed"})");
            return http::Response::empty(200);
        };
        auto r = bench.run(run_body());
        REQUIRE(r.ok());
        CHECK(r.response->status == 502);
        json doc = json::parse(r.response->body);
        REQUIRE(doc["steps"].size() == 3);
        CHECK(doc["steps"][2]["statusCode"] == 409);
        CHECK(doc["error"] == "Response status code does not indicate success: 409 (Conflict).");
    }
}

TEST_CASE("SyntheticDesktop: an unreachable EBS is a 502 with no steps", "[fakes][desktop]") {
    DesktopBench bench;  // nothing on 8080
    auto r = bench.run(run_body());
    REQUIRE(r.ok());
    CHECK(r.response->status == 502);
    json doc = json::parse(r.response->body);
    CHECK(doc["steps"].empty());
    CHECK(doc["error"] == "Connection refused (127.0.0.1:8080)");
}

TEST_CASE("SyntheticDesktop: missing Mgm:ApiKey is a 500 with the failed state", "[fakes][desktop]") {
    DesktopBench bench(fakes::SyntheticDesktopConfig{});
    bench.serve_stub_ebs();
    auto r = bench.run(run_body());
    REQUIRE(r.ok());
    CHECK(r.response->status == 500);
    json doc = json::parse(r.response->body);
    CHECK(doc["ok"] == false);
    CHECK(doc["error"] == "Mgm:ApiKey is not configured.");
    CHECK(doc["completedAtUtc"] == "2026-04-04T12:00:00Z");
    CHECK(bench.ebs_requests.empty());
}

TEST_CASE("SyntheticDesktop: empty payout id or blank name is an empty 400 and a failed last-run", "[fakes][desktop]") {
    DesktopBench bench;
    bench.serve_stub_ebs();
    for (const std::string& body : {run_body("00000000-0000-0000-0000-000000000000"), run_body(kPayout, "  "),
                                    std::string(R"({"payoutId":")") + kPayout + "\"}"}) {
        auto r = bench.run(body);
        REQUIRE(r.ok());
        CHECK(r.response->status == 400);
        CHECK(r.response->body.empty());
        json last = bench.last_run();
        CHECK(last["ok"] == false);
        CHECK(last["error"] == "payoutId and characterName are required.");
    }
    CHECK(bench.ebs_requests.empty());
    // Unbindable bodies fail before the handler: 400, last-run untouched by them.
    auto garbage = bench.run("{not json");
    REQUIRE(garbage.ok());
    CHECK(garbage.response->status == 400);
    auto not_a_guid = bench.run(run_body("nope"));
    CHECK(not_a_guid.response->status == 400);
    http::Headers text;
    text.set("Content-Type", "text/plain");
    CHECK(bench.driver.request("POST", kRun, run_body(), text).response->status == 415);
}

TEST_CASE("SyntheticDesktop extension: /runs reports per-step timing", "[fakes][desktop][extension]") {
    DesktopBench bench;
    bench.serve_stub_ebs();
    sim::LinkFaults slow;
    slow.latency_min = std::chrono::milliseconds(5);
    slow.latency_max = std::chrono::milliseconds(5);
    bench.network.set_link_faults("127.0.0.1:9054", "127.0.0.1:8080", slow);
    REQUIRE(bench.run(run_body()).response->status == 200);
    auto r = bench.driver.get("http://127.0.0.1:9054/runs");
    REQUIRE(r.ok());
    json doc = json::parse(r.response->body);
    CHECK(doc["count"] == 1);
    const json& run = doc["runs"][0];
    CHECK(run["payoutId"] == kPayout);
    CHECK(run["ok"] == true);
    REQUIRE(run["steps"].size() == 3);
    for (const auto& step : run["steps"]) {
        CHECK(step["elapsedMs"].get<double>() >= 10.0);  // at least one round trip of 2 x 5 ms
        CHECK(step.contains("startedAtUtc"));
    }
    CHECK(run["elapsedMs"].get<double>() >= 30.0);
    // The reference's /last-run body stays exactly the reference's shape.
    CHECK_FALSE(bench.last_run()["steps"][0].contains("elapsedMs"));
}

TEST_CASE("SyntheticDesktop extension: /run-pending runs the sequence for a Pending payout it finds",
          "[fakes][desktop][extension]") {
    DesktopBench bench;
    bench.serve_stub_ebs();
    bench.ebs_answer = [](const http::Request& r) {
        if (r.method == "GET")
            return http::Response::json(200,
                                        R"([{"id":")" + kPayout + R"(","characterName":"Абвг","status":"Pending"}])");
        return http::Response::empty(200);
    };
    auto r = bench.driver.post_json("http://127.0.0.1:9054/run-pending", "{}");
    REQUIRE(r.ok());
    CHECK(r.response->status == 200);
    REQUIRE(bench.ebs_requests.size() == 4);
    CHECK(bench.ebs_requests[0].path == "/api/payouts/pending");
    CHECK(bench.ebs_requests[0].headers.get("X-MGM-ApiKey") == std::optional<std::string>("ci-desktop-api-key"));
    CHECK(json::parse(bench.ebs_requests[1].body)["characterName"] == "Абвг");

    bench.ebs_answer = [](const http::Request&) { return http::Response::json(200, "[]"); };
    auto none = bench.driver.post_json("http://127.0.0.1:9054/run-pending", "{}");
    REQUIRE(none.ok());
    CHECK(none.response->status == 404);
}

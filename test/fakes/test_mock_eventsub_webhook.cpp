// MockEventSubWebhook contract (docs/CONTRACT.md §8, RT-157, GAP-36): HMAC check, byte-identical forward
// with the three Twitch headers, relay of the EBS's status, body and media type.
#include <catch2/catch.hpp>

#include "fake_bench.h"
#include "fakes/mock_eventsub_webhook.h"
#include "sim/core/crypto.h"

using namespace mgm;

namespace {

constexpr const char* kUrl = "http://127.0.0.1:9051/api/twitch/eventsub";
// Vector H5 (the reference's published HMAC test vector).
const std::string kH5Body =
    R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"00000000-0000-4000-8000-000000000001","chatter_user_id":"e2e-viewer-1","chatter_user_login":"e2eviewer1","message":{"text":"!twgold Etoehero"},"badges":[{"set_id":"subscriber"}]}})";
const std::string kH5Id = "00000000-0000-4000-8000-000000000001";
const std::string kH5Signature = "sha256=cb68c181602aed0127f9ed62bb15de1c4c1bfb34717a99dea47ade88b2506183";

http::Headers twitch_headers(const std::string& id, const std::string& ts, const std::string& signature) {
    http::Headers h;
    h.set("Content-Type", "application/json");
    h.set("Twitch-Eventsub-Message-Id", id);
    h.set("Twitch-Eventsub-Message-Timestamp", ts);
    h.set("Twitch-Eventsub-Message-Signature", signature);
    return h;
}

struct EventSubBench : test::FakeBench {
    fakes::MockEventSubWebhook webhook;
    explicit EventSubBench(fakes::MockEventSubWebhookConfig config = {})
        : webhook(std::move(config), seams("eventsub")) {
        serve_fake("127.0.0.1:9051", webhook);
    }
};

}  // namespace

TEST_CASE("MockEventSubWebhook /health answers the body check_workflow_integration.py expects", "[fakes][eventsub]") {
    EventSubBench bench;
    auto r = bench.driver.get("http://127.0.0.1:9051/health");
    REQUIRE(r.ok());
    CHECK(r.response->status == 200);
    CHECK(r.response->body == R"({"status":"ok","service":"MockEventSubWebhook"})");
    CHECK(r.response->headers.get("Content-Type").value_or("").rfind("application/json", 0) == 0);
}

TEST_CASE("MockEventSubWebhook defaults and configuration keys", "[fakes][eventsub]") {
    fakes::MockEventSubWebhookConfig defaults;
    CHECK(defaults.backend_base_url == "http://127.0.0.1:8080");
    CHECK(defaults.eventsub_secret == "e2e-ci-eventsub-secret");  // the committed appsettings.json
    CHECK(defaults.forward_timeout == std::chrono::seconds(60));
    auto c = fakes::MockEventSubWebhookConfig::from_settings(
        sim::Settings::from_pairs({{"Backend__BaseUrl", "http://127.0.0.1:18080"}, {"Twitch__EventSubSecret", ""}}));
    CHECK(c.backend_base_url == "http://127.0.0.1:18080");
    CHECK(c.eventsub_secret.empty());
}

TEST_CASE("MockEventSubWebhook forwards a correctly signed delivery byte for byte with the three headers",
          "[fakes][eventsub]") {
    EventSubBench bench;
    bench.serve_stub_ebs();
    auto r = bench.driver.request("POST", kUrl, kH5Body, twitch_headers(kH5Id, "1775390400", kH5Signature));
    REQUIRE(r.ok());
    CHECK(r.response->status == 200);
    CHECK(r.response->body.empty());
    // Empty EBS body without a content type: relayed with the default media type.
    CHECK(r.response->headers.get("Content-Type") == std::optional<std::string>("application/json; charset=utf-8"));

    REQUIRE(bench.ebs_requests.size() == 1);
    const auto& forwarded = bench.ebs_requests[0];
    CHECK(forwarded.method == "POST");
    CHECK(forwarded.path == "/api/twitch/eventsub");
    CHECK(forwarded.body == kH5Body);
    CHECK(forwarded.headers.get("Twitch-Eventsub-Message-Id") == std::optional<std::string>(kH5Id));
    CHECK(forwarded.headers.get("Twitch-Eventsub-Message-Timestamp") == std::optional<std::string>("1775390400"));
    CHECK(forwarded.headers.get("Twitch-Eventsub-Message-Signature") == std::optional<std::string>(kH5Signature));
    CHECK(forwarded.headers.get("Content-Type") == std::optional<std::string>("application/json; charset=utf-8"));
    CHECK(bench.webhook.forwarded_count() == 1);
    CHECK(bench.webhook.last_backend_status() == 200);
}

TEST_CASE("MockEventSubWebhook rejects bad or missing signatures with an empty 401 and forwards nothing",
          "[fakes][eventsub]") {
    EventSubBench bench;
    bench.serve_stub_ebs();
    SECTION("wrong signature") {
        auto r = bench.driver.request("POST", kUrl, kH5Body, twitch_headers(kH5Id, "1775390400", "sha256=deadbeef"));
        REQUIRE(r.ok());
        CHECK(r.response->status == 401);
        CHECK(r.response->body.empty());
    }
    SECTION("upper-case hex is a mismatch (ordinal comparison)") {
        std::string upper = kH5Signature;
        for (auto& c : upper)
            if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
        upper.replace(0, 7, "sha256=");
        auto r = bench.driver.request("POST", kUrl, kH5Body, twitch_headers(kH5Id, "1775390400", upper));
        REQUIRE(r.ok());
        CHECK(r.response->status == 401);
    }
    SECTION("a missing header") {
        auto h = twitch_headers(kH5Id, "1775390400", kH5Signature);
        h.remove("Twitch-Eventsub-Message-Timestamp");
        auto r = bench.driver.request("POST", kUrl, kH5Body, h);
        REQUIRE(r.ok());
        CHECK(r.response->status == 401);
    }
    SECTION("a body changed after signing") {
        auto r = bench.driver.request("POST", kUrl, kH5Body + " ", twitch_headers(kH5Id, "1775390400", kH5Signature));
        REQUIRE(r.ok());
        CHECK(r.response->status == 401);
    }
    CHECK(bench.ebs_requests.empty());
    CHECK(bench.webhook.rejected_count() == 1);
}

TEST_CASE("MockEventSubWebhook relays the EBS's status, body and media type", "[fakes][eventsub]") {
    EventSubBench bench;
    bench.serve_stub_ebs();
    SECTION("a challenge echoed as text/plain") {
        bench.ebs_answer = [](const http::Request&) {
            return http::Response::text(200, "hello-challenge", "text/plain");
        };
        std::string body = R"({"challenge":"hello-challenge"})";
        std::string signature = "sha256=e3db8a1dab2f9130dd2c2d78e0e421b58058e2880849f68fa3774ac8f846318a";  // H4
        auto r = bench.driver.request("POST", kUrl, body, twitch_headers("msg-1", "1775390400", signature));
        REQUIRE(r.ok());
        CHECK(r.response->status == 200);
        CHECK(r.response->body == "hello-challenge");
        CHECK(r.response->headers.get("Content-Type") == std::optional<std::string>("text/plain; charset=utf-8"));
    }
    SECTION("an EBS error (its secret differs) passes through") {
        bench.ebs_answer = [](const http::Request&) {
            return http::Response::json(401, R"({"code":"x","message":"y","details":{}})");
        };
        auto r = bench.driver.request("POST", kUrl, kH5Body, twitch_headers(kH5Id, "1775390400", kH5Signature));
        REQUIRE(r.ok());
        CHECK(r.response->status == 401);
        CHECK(r.response->body == R"({"code":"x","message":"y","details":{}})");
        CHECK(r.response->headers.get("Content-Type") == std::optional<std::string>("application/json; charset=utf-8"));
        CHECK(bench.webhook.last_backend_status() == 401);
    }
}

TEST_CASE("MockEventSubWebhook answers 500 when the EBS is not reachable", "[fakes][eventsub]") {
    EventSubBench bench;  // nothing listens on 8080
    auto r = bench.driver.request("POST", kUrl, kH5Body, twitch_headers(kH5Id, "1775390400", kH5Signature));
    REQUIRE(r.ok());
    CHECK(r.response->status == 500);
    CHECK(r.response->body.empty());
}

TEST_CASE("MockEventSubWebhook gives up on a silent EBS after its 60 s forward timeout", "[fakes][eventsub]") {
    EventSubBench bench;
    std::vector<std::function<void(http::Response)>> never_answered;  // held, so the connection stays open
    bench.serve("127.0.0.1:8080", [&](const http::Request&, std::function<void(http::Response)> respond) {
        never_answered.push_back(std::move(respond));
    });
    sim::Instant sent = bench.clock.now();
    auto r = bench.driver.request("POST", kUrl, kH5Body, twitch_headers(kH5Id, "1775390400", kH5Signature));
    REQUIRE(r.ok());
    CHECK(r.response->status == 500);
    CHECK(bench.clock.now() - sent >= std::chrono::seconds(60));
    CHECK(bench.clock.now() - sent < std::chrono::seconds(61));
}

TEST_CASE("MockEventSubWebhook with an empty secret skips the check and forwards only present headers",
          "[fakes][eventsub]") {
    fakes::MockEventSubWebhookConfig config;
    config.eventsub_secret = "";
    EventSubBench bench(config);
    bench.serve_stub_ebs();
    http::Headers h;
    h.set("Content-Type", "application/json");
    auto r = bench.driver.request("POST", kUrl, R"({"challenge":"x"})", h);
    REQUIRE(r.ok());
    CHECK(r.response->status == 200);
    REQUIRE(bench.ebs_requests.size() == 1);
    CHECK(bench.ebs_requests[0].headers.count("Twitch-Eventsub-Message-Id") == 0);
    CHECK(bench.ebs_requests[0].headers.count("Twitch-Eventsub-Message-Signature") == 0);
}

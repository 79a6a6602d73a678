// MockExtensionJwt contract (docs/CONTRACT.md §8, RT-158, GAP-38): tokens the EBS's validator accepts.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "fake_bench.h"
#include "fakes/mock_extension_jwt.h"
#include "sim/core/crypto.h"
#include "sim/core/jwt.h"

using namespace mgm;
using nlohmann::json;

namespace {

struct JwtBench : test::FakeBench {
    fakes::MockExtensionJwt mock;
    explicit JwtBench(fakes::MockExtensionJwtConfig config = {}) : mock(std::move(config), seams("jwt")) {
        serve_fake("127.0.0.1:9052", mock);
    }
};

const std::string kDevKey = sim::crypto::sha256("mgm-dev-extension-secret-change-me");

json payload_of(const std::string& token) {
    auto first = token.find('.');
    auto second = token.find('.', first + 1);
    return json::parse(*sim::crypto::base64url_decode(token.substr(first + 1, second - first - 1)));
}

}  // namespace

TEST_CASE("MockExtensionJwt /health", "[fakes][jwt]") {
    JwtBench bench;
    auto r = bench.driver.get("http://127.0.0.1:9052/health");
    REQUIRE(r.ok());
    CHECK(r.response->status == 200);
    CHECK(r.response->body == R"({"status":"ok","service":"MockExtensionJwt"})");
}

TEST_CASE("MockExtensionJwt /token issues a 2 h HS256 token with user_id and unique_name under the dev key",
          "[fakes][jwt]") {
    JwtBench bench;
    auto r = bench.driver.get("http://127.0.0.1:9052/token?userId=e2e-viewer-1&displayName=E2EViewer");
    REQUIRE(r.ok());
    REQUIRE(r.response->status == 200);
    json doc = json::parse(r.response->body);
    CHECK(doc["token_type"] == "Bearer");
    CHECK(doc["expires_in"] == 7200);
    // Field order as the reference's anonymous object.
    CHECK(r.response->body.rfind(R"({"access_token":")", 0) == 0);
    std::string token = doc["access_token"];

    auto valid = sim::jwt::validate(token, {kDevKey, "", std::chrono::minutes(5)}, bench.clock.now());
    REQUIRE(valid.ok());
    CHECK(sim::jwt::twitch_user_id(*valid.claims) == std::optional<std::string>("e2e-viewer-1"));
    CHECK(sim::jwt::display_name(*valid.claims, "e2e-viewer-1") == "E2EViewer");

    json payload = payload_of(token);
    std::int64_t now = bench.clock.now().unix_seconds_floor();
    CHECK(payload["exp"] == now + 7200);
    CHECK(payload["nbf"] == now);
    CHECK(payload["iat"] == now);
    CHECK_FALSE(payload.contains("aud"));
    CHECK_FALSE(payload.contains("iss"));

    // Expired two hours (plus the 5-minute skew) later.
    auto later = sim::jwt::validate(token, {kDevKey, "", std::chrono::minutes(5)},
                                    bench.clock.now() + std::chrono::hours(2) + std::chrono::minutes(6));
    CHECK_FALSE(later.ok());
}

TEST_CASE("MockExtensionJwt: displayName defaults to userId - a missing userId is a 400", "[fakes][jwt]") {
    JwtBench bench;
    auto r = bench.driver.get("http://127.0.0.1:9052/token?userId=viewer-7");
    REQUIRE(r.ok());
    REQUIRE(r.response->status == 200);
    CHECK(payload_of(json::parse(r.response->body)["access_token"])["unique_name"] == "viewer-7");

    auto missing = bench.driver.get("http://127.0.0.1:9052/token?displayName=x");
    REQUIRE(missing.ok());
    CHECK(missing.response->status == 400);
    CHECK(missing.response->body.empty());
    CHECK(bench.mock.issued_count() == 1);
}

TEST_CASE("MockExtensionJwt: a configured client id becomes aud - a base64 secret replaces the dev key",
          "[fakes][jwt]") {
    fakes::MockExtensionJwtConfig config = fakes::MockExtensionJwtConfig::from_settings(sim::Settings::from_pairs({
        {"Twitch__ExtensionClientId", "test-extension-client-id"},
        {"Twitch__ExtensionSecret", sim::crypto::base64_encode("0123456789abcdef0123456789abcdef")},
    }));
    JwtBench bench(config);
    auto r = bench.driver.get("http://127.0.0.1:9052/token?userId=u1");
    REQUIRE(r.ok());
    std::string token = json::parse(r.response->body)["access_token"];
    CHECK(payload_of(token)["aud"] == "test-extension-client-id");
    sim::Instant now = bench.clock.now();
    CHECK(sim::jwt::validate(token, {"0123456789abcdef0123456789abcdef", "test-extension-client-id"}, now).ok());
    CHECK_FALSE(sim::jwt::validate(token, {"0123456789abcdef0123456789abcdef", "other-client"}, now).ok());
    CHECK_FALSE(sim::jwt::validate(token, {kDevKey, ""}, now).ok());
}

TEST_CASE("MockExtensionJwt: a secret that is not base64 makes /token answer 500 (health stays up)", "[fakes][jwt]") {
    fakes::MockExtensionJwtConfig config;
    config.extension_secret = "not base64!";
    JwtBench bench(config);
    auto r = bench.driver.get("http://127.0.0.1:9052/token?userId=u1");
    REQUIRE(r.ok());
    CHECK(r.response->status == 500);
    auto health = bench.driver.get("http://127.0.0.1:9052/health");
    REQUIRE(health.ok());
    CHECK(health.response->status == 200);
}

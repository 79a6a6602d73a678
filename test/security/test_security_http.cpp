// Security checks over HTTP against the whole stack in simulation (docs/RELIABILITY.md §5): forged JWTs,
// malformed EventSub signatures at the mock and at the EBS, rate limits under a concurrent burst, request
// size limits, and a source scan proving every secret comparison goes through constant_time_equals.
// Unit-level JWT and HMAC vectors live in test/backend (test_api_jwt.cpp, test_ebs_eventsub.cpp).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "backend/domain/store.h"
#include "backend/ebs.h"
#include "fakes/eventsub_delivery.h"
#include "fakes/mock_extension_jwt.h"
#include "sim/clock/sim_loop.h"
#include "sim/core/crypto.h"
#include "sim/core/jwt.h"
#include "sim/http/client.h"
#include "sim/network/loopback_network.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"

using namespace mgm;
using nlohmann::json;

namespace {

constexpr const char* kClientId = "security-extension-client";

// A simulated World with a configured extension client id (so audiences are checked, D7) and helpers to
// mint tokens with the configured key.
struct SecurityWorld {
    harness::World world;
    std::string key;

    static harness::WorldConfig config(bool with_audience) {
        harness::WorldConfig c;
        if (with_audience) c.settings.set("Twitch:ExtensionClientId", kClientId);
        return c;
    }
    explicit SecurityWorld(bool with_audience = true) : world(config(with_audience)) {
        key = fakes::MockExtensionJwtConfig::from_settings(world.config().settings).signing_key().value();
    }

    std::int64_t now_unix() { return world.clock().now().unix_seconds_floor(); }

    nlohmann::ordered_json claims(const std::string& user, std::int64_t exp_offset_s = 3600) {
        nlohmann::ordered_json c = {{"user_id", user}, {"role", "viewer"}, {"exp", now_unix() + exp_offset_s}};
        c["aud"] = kClientId;
        return c;
    }

    int state_status(const std::string& token) {
        http::Headers h;
        h.set("Authorization", "Bearer " + token);
        auto r = world.driver().get(world.url(harness::Service::ebs) + "/api/roulette/state", h);
        REQUIRE(r.ok());
        return r.response->status;
    }
};

std::string b64url_json(const nlohmann::ordered_json& value) { return sim::crypto::base64url_encode(value.dump()); }

std::vector<std::string> split_token(const std::string& token) {
    std::vector<std::string> parts;
    std::stringstream in(token);
    for (std::string part; std::getline(in, part, '.');) parts.push_back(part);
    if (!token.empty() && token.back() == '.') parts.emplace_back();
    return parts;
}

}  // namespace

TEST_CASE("forged, expired and misaddressed JWTs are rejected over HTTP", "[security][jwt]") {
    SecurityWorld w;
    const std::string valid = sim::jwt::encode(w.claims("viewer-1"), w.key);
    REQUIRE(w.state_status(valid) == 200);  // the control: the same route accepts a good token
    const auto parts = split_token(valid);
    REQUIRE(parts.size() == 3);

    SECTION("alg none, with and without the original signature") {
        const std::string none_header = b64url_json(nlohmann::ordered_json{{"alg", "none"}, {"typ", "JWT"}});
        CHECK(w.state_status(none_header + "." + parts[1] + ".") == 401);
        CHECK(w.state_status(none_header + "." + parts[1] + "." + parts[2]) == 401);
        const std::string none_upper = b64url_json(nlohmann::ordered_json{{"alg", "None"}, {"typ", "JWT"}});
        CHECK(w.state_status(none_upper + "." + parts[1] + ".") == 401);
    }
    SECTION("tampered payload keeps the old signature") {
        auto claims = w.claims("viewer-1");
        claims["user_id"] = "someone-else";
        CHECK(w.state_status(parts[0] + "." + b64url_json(claims) + "." + parts[2]) == 401);
        claims = w.claims("viewer-1", 365 * 24 * 3600);  // a longer life, same user
        CHECK(w.state_status(parts[0] + "." + b64url_json(claims) + "." + parts[2]) == 401);
    }
    SECTION("signature truncated or from another key") {
        CHECK(w.state_status(parts[0] + "." + parts[1] + "." + parts[2].substr(0, parts[2].size() - 2)) == 401);
        CHECK(w.state_status(parts[0] + "." + parts[1] + ".") == 401);
        CHECK(w.state_status(sim::jwt::encode(w.claims("viewer-1"), std::string(32, 'k'))) == 401);
    }
    SECTION("expired beyond the 5-minute skew") {
        CHECK(w.state_status(sim::jwt::encode(w.claims("viewer-1", -301), w.key)) == 401);
        CHECK(w.state_status(sim::jwt::encode(w.claims("viewer-1", -3600), w.key)) == 401);
        CHECK(w.state_status(sim::jwt::encode(w.claims("viewer-1", -299), w.key)) == 200);  // within the skew
    }
    SECTION("wrong or missing audience when a client id is configured") {
        auto claims = w.claims("viewer-1");
        claims["aud"] = "another-extension";
        CHECK(w.state_status(sim::jwt::encode(claims, w.key)) == 401);
        claims.erase("aud");
        CHECK(w.state_status(sim::jwt::encode(claims, w.key)) == 401);
    }
}

TEST_CASE("EventSub signatures in uppercase hex, truncated or unprefixed are rejected by mock and EBS",
          "[security][hmac]") {
    harness::WorldConfig quiet;
    quiet.log_level = sim::LogLevel::off;  // the rejected deliveries would each log a warning
    harness::World world(quiet);
    const std::string secret = "e2e-ci-eventsub-secret";
    const std::string id = "m-1", timestamp = "1775304000";
    fakes::eventsub::ChatMessage message;
    message.message_id = id;
    message.chatter_user_id = "sec-viewer";
    message.chatter_user_login = "secviewer";
    message.text = "!twgold Securus";
    const std::string body = fakes::eventsub::chat_message_body(message);
    const std::string hex =
        fakes::eventsub::signature(secret, id, timestamp, body).substr(std::string("sha256=").size());
    std::string upper = hex;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));

    auto deliver = [&](harness::Service service, const std::string& signature) {
        http::Headers h = fakes::eventsub::delivery_headers(secret, id, timestamp, body);
        h.set(fakes::eventsub::kSignatureHeader, signature);
        auto r = world.driver().request("POST", world.url(service) + "/api/twitch/eventsub", body, h);
        REQUIRE(r.ok());
        return r.response->status;
    };
    for (harness::Service service : {harness::Service::eventsub, harness::Service::ebs}) {
        INFO(harness::service_name(service));
        CHECK(deliver(service, "sha256=" + upper) == 401);
        CHECK(deliver(service, "SHA256=" + hex) == 401);
        CHECK(deliver(service, "sha256=" + hex.substr(0, 63)) == 401);
        CHECK(deliver(service, "sha256=" + hex.substr(0, 32)) == 401);
        CHECK(deliver(service, "sha256=" + hex + "0") == 401);
        CHECK(deliver(service, hex) == 401);
        CHECK(deliver(service, "sha256=") == 401);
    }
    CHECK(world.ebs().store().pool_size() == 0);
    CHECK(deliver(harness::Service::eventsub, "sha256=" + hex) == 200);  // the control
    CHECK(world.ebs().store().pool_size() == 1);
}

TEST_CASE("secret comparisons are constant-time", "[security][constant-time]") {
    // Behaviour: equal only for identical strings of equal length; a shared prefix does not help.
    CHECK(sim::crypto::constant_time_equals("sha256=abcdef", "sha256=abcdef"));
    CHECK_FALSE(sim::crypto::constant_time_equals("sha256=abcdef", "sha256=abcdeF"));
    CHECK_FALSE(sim::crypto::constant_time_equals("sha256=abcdef", "sha256=abcde"));
    CHECK_FALSE(sim::crypto::constant_time_equals("", "x"));
    CHECK(sim::crypto::constant_time_equals("", ""));

    // Source scan: each place that checks a secret (the API key, the EventSub HMAC at the EBS and at the
    // mock, the JWT signature) compares through constant_time_equals, and none of them also uses ==.
    struct Site {
        const char* file;
        const char* function_marker;  // text that opens the checking function
    };
    const Site sites[] = {
        {"backend/api/auth.cpp", "configured_key"},
        {"backend/api/eventsub.cpp", "signature_valid"},
        {"fakes/mock_eventsub_webhook.cpp", "expected"},
        {"sim/core/jwt.cpp", "The signature is invalid"},
    };
    for (const auto& site : sites) {
        INFO(site.file);
        std::ifstream in(std::filesystem::path(MGM_SOURCE_DIR) / site.file);
        REQUIRE(in);
        std::stringstream text;
        text << in.rdbuf();
        const std::string source = text.str();
        CHECK(source.find(site.function_marker) != std::string::npos);
        CHECK(source.find("constant_time_equals(") != std::string::npos);
        // No direct equality against the computed secret material.
        static const std::regex direct(R"((expected|signature|configured_key|presented)\s*[!=]=\s*[A-Za-z_*])");
        std::smatch match;
        CHECK_FALSE(std::regex_search(source, match, direct));
        if (!match.empty()) INFO("direct comparison: " << match.str());
    }
    // The comparison itself: OpenSSL's CRYPTO_memcmp (constant time for equal lengths; only the length, which
    // is public for a hex digest or a configured key, returns early).
    std::ifstream crypto(std::filesystem::path(MGM_SOURCE_DIR) / "sim/core/crypto.cpp");
    REQUIRE(crypto);
    std::stringstream text;
    text << crypto.rdbuf();
    const std::string source = text.str();
    const auto at = source.find("bool constant_time_equals(");
    REQUIRE(at != std::string::npos);
    const std::string body = source.substr(at, source.find("\n}\n", at) - at);
    CHECK(body.find("CRYPTO_memcmp") != std::string::npos);
}

TEST_CASE("a concurrent burst from one viewer gets exactly 5 answers per window, the rest 429",
          "[security][ratelimit]") {
    SecurityWorld w(/*with_audience=*/false);
    // Jittered latency so the 30 requests interleave on the wire instead of arriving in order.
    sim::LinkFaults jitter;
    jitter.latency_min = std::chrono::milliseconds(1);
    jitter.latency_max = std::chrono::milliseconds(40);
    w.world.loopback().set_default_faults(jitter);

    http::Client client(w.world.network(), w.world.scheduler(), "burst-client");
    auto burst = [&](const std::string& path, http::Headers headers, int count) {
        std::vector<int> statuses;
        int done = 0;
        for (int i = 0; i < count; ++i) {
            http::Request request;
            request.method = "GET";
            request.target = path;
            request.path = path;
            request.headers = headers;
            client.send(w.world.address(harness::Service::ebs), request, {}, [&](http::ClientResult r) {
                statuses.push_back(r.ok() ? r.response->status : -1);
                ++done;
            });
        }
        w.world.loop().run_until([&] { return done == count; }, w.world.clock().now() + std::chrono::seconds(5));
        REQUIRE(done == count);
        return statuses;
    };
    auto count_of = [](const std::vector<int>& statuses, int status) {
        return std::count(statuses.begin(), statuses.end(), status);
    };

    http::Headers viewer;
    viewer.set("Authorization", "Bearer " + sim::jwt::encode(w.claims("burst-viewer"), w.key));
    auto first = burst("/api/pool/me", viewer, 30);
    CHECK(count_of(first, 429) == 25);
    CHECK(count_of(first, 404) + count_of(first, 200) == 5);  // pool/me: 404 until enrolled

    http::Headers desktop;
    desktop.set("X-MGM-ApiKey", "ci-desktop-api-key");
    auto shared = burst("/api/payouts/pending", desktop, 30);
    CHECK(count_of(shared, 200) == 5);
    CHECK(count_of(shared, 429) == 25);

    // Rejected credentials are not counted against anyone (and are never 429).
    http::Headers wrong;
    wrong.set("X-MGM-ApiKey", "not-the-key");
    auto rejected = burst("/api/payouts/pending", wrong, 20);
    CHECK(count_of(rejected, 401) == 20);

    // A minute later the windows replenish.
    w.world.loop().run_for(std::chrono::seconds(61));
    CHECK(count_of(burst("/api/payouts/pending", desktop, 8), 200) == 5);
}

TEST_CASE("the EBS refuses oversized bodies (413) and headers (431) and keeps serving", "[security][limits]") {
    harness::World world(harness::WorldConfig{});
    auto& driver = world.driver();
    const std::string url = world.url(harness::Service::ebs);
    http::Headers key;
    key.set("X-MGM-ApiKey", "ci-desktop-api-key");

    auto huge = driver.post_json(url + "/api/e2e/prepare-pending-payout", std::string(30'000'001, ' '), key);
    REQUIRE(huge.ok());
    CHECK(huge.response->status == 413);

    http::Headers fat = key;
    fat.set("X-Padding", std::string(33 * 1024, 'a'));
    auto big_headers = driver.get(url + "/api/payouts/pending", fat);
    REQUIRE(big_headers.ok());
    CHECK(big_headers.response->status == 431);

    auto fine = driver.get(url + "/api/version");
    REQUIRE(fine.ok());
    CHECK(fine.response->status == 200);
    CHECK(world.ebs().store().pool_size() == 0);
}

// EbsConfig (§13) and decision D10: refuse to start without a derivable Extension JWT key.
#include <catch2/catch.hpp>

#include "backend/config.h"
#include "sim/core/crypto.h"

using namespace mgm;
using namespace mgm::backend;

TEST_CASE("config: keys read from settings, environment form, defaults", "[domain][config]") {
    auto s = sim::Settings::from_pairs({{"ASPNETCORE_ENVIRONMENT", "development"},
                                        {"Mgm__ApiKey", "ci-desktop-api-key"},
                                        {"Mgm__DevSkipSubscriberCheck", "True"},
                                        {"Mgm:EnableE2eHarness", "true"},
                                        {"Twitch__EventSubSecret", "e2e-ci-eventsub-secret"},
                                        {"Twitch__HelixApiBaseUrl", "http://127.0.0.1:9053"},
                                        {"Twitch__BroadcasterUserId", "12345"},
                                        {"Version:MinimumDesktopVersion", "1.2.0"}});
    const auto c = EbsConfig::from_settings(s);
    CHECK(c.is_development());
    CHECK(c.api_key == "ci-desktop-api-key");
    CHECK(c.dev_skip_subscriber_check);
    CHECK(c.enable_e2e_harness);
    CHECK(c.eventsub_secret == "e2e-ci-eventsub-secret");
    CHECK(c.helix_api_base_url == "http://127.0.0.1:9053");
    CHECK(c.broadcaster_user_id == "12345");
    CHECK(c.version_minimum_desktop == std::optional<std::string>("1.2.0"));
    CHECK_FALSE(c.version_release_notes_url.has_value());
    CHECK(c.sqlite_path == ":memory:");

    const auto d = EbsConfig::from_settings(sim::Settings{});
    CHECK(d.environment == "Production");
    CHECK_FALSE(d.is_development());
    CHECK_FALSE(d.dev_skip_subscriber_check);
    CHECK(d.api_key.empty());
}

TEST_CASE("config: DOTNET_ENVIRONMENT is the fallback environment name", "[domain][config]") {
    auto c = EbsConfig::from_settings(sim::Settings::from_pairs({{"DOTNET_ENVIRONMENT", "Development"}}));
    CHECK(c.is_development());
}

TEST_CASE("D10 development without a secret uses SHA-256 of the dev seed", "[domain][config]") {
    EbsConfig c;
    c.environment = "Development";
    CHECK(sim::crypto::to_hex_lower(c.extension_jwt_key()) ==
          "593a47febf146ecdcc613ee46a31f341f26230ec7dfecb726834f6846b175af2");
    CHECK_NOTHROW(c.validate());
}

TEST_CASE("D10 a configured base64 secret is the key in any environment", "[domain][config]") {
    EbsConfig c;
    c.extension_secret = "WTpH/r8Ubs3MYT7kajHzQfJiMOx9/styaDT2hGsXWvI=";
    c.eventsub_secret = "eventsub-secret";  // Production also needs these (D10b)
    c.api_key = "desktop-key";
    CHECK(sim::crypto::to_hex_lower(c.extension_jwt_key()) ==
          "593a47febf146ecdcc613ee46a31f341f26230ec7dfecb726834f6846b175af2");
    CHECK_NOTHROW(c.validate());
}

TEST_CASE("D10b outside Development an empty EventSub secret or API key refuses to start", "[domain][config]") {
    EbsConfig c;
    c.environment = "Production";
    c.extension_secret = "WTpH/r8Ubs3MYT7kajHzQfJiMOx9/styaDT2hGsXWvI=";
    c.api_key = "desktop-key";
    CHECK_THROWS_WITH(c.validate(), Catch::Contains("Twitch__EventSubSecret") && Catch::Contains("Production"));
    c.eventsub_secret = "eventsub-secret";
    c.api_key = "";
    CHECK_THROWS_WITH(c.validate(), Catch::Contains("Mgm__ApiKey"));
    c.api_key = "desktop-key";
    CHECK_NOTHROW(c.validate());
    c.environment = "Development";  // the reference CI's environment: empty values are allowed there
    c.api_key = "";
    c.eventsub_secret = "";
    CHECK_NOTHROW(c.validate());
}

TEST_CASE("D10 refuse to start: no secret outside Development, invalid base64, short key", "[domain][config]") {
    EbsConfig c;
    c.environment = "Production";
    CHECK_THROWS_WITH(c.validate(),
                      Catch::Contains("Twitch:ExtensionSecret") && Catch::Contains("Twitch__ExtensionSecret"));
    c.environment = "Development";
    c.extension_secret = "not base64!";
    CHECK_THROWS_AS(c.validate(), ConfigError);
    CHECK_THROWS_WITH(c.validate(), Catch::Contains("Twitch__ExtensionSecret"));
    c.extension_secret = sim::crypto::base64_encode("short-key");  // 9 bytes
    CHECK_THROWS_WITH(c.validate(), Catch::Contains("16 bytes"));
}

TEST_CASE("D10 secret handling mirrors .NET: whitespace inside base64 is skipped, a blank secret is no key",
          "[domain][config]") {
    EbsConfig c;
    c.environment = "Development";
    c.extension_secret = "WTpH/r8Ubs3MYT7kajHzQfJiMOx9\n/styaDT2hGsXWvI=";
    CHECK(sim::crypto::to_hex_lower(c.extension_jwt_key()) ==
          "593a47febf146ecdcc613ee46a31f341f26230ec7dfecb726834f6846b175af2");
    // Non-empty but blank: the reference decodes it (zero bytes) instead of using the dev key.
    c.extension_secret = "   ";
    CHECK_THROWS_AS(c.validate(), ConfigError);
    c.environment = " Development";  // IsDevelopment does not trim
    c.extension_secret.clear();
    CHECK_FALSE(c.is_development());
    CHECK_THROWS_AS(c.validate(), ConfigError);
}

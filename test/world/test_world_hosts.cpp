// The World's host table: the CI port map in one place (and the scripts' copy equal to it), per-service
// configuration overrides, and the EBS's own network address taken from its configuration.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "backend/ebs.h"
#include "fakes/mock_eventsub_webhook.h"
#include "fakes/mock_helix_api.h"
#include "harness/flows/tier_b_flow.h"
#include "harness/world/world.h"
#include "sim/network/ci_ports.h"
#include "sim/network/loopback_network.h"
#include "sim/trace/trace.h"

using namespace mgm;

TEST_CASE("World hosts: every service listens on its CI port by default", "[world][ports]") {
    const std::map<harness::Service, std::string> expected = {
        {harness::Service::ebs, "127.0.0.1:8080"},     {harness::Service::eventsub, "127.0.0.1:9051"},
        {harness::Service::jwt, "127.0.0.1:9052"},     {harness::Service::helix, "127.0.0.1:9053"},
        {harness::Service::desktop, "127.0.0.1:9054"},
    };
    harness::World world(harness::WorldConfig{});
    for (auto [service, address] : expected) {
        INFO(harness::service_name(service));
        CHECK(harness::default_address(service) == address);
        CHECK(world.address(service) == address);
    }
    CHECK(world.ebs().config().self_address == "127.0.0.1:8080");
    CHECK(world.eventsub().config().backend_base_url == "http://127.0.0.1:8080");
}

TEST_CASE("World hosts: scripts/ci-ports.sh matches the C++ port map", "[world][ports]") {
    std::ifstream file(std::string(MGM_SOURCE_DIR) + "/scripts/ci-ports.sh");
    REQUIRE(file);
    std::map<std::string, int> ports;
    std::string line;
    while (std::getline(file, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto eq = line.find('=');
        REQUIRE(eq != std::string::npos);
        ports[line.substr(0, eq)] = std::stoi(line.substr(eq + 1));
    }
    const std::map<std::string, int> expected = {
        {"MGM_EBS_PORT", sim::ci::kEbsPort},
        {"MGM_EVENTSUB_PORT", sim::ci::kEventSubWebhookPort},
        {"MGM_JWT_PORT", sim::ci::kExtensionJwtPort},
        {"MGM_HELIX_PORT", sim::ci::kHelixApiPort},
        {"MGM_DESKTOP_PORT", sim::ci::kSyntheticDesktopPort},
    };
    CHECK(ports == expected);
}

TEST_CASE("World hosts: a per-service override reaches that service only", "[world][config]") {
    harness::WorldConfig config;
    config.service_settings[harness::Service::eventsub].set("Twitch:EventSubSecret", "mock-only-secret");
    harness::World world(std::move(config));
    CHECK(world.eventsub().config().eventsub_secret == "mock-only-secret");
    CHECK(world.ebs().config().eventsub_secret == "e2e-ci-eventsub-secret");
}

TEST_CASE("World hosts: a World with only the EBS, configured verbatim", "[world][config]") {
    harness::WorldConfig config;
    config.services = {harness::Service::ebs};
    backend::EbsConfig ebs;
    ebs.environment = "Development";
    ebs.api_key = "verbatim-key";
    ebs.self_address = "ignored:1";  // the World sets it to where the EBS listens
    config.ebs_config = ebs;
    harness::World world(std::move(config));
    CHECK(world.ebs().config().api_key == "verbatim-key");
    CHECK(world.ebs().config().self_address == "127.0.0.1:8080");
    CHECK_FALSE(world.runs(harness::Service::helix));
    CHECK_THROWS_AS(world.helix(), std::logic_error);
}

TEST_CASE("World hosts: the EBS connects to Helix from its configured address", "[world][network]") {
    // The EBS on another port: a partition between that address and the Helix mock must cut the EBS's
    // announcement (had the EBS connected from a fixed address, the partition would not apply).
    harness::WorldConfig config;
    config.addresses[static_cast<std::size_t>(harness::Service::ebs)] = "127.0.0.1:18080";
    config.keep_trace_lines = true;
    harness::World world(std::move(config));
    REQUIRE(world.ebs().config().self_address == "127.0.0.1:18080");
    world.loopback().partition("127.0.0.1:18080", world.address(harness::Service::helix));
    std::ostringstream progress;
    harness::run_tier_a_b_flow(world.driver(), harness::flow_options_for(world), &progress);
    CHECK(world.helix().request_count() == 0);
    bool lost_from_ebs = false;
    for (const auto& line : world.trace().lines())
        if (line.find("\"connect_lost\"") != std::string::npos && line.find("\"127.0.0.1:18080\"") != std::string::npos)
            lost_from_ebs = true;
    CHECK(lost_from_ebs);
}

TEST_CASE("World hosts: every service answers with a Date header from the World's clock, as Kestrel does",
          "[world][http]") {
    // Kestrel adds Date to every response (DateHeaderValueManager, refreshed once a second); every reference
    // service runs on it. In simulation the value is the virtual clock's, so traces stay deterministic.
    harness::World world(harness::WorldConfig{});
    world.loop().run_for(std::chrono::milliseconds(61'500));  // 12:01:01.5: the fraction is dropped
    for (const char* path : {"/api/version", "/no-such-route"}) {
        for (harness::Service service : harness::kAllServices) {
            INFO(harness::service_name(service) << " " << path);
            auto result = world.driver().get(world.url(service) + path);
            REQUIRE(result.ok());
            CHECK(result.response->headers.get("Date") == std::optional<std::string>("Sat, 04 Apr 2026 12:01:01 GMT"));
        }
    }
}

TEST_CASE("World hosts: the simulation refuses PostgreSQL or a SQLite file, naming the setting", "[world][config]") {
    // The simulation stays deterministic and in process: in-memory SQLite only. A scenario's "config" or the
    // settings reach the EBS the same way, so both are refused before anything is opened.
    harness::WorldConfig config;
    config.services = {harness::Service::ebs};
    config.settings.set("ConnectionStrings:PostgreSQL", "Host=127.0.0.1;Port=5432;Database=mgm");
    try {
        harness::World world(config);
        FAIL("a simulated World accepted PostgreSQL");
    } catch (const backend::ConfigError& e) {
        CHECK(std::string(e.what()).find("ConnectionStrings:PostgreSQL") != std::string::npos);
        CHECK(std::string(e.what()).find("in-memory SQLite") != std::string::npos);
    }
    harness::WorldConfig file_config;
    file_config.services = {harness::Service::ebs};
    file_config.settings.set("Mgm:SqlitePath", "/tmp/never-created-by-the-simulation.sqlite");
    CHECK_THROWS_WITH(harness::World(file_config), Catch::Contains("Mgm:SqlitePath") && Catch::Contains("in-memory"));
    // In-memory, spelled either way, is the simulation's store.
    harness::WorldConfig memory_config;
    memory_config.services = {harness::Service::ebs};
    memory_config.settings.set("Mgm:SqlitePath", ":memory:");
    CHECK_NOTHROW(harness::World(memory_config));
}

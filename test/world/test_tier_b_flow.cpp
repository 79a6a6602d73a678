// The whole Tier A + Tier B CI flow (docs/CONTRACT.md §7, docs/REAL_SOCKET_MODE.md) through the World: in simulation (virtual
// clock, loopback network) and over real sockets on ephemeral ports. Same flow code as `mgm-sim e2e`.
#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>

#include "backend/ebs.h"
#include "backend/domain/store.h"
#include "backend/store/store_recycler.h"
#include "fakes/mock_helix_api.h"
#include "fakes/synthetic_desktop.h"
#include "sim/clock/sim_loop.h"
#include "sim/clock/virtual_clock.h"
#include "fakes/eventsub_delivery.h"
#include "sim/http/server.h"
#include "sim/trace/trace.h"
#include "harness/world/driver.h"
#include "harness/flows/tier_b_flow.h"
#include "harness/world/world.h"

using namespace mgm;
using nlohmann::json;

namespace {

harness::FlowReport run_flow(harness::World& world) {
    std::ostringstream progress;
    auto report = harness::run_tier_a_b_flow(world.driver(), harness::flow_options_for(world), &progress);
    INFO(progress.str());
    CHECK(report.failure() == "");
    return report;
}

}  // namespace

TEST_CASE("World: the reference CI settings and addresses are the defaults", "[world]") {
    harness::WorldConfig config;
    CHECK(config.mode == harness::WorldMode::simulation);
    CHECK(config.settings.get("Mgm:ApiKey") == std::optional<std::string>("ci-desktop-api-key"));
    CHECK(config.settings.get("ASPNETCORE_ENVIRONMENT") == std::optional<std::string>("Development"));
    CHECK(config.settings.get("Twitch:HelixApiBaseUrl") == std::optional<std::string>("http://127.0.0.1:9053"));
    CHECK_FALSE(config.settings.get("MockHelix:StrictAuth").has_value());
    CHECK(config.addresses[static_cast<std::size_t>(harness::Service::helix)] == "127.0.0.1:9053");
    CHECK(harness::parse_service("MockHelixApi") == harness::Service::helix);
    CHECK(harness::parse_service("Backend") == harness::Service::ebs);
    CHECK_FALSE(harness::parse_service("wowmock").has_value());
}

TEST_CASE("Tier A + Tier B flow passes in simulation, in well under a second of simulated time", "[world][flow]") {
    harness::World world(harness::WorldConfig{});
    auto report = run_flow(world);
    REQUIRE(report.ok);
    CHECK(report.steps.size() == 9);
    CHECK(report.total < std::chrono::seconds(1));
    // Exactly one Helix POST, from the EBS, with the CI's broadcaster.
    REQUIRE(world.helix().request_count() == 1);
    CHECK(world.helix().requests()[0].body->at("broadcaster_id") == "e2e-ci-broadcaster");
    CHECK(world.desktop().last_run().ok);
}

TEST_CASE("Tier A + Tier B in simulation is deterministic: same seed, same trace digest", "[world][flow]") {
    auto digest_of_run = [](std::uint64_t seed) {
        harness::WorldConfig config;
        config.seed = seed;
        harness::World world(config);
        auto report = harness::run_tier_a_b_flow(world.driver(), harness::flow_options_for(world));
        REQUIRE(report.ok);
        return world.trace().digest_hex();
    };
    CHECK(digest_of_run(42) == digest_of_run(42));
}

TEST_CASE("a World on a recycled store runs exactly like a World on a new store", "[world][flow]") {
    // Same seed: the same trace and, after the flow, the same rows in every table (AUTOINCREMENT counters
    // included) as on a new store, though an earlier World's run had filled the recycled one.
    struct Outcome {
        std::string trace, rows;
    };
    auto run = [](std::uint64_t seed, std::shared_ptr<backend::StoreRecycler> store_recycler) {
        harness::WorldConfig config;
        config.seed = seed;
        config.store_recycler = std::move(store_recycler);
        harness::World world(config);
        auto report = harness::run_tier_a_b_flow(world.driver(), harness::flow_options_for(world));
        REQUIRE(report.ok);
        REQUIRE_FALSE(world.ebs().store().list_payouts().empty());
        return Outcome{world.trace().digest_hex(), world.ebs().store().content_digest()};
    };
    auto recycler = std::make_shared<backend::StoreRecycler>();
    const Outcome fresh = run(42, nullptr);
    const Outcome other = run(7, recycler);  // fills a store with another run's rows, then hands it back
    REQUIRE(recycler->idle() == 1);
    REQUIRE(other.rows != fresh.rows);
    for (int reuse = 1; reuse <= 2; ++reuse) {
        const Outcome recycled = run(42, recycler);
        CHECK(recycler->reused() == static_cast<std::size_t>(reuse));
        CHECK(recycled.trace == fresh.trace);
        CHECK(recycled.rows == fresh.rows);
    }
}

TEST_CASE("Tier A + Tier B flow fails, naming the hop, when the EBS's announcement never reaches the mock",
          "[world][flow]") {
    // The EBS posts its announcement to some other Helix (answering 204), while check_mockhelixapi.py's probe
    // left the very same message in the mock: the reference's gate passes here; ours must not.
    harness::WorldConfig config;
    config.wire_urls = false;
    config.settings.set("Twitch:HelixApiBaseUrl", "http://127.0.0.1:9999");
    harness::World world(config);
    int elsewhere = 0;
    http::Server other_helix(world.network(), world.scheduler(), "127.0.0.1:9999",
                             [&](const http::Request&, std::function<void(http::Response)> respond) {
                                 ++elsewhere;
                                 respond(http::Response::empty(204));
                             });
    REQUIRE_FALSE(other_helix.start());
    http::Headers h;
    h.set("Authorization", "Bearer e2e-test-token");
    h.set("Client-Id", "e2e-client-id");
    auto probe = world.driver().post_json(
        world.url(harness::Service::helix) + "/helix/chat/messages",
        R"({"broadcaster_id":"bcast-test","sender_id":"bcast-test","message":"Награда отправлена персонажу Etoehero на почту, проверяй ящик!"})",
        h);
    REQUIRE(probe.ok());
    auto report = harness::run_tier_a_b_flow(world.driver(), harness::flow_options_for(world));
    CHECK_FALSE(report.ok);
    CHECK(elsewhere == 1);
    REQUIRE(report.steps.size() == 6);  // run-sequence passed; the last-request check caught it
    CHECK(report.failure().find("EBS -> Helix") != std::string::npos);
    CHECK(report.failure().find("broadcaster_id") != std::string::npos);
}

TEST_CASE("World: MockHelixApi fail-next makes the EBS retry Helix (3 attempts, no delay)", "[world][helix]") {
    harness::World world(harness::WorldConfig{});
    world.helix().fail_next(2, 503);
    auto report = harness::run_tier_a_b_flow(world.driver(), harness::flow_options_for(world));
    REQUIRE(report.ok == false);  // "exactly once" is violated on purpose: two failures, then the success
    const auto& requests = world.helix().requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].status == 503);
    CHECK(requests[1].status == 503);
    CHECK(requests[2].status == 204);
    CHECK(requests[0].received_at == requests[2].received_at);  // no backoff between attempts
    CHECK(report.failure().find("expected exactly 1 POST") != std::string::npos);
}

TEST_CASE("Tier A + Tier B flow passes over real sockets on ephemeral ports", "[world][flow][real]") {
    harness::WorldConfig config;
    config.mode = harness::WorldMode::real;
    for (auto& address : config.addresses) address = "127.0.0.1:0";
    harness::World world(config);
    for (harness::Service s : harness::kAllServices) CHECK(world.address(s).rfind("127.0.0.1:", 0) == 0);
    CHECK(world.address(harness::Service::ebs) != "127.0.0.1:0");
    auto report = run_flow(world);
    REQUIRE(report.ok);
    CHECK(world.helix().request_count() == 1);
    CHECK(report.total < std::chrono::seconds(10));
}

TEST_CASE("World: a dropped Helix connection is retried by the EBS and the payout still ends Sent", "[world][helix]") {
    harness::World world(harness::WorldConfig{});
    world.helix().fail_next(1, 500, /*drop=*/true);
    auto report = harness::run_tier_a_b_flow(world.driver(), harness::flow_options_for(world));
    const auto& requests = world.helix().requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].outcome == "injected_drop");
    CHECK(requests[1].outcome == "recorded");
    CHECK(world.desktop().last_run().ok);
    CHECK(report.failure().find("expected exactly 1 POST during Tier B, got 2") != std::string::npos);
}

TEST_CASE("World: SyntheticDesktop /run-pending finds the harness's Pending payout by itself", "[world][desktop]") {
    harness::World world(harness::WorldConfig{});
    auto& driver = world.driver();
    // Tier A by hand: a signed "!twgold Etoehero" through the webhook mock.
    fakes::eventsub::ChatMessage message;
    message.message_id = "m-1";
    message.chatter_user_id = "e2e-viewer-1";
    message.chatter_user_login = "e2eviewer1";
    message.text = "!twgold Etoehero";
    const std::string body = fakes::eventsub::chat_message_body(message);
    const http::Headers h = fakes::eventsub::delivery_headers("e2e-ci-eventsub-secret", "m-1", "1775304000", body);
    auto enrolled = driver.request("POST", world.url(harness::Service::eventsub) + "/api/twitch/eventsub", body, h);
    REQUIRE(enrolled.ok());
    REQUIRE(enrolled.response->status == 200);
    http::Headers key;
    key.set("X-MGM-ApiKey", "ci-desktop-api-key");
    auto prepared = driver.post_json(world.url(harness::Service::ebs) + "/api/e2e/prepare-pending-payout",
                                     R"({"twitchUserId":"e2e-viewer-1"})", key);
    REQUIRE(prepared.ok());
    REQUIRE(prepared.response->status == 200);
    std::string payout_id = json::parse(prepared.response->body)["payoutId"];

    auto run = driver.post_json(world.url(harness::Service::desktop) + "/run-pending", "{}");
    REQUIRE(run.ok());
    CHECK(run.response->status == 200);
    REQUIRE(world.desktop().runs().size() == 1);
    CHECK(world.desktop().runs()[0].payout_id == payout_id);
    CHECK(world.desktop().runs()[0].character_name == "Etoehero");
    CHECK(world.helix().request_count() == 1);
    // A sixth Desktop call within the minute is rate-limited (5/min shared by every API-key client): the
    // pending list cannot be read, 502. In the next window: nothing Pending any more, 404.
    auto limited = driver.post_json(world.url(harness::Service::desktop) + "/run-pending", "{}");
    REQUIRE(limited.ok());
    CHECK(limited.response->status == 502);
    CHECK(json::parse(limited.response->body)["statusCode"] == 429);
    world.loop().run_for(std::chrono::seconds(61));
    auto again = driver.post_json(world.url(harness::Service::desktop) + "/run-pending", "{}");
    REQUIRE(again.ok());
    CHECK(again.response->status == 404);
}

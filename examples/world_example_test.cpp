// The World as a C++ library, in plain Catch2: build a World, drive a payout through the services' own HTTP
// APIs, inject faults, advance simulated time to the next roulette boundary and assert on the Helix mock and the
// EBS store. docs/WORLD_API.md walks through it. Only installed headers are used, so this file also builds
// against find_package(MgmHarness) (see examples/CMakeLists.txt).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "backend/domain/roulette.h"
#include "backend/domain/store.h"
#include "backend/ebs.h"
#include "fakes/eventsub_delivery.h"
#include "fakes/mock_helix_api.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"
#include "sim/clock/sim_loop.h"
#include "sim/network/loopback_network.h"

using namespace mgm;
using harness::Service;
using nlohmann::json;

namespace {

// "!twgold <character>" in chat: a signed channel.chat.message notification delivered through
// MockEventSubWebhook, as Twitch (and the reference CI's script) would send it.
int chat(harness::World& world, const std::string& user, const std::string& text) {
    fakes::eventsub::ChatMessage message;
    message.message_id = "msg-" + user;
    message.chatter_user_id = user;
    message.chatter_user_login = user;
    message.text = text;
    const std::string body = fakes::eventsub::chat_message_body(message);
    http::Headers headers;
    const std::string timestamp = std::to_string(world.clock().now().unix_seconds_floor());
    fakes::eventsub::sign(headers, *world.config().settings.get("Twitch:EventSubSecret"), message.message_id,
                          timestamp, body);
    auto result = world.driver().post_json(world.url(Service::eventsub) + "/api/twitch/eventsub", body, headers);
    return result.ok() ? result.response->status : 0;
}

http::Headers api_key(harness::World& world) {
    http::Headers headers;
    headers.set("X-MGM-ApiKey", *world.config().settings.get("Mgm:ApiKey"));
    return headers;
}

}  // namespace

TEST_CASE("a payout is announced despite a failing Helix, and the next cycle starts idle", "[example]") {
    harness::WorldConfig config;  // the reference CI's settings and addresses, simulated clock and network
    config.seed = 7;
    harness::World world(config);
    harness::Driver& driver = world.driver();

    // Enroll a viewer, then let the E2E harness route make them a Pending payout (as the CI's Tier B does).
    REQUIRE(chat(world, "viewer-1", "!twgold Etoehero") == 200);
    auto prepared = driver.post_json(world.url(Service::ebs) + "/api/e2e/prepare-pending-payout",
                                     json{{"twitchUserId", "viewer-1"}}.dump(), api_key(world));
    REQUIRE(prepared.ok());
    REQUIRE(prepared.response->status == 200);
    const std::string payout_id = json::parse(prepared.response->body).at("payoutId");

    // Faults: Helix answers 503 to the next two announcements, and the EBS -> Helix link gets 50 ms of latency.
    world.helix().fail_next(2, 503);
    sim::LinkFaults slow;
    slow.latency_min = slow.latency_max = std::chrono::milliseconds(50);
    world.loopback().set_link_faults(world.address(Service::ebs), world.address(Service::helix), slow);

    // SyntheticDesktop runs the Desktop's sequence: confirm-acceptance, InProgress, Sent (which announces).
    auto run = driver.post_json(world.url(Service::desktop) + "/run-sequence",
                                json{{"payoutId", payout_id}, {"characterName", "Etoehero"}}.dump());
    REQUIRE(run.ok());
    CHECK(run.response->status == 200);

    // Simulated time runs only when asked: up to the next 5-minute boundary, every timer on the way fires.
    const sim::Instant boundary = backend::next_5_minute_boundary(world.clock().now());
    world.loop().run_until(boundary);
    CHECK(world.clock().now() == boundary);

    // The Helix mock saw three attempts: two injected 503s, then the announcement.
    const auto& calls = world.helix().requests();
    REQUIRE(calls.size() == 3);
    CHECK(calls[0].status == 503);
    CHECK(calls[1].status == 503);
    CHECK(calls[2].status == 204);
    CHECK(calls[2].body->at("broadcaster_id") == "e2e-ci-broadcaster");

    // The EBS store: the payout is Sent and announced, the winner left the pool, and the cycle that began at the
    // boundary found the pool empty, so it stays idle.
    const backend::Store& store = world.ebs().store();
    auto payout = store.find_payout(*sim::Uuid::parse_any(payout_id));
    REQUIRE(payout);
    CHECK(payout->status == backend::PayoutStatus::Sent);
    CHECK(payout->is_reward_sent_announced_to_chat);
    CHECK(store.list_pool().empty());
    auto spin = store.load_spin();
    REQUIRE(spin);
    CHECK(spin->cycle_start == boundary);
    CHECK(spin->pool_was_empty_at_cycle_start);
}

TEST_CASE("a partition makes calls time out until it is healed", "[example]") {
    harness::World world(harness::WorldConfig{});
    world.loopback().partition("driver", world.address(Service::ebs));
    auto cut = world.driver().send(world.address(Service::ebs), [] {
        http::Request request;
        request.method = "GET";
        request.target = request.path = "/api/version";
        return request;
    }(), std::chrono::seconds(5));
    CHECK_FALSE(cut.ok());  // the 5 s timeout, on the simulated clock: the test takes milliseconds
    world.loopback().heal_all();
    auto healed = world.driver().get(world.url(Service::ebs) + "/api/version");
    REQUIRE(healed.ok());
    CHECK(healed.response->status == 200);
}

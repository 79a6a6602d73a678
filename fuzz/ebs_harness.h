// A real EBS in simulation for the libFuzzer targets: a World with only the EBS (at its CI address), nothing
// at the Helix address (outgoing Helix calls are refused and retried on virtual time). Built once and reused across iterations; rebuilt every
// kRebuildEvery iterations so the store and the trace stay small and findings stay reproducible.
#pragma once

#include <array>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "backend/api/eventsub.h"
#include "backend/ebs.h"
#include "backend/domain/store.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"
#include "sim/clock/sim_loop.h"
#include "sim/core/crypto.h"
#include "sim/core/jwt.h"
#include "sim/trace/log.h"
#include "sim/network/ci_ports.h"
#include "sim/trace/trace.h"

namespace mgm::fuzz {

inline constexpr const char* kApiKey = "fuzz-desktop-api-key";
inline constexpr const char* kEventSubSecret = "fuzz-eventsub-secret";
// 2026-04-05T12:00:30Z, as the HTTP test fixture.
inline constexpr sim::Instant kFuzzStart = sim::Instant::from_unix_seconds(1775390430);
// Tokens in the seed corpora expire in 2100, so they stay valid while the harness moves its clock.
inline constexpr std::int64_t kTokenExpiry = 4102444800;

// Fails the run (libFuzzer reports a crash with the input) when an invariant does not hold.
inline void require(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
        std::abort();
    }
}

inline backend::EbsConfig fuzz_ebs_config() {
    backend::EbsConfig config;
    config.environment = "Development";  // dev JWT key = SHA-256("mgm-dev-extension-secret-change-me")
    config.api_key = kApiKey;
    config.dev_skip_subscriber_check = true;
    config.enable_e2e_harness = true;
    config.eventsub_secret = kEventSubSecret;
    config.helix_api_base_url = sim::ci::url(sim::ci::kHelixApiPort);
    config.helix_client_id = "fuzz-client";
    config.broadcaster_access_token = "fuzz-token";
    config.broadcaster_user_id = "fuzz-broadcaster";
    return config;
}

inline std::string dev_jwt_key() { return sim::crypto::sha256("mgm-dev-extension-secret-change-me"); }

// A viewer token the EBS accepts (until 2100).
inline std::string viewer_token(const std::string& user_id) {
    nlohmann::ordered_json payload;
    payload["user_id"] = user_id;
    payload["unique_name"] = "Fuzz" + user_id;
    payload["exp"] = kTokenExpiry;
    return sim::jwt::encode(payload, dev_jwt_key());
}

// "HTTP/1.1 ddd " with a status the EBS can send (100-599).
inline bool well_formed_status_line(std::string_view bytes) {
    if (bytes.size() < 13 || bytes.substr(0, 9) != "HTTP/1.1 ") return false;
    for (std::size_t i = 9; i < 12; ++i)
        if (bytes[i] < '0' || bytes[i] > '9') return false;
    const int status = (bytes[9] - '0') * 100 + (bytes[10] - '0') * 10 + (bytes[11] - '0');
    return status >= 100 && status <= 599 && bytes[12] == ' ';
}

class EbsHarness {
public:
    EbsHarness() : world(world_config()), ebs(&world.ebs()) {
        world.trace().set_record_timers(false);
        seed_store();
    }

    ~EbsHarness() {
        world.stop();
        world.loop().run_until_idle();
    }

    // Calls the EBS pipeline directly (routing, auth, rate limiter, binding, handler) and runs the
    // simulation until it answers. Every request must be answered exactly once, within 10 virtual minutes
    // (Helix retries included).
    http::Response handle(http::Request request) {
        request.remote_address = "127.0.0.1:50000";
        if (request.path.empty()) request.path = request.target;
        std::optional<http::Response> response;
        int answers = 0;
        ebs->handle(request, [&](http::Response r) {
            ++answers;
            response = std::move(r);
        });
        sim::SimLoop& loop = world.loop();
        loop.run_until([&] { return response.has_value(); }, loop.clock().now() + std::chrono::minutes(10));
        loop.run_until_idle();
        require(answers == 1, "the EBS answers every request exactly once");
        return std::move(*response);
    }

    // Writes raw bytes to the EBS over a fresh loopback connection; returns what the server wrote before
    // closing, or within `settle` of virtual time.
    std::string raw_exchange(const std::string& bytes, sim::Duration settle = std::chrono::seconds(40)) {
        std::string received = harness::raw_exchange(world.loop(), world.network(), "fuzz-client",
                                                     world.address(harness::Service::ebs), bytes, settle);
        world.loop().run_until_idle();
        return received;
    }

    // Moves past the rate limiter's window (5 permits / 60 s per partition) so each input is judged by
    // what it contains, not by how many came before.
    void next_window() { world.loop().run_for(std::chrono::seconds(61)); }

    // Ids that exist in the store, so fuzzed routes with {id:guid} also reach existing records.
    sim::Uuid payout_id;
    sim::Uuid gift_id;

    // Members in construction order.
    harness::World world;
    backend::Ebs* ebs;

private:
    static harness::WorldConfig world_config() {
        harness::WorldConfig w;
        w.services = {harness::Service::ebs};
        w.ebs_config = fuzz_ebs_config();
        w.seed = 7;
        w.start = kFuzzStart;
        w.start_workers = false;
        w.log_level = sim::LogLevel::off;
        return w;
    }

    void seed_store() {
        sim::Rng rng(11);
        backend::Store& store = ebs->store();
        store.append_pool_member(backend::PoolMember{"1001", "viewerone", "Thrall", 0});
        backend::Payout payout;
        payout.id = rng.uuid_v4();
        payout.twitch_user_id = "1002";
        payout.twitch_display_name = "viewertwo";
        payout.character_name = "Jaina";
        payout.enrollment_request_id = "spin:fuzz";
        payout.status = backend::PayoutStatus::Pending;
        payout.created_at = world.clock().now();
        store.insert_payout(payout);
        payout_id = payout.id;
        backend::GiftRequest gift;
        gift.id = rng.uuid_v4();
        gift.streamer_id = "fuzz-broadcaster";
        gift.viewer_id = "1003";
        gift.viewer_display_name = "viewerthree";
        gift.character_name = "Sylvanas";
        gift.created_at = world.clock().now();
        gift.updated_at = world.clock().now();
        store.insert_gift(gift);
        gift_id = gift.id;
    }
};

// One harness per process, rebuilt every kRebuildEvery inputs (bounded store, bounded trace).
inline EbsHarness& shared_harness() {
    constexpr int kRebuildEvery = 2000;
    static std::unique_ptr<EbsHarness> harness;
    static int uses = 0;
    if (!harness || ++uses >= kRebuildEvery) {
        harness.reset();
        harness = std::make_unique<EbsHarness>();
        uses = 0;
    }
    return *harness;
}

}  // namespace mgm::fuzz

// A real EBS in simulation for HTTP-level tests: a World with only the EBS (at its CI address, configured
// with the profile given), whose driver sends real HTTP/1.1 bytes over the loopback network, and a tiny Twitch
// Helix stand-in at the Helix CI address. Background workers are off unless asked for (as in
// the reference's own unit tests).
//
// Store: in-memory SQLite, as in every simulation. With MGM_TEST_EBS_STORE=postgresql (set by
// scripts/ci-postgres-stage.sh, with MGM_TEST_POSTGRESQL) each fixture's EBS stores in a fresh PostgreSQL
// schema instead: the same route cases then run against PostgreSQL.
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "backend/api/eventsub.h"
#include "backend/ebs.h"
#include "backend/domain/store.h"
#include "fakes/eventsub_delivery.h"
#include "pg_test_db.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"
#include "sim/clock/sim_loop.h"
#include "sim/clock/virtual_clock.h"
#include "sim/core/crypto.h"
#include "sim/core/jwt.h"
#include "sim/trace/log.h"
#include "sim/http/client.h"
#include "sim/http/router.h"
#include "sim/http/server.h"
#include "sim/network/ci_ports.h"
#include "sim/network/loopback_network.h"
#include "sim/trace/trace.h"

namespace mgm::testing {

// 2026-04-05T12:00:30Z: 30 s into a 5-minute cycle.
inline constexpr sim::Instant kEbsFixtureStart = sim::Instant::from_unix_seconds(1775390430);
inline constexpr const char* kTestApiKey = "integration-test-desktop-api-key";
inline constexpr const char* kTestAudience = "test-extension-client-id";
inline const std::string kEbsAddress = sim::ci::address(sim::ci::kEbsPort);
inline const std::string kHelixStubAddress = sim::ci::address(sim::ci::kHelixApiPort);

// The reference's HTTP test host profile (§0.3) plus a Helix configuration pointing at the stub.
inline backend::EbsConfig http_test_profile() {
    backend::EbsConfig config;
    config.environment = "Development";
    config.api_key = kTestApiKey;
    config.dev_skip_subscriber_check = true;
    config.extension_client_id = kTestAudience;
    config.helix_api_base_url = "http://" + kHelixStubAddress;
    config.helix_client_id = "client";
    config.broadcaster_access_token = "tok";
    config.broadcaster_user_id = "42";
    return config;
}

// Twitch Helix stand-in: records every request, answers scripted statuses (then `default_status`).
class HelixStub {
public:
    HelixStub(sim::Network& network, sim::Scheduler& scheduler) {
        router_.add_sync("POST", "/helix/chat/messages", [this](const http::Request& request, const http::Params&) {
            requests.push_back(request);
            int status = default_status;
            if (!scripted_statuses.empty()) {
                status = scripted_statuses.front();
                scripted_statuses.pop_front();
            }
            if (status == 0) {
                http::Response dropped = http::Response::empty(500);
                dropped.drop_connection = true;
                return dropped;
            }
            return http::Response::empty(status);
        });
        router_.add_sync("GET", "/helix/subscriptions/user", [this](const http::Request& request, const http::Params&) {
            requests.push_back(request);
            if (!subscribed) return http::Response::json(404, R"({"error":"Not Found"})");
            return http::Response::json(200, R"({"data":[{"broadcaster_id":"42","tier":"1000"}]})");
        });
        server_ = std::make_unique<http::Server>(
            network, scheduler, kHelixStubAddress,
            [this](const http::Request& request, std::function<void(http::Response)> respond) {
                seen_targets.push_back(request.method + " " + request.target);
                router_.dispatch(request, respond);
            });
        REQUIRE_FALSE(server_->start());
    }

    std::vector<http::Request> requests;  // requests that reached a Helix route
    std::vector<std::string> seen_targets;  // "METHOD target" of everything received
    std::deque<int> scripted_statuses;  // 0 = close the connection without answering (transport error)
    int default_status = 204;
    bool subscribed = false;

    void stop() { server_->stop(); }

    std::size_t chat_posts() const {
        std::size_t n = 0;
        for (const auto& r : requests) n += r.path == "/helix/chat/messages" ? 1 : 0;
        return n;
    }

private:
    http::Router router_;
    std::unique_ptr<http::Server> server_;
};

// The store the fixtures' EBS uses (MGM_TEST_EBS_STORE: unset or "sqlite" / "postgresql").
enum class EbsTestStore { sqlite, postgresql };
inline EbsTestStore ebs_test_store() {
    const char* env = std::getenv("MGM_TEST_EBS_STORE");
    const std::string value = env ? env : "";
    if (value.empty() || value == "sqlite") return EbsTestStore::sqlite;
    if (value == "postgresql") return EbsTestStore::postgresql;
    throw std::invalid_argument("MGM_TEST_EBS_STORE='" + value + "' is not sqlite or postgresql");
}

struct EbsFixtureOptions {
    bool start_workers = false;
    sim::Instant start = kEbsFixtureStart;
    std::uint64_t seed = 1;
};

class EbsFixture {
public:
    explicit EbsFixture(backend::EbsConfig config = http_test_profile(), EbsFixtureOptions options = {})
        : pg(ebs_test_store() == EbsTestStore::postgresql ? test::PgSchema::make() : nullptr),
          world(world_config(std::move(config), options, log_lines, pg.get())),
          trace(world.trace()),
          clock(world.virtual_clock()),
          loop(world.loop()),
          network(world.loopback()),
          log(world.log()),
          helix(network, clock),
          ebs(&world.ebs()) {}

    // Stops everything and lets pending timers run out, so no timer callback (holding sessions) is
    // destroyed inside ~VirtualClock, where a session's destructor would call back into the clock.
    ~EbsFixture() {
        try {
            world.stop();
            helix.stop();
            loop.run_until_idle();
        } catch (...) {}
    }

    // Sends one request over the loopback network and runs the simulation until the answer arrives.
    http::ClientResult exchange(const std::string& method, const std::string& target, std::string body = {},
                                std::vector<http::Header> headers = {}) {
        http::Request request;
        request.method = method;
        request.target = target;
        for (auto& header : headers) request.headers.add(std::move(header.name), std::move(header.value));
        request.body = std::move(body);
        return world.driver().send(kEbsAddress, std::move(request), std::chrono::seconds(120));
    }

    http::Response request(const std::string& method, const std::string& target, std::string body = {},
                           std::vector<http::Header> headers = {}) {
        http::ClientResult result = exchange(method, target, std::move(body), std::move(headers));
        INFO("transport: " << result.describe());
        REQUIRE(result.ok());
        return std::move(*result.response);
    }
    http::Response get(const std::string& target, std::vector<http::Header> headers = {}) {
        return request("GET", target, {}, std::move(headers));
    }
    http::Response send_json(const std::string& method, const std::string& target, std::string body,
                             std::vector<http::Header> headers = {}) {
        headers.push_back({"Content-Type", "application/json"});
        return request(method, target, std::move(body), std::move(headers));
    }

    // Desktop (API key) calls.
    static http::Header api_key_header(std::string key = kTestApiKey) { return {"X-MGM-ApiKey", std::move(key)}; }
    http::Response desktop_get(const std::string& target) { return get(target, {api_key_header()}); }
    http::Response desktop_send(const std::string& method, const std::string& target, std::string body) {
        return send_json(method, target, std::move(body), {api_key_header()});
    }

    // Extension JWT as the reference's tests mint it (§0.3): HS256 dev key, user_id, unique_name, aud, exp now+1h.
    std::string jwt(const std::string& user_id, const std::string& display_name = "",
                    std::optional<std::string> audience = std::string(kTestAudience),
                    std::chrono::seconds lifetime = std::chrono::hours(1)) const {
        nlohmann::ordered_json payload;
        if (!user_id.empty()) payload["user_id"] = user_id;
        if (!display_name.empty()) payload["unique_name"] = display_name;
        const std::int64_t now = clock.now().unix_seconds_floor();
        payload["nbf"] = now;
        payload["exp"] = now + lifetime.count();
        payload["iat"] = now;
        if (audience) payload["aud"] = *audience;
        return sim::jwt::encode(payload, dev_key());
    }
    static std::string dev_key() { return sim::crypto::sha256("mgm-dev-extension-secret-change-me"); }
    static http::Header bearer(const std::string& token) { return {"Authorization", "Bearer " + token}; }
    http::Response viewer_get(const std::string& token, const std::string& target) {
        return get(target, {bearer(token)});
    }
    http::Response viewer_send(const std::string& token, const std::string& method, const std::string& target,
                               std::string body) {
        return send_json(method, target, std::move(body), {bearer(token)});
    }

    // EventSub POST; signed with `secret` when non-empty (id/timestamp headers always sent then).
    http::Response eventsub(const std::string& body, const std::string& secret = "",
                            const std::string& message_id = "id", const std::string& timestamp = "t") {
        std::vector<http::Header> headers = {{"Content-Type", "application/json"}};
        if (!secret.empty()) {
            // Signed by the Twitch side's code, not the EBS's own formula (which this exercises).
            http::Headers twitch;
            fakes::eventsub::sign(twitch, secret, message_id, timestamp, body);
            for (const auto& header : twitch.all()) headers.push_back(header);
        }
        return request("POST", "/api/twitch/eventsub", body, std::move(headers));
    }

    // Raw bytes to the EBS on a fresh connection; returns whatever the server wrote before closing or
    // before `settle` of simulated time passed.
    std::string raw(const std::string& bytes, sim::Duration settle = std::chrono::seconds(5)) {
        return harness::raw_exchange(loop, network, "raw", kEbsAddress, bytes, settle);
    }

    // Moves simulated time (running due timers), e.g. past a rate-limit window.
    void advance(sim::Duration d) { loop.run_for(d); }
    void next_rate_window() { advance(std::chrono::seconds(60)); }

    backend::Store& store() { return ebs->store(); }

    // Seeding helpers (the reference's tests write documents directly).
    void seed_pool_member(const std::string& user_id, const std::string& display, const std::string& name) {
        store().append_pool_member(backend::PoolMember{user_id, display, name, 0});
    }
    backend::Payout seed_payout(const std::string& user_id, const std::string& name, backend::PayoutStatus status,
                                sim::Instant created_at, const std::string& enrollment = "spin:test",
                                const std::string& display = "D") {
        backend::Payout payout;
        payout.id = seed_rng.uuid_v4();
        payout.twitch_user_id = user_id;
        payout.twitch_display_name = display;
        payout.character_name = name;
        payout.enrollment_request_id = enrollment;
        payout.status = status;
        payout.created_at = created_at;
        store().insert_payout(payout);
        return payout;
    }
    backend::SpinState seed_spin(sim::Instant cycle_start, sim::Instant deadline,
                                 std::optional<backend::PoolMember> candidate = std::nullopt, bool consumed = false) {
        backend::SpinState spin;
        spin.cycle_start = cycle_start;
        spin.spin_cycle_id = seed_rng.uuid_v4();
        spin.verification_deadline = deadline;
        spin.payout_created_for_cycle = consumed;
        if (candidate) {
            spin.candidate_twitch_user_id = candidate->twitch_user_id;
            spin.candidate_character_name = candidate->character_name;
            spin.candidate_twitch_display_name = candidate->twitch_display_name;
            spin.candidate_selected_at = clock.now();
        }
        store().save_spin(spin);
        return spin;
    }

    static nlohmann::json body_json(const http::Response& response) {
        auto parsed = nlohmann::json::parse(response.body, nullptr, false);
        INFO("body: " << response.body);
        REQUIRE_FALSE(parsed.is_discarded());
        return parsed;
    }

    // Members in construction order.
    std::unique_ptr<test::PgSchema> pg;  // MGM_TEST_EBS_STORE=postgresql: the EBS's schema, dropped last
    std::vector<std::string> log_lines;  // the World's log (info and up)
    harness::World world;
    sim::Trace& trace;
    sim::VirtualClock& clock;
    sim::SimLoop& loop;
    sim::LoopbackNetwork& network;
    sim::Log& log;
    sim::Rng seed_rng{99};
    HelixStub helix;
    backend::Ebs* ebs;

private:
    static harness::WorldConfig world_config(backend::EbsConfig config, const EbsFixtureOptions& options,
                                             std::vector<std::string>& log_lines, const test::PgSchema* pg) {
        harness::WorldConfig w;
        if (pg) {
            config.postgresql_connection = pg->connection;
            w.allow_postgresql = true;  // the route tests are the one simulated World allowed on PostgreSQL
        }
        w.services = {harness::Service::ebs};
        w.ebs_config = std::move(config);
        w.seed = options.seed;
        w.start = options.start;
        w.start_workers = options.start_workers;
        w.log_level = sim::LogLevel::info;
        w.log_sink = [&log_lines](const std::string& line) { log_lines.push_back(line); };
        return w;
    }
};

}  // namespace mgm::testing

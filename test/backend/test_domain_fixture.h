// Shared test world for the EBS domain tests: a VirtualClock, trace capture, an in-memory SQLite store,
// a Trompeloeil HelixGateway mock and every domain service wired to them.
#pragma once

#include <catch2/catch.hpp>
#include <catch2/trompeloeil.hpp>  // Trompeloeil reporting through Catch2 (use this form in every test TU)

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "backend/domain/domain.h"
#include "backend/store/sqlite_store.h"
#include "sim/clock/virtual_clock.h"

namespace mgm::backend::testing {

inline sim::Instant at(std::string_view iso) {
    auto t = sim::parse_iso8601(iso);
    REQUIRE(t.has_value());
    return *t;
}
inline sim::Uuid uuid(std::string_view text) {
    auto id = sim::Uuid::parse_any(text);
    REQUIRE(id.has_value());
    return *id;
}

class MockHelix : public HelixGateway {
public:
    MAKE_MOCK2(send_chat_message, void(const std::string&, std::function<void(HelixAttemptResult)>), override);
    MAKE_MOCK3(check_user_subscription, void(const std::string&, const std::string&, std::function<void(bool)>),
               override);
};

// CI-like configuration: Development, DevSkipSubscriberCheck, Helix fully configured.
inline EbsConfig test_config() {
    EbsConfig c;
    c.environment = "Development";
    c.api_key = "integration-test-desktop-api-key";
    c.dev_skip_subscriber_check = true;
    c.enable_e2e_harness = true;
    c.helix_client_id = "client";
    c.broadcaster_access_token = "tok";
    c.broadcaster_user_id = "42";
    return c;
}

struct DomainWorld {
    explicit DomainWorld(sim::Instant start = at("2026-04-05T10:00:00Z"), EbsConfig cfg = test_config(),
                         std::uint64_t seed = 42)
        : clock(start),
          log(&clock, sim::LogLevel::off),
          config(std::move(cfg)),
          rng(seed),
          enrollment(ctx()),
          roulette(ctx(), rng.derive("roulette")),
          payouts(ctx(), helix),
          gifts(ctx(), rng.derive("gift"), helix),
          chat(ctx(), enrollment, gifts) {
        trace.set_clock(&clock);
        events_subscription = trace.add_listener([this](const nlohmann::json& record) {
            if (record.value("kind", "") == "event") events.push_back(record);
        });
    }

    ServiceContext ctx() { return ServiceContext{config, store, clock, trace, log}; }

    void advance_to(sim::Instant t) { clock.advance_to(t); }
    // Fires every pending timer (deferred mock callbacks); returns how many ran.
    int run_timers() {
        int n = 0;
        while (clock.fire_next()) ++n;
        return n;
    }
    // Delivers a gateway callback later, from the loop, as a real HTTP client would.
    template <class Callback, class Value>
    void later(Callback callback, Value value) {
        clock.after(sim::Duration::zero(), "test.helix", [callback, value] { callback(value); });
    }
    void advance(sim::Duration d) { clock.advance_to(clock.now() + d); }

    // --- seeding helpers ---
    void add_pool(const std::string& user, const std::string& display, const std::string& name) {
        store.transaction([&] {
            store.remove_pool_member(user);
            store.append_pool_member(PoolMember{user, display, name, 0});
        });
    }
    Payout add_payout(const std::string& user, const std::string& name, PayoutStatus status, sim::Instant created_at,
                      std::string enrollment_id = "spin:test", std::string display = "D") {
        Payout p;
        p.id = rng_for_ids.uuid_v4();
        p.twitch_user_id = user;
        p.twitch_display_name = std::move(display);
        p.character_name = name;
        p.enrollment_request_id = std::move(enrollment_id);
        p.status = status;
        p.created_at = created_at;
        store.insert_payout(p);
        return p;
    }
    SpinState set_spin(sim::Instant start, sim::Uuid id, sim::Instant deadline) {
        SpinState s;
        s.cycle_start = start;
        s.spin_cycle_id = id;
        s.verification_deadline = deadline;
        store.save_spin(s);
        return s;
    }

    std::vector<std::string> event_names() const {
        std::vector<std::string> out;
        for (const auto& e : events) out.push_back(e.value("name", ""));
        return out;
    }
    int count_events(std::string_view name) const {
        int n = 0;
        for (const auto& e : events)
            if (e.value("name", "") == name) ++n;
        return n;
    }

    sim::VirtualClock clock;
    sim::Trace trace;
    sim::Log log;
    EbsConfig config;
    SqliteStore store;
    MockHelix helix;
    sim::Rng rng;
    sim::Rng rng_for_ids{9001};
    EnrollmentService enrollment;
    RouletteService roulette;
    PayoutService payouts;
    GiftService gifts;
    ChatEventHandler chat;
    std::vector<nlohmann::json> events;
    sim::Trace::Subscription events_subscription;
};

}  // namespace mgm::backend::testing

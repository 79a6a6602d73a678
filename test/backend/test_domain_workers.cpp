// Workers on the Scheduler (§11): first runs right after start, periods 1 s / 1 h / 5 s, stop cancels.
#include "test_domain_fixture.h"

using namespace mgm;
using namespace mgm::backend;
using namespace mgm::backend::testing;

TEST_CASE("workers: synchronizer ticks at start then every second - selection at the first tick >= t0+240 s",
          "[domain][workers]") {
    DomainWorld w(at("2026-04-05T10:00:00.5Z"));
    w.add_pool("u1", "D", "Abcd");
    Workers workers(w.clock, w.log, w.roulette, w.payouts, w.gifts);
    workers.start();
    CHECK_FALSE(w.store.load_spin().has_value());  // nothing runs inside start()
    REQUIRE(w.clock.fire_next());  // first tick, same instant
    CHECK(w.clock.now() == at("2026-04-05T10:00:00.5Z"));
    CHECK(w.store.load_spin().has_value());

    // Run to 10:04:01 and find when the candidate was chosen.
    while (w.clock.next_deadline() && *w.clock.next_deadline() <= at("2026-04-05T10:04:01Z")) w.clock.fire_next();
    const auto spin = *w.store.load_spin();
    REQUIRE(spin.candidate_selected_at.has_value());
    CHECK(*spin.candidate_selected_at == at("2026-04-05T10:04:00.5Z"));
    CHECK(w.count_events("roulette.candidate_selected") == 1);

    // Rollover within a second after the boundary.
    while (w.clock.next_deadline() && *w.clock.next_deadline() <= at("2026-04-05T10:05:01Z")) w.clock.fire_next();
    CHECK(w.store.load_spin()->cycle_start == at("2026-04-05T10:05:00Z"));
    CHECK(w.count_events("roulette.rollover") == 1);

    workers.stop();
    CHECK(w.clock.pending_count() == 0);
    CHECK_FALSE(workers.running());
}

TEST_CASE("workers: expiration at start and hourly - gift timeouts every 5 s", "[domain][workers]") {
    DomainWorld w(at("2026-04-06T12:00:00Z"));
    const auto stale = w.add_payout("u", "Abcd", PayoutStatus::Pending, w.clock.now() - std::chrono::hours(25));
    const auto later =
        w.add_payout("v", "Efgh", PayoutStatus::Pending, w.clock.now() - std::chrono::minutes(23 * 60 + 30));
    Workers workers(w.clock, w.log, w.roulette, w.payouts, w.gifts);
    workers.start();
    w.clock.fire_next();  // synchronizer
    w.clock.fire_next();  // expiration at start
    CHECK(w.store.find_payout(stale.id)->status == PayoutStatus::Expired);
    CHECK(w.store.find_payout(later.id)->status == PayoutStatus::Pending);
    // The next sweep runs one hour later and catches the second payout.
    while (w.clock.next_deadline() && *w.clock.next_deadline() < at("2026-04-06T13:00:00Z")) w.clock.fire_next();
    CHECK(w.store.find_payout(later.id)->status == PayoutStatus::Pending);
    while (w.clock.next_deadline() && *w.clock.next_deadline() <= at("2026-04-06T13:00:00Z")) w.clock.fire_next();
    CHECK(w.store.find_payout(later.id)->status == PayoutStatus::Expired);
    CHECK(w.count_events("payout.expiration_sweep") == 2);
}

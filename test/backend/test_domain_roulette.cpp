// Roulette: phase resolution (§2 RT-006..016), state view (RT-058, GAP-20), synchronizer tick (RT-077/078,
// GAP-19, §20.3), verify-candidate (RT-068..076, GAP-21) and the E2E harness (GAP-32).
#include <map>

#include "test_domain_fixture.h"

using namespace mgm;
using namespace mgm::backend;
using namespace mgm::backend::testing;

namespace {

const sim::Instant T0 = sim::Instant::from_unix_seconds(1775383200);  // 2026-04-05T10:00:00Z

SpinState spin_at_t0(bool with_candidate, bool pool_was_empty = false) {
    SpinState s;
    s.cycle_start = T0;
    s.verification_deadline = T0 + std::chrono::seconds(330);
    s.pool_was_empty_at_cycle_start = pool_was_empty;
    if (with_candidate) {
        s.candidate_twitch_user_id = "u1";
        s.candidate_character_name = "Abcd";
        s.candidate_twitch_display_name = "d";
        s.candidate_selected_at = T0 + std::chrono::seconds(245);
    }
    return s;
}

sim::Instant t(int seconds_after_t0) { return T0 + std::chrono::seconds(seconds_after_t0); }

}  // namespace

TEST_CASE("RT-006..RT-016 spin phase resolution at the reference instants", "[domain][roulette][phase]") {
    CHECK(at("2026-04-05T10:00:00Z") == T0);
    CHECK(resolve_spin_phase(t(300), 1, spin_at_t0(true, true)) == SpinPhase::idle);  // RT-006
    CHECK(resolve_spin_phase(t(300), 0, spin_at_t0(true)) == SpinPhase::idle);  // RT-007
    CHECK(resolve_spin_phase(t(239), 1, spin_at_t0(false)) == SpinPhase::collecting);  // RT-008
    CHECK(resolve_spin_phase(t(240), 1, spin_at_t0(false)) == SpinPhase::completed);  // RT-009
    CHECK(resolve_spin_phase(t(250), 1, spin_at_t0(false)) == SpinPhase::completed);  // RT-010
    CHECK(resolve_spin_phase(t(269), 1, spin_at_t0(true)) == SpinPhase::spinning);  // RT-011
    CHECK(resolve_spin_phase(t(270), 1, spin_at_t0(true)) == SpinPhase::verification);  // RT-012
    CHECK(resolve_spin_phase(t(271), 1, spin_at_t0(true)) == SpinPhase::verification);  // RT-013
    CHECK(resolve_spin_phase(t(301), 1, spin_at_t0(true)) == SpinPhase::verification);  // RT-013
    CHECK(resolve_spin_phase(t(300), 1, spin_at_t0(true)) == SpinPhase::verification);  // RT-014
    CHECK(resolve_spin_phase(t(331), 1, spin_at_t0(true)) == SpinPhase::completed);  // RT-015
    // RT-016: a zone-less instant is UTC.
    CHECK(resolve_spin_phase(at("2026-04-05T10:04:31"), 1, spin_at_t0(true)) == SpinPhase::verification);
}

TEST_CASE("spin phase boundaries: exactly at each boundary and one 100 ns tick either side",
          "[domain][roulette][phase]") {
    const auto with = spin_at_t0(true);
    const auto without = spin_at_t0(false);
    CHECK(resolve_spin_phase(t(240) - sim::kTick, 1, without) == SpinPhase::collecting);
    CHECK(resolve_spin_phase(t(240), 1, without) == SpinPhase::completed);
    CHECK(resolve_spin_phase(t(240) - sim::kTick, 1, with) == SpinPhase::collecting);
    CHECK(resolve_spin_phase(t(240), 1, with) == SpinPhase::spinning);
    CHECK(resolve_spin_phase(t(270) - sim::kTick, 1, with) == SpinPhase::spinning);
    CHECK(resolve_spin_phase(t(270), 1, with) == SpinPhase::verification);
    CHECK(resolve_spin_phase(t(300) - sim::kTick, 1, with) == SpinPhase::verification);
    CHECK(resolve_spin_phase(t(300) + sim::kTick, 1, with) == SpinPhase::verification);
    CHECK(resolve_spin_phase(t(330) - sim::kTick, 1, with) == SpinPhase::verification);
    CHECK(resolve_spin_phase(t(330), 1, with) == SpinPhase::completed);
    CHECK(resolve_spin_phase(t(60), 1, spin_at_t0(false, true)) == SpinPhase::idle);  // idle wins over collecting
    CHECK(std::string(to_string(SpinPhase::verification)) == "verification");
}

TEST_CASE("RT-058 state with no spin record: idle, null cycle id, next boundary", "[domain][roulette][state]") {
    DomainWorld w(at("2026-04-05T14:37:22Z"));
    w.add_pool("u1", "D", "Abcd");
    const auto view = w.roulette.state();
    CHECK(view.spin_phase == SpinPhase::idle);
    CHECK_FALSE(view.current_spin_cycle_id.has_value());
    CHECK(view.next_spin_at == at("2026-04-05T14:40:00Z"));
    CHECK(view.server_now == at("2026-04-05T14:37:22Z"));
    CHECK(view.spin_interval_seconds == 300);
    CHECK(view.pool_participant_count == 1);
}

TEST_CASE("GAP-20 state with a live spin record follows the worked timeline", "[domain][roulette][state]") {
    DomainWorld w(at("2026-04-05T12:00:00.5Z"));
    w.add_pool("u1", "D", "Abcd");
    REQUIRE(w.roulette.tick() == TickResult::created);
    const auto c1 = w.store.load_spin()->spin_cycle_id;

    auto view = w.roulette.state();
    CHECK(view.spin_phase == SpinPhase::collecting);
    CHECK(view.current_spin_cycle_id == c1);
    CHECK(view.next_spin_at == at("2026-04-05T12:05:00Z"));

    w.advance_to(at("2026-04-05T12:04:00.2Z"));
    CHECK(w.roulette.state().spin_phase == SpinPhase::completed);  // tick not yet run
    REQUIRE(w.roulette.tick() == TickResult::candidate_selected);
    CHECK(w.roulette.state().spin_phase == SpinPhase::spinning);
    w.advance_to(at("2026-04-05T12:04:30Z"));
    CHECK(w.roulette.state().spin_phase == SpinPhase::verification);
    w.advance_to(at("2026-04-05T12:05:00.3Z"));
    view = w.roulette.state();
    CHECK(view.spin_phase == SpinPhase::verification);  // old record until the tick
    CHECK(view.current_spin_cycle_id == c1);
    CHECK(view.next_spin_at == at("2026-04-05T12:10:00Z"));
    REQUIRE(w.roulette.tick() == TickResult::rolled_over);
    view = w.roulette.state();
    CHECK(view.spin_phase == SpinPhase::collecting);
    CHECK(view.current_spin_cycle_id != c1);
}

TEST_CASE("GAP-19 first tick creates the record - empty pool flags the cycle", "[domain][roulette][tick]") {
    SECTION("non-empty pool") {
        DomainWorld w(at("2026-04-05T10:02:13Z"));
        w.add_pool("u1", "D", "Abcd");
        CHECK(w.roulette.tick() == TickResult::created);
        const auto spin = w.store.load_spin();
        REQUIRE(spin);
        CHECK(spin->cycle_start == T0);
        CHECK(spin->verification_deadline == at("2026-04-05T10:05:30Z"));
        CHECK_FALSE(spin->pool_was_empty_at_cycle_start);
        CHECK_FALSE(spin->candidate_selected_at.has_value());
        CHECK_FALSE(spin->spin_cycle_id.is_nil());
        CHECK(w.count_events("roulette.cycle_created") == 1);
    }
    SECTION("empty pool") {
        DomainWorld w(at("2026-04-05T10:02:13Z"));
        w.roulette.tick();
        CHECK(w.store.load_spin()->pool_was_empty_at_cycle_start);
        CHECK(w.roulette.state().spin_phase == SpinPhase::idle);
    }
}

TEST_CASE("GAP-19 selection at the first tick at or after t0+240 s, once per cycle", "[domain][roulette][tick]") {
    DomainWorld w(T0);
    w.add_pool("u1", "D", "Abcd");
    REQUIRE(w.roulette.tick() == TickResult::created);
    w.advance_to(t(240) - sim::kTick);
    CHECK(w.roulette.tick() == TickResult::unchanged);
    CHECK_FALSE(w.store.load_spin()->candidate_selected_at.has_value());
    w.advance_to(t(240));
    CHECK(w.roulette.tick() == TickResult::candidate_selected);
    auto spin = *w.store.load_spin();
    CHECK(spin.candidate_twitch_user_id == std::optional<std::string>("u1"));
    CHECK(spin.candidate_character_name == std::optional<std::string>("Abcd"));
    CHECK(spin.candidate_twitch_display_name == std::optional<std::string>("D"));
    CHECK(spin.candidate_selected_at == t(240));
    // No re-draw, even when someone else joins.
    w.add_pool("u2", "E", "Efgh");
    w.advance_to(t(260));
    CHECK(w.roulette.tick() == TickResult::unchanged);
    CHECK(*w.store.load_spin() == spin);
    CHECK(w.count_events("roulette.candidate_selected") == 1);
}

TEST_CASE("GAP-19 a cycle that started with an empty pool never selects", "[domain][roulette][tick]") {
    DomainWorld w(T0);
    REQUIRE(w.roulette.tick() == TickResult::created);
    w.add_pool("u1", "D", "Abcd");  // joins during collecting
    w.advance_to(t(250));
    CHECK(w.roulette.tick() == TickResult::unchanged);
    CHECK_FALSE(w.store.load_spin()->candidate_selected_at.has_value());
    CHECK(w.roulette.state().spin_phase == SpinPhase::idle);
    // Next cycle starts with the member and selects normally.
    w.advance_to(t(300));
    CHECK(w.roulette.tick() == TickResult::rolled_over);
    CHECK_FALSE(w.store.load_spin()->pool_was_empty_at_cycle_start);
    w.advance_to(t(540));
    CHECK(w.roulette.tick() == TickResult::candidate_selected);
}

TEST_CASE("RT-077 rollover resets the spin fields and leaves the pool alone (D3)", "[domain][roulette][tick]") {
    const sim::Instant now = at("2026-04-05T10:07:12Z");
    DomainWorld w(floor_to_5_minutes(now));
    w.add_pool("u1", "d", "A");
    const sim::Instant old_start = floor_to_5_minutes(now) - std::chrono::minutes(10);
    SpinState old;
    old.cycle_start = old_start;
    old.spin_cycle_id = uuid("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    old.candidate_twitch_user_id = "u1";
    old.candidate_character_name = "A";
    old.candidate_twitch_display_name = "d";
    old.candidate_selected_at = now;
    old.payout_created_for_cycle = true;
    old.verification_deadline = old_start + std::chrono::seconds(330);
    w.store.save_spin(old);
    const auto pool_before = w.store.list_pool();

    CHECK(w.roulette.tick() == TickResult::rolled_over);
    const auto spin = *w.store.load_spin();
    CHECK(spin.cycle_start == floor_to_5_minutes(now));
    CHECK(spin.spin_cycle_id != old.spin_cycle_id);
    CHECK_FALSE(spin.candidate_twitch_user_id.has_value());
    CHECK_FALSE(spin.candidate_character_name.has_value());
    CHECK_FALSE(spin.candidate_twitch_display_name.has_value());
    CHECK_FALSE(spin.candidate_selected_at.has_value());
    CHECK_FALSE(spin.payout_created_for_cycle);
    CHECK_FALSE(spin.pool_was_empty_at_cycle_start);
    CHECK(spin.verification_deadline == spin.cycle_start + std::chrono::seconds(330));
    CHECK(w.store.list_pool() == pool_before);  // same rows, same seq: never rewritten
}

TEST_CASE("synchronizer picks uniformly with the seeded Rng (index = uniform(pool size))", "[domain][roulette][tick]") {
    DomainWorld w(T0, test_config(), 7);
    w.add_pool("a", "A", "Aaaa");
    w.add_pool("b", "B", "Bbbb");
    w.add_pool("c", "C", "Cccc");
    // Replay the service's own draws on a twin generator: cycle id (uuid), then the index.
    sim::Rng twin = sim::Rng(7).derive("roulette");
    std::map<std::string, int> hits;
    const char* users[] = {"a", "b", "c"};
    for (int cycle = 0; cycle < 300; ++cycle) {
        const sim::Instant start = T0 + kRouletteInterval * cycle;
        w.advance_to(start);
        w.roulette.tick();
        twin.uuid_v4();
        w.advance_to(start + std::chrono::seconds(240));
        REQUIRE(w.roulette.tick() == TickResult::candidate_selected);
        const auto expected = twin.uniform(3);
        const auto chosen = *w.store.load_spin()->candidate_twitch_user_id;
        REQUIRE(chosen == users[expected]);
        ++hits[chosen];
    }
    for (const auto* u : users) {
        INFO(u << " picked " << hits[u] << " / 300");
        CHECK(hits[u] > 70);
        CHECK(hits[u] < 130);
    }
}

// ---------------------------------------------------------------------------------------------------
// verify-candidate

namespace {

VerifyCandidateRequest verify(std::int64_t schema, sim::Uuid id, std::string name, bool online) {
    VerifyCandidateRequest r;
    r.schema_version = schema;
    r.spin_cycle_id = id;
    r.character_name = std::move(name);
    r.online = online;
    return r;
}

void require_error(const Outcome<Done>& o, int status, const std::string& code, const std::string& message) {
    REQUIRE_FALSE(o.ok());
    CHECK(o.error().status == status);
    CHECK(o.error().code == code);
    CHECK(o.error().message == message);
}

}  // namespace

TEST_CASE("RT-068 verify: schemaVersion other than 1 is invalid_payload (checked first)",
          "[domain][roulette][verify]") {
    DomainWorld w;
    require_error(w.roulette.verify_candidate(verify(0, sim::Uuid{}, "1", true)), 400, "invalid_payload",
                  "schemaVersion must be 1.");
    require_error(w.roulette.verify_candidate(verify(2, sim::Uuid{}, "Ab", true)), 400, "invalid_payload",
                  "schemaVersion must be 1.");
}

TEST_CASE("RT-069 verify: invalid character name before the cycle check", "[domain][roulette][verify]") {
    DomainWorld w;
    require_error(w.roulette.verify_candidate(verify(1, sim::Uuid{}, "1", true)), 400, "invalid_character_name",
                  "Invalid character name.");
}

TEST_CASE("RT-070 / GAP-21 verify: no record or another cycle id is out_of_sequence", "[domain][roulette][verify]") {
    DomainWorld w;
    const auto a = uuid("11111111-2222-4333-8444-555555555555");
    require_error(w.roulette.verify_candidate(verify(1, a, "Abcd", false)), 400, "out_of_sequence",
                  "spinCycleId does not match active cycle.");
    w.set_spin(w.clock.now(), a, w.clock.now() + std::chrono::hours(1));
    require_error(w.roulette.verify_candidate(verify(1, uuid("11111111-2222-4333-8444-666666666666"), "Abcd", false)),
                  400, "out_of_sequence", "spinCycleId does not match active cycle.");
}

TEST_CASE("RT-071 verify: deadline is inclusive - one tick later the window is closed",
          "[domain][roulette][verify]") {
    const auto c = uuid("11111111-2222-4333-8444-555555555555");
    DomainWorld w(T0);
    SpinState s = w.set_spin(T0 - std::chrono::hours(2), c, T0);
    s.candidate_twitch_user_id = "u1";
    s.candidate_character_name = "Abcd";
    s.candidate_selected_at = T0;
    w.store.save_spin(s);
    CHECK(w.roulette.verify_candidate(verify(1, c, "Abcd", true)).ok());  // now == deadline
    CHECK(w.store.list_payouts().size() == 1);

    DomainWorld late(T0 + sim::kTick);
    late.set_spin(T0 - std::chrono::hours(2), c, T0);
    // Deadline precedes the offline shortcut.
    require_error(late.roulette.verify_candidate(verify(1, c, "Abcd", false)), 400, "out_of_sequence",
                  "verify-candidate window closed.");
    CHECK_FALSE(late.store.load_spin()->payout_created_for_cycle);
}

TEST_CASE("RT-072 / D5 verify offline consumes the cycle without any name or candidate check",
          "[domain][roulette][verify]") {
    const auto c = uuid("11111111-2222-4333-8444-555555555555");
    DomainWorld w(T0);
    w.set_spin(T0 - std::chrono::minutes(1), c, T0 + std::chrono::hours(1));  // no candidate at all
    CHECK(w.roulette.verify_candidate(verify(1, c, "Other", false)).ok());
    CHECK(w.store.load_spin()->payout_created_for_cycle);
    CHECK(w.store.list_payouts().empty());
    // The real candidate reporting online afterwards gets 200 and still no payout.
    SpinState s = *w.store.load_spin();
    s.candidate_twitch_user_id = "u-off";
    s.candidate_character_name = "Abcd";
    s.candidate_selected_at = T0;
    w.store.save_spin(s);
    CHECK(w.roulette.verify_candidate(verify(1, c, "Abcd", true)).ok());
    CHECK(w.store.list_payouts().empty());
}

TEST_CASE("GAP-21 verify online: name mismatch (case-sensitive, untrimmed) and missing candidate",
          "[domain][roulette][verify]") {
    const auto c = uuid("11111111-2222-4333-8444-555555555555");
    DomainWorld w(T0);
    w.set_spin(T0, c, T0 + std::chrono::hours(1));
    require_error(w.roulette.verify_candidate(verify(1, c, "Abcd", true)), 400, "out_of_sequence",
                  "characterName does not match server candidate.");
    SpinState s = *w.store.load_spin();
    s.candidate_character_name = "Abcd";  // name but no user id: the rule-8 message
    w.store.save_spin(s);
    require_error(w.roulette.verify_candidate(verify(1, c, "abcd", true)), 400, "out_of_sequence",
                  "characterName does not match server candidate.");
    require_error(w.roulette.verify_candidate(verify(1, c, " Abcd", true)), 400, "out_of_sequence",
                  "characterName does not match server candidate.");
    require_error(w.roulette.verify_candidate(verify(1, c, "Abcd", true)), 400, "out_of_sequence",
                  "No candidate for this cycle.");
    CHECK_FALSE(w.store.load_spin()->payout_created_for_cycle);
}

TEST_CASE("RT-073 verify: winner with an active payout gets 409 and the cycle stays open",
          "[domain][roulette][verify]") {
    const auto c = uuid("11111111-2222-4333-8444-555555555555");
    DomainWorld w(T0);
    SpinState s = w.set_spin(T0 - std::chrono::minutes(1), c, T0 + std::chrono::hours(1));
    s.candidate_twitch_user_id = "busy-winner";
    s.candidate_character_name = "Hero";
    s.candidate_twitch_display_name = "H";
    s.candidate_selected_at = T0;
    w.store.save_spin(s);
    w.add_payout("busy-winner", "Other", PayoutStatus::InProgress, T0, "spin:old");
    for (int i = 0; i < 2; ++i)
        require_error(w.roulette.verify_candidate(verify(1, c, "Hero", true)), 409, "active_payout_exists",
                      "Winner already has an active payout.");
    CHECK_FALSE(w.store.load_spin()->payout_created_for_cycle);
}

TEST_CASE("RT-074 verify after the cycle was consumed is an idempotent 200", "[domain][roulette][verify]") {
    const auto c = uuid("11111111-2222-4333-8444-555555555555");
    DomainWorld w(T0);
    SpinState s = w.set_spin(T0, c, T0 + std::chrono::hours(1));
    s.payout_created_for_cycle = true;
    s.candidate_twitch_user_id = "u1";
    s.candidate_character_name = "Abcd";
    w.store.save_spin(s);
    CHECK(w.roulette.verify_candidate(verify(1, c, "Abcd", true)).ok());
    CHECK(w.store.list_payouts().empty());
}

TEST_CASE("RT-075 / RT-078 tick selects the single member - verify creates exactly one Pending payout",
          "[domain][roulette][verify]") {
    const sim::Instant now = at("2026-04-05T10:07:12Z");
    const sim::Instant s_start = floor_to_5_minutes(now) - std::chrono::minutes(5);
    DomainWorld w(s_start + std::chrono::seconds(241));
    w.add_pool("winner-twitch", "WinnerDisp", "Hero");
    const auto c = uuid("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    w.set_spin(s_start, c, now + std::chrono::hours(1));
    REQUIRE(w.roulette.tick() == TickResult::candidate_selected);
    CHECK(w.store.load_spin()->candidate_twitch_user_id == std::optional<std::string>("winner-twitch"));
    CHECK(w.store.load_spin()->candidate_character_name == std::optional<std::string>("Hero"));

    REQUIRE(w.roulette.verify_candidate(verify(1, c, "Hero", true)).ok());
    const auto payouts = w.store.list_payouts();
    REQUIRE(payouts.size() == 1);
    const Payout& p = payouts[0];
    CHECK(p.twitch_user_id == "winner-twitch");
    CHECK(p.twitch_display_name == "WinnerDisp");
    CHECK(p.character_name == "Hero");
    CHECK(p.gold_amount == 1000);
    CHECK(p.status == PayoutStatus::Pending);
    CHECK(p.enrollment_request_id == "spin:3f2504e04f8911d39a0c0305e82c3301");  // §20.7
    CHECK(p.spin_cycle_id == c);
    CHECK(p.created_at == w.clock.now());
    CHECK_FALSE(p.is_reward_sent_announced_to_chat);
    CHECK(w.store.load_spin()->payout_created_for_cycle);
    const auto events = w.store.list_events(p.id.str());
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == "PayoutCreated");
    CHECK(w.count_events("payout.created") == 1);

    // Exactly once: a second online report is 200 and creates nothing.
    CHECK(w.roulette.verify_candidate(verify(1, c, "Hero", true)).ok());
    CHECK(w.store.list_payouts().size() == 1);
}

TEST_CASE("D6 the 30 s grace is ineffective: after the rollover the old cycle id is out_of_sequence",
          "[domain][roulette][verify]") {
    DomainWorld w(T0);
    w.add_pool("u1", "D", "Abcd");
    w.roulette.tick();
    w.advance_to(t(240));
    w.roulette.tick();
    const auto c = w.store.load_spin()->spin_cycle_id;
    w.advance_to(t(301));  // inside the stored deadline (t0+330 s)
    w.roulette.tick();  // rollover
    require_error(w.roulette.verify_candidate(verify(1, c, "Abcd", true)), 400, "out_of_sequence",
                  "spinCycleId does not match active cycle.");
}

// ---------------------------------------------------------------------------------------------------
// E2E harness (§4.11 steps 2–7)

TEST_CASE("GAP-32 harness: not in pool, success, then 409 on re-run", "[domain][roulette][harness]") {
    DomainWorld w(at("2026-04-05T10:02:00Z"));
    CHECK(w.roulette.harness_enabled());

    auto r = w.roulette.prepare_pending_payout("  ");
    REQUIRE(std::holds_alternative<HarnessError>(r));
    CHECK(std::get<HarnessError>(r).status == 400);
    CHECK(std::get<HarnessError>(r).error == "twitchUserId is required.");

    r = w.roulette.prepare_pending_payout("e2e-viewer-1");
    REQUIRE(std::holds_alternative<HarnessError>(r));
    CHECK(std::get<HarnessError>(r).error == "Viewer is not in the pool; run enrollment first.");

    w.add_pool("e2e-viewer-1", "e2eviewer1", "Etoehero");
    r = w.roulette.prepare_pending_payout(" e2e-viewer-1 ");  // trimmed
    REQUIRE(std::holds_alternative<E2ePrepared>(r));
    const auto prepared = std::get<E2ePrepared>(r);
    CHECK(prepared.character_name == "Etoehero");
    const auto payout = w.store.find_payout(prepared.payout_id);
    REQUIRE(payout);
    CHECK(payout->status == PayoutStatus::Pending);
    const auto spin = *w.store.load_spin();
    CHECK(spin.cycle_start == at("2026-04-05T10:00:00Z"));  // created: floor5(now)
    CHECK(spin.verification_deadline == w.clock.now() + std::chrono::hours(1));
    CHECK(spin.payout_created_for_cycle);

    // Re-run: verify fails with the active payout → that ApiError, and the forced state is kept.
    r = w.roulette.prepare_pending_payout("e2e-viewer-1");
    REQUIRE(std::holds_alternative<ApiError>(r));
    CHECK(std::get<ApiError>(r) == errors::active_payout_exists_winner());
    CHECK(w.store.load_spin()->spin_cycle_id == spin.spin_cycle_id);
    CHECK_FALSE(w.store.load_spin()->payout_created_for_cycle);
}

TEST_CASE("GAP-32 harness keeps an existing cycle id and reports an invalid stored name",
          "[domain][roulette][harness]") {
    DomainWorld w(T0 + std::chrono::seconds(30));
    w.add_pool("u1", "D", "Abcd");
    w.roulette.tick();
    const auto c = w.store.load_spin()->spin_cycle_id;
    w.add_pool("bad", "B", "B4d");  // stored directly; the enrollment paths would refuse it
    auto r = w.roulette.prepare_pending_payout("bad");
    REQUIRE(std::holds_alternative<ApiError>(r));
    CHECK(std::get<ApiError>(r) == errors::invalid_character_name());
    CHECK(w.store.load_spin()->spin_cycle_id == c);
    CHECK(w.store.load_spin()->candidate_twitch_user_id == std::optional<std::string>("bad"));

    r = w.roulette.prepare_pending_payout("u1");
    REQUIRE(std::holds_alternative<E2ePrepared>(r));
    CHECK(w.store.find_payout(std::get<E2ePrepared>(r).payout_id)->spin_cycle_id == c);
}

TEST_CASE("harness is enabled only in Development with the flag", "[domain][roulette][harness]") {
    auto config = test_config();
    config.environment = "production";
    CHECK_FALSE(DomainWorld(T0, config).roulette.harness_enabled());
    config.environment = "DEVELOPMENT";
    config.enable_e2e_harness = false;
    CHECK_FALSE(DomainWorld(T0, config).roulette.harness_enabled());
    config.enable_e2e_harness = true;
    CHECK(DomainWorld(T0, config).roulette.harness_enabled());
}

// The 5-minute grid (RT-001..005, §20.3) and the phase starts the harness's time steps aim at.

TEST_CASE("5-minute grid at, just before and just after a boundary", "[roulette][boundary]") {
    const sim::Instant boundary = at("2026-04-05T10:05:00Z");
    CHECK(floor_to_5_minutes(boundary) == boundary);
    CHECK(next_5_minute_boundary(boundary) == at("2026-04-05T10:10:00Z"));
    CHECK(floor_to_5_minutes(boundary - sim::kTick) == at("2026-04-05T10:00:00Z"));
    CHECK(next_5_minute_boundary(boundary - sim::kTick) == boundary);
    CHECK(floor_to_5_minutes(boundary + sim::kTick) == boundary);
    CHECK(next_5_minute_boundary(boundary + sim::kTick) == at("2026-04-05T10:10:00Z"));
}

TEST_CASE("5-minute grid is floor division for instants before the epoch", "[roulette][boundary]") {
    CHECK(floor_to_5_minutes(sim::Instant{-1}) == at("1969-12-31T23:55:00Z"));
    CHECK(next_5_minute_boundary(sim::Instant{-1}) == sim::Instant{0});
    CHECK(floor_to_5_minutes(at("1969-12-31T23:55:00Z")) == at("1969-12-31T23:55:00Z"));
    CHECK(next_5_minute_boundary(at("1969-12-31T23:55:00Z")) == sim::Instant{0});
}

TEST_CASE("RT-001 floor to five minutes is idempotent", "[roulette][RT-001]") {
    const sim::Instant t = at("2026-04-05T14:37:22Z");
    const sim::Instant once = floor_to_5_minutes(t);
    CHECK(once == at("2026-04-05T14:35:00Z"));
    CHECK(floor_to_5_minutes(once) == once);
}

TEST_CASE("RT-002 floor aligns to the epoch-based five-minute grid", "[roulette][RT-002]") {
    const sim::Instant grid = sim::Instant{0} + std::chrono::minutes(500);
    const sim::Instant inside = grid + std::chrono::minutes(3) + std::chrono::seconds(17);
    CHECK(sim::format_iso8601(grid) == "1970-01-01T08:20:00Z");
    CHECK(sim::format_iso8601(inside) == "1970-01-01T08:23:17Z");
    CHECK(floor_to_5_minutes(grid) == grid);
    CHECK(floor_to_5_minutes(inside) == grid);
}

TEST_CASE("RT-003 next spin boundary is strictly after the input and on the grid", "[roulette][RT-003]") {
    const sim::Instant t = at("2026-04-05T14:37:22Z");
    const sim::Instant next = next_5_minute_boundary(t);
    CHECK(next > t);
    CHECK((next - sim::Instant{0}) % std::chrono::minutes(5) == sim::Duration::zero());
    CHECK(next == at("2026-04-05T14:40:00Z"));
}

TEST_CASE("RT-004 an input exactly on a boundary yields the following boundary", "[roulette][RT-004]") {
    const sim::Instant grid = sim::Instant{0} + std::chrono::minutes(1000);
    CHECK(sim::format_iso8601(grid) == "1970-01-01T16:40:00Z");
    CHECK(next_5_minute_boundary(grid) == at("1970-01-01T16:45:00Z"));
}

TEST_CASE("RT-005 collecting and spinning windows are 240 s and 30 s of a 5-minute interval", "[roulette][RT-005]") {
    CHECK(kRouletteInterval == std::chrono::seconds(300));
    CHECK(kSpinIntervalSeconds == 300);
    CHECK(kSpinningStarts == std::chrono::seconds(240));
    CHECK(kVerificationStarts == std::chrono::seconds(270));
    CHECK(kVerificationDeadline == std::chrono::seconds(330));
}

TEST_CASE("next phase start is strictly after now, on the cycle's grid", "[roulette][boundary]") {
    const sim::Instant cycle = at("2026-04-05T10:05:00Z");
    // From inside collecting: spinning at +240 s of this cycle, verification at +270 s, collecting next cycle.
    const sim::Instant collecting = cycle + std::chrono::seconds(17);
    CHECK(next_phase_start(collecting, SpinPhase::spinning) == at("2026-04-05T10:09:00Z"));
    CHECK(next_phase_start(collecting, SpinPhase::verification) == at("2026-04-05T10:09:30Z"));
    CHECK(next_phase_start(collecting, SpinPhase::collecting) == at("2026-04-05T10:10:00Z"));
    CHECK(next_phase_start(collecting) == at("2026-04-05T10:09:00Z"));
    // Exactly at a phase start: that start is not "next"; the following one is.
    const sim::Instant spin = cycle + kSpinningStarts;
    CHECK(next_phase_start(spin, SpinPhase::spinning) == at("2026-04-05T10:14:00Z"));
    CHECK(next_phase_start(spin) == at("2026-04-05T10:09:30Z"));
    CHECK(next_phase_start(cycle + kVerificationStarts) == at("2026-04-05T10:10:00Z"));
    CHECK(next_phase_start(cycle + kVerificationStarts - sim::kTick) == cycle + kVerificationStarts);
    // After +270 s the next spinning/verification starts belong to the following cycle.
    const sim::Instant late = cycle + std::chrono::seconds(280);
    CHECK(next_phase_start(late, SpinPhase::spinning) == at("2026-04-05T10:14:00Z"));
    CHECK(next_phase_start(late, SpinPhase::verification) == at("2026-04-05T10:14:30Z"));
    CHECK(next_phase_start(late) == at("2026-04-05T10:10:00Z"));
    CHECK_THROWS_AS(next_phase_start(late, SpinPhase::idle), std::invalid_argument);
    CHECK_THROWS_AS(next_phase_start(late, SpinPhase::completed), std::invalid_argument);
}

TEST_CASE("roulette boundary instants table", "[roulette][boundary]") {
    struct Row {
        const char* t;
        const char* floor5;
        const char* next5;
    };
    const Row rows[] = {
        {"2026-04-05T14:37:22Z", "2026-04-05T14:35:00Z", "2026-04-05T14:40:00Z"},
        {"1970-01-01T08:20:00Z", "1970-01-01T08:20:00Z", "1970-01-01T08:25:00Z"},
        {"1970-01-01T08:23:17Z", "1970-01-01T08:20:00Z", "1970-01-01T08:25:00Z"},
        {"1970-01-01T16:40:00Z", "1970-01-01T16:40:00Z", "1970-01-01T16:45:00Z"},
        {"2026-04-05T10:04:59.999Z", "2026-04-05T10:00:00Z", "2026-04-05T10:05:00Z"},
        {"2026-04-05T10:05:00Z", "2026-04-05T10:05:00Z", "2026-04-05T10:10:00Z"},
        {"2026-04-05T10:05:00.001Z", "2026-04-05T10:05:00Z", "2026-04-05T10:10:00Z"},
        {"2026-12-31T23:59:59Z", "2026-12-31T23:55:00Z", "2027-01-01T00:00:00Z"},
    };
    for (const Row& row : rows) {
        INFO(row.t);
        CHECK(sim::format_iso8601(floor_to_5_minutes(at(row.t))) == row.floor5);
        CHECK(sim::format_iso8601(next_5_minute_boundary(at(row.t))) == row.next5);
    }
}

// Payouts: PATCH transition table (GAP-23), Sent side effects + Helix announcement (RT-079..082, GAP-24/25,
// D1), confirm-acceptance (RT-083..085, GAP-26), reads (RT-061/062, GAP-27/28), expiration (RT-086..088, GAP-29).
#include <set>

#include "test_domain_fixture.h"

using namespace mgm;
using namespace mgm::backend;
using namespace mgm::backend::testing;
using trompeloeil::_;

namespace {

const char* kAbcdAnnouncement = "Награда отправлена персонажу Abcd на почту, проверяй ящик!";

// Runs PATCH and the loop until `done` ran; returns its outcome.
Outcome<Payout> patch(DomainWorld& w, const sim::Uuid& id, PayoutStatus to) {
    std::optional<Outcome<Payout>> result;
    w.payouts.patch_status(id, to, [&](Outcome<Payout> o) { result.emplace(std::move(o)); });
    w.run_timers();
    REQUIRE(result.has_value());
    return *result;
}

EbsConfig helix_unconfigured() {
    auto c = test_config();
    c.broadcaster_access_token.clear();
    return c;
}

}  // namespace

TEST_CASE("reward announcement template", "[domain][payouts][helix]") {
    CHECK(reward_sent_message("Etoehero") == "Награда отправлена персонажу Etoehero на почту, проверяй ящик!");
    CHECK(reward_sent_message("Абвг") == "Награда отправлена персонажу Абвг на почту, проверяй ящик!");
}

TEST_CASE("GAP-23 PATCH transition table: all 6x6 pairs", "[domain][payouts][transitions]") {
    using S = PayoutStatus;
    const S all[] = {S::Pending, S::InProgress, S::Sent, S::Failed, S::Cancelled, S::Expired};
    const std::set<std::pair<S, S>> allowed = {
        {S::Pending, S::InProgress}, {S::Pending, S::Cancelled},    {S::Pending, S::Failed},
        {S::InProgress, S::Sent},    {S::InProgress, S::Cancelled}, {S::InProgress, S::Failed},
        {S::InProgress, S::Pending},
    };
    for (S from : all) {
        for (S to : all) {
            DYNAMIC_SECTION(to_string(from) << " -> " << to_string(to)) {
                DomainWorld w(at("2026-04-05T10:00:00Z"), helix_unconfigured());
                const auto p = w.add_payout("u", "Abcd", from, w.clock.now() - std::chrono::minutes(1));
                w.advance(std::chrono::seconds(5));
                const auto r = patch(w, p.id, to);
                const bool expect_ok = allowed.count({from, to}) == 1;
                CHECK(is_allowed_payout_transition(from, to) == expect_ok);
                if (expect_ok) {
                    REQUIRE(r.ok());
                    CHECK(r.value().status == to);
                    CHECK(r.value().updated_at == w.clock.now());
                    CHECK(w.store.find_payout(p.id)->status == to);
                    const auto events = w.store.list_events(p.id.str());
                    REQUIRE(events.size() == 1);
                    CHECK(events[0].type == "PayoutStatusChanged");
                } else {
                    REQUIRE_FALSE(r.ok());
                    CHECK(r.error() == ApiError{409, "terminal_status_change_not_allowed", "Transition not allowed."});
                    CHECK(w.store.find_payout(p.id)->status == from);
                    CHECK(w.store.list_events(p.id.str()).empty());
                }
            }
        }
    }
}

TEST_CASE("PATCH with an out-of-range status value is refused", "[domain][payouts][transitions]") {
    DomainWorld w;
    const auto p = w.add_payout("u", "Abcd", PayoutStatus::InProgress, w.clock.now());
    CHECK(patch(w, p.id, static_cast<PayoutStatus>(9)).error().code == "terminal_status_change_not_allowed");
    CHECK(to_string(static_cast<PayoutStatus>(9)) == "9");
}

TEST_CASE("RT-082 PATCH unknown id is 404 not_found", "[domain][payouts]") {
    DomainWorld w;
    const auto r = patch(w, uuid("2d2b7b2a-1111-2222-3333-444444444444"), PayoutStatus::Sent);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == ApiError{404, "not_found", "Payout not found."});
}

TEST_CASE("RT-079 / GAP-25 Sent removes every pool row of the winner - other terminal states do not",
          "[domain][payouts][sent]") {
    SECTION("Sent (Helix unconfigured: no call, flag false)") {
        DomainWorld w(at("2026-04-05T10:00:00Z"), helix_unconfigured());
        w.add_pool("pool-winner", "W", "Abcd");
        w.add_pool("someone", "S", "Efgh");
        const auto p = w.add_payout("pool-winner", "Abcd", PayoutStatus::InProgress, w.clock.now());
        FORBID_CALL(w.helix, send_chat_message(_, _));
        const auto r = patch(w, p.id, PayoutStatus::Sent);
        REQUIRE(r.ok());
        CHECK(r.value().status == PayoutStatus::Sent);
        CHECK_FALSE(r.value().is_reward_sent_announced_to_chat);
        CHECK_FALSE(w.store.find_pool_member("pool-winner"));
        CHECK(w.store.find_pool_member("someone"));
        CHECK(w.count_events("helix.announce_skipped") == 1);
    }
    SECTION("Cancelled / Failed keep the pool row") {
        DomainWorld w(at("2026-04-05T10:00:00Z"), helix_unconfigured());
        w.add_pool("u", "W", "Abcd");
        const auto a = w.add_payout("u", "Abcd", PayoutStatus::InProgress, w.clock.now());
        REQUIRE(patch(w, a.id, PayoutStatus::Cancelled).ok());  // RT-081
        const auto b = w.add_payout("u", "Abcd", PayoutStatus::Pending, w.clock.now());
        REQUIRE(patch(w, b.id, PayoutStatus::Failed).ok());
        CHECK(w.store.find_pool_member("u"));
    }
}

TEST_CASE("RT-080 Pending -> Sent is refused and nothing happens", "[domain][payouts][sent]") {
    DomainWorld w;
    w.add_pool("u", "W", "Abcd");
    const auto p = w.add_payout("u", "Abcd", PayoutStatus::Pending, w.clock.now());
    FORBID_CALL(w.helix, send_chat_message(_, _));
    CHECK(patch(w, p.id, PayoutStatus::Sent).error().status == 409);
    CHECK(w.store.find_pool_member("u"));
}

TEST_CASE("GAP-24 Sent announces exactly once with the template - success sets the flag", "[domain][payouts][helix]") {
    DomainWorld w;
    w.add_pool("u", "W", "Abcd");
    const auto p = w.add_payout("u", "Abcd", PayoutStatus::InProgress, w.clock.now());
    {
        REQUIRE_CALL(w.helix, send_chat_message(kAbcdAnnouncement, _))
            .TIMES(1)
            .LR_SIDE_EFFECT(w.later(_2, HelixAttemptResult::ok(200)));
        const auto r = patch(w, p.id, PayoutStatus::Sent);
        REQUIRE(r.ok());
        CHECK(r.value().is_reward_sent_announced_to_chat);
        CHECK(r.value().status == PayoutStatus::Sent);
    }
    const auto stored = *w.store.find_payout(p.id);
    CHECK(stored.is_reward_sent_announced_to_chat);
    const auto events = w.store.list_events(p.id.str());
    REQUIRE(events.size() == 2);
    CHECK(events[0].type == "PayoutStatusChanged");
    CHECK(events[1].type == "HelixRewardSentAnnouncementSucceeded");
    CHECK(w.count_events("helix.announced") == 1);
    // Sent is terminal: a repeated Sent is 409 and never re-announces.
    FORBID_CALL(w.helix, send_chat_message(_, _));
    CHECK(patch(w, p.id, PayoutStatus::Sent).error().code == "terminal_status_change_not_allowed");
}

TEST_CASE("RT-092 Helix: two failures then success = 3 attempts, flag true", "[domain][payouts][helix]") {
    DomainWorld w;
    const auto p = w.add_payout("u", "Abcd", PayoutStatus::InProgress, w.clock.now());
    int calls = 0;
    REQUIRE_CALL(w.helix, send_chat_message(kAbcdAnnouncement, _))
        .TIMES(3)
        .LR_SIDE_EFFECT(++calls; w.later(_2, calls == 1   ? HelixAttemptResult::http_failure(500)
                                             : calls == 2 ? HelixAttemptResult::transport_failure("connection reset")
                                                          : HelixAttemptResult::ok(204)));
    const auto r = patch(w, p.id, PayoutStatus::Sent);
    REQUIRE(r.ok());
    CHECK(r.value().is_reward_sent_announced_to_chat);
    CHECK(w.count_events("helix.announce_attempt") == 3);
}

TEST_CASE("GAP-24 Helix: three non-2xx answers leave the flag false and still answer 200", "[domain][payouts][helix]") {
    DomainWorld w;
    w.add_pool("u", "W", "Abcd");
    const auto p = w.add_payout("u", "Abcd", PayoutStatus::InProgress, w.clock.now());
    REQUIRE_CALL(w.helix, send_chat_message(kAbcdAnnouncement, _))
        .TIMES(3)
        .LR_SIDE_EFFECT(w.later(_2, HelixAttemptResult::http_failure(500)));
    const auto r = patch(w, p.id, PayoutStatus::Sent);
    REQUIRE(r.ok());
    CHECK(r.value().status == PayoutStatus::Sent);
    CHECK_FALSE(r.value().is_reward_sent_announced_to_chat);
    CHECK_FALSE(w.store.find_payout(p.id)->is_reward_sent_announced_to_chat);
    CHECK_FALSE(w.store.find_pool_member("u"));
    CHECK(w.count_events("helix.announce_failed") == 1);
}

TEST_CASE("D1 Helix: a transport failure on the 3rd attempt makes the PATCH a 500 after commit",
          "[domain][payouts][helix]") {
    DomainWorld w;
    w.add_pool("u", "W", "Abcd");
    const auto p = w.add_payout("u", "Abcd", PayoutStatus::InProgress, w.clock.now());
    int calls = 0;
    REQUIRE_CALL(w.helix, send_chat_message(kAbcdAnnouncement, _))
        .TIMES(3)
        .LR_SIDE_EFFECT(++calls; w.later(
            _2, calls < 3 ? HelixAttemptResult::http_failure(503) : HelixAttemptResult::transport_failure("timeout")));
    const auto r = patch(w, p.id, PayoutStatus::Sent);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().unhandled);
    CHECK(r.error().status == 500);
    // Sent stays committed; the winner left the pool; the flag stays false.
    const auto stored = *w.store.find_payout(p.id);
    CHECK(stored.status == PayoutStatus::Sent);
    CHECK_FALSE(stored.is_reward_sent_announced_to_chat);
    CHECK_FALSE(w.store.find_pool_member("u"));
}

TEST_CASE("Helix: transport failures on attempts 1 and 2 are retried", "[domain][payouts][helix]") {
    DomainWorld w;
    const auto p = w.add_payout("u", "Abcd", PayoutStatus::InProgress, w.clock.now());
    int calls = 0;
    REQUIRE_CALL(w.helix, send_chat_message(_, _))
        .TIMES(3)
        .LR_SIDE_EFFECT(++calls; w.later(
            _2, calls < 3 ? HelixAttemptResult::transport_failure("refused") : HelixAttemptResult::ok()));
    CHECK(patch(w, p.id, PayoutStatus::Sent).value().is_reward_sent_announced_to_chat);
}

TEST_CASE("RT-090 Helix skipped when the broadcaster id is missing", "[domain][payouts][helix]") {
    auto config = test_config();
    config.broadcaster_user_id.clear();
    DomainWorld w(at("2026-04-05T10:00:00Z"), config);
    const auto p = w.add_payout("u", "Abcd", PayoutStatus::InProgress, w.clock.now());
    FORBID_CALL(w.helix, send_chat_message(_, _));
    const auto r = patch(w, p.id, PayoutStatus::Sent);
    REQUIRE(r.ok());
    CHECK_FALSE(r.value().is_reward_sent_announced_to_chat);
}

TEST_CASE("RT-083..RT-085 / GAP-26 confirm-acceptance", "[domain][payouts][acceptance]") {
    DomainWorld w;
    CHECK(w.payouts.confirm_acceptance(uuid("2d2b7b2a-1111-2222-3333-444444444444"), "Abcd").error() ==
          ApiError{404, "not_found", "Payout not found."});
    const auto p = w.add_payout("u", "Abcd", PayoutStatus::Pending, w.clock.now());
    CHECK(w.payouts.confirm_acceptance(p.id, "Wrong").error() ==
          ApiError{400, "invalid_character_name", "characterName does not match payout."});
    CHECK_FALSE(w.payouts.confirm_acceptance(p.id, "abcd").ok());  // case-sensitive
    CHECK_FALSE(w.payouts.confirm_acceptance(p.id, " Abcd").ok());  // no trim
    const sim::Instant first = w.clock.now();
    CHECK(w.payouts.confirm_acceptance(p.id, "Abcd").ok());
    w.advance(std::chrono::seconds(10));
    CHECK(w.payouts.confirm_acceptance(p.id, "Abcd").ok());
    CHECK(w.store.find_payout(p.id)->winner_accepted_at == first);  // recorded once
    CHECK(w.store.list_events(p.id.str()).size() == 1);
    // Any status, terminal included.
    const auto sent = w.add_payout("v", "Efgh", PayoutStatus::Sent, w.clock.now());
    CHECK(w.payouts.confirm_acceptance(sent.id, "Efgh").ok());
}

TEST_CASE("RT-061 / RT-062 / GAP-27 / GAP-28 my-last and pending reads", "[domain][payouts][reads]") {
    DomainWorld w(at("2026-04-05T12:00:00Z"));
    CHECK_FALSE(w.payouts.my_last("ghost").has_value());
    CHECK(w.payouts.pending().empty());
    const sim::Instant now = w.clock.now();
    const auto old_sent = w.add_payout("u", "Abcd", PayoutStatus::Sent, now - std::chrono::hours(3));
    const auto newest = w.add_payout("u", "Abcd", PayoutStatus::Cancelled, now - std::chrono::hours(1));
    const auto p2 = w.add_payout("v", "Efgh", PayoutStatus::Pending, now - std::chrono::minutes(5));
    const auto p1 = w.add_payout("x", "Ijkl", PayoutStatus::Pending, now - std::chrono::minutes(10));
    w.add_payout("y", "Mnop", PayoutStatus::InProgress, now - std::chrono::minutes(20));
    CHECK(w.payouts.my_last("u")->id == newest.id);
    CHECK(w.payouts.my_last("u")->id != old_sent.id);
    const auto pending = w.payouts.pending();
    REQUIRE(pending.size() == 2);
    CHECK(pending[0].id == p1.id);
    CHECK(pending[1].id == p2.id);
}

TEST_CASE("RT-086 / RT-088 / GAP-29 expiration: strictly older than 24 h, Pending and InProgress only",
          "[domain][payouts][expiry]") {
    DomainWorld w(at("2026-04-06T12:00:00Z"));
    const sim::Instant now = w.clock.now();
    w.add_pool("exp-user", "E", "Abcd");
    const auto stale =
        w.add_payout("exp-user", "Abcd", PayoutStatus::Pending, now - std::chrono::hours(30), "spin:dead");
    const auto stale_ip =
        w.add_payout("inprog-user", "Abcd", PayoutStatus::InProgress, now - std::chrono::hours(48), "spin:old2");
    const auto exact = w.add_payout("edge", "Abcd", PayoutStatus::Pending, now - std::chrono::hours(24));
    const auto just_over =
        w.add_payout("edge2", "Abcd", PayoutStatus::Pending, now - std::chrono::hours(24) - sim::kTick);
    const auto sent = w.add_payout("s", "Abcd", PayoutStatus::Sent, now - std::chrono::hours(100));
    const auto failed = w.add_payout("f", "Abcd", PayoutStatus::Failed, now - std::chrono::hours(100));
    const auto cancelled = w.add_payout("c", "Abcd", PayoutStatus::Cancelled, now - std::chrono::hours(100));

    CHECK(w.payouts.expire_stale() == 3);
    CHECK(w.store.find_payout(stale.id)->status == PayoutStatus::Expired);
    CHECK(w.store.find_payout(stale.id)->updated_at == now);
    CHECK(w.store.find_payout(stale_ip.id)->status == PayoutStatus::Expired);
    CHECK(w.store.find_payout(just_over.id)->status == PayoutStatus::Expired);
    CHECK(w.store.find_payout(exact.id)->status == PayoutStatus::Pending);
    CHECK(w.store.find_payout(sent.id)->status == PayoutStatus::Sent);
    CHECK(w.store.find_payout(failed.id)->status == PayoutStatus::Failed);
    CHECK(w.store.find_payout(cancelled.id)->status == PayoutStatus::Cancelled);
    CHECK(w.store.list_events(stale.id.str()).at(0).type == "PayoutStatusChanged");
    CHECK(w.store.find_pool_member("exp-user"));  // expiry leaves the pool alone
    CHECK(w.count_events("payout.expired") == 3);

    // One tick later the exactly-24 h payout is strictly older.
    w.advance(sim::kTick);
    CHECK(w.payouts.expire_stale() == 1);
    CHECK(w.store.find_payout(exact.id)->status == PayoutStatus::Expired);

    // GAP-29: an expired payout no longer blocks enrollment.
    CHECK(w.enrollment.claim(ClaimRequest{"exp-user", "E", "Abcd", "after-expiry"}).ok());
}

TEST_CASE("RT-087 expiration on an empty store returns 0", "[domain][payouts][expiry]") {
    DomainWorld w;
    CHECK(w.payouts.expire_stale() == 0);
    CHECK(w.count_events("payout.expiration_sweep") == 0);
}

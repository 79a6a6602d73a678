// Enrollment: claim rules (§9 RT-051..057, GAP-14..18, D4), chat enrollment (§6 RT-031..035) and pool/me
// (RT-059/060).
#include "test_domain_fixture.h"

using namespace mgm;
using namespace mgm::backend;
using namespace mgm::backend::testing;

namespace {

ClaimRequest claim(std::string user, std::string display, std::string name, std::string id) {
    return ClaimRequest{std::move(user), std::move(display), std::move(name), std::move(id)};
}

ChatMessage chat(std::string message_id, std::string user, std::string login, std::string text,
                 bool subscriber = true) {
    return ChatMessage{std::move(message_id), std::move(user), std::move(login), std::move(text), subscriber};
}

}  // namespace

TEST_CASE("RT-051 claim is idempotent: 201 then 200 with the same body", "[domain][claim]") {
    DomainWorld w;
    auto first = w.enrollment.claim(claim("twitch-user-a", "DisplayA", "Abcd", "enroll-idem-1"));
    REQUIRE(first.ok());
    CHECK(first.value().created);
    CHECK(first.value().character_name == "Abcd");
    CHECK(first.value().enrollment_request_id == "enroll-idem-1");
    auto second = w.enrollment.claim(claim("twitch-user-a", "DisplayA", "Abcd", "enroll-idem-1"));
    REQUIRE(second.ok());
    CHECK_FALSE(second.value().created);
    CHECK(second.value().character_name == "Abcd");
    const auto pool = w.store.list_pool();
    REQUIRE(pool.size() == 1);
    CHECK(pool[0].twitch_display_name == "DisplayA");
    CHECK(w.count_events("pool.enrolled") == 1);
    const auto record = w.store.find_enrollment("enroll-idem-1");
    REQUIRE(record);
    CHECK(record->enrolled_at == w.clock.now());
}

TEST_CASE("GAP-15 idempotent replay returns the stored name and changes nothing, even with an active payout",
          "[domain][claim]") {
    DomainWorld w;
    REQUIRE(w.enrollment.claim(claim("u", "D", "  Abcd ", "k1")).ok());
    w.store.remove_pool_member("u");
    w.add_payout("u", "Abcd", PayoutStatus::Pending, w.clock.now());
    auto replay = w.enrollment.claim(claim("u", "D", "Other", "k1"));
    REQUIRE(replay.ok());
    CHECK_FALSE(replay.value().created);
    CHECK(replay.value().character_name == "Abcd");
    CHECK(w.store.list_pool().empty());
}

TEST_CASE("RT-052 enrollment id bound to another user is duplicate_enrollment", "[domain][claim]") {
    DomainWorld w;
    REQUIRE(w.enrollment.claim(claim("user-one", "D1", "Abcd", "enroll-shared-key")).ok());
    auto other = w.enrollment.claim(claim("user-two", "D2", "Abcd", "enroll-shared-key"));
    REQUIRE_FALSE(other.ok());
    CHECK(other.error() == ApiError{409, "duplicate_enrollment", "EnrollmentRequestId belongs to another user."});
    // Ids are case-sensitive: a different case is a different key.
    auto cased = w.enrollment.claim(claim("user-two", "D2", "Efgh", "ENROLL-SHARED-KEY"));
    CHECK(cased.ok());
}

TEST_CASE("RT-053 / GAP-16 active payouts block the claim - terminal ones do not", "[domain][claim]") {
    DomainWorld w;
    SECTION("Pending") {
        w.add_payout("blocked-user", "Xyzz", PayoutStatus::Pending, w.clock.now(),
                     "spin:00000000-0000-0000-0000-000000000001");
    }
    SECTION("InProgress") { w.add_payout("blocked-user", "Xyzz", PayoutStatus::InProgress, w.clock.now()); }
    auto r = w.enrollment.claim(claim("blocked-user", "B", "Abcd", "new-enroll-1"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == ApiError{409, "active_payout_exists", "User already has an active payout."});
    CHECK(w.store.list_pool().empty());
    CHECK_FALSE(w.store.find_enrollment("new-enroll-1"));
}

TEST_CASE("GAP-16 Sent/Failed/Cancelled/Expired payouts do not block", "[domain][claim]") {
    DomainWorld w;
    for (auto s : {PayoutStatus::Sent, PayoutStatus::Failed, PayoutStatus::Cancelled, PayoutStatus::Expired})
        w.add_payout("u", "Abcd", s, w.clock.now());
    CHECK(w.enrollment.claim(claim("u", "D", "Abcd", "k")).ok());
}

TEST_CASE("RT-054 / GAP-17 lifetime cap: 9 Sent payouts allow the claim, 10 block it", "[domain][claim]") {
    DomainWorld w(at("2026-04-05T12:00:00Z"));
    for (int i = 0; i < 9; ++i)
        w.add_payout("capped-user", "Abcd", PayoutStatus::Sent, w.clock.now() - std::chrono::minutes(i),
                     "hist-" + std::to_string(i));
    w.add_payout("capped-user", "Abcd", PayoutStatus::Failed, w.clock.now());  // only Sent counts
    auto nine = w.enrollment.claim(claim("capped-user", "C", "Abcd", "fresh-enroll-9"));
    CHECK(nine.ok());
    w.add_payout("capped-user", "Abcd", PayoutStatus::Sent, w.clock.now() - std::chrono::minutes(9), "hist-9");
    auto ten = w.enrollment.claim(claim("capped-user", "C", "Abcd", "fresh-enroll"));
    REQUIRE_FALSE(ten.ok());
    CHECK(ten.error() == ApiError{409, "lifetime_cap_reached", "Lifetime 10,000g cap reached."});
}

TEST_CASE("RT-055 without DevSkipSubscriberCheck every valid claim is not_subscriber (after validation)",
          "[domain][claim]") {
    auto config = test_config();
    config.dev_skip_subscriber_check = false;
    DomainWorld w(at("2026-04-05T10:00:00Z"), config);
    auto r = w.enrollment.claim(claim("u", "D", "Abcd", "e-new"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == ApiError{403, "not_subscriber",
                                "Subscriber verification requires Helix configuration or DevSkipSubscriberCheck."});
    // Validation runs before the gate.
    CHECK(w.enrollment.claim(claim("u", "D", "1bad", "e-new")).error().status == 400);
}

TEST_CASE("RT-056 invalid name is invalid_character_name with the reference's validator bytes", "[domain][claim]") {
    DomainWorld w;
    auto r = w.enrollment.claim(claim("u1", "D", "1bad", "e1"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().status == 400);
    CHECK(r.error().code == "invalid_character_name");
    const std::string expected =
        "CharacterName must be 2\xD0\xB2\xD0\x82\xE2\x80\x9C"
        "12 Unicode letters in Latin or Cyrillic scripts only (docs/overview/SPEC.md \xD0\x92\xC2\xA7"
        "4).";
    CHECK(r.error().message == expected);
    CHECK(r.error().message ==
          "CharacterName must be 2вЂ“12 Unicode letters in Latin or Cyrillic scripts only "
          "(docs/overview/SPEC.md В§4).");
}

TEST_CASE("RT-022 / GAP-18 blank enrollment id is also invalid_character_name - messages join with newlines",
          "[domain][claim]") {
    DomainWorld w;
    auto r = w.enrollment.claim(claim("u1", "D", "Abcd", " "));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "invalid_character_name");
    CHECK(r.error().message == "'Enrollment Request Id' must not be empty.");
    auto both = w.enrollment.claim(claim("u1", "D", "", ""));
    REQUIRE_FALSE(both.ok());
    CHECK(both.error().message == std::string("'Character Name' must not be empty.\n") + errors::kClaimNameRuleMessage +
                                      "\n'Enrollment Request Id' must not be empty.");
}

TEST_CASE("GAP-14 name taken by another viewer is 409 - the same viewer may re-claim it", "[domain][claim]") {
    DomainWorld w;
    w.add_pool("owner", "O", "Taken");
    auto r = w.enrollment.claim(claim("other", "D", "Taken", "k1"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == ApiError{409, "character_name_taken_in_pool", "Character name is taken by another viewer."});
    CHECK(w.enrollment.claim(claim("other", "D", "taken", "k2")).ok());  // case-sensitive
    CHECK(w.enrollment.claim(claim("owner", "O", "Taken", "k3")).ok());
}

TEST_CASE("D4 claim compares the untrimmed name: ' Taken' slips past and stores 'Taken'", "[domain][claim]") {
    DomainWorld w;
    w.add_pool("owner", "O", "Taken");
    auto r = w.enrollment.claim(claim("other", "D", " Taken", "k1"));
    REQUIRE(r.ok());
    CHECK(r.value().character_name == "Taken");
    const auto pool = w.store.list_pool();
    REQUIRE(pool.size() == 2);
    CHECK(pool[1].twitch_user_id == "other");
    CHECK(pool[1].character_name == "Taken");
}

TEST_CASE("claim replaces the user's row and moves it to the end", "[domain][claim]") {
    DomainWorld w;
    REQUIRE(w.enrollment.claim(claim("a", "A", "Aaaa", "k1")).ok());
    REQUIRE(w.enrollment.claim(claim("b", "B", "Bbbb", "k2")).ok());
    REQUIRE(w.enrollment.claim(claim("a", "A2", "Cccc", "k3")).ok());
    const auto pool = w.store.list_pool();
    REQUIRE(pool.size() == 2);
    CHECK(pool[0].twitch_user_id == "b");
    CHECK(pool[1].twitch_user_id == "a");
    CHECK(pool[1].character_name == "Cccc");
    CHECK(pool[1].twitch_display_name == "A2");
    // The old name is free again.
    CHECK(w.enrollment.claim(claim("d", "D", "Aaaa", "k4")).ok());
}

TEST_CASE("RT-057 / RT-059 / RT-060 pool/me reflects the enrollment", "[domain][claim]") {
    DomainWorld w;
    CHECK_FALSE(w.enrollment.pool_me("no-such-user").is_enrolled);
    CHECK_FALSE(w.enrollment.pool_me("no-such-user").character_name.has_value());
    REQUIRE(w.enrollment.claim(claim("viewer-tc001", "ViewerDisp", "Noriqxzt", "enroll-tc001-http-0")).ok());
    const auto me = w.enrollment.pool_me("viewer-tc001");
    CHECK(me.is_enrolled);
    CHECK(me.character_name == std::optional<std::string>("Noriqxzt"));
    w.add_pool("me-u", "D", "Abcd");
    CHECK(w.enrollment.pool_me("me-u").character_name == std::optional<std::string>("Abcd"));
}

// ---------------------------------------------------------------------------------------------------
// chat enrollment

TEST_CASE("RT-031 chat: empty message id or user id is ignored", "[domain][chat]") {
    DomainWorld w;
    CHECK(w.enrollment.enroll_from_chat(chat("", "u1", "d", "!twgold Abcd")) == ChatEnrollResult::ignored_missing_ids);
    CHECK(w.enrollment.enroll_from_chat(chat("m", "", "d", "!twgold Abcd")) == ChatEnrollResult::ignored_missing_ids);
    CHECK(w.store.list_pool().empty());
}

TEST_CASE("RT-032 chat: a known message id is ignored", "[domain][chat]") {
    DomainWorld w;
    w.store.insert_chat_dedup("mid-1", w.clock.now());
    CHECK(w.enrollment.enroll_from_chat(chat("mid-1", "u1", "d", "!twgold Abcd")) ==
          ChatEnrollResult::ignored_duplicate_message);
    CHECK(w.store.list_pool().empty());
}

TEST_CASE("RT-033 chat: non-subscribers are ignored and not deduplicated", "[domain][chat]") {
    DomainWorld w;
    CHECK(w.enrollment.enroll_from_chat(chat("m-sub", "u1", "d", "!twgold Abcd", false)) ==
          ChatEnrollResult::ignored_not_subscriber);
    CHECK(w.store.list_pool().empty());
    CHECK(w.store.chat_dedup_count() == 0);
    // Redelivery of the same message id is re-evaluated (dedup is written only on success).
    CHECK(w.enrollment.enroll_from_chat(chat("m-sub", "u1", "d", "!twgold Abcd", true)) == ChatEnrollResult::enrolled);
}

TEST_CASE("RT-034 chat: subscriber with a valid !twgold joins the pool, display = login", "[domain][chat]") {
    DomainWorld w;
    CHECK(w.enrollment.enroll_from_chat(chat("m-new", "viewer-1", "Disp", "!twgold Abcd")) ==
          ChatEnrollResult::enrolled);
    const auto pool = w.store.list_pool();
    REQUIRE(pool.size() == 1);
    CHECK(pool[0] == PoolMember{"viewer-1", "Disp", "Abcd", pool[0].seq});
    CHECK(w.store.has_chat_dedup("m-new"));
    CHECK(w.count_events("pool.enrolled") == 1);
    // The same message id again is a duplicate.
    CHECK(w.enrollment.enroll_from_chat(chat("m-new", "viewer-1", "Disp", "!twgold Abcd")) ==
          ChatEnrollResult::ignored_duplicate_message);
}

TEST_CASE("RT-035 chat: a name held by another viewer is ignored", "[domain][chat]") {
    DomainWorld w;
    w.add_pool("owner", "O", "Taken");
    CHECK(w.enrollment.enroll_from_chat(chat("m-taken", "other-viewer", "D", "!twgold Taken")) ==
          ChatEnrollResult::ignored_name_taken);
    CHECK(w.store.list_pool().size() == 1);
    CHECK(w.store.chat_dedup_count() == 0);
}

TEST_CASE("chat enrollment: every ignore reason in order, dedup only on success", "[domain][chat]") {
    DomainWorld w;
    CHECK(w.enrollment.enroll_from_chat(chat("m1", "u", "l", "hello")) == ChatEnrollResult::ignored_not_a_command);
    CHECK(w.enrollment.enroll_from_chat(chat("m2", "u", "l", "!twgold Ab12")) ==
          ChatEnrollResult::ignored_invalid_name);
    w.add_payout("u", "Abcd", PayoutStatus::InProgress, w.clock.now());
    CHECK(w.enrollment.enroll_from_chat(chat("m3", "u", "l", "!twgold Abcd")) ==
          ChatEnrollResult::ignored_active_payout);
    DomainWorld capped;
    for (int i = 0; i < 10; ++i) capped.add_payout("u", "Abcd", PayoutStatus::Sent, capped.clock.now());
    CHECK(capped.enrollment.enroll_from_chat(chat("m4", "u", "l", "!twgold Abcd")) ==
          ChatEnrollResult::ignored_lifetime_cap);
    CHECK(w.store.chat_dedup_count() == 0);
    CHECK(capped.store.chat_dedup_count() == 0);
    CHECK(w.store.list_pool().empty());
}

TEST_CASE("chat enrollment: re-sending moves the viewer to the end - a new name frees the old one", "[domain][chat]") {
    DomainWorld w;
    REQUIRE(w.enrollment.enroll_from_chat(chat("m1", "a", "la", "!twgold Aaaa")) == ChatEnrollResult::enrolled);
    REQUIRE(w.enrollment.enroll_from_chat(chat("m2", "b", "lb", "!twgold Bbbb")) == ChatEnrollResult::enrolled);
    REQUIRE(w.enrollment.enroll_from_chat(chat("m3", "a", "la", "!twgold Aaaa")) == ChatEnrollResult::enrolled);
    auto pool = w.store.list_pool();
    REQUIRE(pool.size() == 2);
    CHECK(pool[0].twitch_user_id == "b");
    CHECK(pool[1].twitch_user_id == "a");
    REQUIRE(w.enrollment.enroll_from_chat(chat("m4", "a", "la", "!twgold Cccc")) == ChatEnrollResult::enrolled);
    CHECK(w.enrollment.enroll_from_chat(chat("m5", "b", "lb", "!twgold Aaaa")) == ChatEnrollResult::enrolled);
    CHECK(w.store.chat_dedup_count() == 5);
}

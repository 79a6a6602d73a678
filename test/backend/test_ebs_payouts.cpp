// Extension + Desktop payout routes over HTTP: claim rules, reads, roulette state, verify-candidate,
// PATCH status with the Helix announcement, confirm-acceptance and the E2E harness.
#include <catch2/catch.hpp>

#include "ebs_fixture.h"

using namespace mgm;
using namespace mgm::testing;
using backend::PayoutStatus;
using backend::PoolMember;

namespace {

std::string claim_body(const std::string& name, const std::string& enrollment_id) {
    return R"({"characterName":")" + name + R"(","enrollmentRequestId":")" + enrollment_id + "\"}";
}

std::string verify_body(int schema, const std::string& cycle, const std::string& name, bool online) {
    return R"({"schemaVersion":)" + std::to_string(schema) + R"(,"spinCycleId":")" + cycle + R"(","characterName":")" +
           name + R"(","online":)" + (online ? "true" : "false") + R"(,"capturedAt":"2026-04-05T12:00:30Z"})";
}

}  // namespace

TEST_CASE("RT-043/RT-059 pool/me for an unknown user: not enrolled, name null", "[ebs][http][claim]") {
    EbsFixture f;
    auto response = f.viewer_get(f.jwt("viewer-tc017", "DisplayTc017"), "/api/pool/me");
    REQUIRE(response.status == 200);
    REQUIRE(response.body == R"({"isEnrolled":false,"characterName":null})");
}

TEST_CASE("RT-044/RT-045/RT-058 roulette state with no spin record: idle, null cycle, next boundary",
          "[ebs][http][roulette]") {
    EbsFixture f;
    auto response = f.viewer_get(f.jwt("viewer-state", "D"), "/api/roulette/state");
    REQUIRE(response.status == 200);
    REQUIRE(
        response.body ==
        R"({"nextSpinAt":"2026-04-05T12:05:00Z","serverNow":"2026-04-05T12:00:30Z","spinIntervalSeconds":300,"poolParticipantCount":0,"spinPhase":"idle","currentSpinCycleId":null})");
}

TEST_CASE("GAP-20 roulette state with a live spin record: phase, cycle id and participant count",
          "[ebs][http][roulette]") {
    EbsFixture f;
    f.seed_pool_member("u1", "D", "Abcd");
    const auto cycle_start = backend::floor_to_5_minutes(f.clock.now());
    const auto spin = f.seed_spin(cycle_start, cycle_start + std::chrono::seconds(330));
    auto body = EbsFixture::body_json(f.viewer_get(f.jwt("viewer"), "/api/roulette/state"));
    REQUIRE(body["spinPhase"] == "collecting");
    REQUIRE(body["poolParticipantCount"] == 1);
    REQUIRE(body["currentSpinCycleId"] == spin.spin_cycle_id.str());
}

TEST_CASE("RT-047/RT-060/RT-057 claim then pool/me shows the enrolled name", "[ebs][http][claim]") {
    EbsFixture f;
    const std::string token = f.jwt("viewer-tc001", "ViewerDisp");
    auto claim = f.viewer_send(token, "POST", "/api/payouts/claim", claim_body("Noriqxzt", "enroll-tc001-http-1"));
    REQUIRE(claim.status == 201);
    REQUIRE_FALSE(claim.headers.get("Location"));
    REQUIRE(claim.body == R"({"characterName":"Noriqxzt","enrollmentRequestId":"enroll-tc001-http-1"})");
    auto me = f.viewer_get(token, "/api/pool/me");
    REQUIRE(me.body == R"({"isEnrolled":true,"characterName":"Noriqxzt"})");
    REQUIRE(f.store().find_pool_member("viewer-tc001")->twitch_display_name == "ViewerDisp");
}

TEST_CASE("RT-049/RT-051/GAP-15 claim is idempotent per enrollment id: 201 then 200 with the stored name",
          "[ebs][http][claim]") {
    EbsFixture f;
    const std::string token = f.jwt("twitch-user-a", "DisplayA");
    REQUIRE(f.viewer_send(token, "POST", "/api/payouts/claim", claim_body("Abcd", "enroll-idem-1")).status == 201);
    auto replay = f.viewer_send(token, "POST", "/api/payouts/claim", claim_body("Other", "enroll-idem-1"));
    REQUIRE(replay.status == 200);
    REQUIRE(replay.body == R"({"characterName":"Abcd","enrollmentRequestId":"enroll-idem-1"})");
    REQUIRE(f.store().pool_size() == 1);
}

TEST_CASE("RT-052 enrollment id bound to another user: 409 duplicate_enrollment", "[ebs][http][claim]") {
    EbsFixture f;
    REQUIRE(
        f.viewer_send(f.jwt("user-one", "D1"), "POST", "/api/payouts/claim", claim_body("Abcd", "enroll-shared-key"))
            .status == 201);
    auto conflict =
        f.viewer_send(f.jwt("user-two", "D2"), "POST", "/api/payouts/claim", claim_body("Abcd", "enroll-shared-key"));
    REQUIRE(conflict.status == 409);
    REQUIRE(conflict.body ==
            R"({"code":"duplicate_enrollment","message":"EnrollmentRequestId belongs to another user.","details":{}})");
}

TEST_CASE("RT-050/RT-053/GAP-16 active payout blocks claim (Pending and InProgress)", "[ebs][http][claim]") {
    EbsFixture f;
    f.seed_payout("blocked-user", "Xyzz", PayoutStatus::Pending, f.clock.now(), "spin:00000000000000000000000000000001",
                  "B");
    f.seed_payout("busy-user", "Yyzz", PayoutStatus::InProgress, f.clock.now());
    f.seed_payout("done-user", "Zyzz", PayoutStatus::Cancelled, f.clock.now());
    auto blocked =
        f.viewer_send(f.jwt("blocked-user", "B"), "POST", "/api/payouts/claim", claim_body("Abcd", "new-enroll-1"));
    REQUIRE(blocked.status == 409);
    REQUIRE(EbsFixture::body_json(blocked)["code"] == "active_payout_exists");
    REQUIRE(EbsFixture::body_json(blocked)["message"] == "User already has an active payout.");
    REQUIRE(f.viewer_send(f.jwt("busy-user"), "POST", "/api/payouts/claim", claim_body("Bcde", "e2")).status == 409);
    REQUIRE(f.viewer_send(f.jwt("done-user"), "POST", "/api/payouts/claim", claim_body("Cdef", "e3")).status == 201);
}

TEST_CASE("RT-054/GAP-17 lifetime cap: 10 Sent payouts block, 9 allow", "[ebs][http][claim]") {
    EbsFixture f;
    for (int i = 0; i < 10; ++i) {
        f.seed_payout("capped-user", "Abcd", PayoutStatus::Sent, f.clock.now() - std::chrono::minutes(i),
                      "hist-" + std::to_string(i), "C");
    }
    for (int i = 0; i < 9; ++i)
        f.seed_payout("nine-user", "Bcde", PayoutStatus::Sent, f.clock.now(), "h" + std::to_string(i));
    auto capped =
        f.viewer_send(f.jwt("capped-user", "C"), "POST", "/api/payouts/claim", claim_body("Abcd", "fresh-enroll"));
    REQUIRE(capped.status == 409);
    REQUIRE(capped.body == R"({"code":"lifetime_cap_reached","message":"Lifetime 10,000g cap reached.","details":{}})");
    REQUIRE(f.viewer_send(f.jwt("nine-user"), "POST", "/api/payouts/claim", claim_body("Bcde", "f2")).status == 201);
}

TEST_CASE("RT-055 subscriber gate when DevSkipSubscriberCheck is false: 403 not_subscriber", "[ebs][http][claim]") {
    auto config = http_test_profile();
    config.dev_skip_subscriber_check = false;
    EbsFixture f(config);
    auto response = f.viewer_send(f.jwt("u", "D"), "POST", "/api/payouts/claim", claim_body("Abcd", "e-new"));
    REQUIRE(response.status == 403);
    REQUIRE(
        response.body ==
        R"({"code":"not_subscriber","message":"Subscriber verification requires Helix configuration or DevSkipSubscriberCheck.","details":{}})");
    // Validation runs before the gate.
    REQUIRE(f.viewer_send(f.jwt("u", "D"), "POST", "/api/payouts/claim", claim_body("1bad", "e1")).status == 400);
}

TEST_CASE("RT-056 invalid character name: 400 invalid_character_name with the validator message",
          "[ebs][http][claim]") {
    EbsFixture f;
    auto response = f.viewer_send(f.jwt("u1", "D"), "POST", "/api/payouts/claim", claim_body("1bad", "e1"));
    REQUIRE(response.status == 400);
    auto body = EbsFixture::body_json(response);
    REQUIRE(body["code"] == "invalid_character_name");
    REQUIRE(body["message"] == backend::errors::kClaimNameRuleMessage);
    REQUIRE(body["details"] == nlohmann::json::object());
}

TEST_CASE("GAP-14/GAP-18 name taken by another viewer: 409 - the untrimmed name bypasses the check (D4)",
          "[ebs][http][claim]") {
    EbsFixture f;
    f.seed_pool_member("owner", "O", "Taken");
    auto taken = f.viewer_send(f.jwt("other"), "POST", "/api/payouts/claim", claim_body("Taken", "e1"));
    REQUIRE(taken.status == 409);
    REQUIRE(
        taken.body ==
        R"({"code":"character_name_taken_in_pool","message":"Character name is taken by another viewer.","details":{}})");
    // Case-sensitive.
    REQUIRE(f.viewer_send(f.jwt("lower"), "POST", "/api/payouts/claim", claim_body("taken", "e2")).status == 201);
    // D4 (matched): " Taken" is compared untrimmed, so it passes and is stored trimmed.
    auto padded = f.viewer_send(f.jwt("sneaky"), "POST", "/api/payouts/claim", claim_body(" Taken", "e3"));
    REQUIRE(padded.status == 201);
    REQUIRE(EbsFixture::body_json(padded)["characterName"] == "Taken");
}

TEST_CASE("RT-048/RT-061 my-last without payouts: 404 ProblemDetails - GAP-28 latest payout otherwise",
          "[ebs][http][payout]") {
    EbsFixture f;
    auto missing = f.viewer_get(f.jwt("ghost"), "/api/payouts/my-last");
    REQUIRE(missing.status == 404);
    REQUIRE(EbsFixture::body_json(missing)["title"] == "Not Found");

    f.seed_payout("u1", "Abcd", PayoutStatus::Sent, f.clock.now() - std::chrono::hours(2));
    auto latest = f.seed_payout("u1", "Abcd", PayoutStatus::Cancelled, f.clock.now() - std::chrono::hours(1),
                                "spin:0f8fad5bd9cb469fa16570867728950e", "Disp");
    auto response = f.viewer_get(f.jwt("u1"), "/api/payouts/my-last");
    REQUIRE(response.status == 200);
    REQUIRE(
        response.body ==
        R"({"id":")" + latest.id.str() +
            R"(","twitchUserId":"u1","twitchDisplayName":"Disp","characterName":"Abcd","goldAmount":1000,"enrollmentRequestId":"spin:0f8fad5bd9cb469fa16570867728950e","status":"Cancelled","createdAt":"2026-04-05T11:00:30Z","isRewardSentAnnouncedToChat":false})");
}

TEST_CASE("RT-062/RT-063/GAP-27 pending list: only Pending, createdAt ascending", "[ebs][http][payout]") {
    EbsFixture f;
    REQUIRE(f.desktop_get("/api/payouts/pending").body == "[]");
    auto later = f.seed_payout("u2", "Bcde", PayoutStatus::Pending, f.clock.now());
    auto earlier = f.seed_payout("u1", "Abcd", PayoutStatus::Pending, f.clock.now() - std::chrono::minutes(3));
    f.seed_payout("u3", "Cdef", PayoutStatus::InProgress, f.clock.now());
    auto list = EbsFixture::body_json(f.desktop_get("/api/payouts/pending"));
    REQUIRE(list.size() == 2);
    REQUIRE(list[0]["id"] == earlier.id.str());
    REQUIRE(list[1]["id"] == later.id.str());
    REQUIRE(list[0]["status"] == "Pending");
}

TEST_CASE("RT-064/RT-079/RT-091/RT-094/GAP-24 PATCH InProgress→Sent: pool removal + Helix announcement",
          "[ebs][http][payout][helix]") {
    EbsFixture f;
    f.seed_pool_member("pool-winner", "W", "Abcd");
    auto payout = f.seed_payout("pool-winner", "Abcd", PayoutStatus::InProgress, f.clock.now(), "spin:test", "W");
    auto response = f.desktop_send("PATCH", "/api/payouts/" + payout.id.str() + "/status", R"({"status":"sent"})");
    REQUIRE(response.status == 200);
    auto body = EbsFixture::body_json(response);
    REQUIRE(body["status"] == "Sent");
    REQUIRE(body["isRewardSentAnnouncedToChat"] == true);
    REQUIRE_FALSE(f.store().find_pool_member("pool-winner"));
    REQUIRE(f.store().find_payout(payout.id)->is_reward_sent_announced_to_chat);

    REQUIRE(f.helix.chat_posts() == 1);
    const http::Request& post = f.helix.requests.back();
    REQUIRE(post.target == "/helix/chat/messages");
    REQUIRE(post.headers.get("Authorization") == std::optional<std::string>("Bearer tok"));
    REQUIRE(post.headers.get("Client-Id") == std::optional<std::string>("client"));
    REQUIRE(post.headers.get("Accept") == std::optional<std::string>("application/json"));
    REQUIRE(post.headers.get("Content-Type")->rfind("application/json", 0) == 0);
    auto sent = nlohmann::json::parse(post.body);
    REQUIRE(
        sent ==
        nlohmann::json::parse(
            R"({"broadcaster_id":"42","sender_id":"42","message":"Награда отправлена персонажу Abcd на почту, проверяй ящик!"})"));
    // RT-093: the message embeds the winner's name and the Russian template.
    REQUIRE(sent["message"].get<std::string>().find("Награда") != std::string::npos);

    // Repeating Sent: 409, no second announcement.
    auto again = f.desktop_send("PATCH", "/api/payouts/" + payout.id.str() + "/status", R"({"status":"Sent"})");
    REQUIRE(again.status == 409);
    REQUIRE(f.helix.chat_posts() == 1);
}

TEST_CASE("RT-092 Helix transient failure is retried - GAP-24 three failures leave the flag false (200)",
          "[ebs][http][payout][helix]") {
    EbsFixture f;
    auto first = f.seed_payout("u1", "Abcd", PayoutStatus::InProgress, f.clock.now());
    f.helix.scripted_statuses = {500, 200};
    auto retried = EbsFixture::body_json(
        f.desktop_send("PATCH", "/api/payouts/" + first.id.str() + "/status", R"({"status":"sent"})"));
    REQUIRE(retried["isRewardSentAnnouncedToChat"] == true);
    REQUIRE(f.helix.chat_posts() == 2);

    auto second = f.seed_payout("u2", "Bcde", PayoutStatus::InProgress, f.clock.now());
    f.helix.scripted_statuses = {500, 502, 429};
    auto failed = f.desktop_send("PATCH", "/api/payouts/" + second.id.str() + "/status", R"({"status":"sent"})");
    REQUIRE(failed.status == 200);
    REQUIRE(EbsFixture::body_json(failed)["isRewardSentAnnouncedToChat"] == false);
    REQUIRE(f.helix.chat_posts() == 5);
    REQUIRE(f.store().find_payout(second.id)->status == PayoutStatus::Sent);
}

TEST_CASE("D1 Helix transport failure on the 3rd attempt: PATCH answers 500 empty, Sent stays committed",
          "[ebs][http][payout][helix]") {
    EbsFixture f;
    auto payout = f.seed_payout("u1", "Abcd", PayoutStatus::InProgress, f.clock.now());
    f.helix.scripted_statuses = {500, 500, 0};  // 0 = connection dropped without an answer
    auto response = f.desktop_send("PATCH", "/api/payouts/" + payout.id.str() + "/status", R"({"status":"sent"})");
    REQUIRE(response.status == 500);
    REQUIRE(response.body.empty());
    REQUIRE(f.store().find_payout(payout.id)->status == PayoutStatus::Sent);
    REQUIRE_FALSE(f.store().find_payout(payout.id)->is_reward_sent_announced_to_chat);
}

TEST_CASE("RT-089/RT-090 Helix skipped without broadcaster token or id: no HTTP call, flag false",
          "[ebs][http][payout][helix]") {
    for (int variant = 0; variant < 2; ++variant) {
        auto config = http_test_profile();
        (variant == 0 ? config.broadcaster_access_token : config.broadcaster_user_id) = "";
        EbsFixture f(config);
        auto payout = f.seed_payout("u1", "Abcd", PayoutStatus::InProgress, f.clock.now());
        auto body = EbsFixture::body_json(
            f.desktop_send("PATCH", "/api/payouts/" + payout.id.str() + "/status", R"({"status":"sent"})"));
        REQUIRE(body["status"] == "Sent");
        REQUIRE(body["isRewardSentAnnouncedToChat"] == false);
        REQUIRE(f.helix.requests.empty());
    }
}

TEST_CASE("Helix base URL joining (CONTRACT §6.7): https default is unreachable in simulation, path prefix kept",
          "[ebs][http][helix]") {
    auto config = http_test_profile();
    config.helix_api_base_url = "";  // -> https://api.twitch.tv/: a transport error on every attempt
    EbsFixture f(config);
    auto payout = f.seed_payout("u1", "Abcd", PayoutStatus::InProgress, f.clock.now());
    auto response = f.desktop_send("PATCH", "/api/payouts/" + payout.id.str() + "/status", R"({"status":"sent"})");
    REQUIRE(response.status == 500);  // D1: the 3rd attempt "threw"

    auto prefixed = http_test_profile();
    prefixed.helix_api_base_url = "  http://127.0.0.1:9053/mock//  ";
    EbsFixture g(prefixed);
    g.helix.default_status = 204;
    auto other = g.seed_payout("u1", "Abcd", PayoutStatus::InProgress, g.clock.now());
    auto body = EbsFixture::body_json(
        g.desktop_send("PATCH", "/api/payouts/" + other.id.str() + "/status", R"({"status":"sent"})"));
    // The stub has no /mock route: 404 three times (flag false), but the path kept the prefix, one '/'.
    REQUIRE(body["isRewardSentAnnouncedToChat"] == false);
    REQUIRE(g.helix.seen_targets == std::vector<std::string>(3, "POST /mock/helix/chat/messages"));
}

TEST_CASE("RT-080/RT-081/RT-082/GAP-23 transition matrix over HTTP", "[ebs][http][payout]") {
    EbsFixture f;
    struct Case {
        PayoutStatus from;
        const char* to;
        int status;
    };
    const Case cases[] = {
        {PayoutStatus::Pending, "Sent", 409},       {PayoutStatus::Pending, "inProgress", 200},
        {PayoutStatus::Pending, "cancelled", 200},  {PayoutStatus::Pending, "Failed", 200},
        {PayoutStatus::Pending, "Pending", 409},    {PayoutStatus::InProgress, "Cancelled", 200},
        {PayoutStatus::InProgress, "Failed", 200},  {PayoutStatus::InProgress, "Pending", 200},
        {PayoutStatus::InProgress, "Expired", 409}, {PayoutStatus::Sent, "Pending", 409},
        {PayoutStatus::Failed, "InProgress", 409},  {PayoutStatus::Cancelled, "Pending", 409},
        {PayoutStatus::Expired, "InProgress", 409},
    };
    int n = 0;
    for (const auto& c : cases) {
        INFO(static_cast<int>(c.from) << " -> " << c.to);
        auto payout = f.seed_payout("u" + std::to_string(n++), "Abcd", c.from, f.clock.now());
        auto response = f.desktop_send("PATCH", "/api/payouts/" + payout.id.str() + "/status",
                                       std::string(R"({"status":")") + c.to + "\"}");
        REQUIRE(response.status == c.status);
        if (c.status == 409) {
            REQUIRE(
                response.body ==
                R"({"code":"terminal_status_change_not_allowed","message":"Transition not allowed.","details":{}})");
        }
        f.next_rate_window();
    }
    // Missing status means Pending (Pending→Pending: 409); unknown id: 404 not_found.
    auto pending = f.seed_payout("m", "Abcd", PayoutStatus::Pending, f.clock.now());
    REQUIRE(f.desktop_send("PATCH", "/api/payouts/" + pending.id.str() + "/status", "{}").status == 409);
    auto unknown =
        f.desktop_send("PATCH", "/api/payouts/3f2504e0-4f89-11d3-9a0c-0305e82c3301/status", R"({"status":"Sent"})");
    REQUIRE(unknown.status == 404);
    REQUIRE(unknown.body == R"({"code":"not_found","message":"Payout not found.","details":{}})");
}

TEST_CASE("RT-065/RT-083/RT-084/RT-085/GAP-26 confirm-acceptance", "[ebs][http][payout]") {
    EbsFixture f;
    auto payout = f.seed_payout("u1", "Abcd", PayoutStatus::Sent, f.clock.now());
    const std::string target = "/api/payouts/" + payout.id.str() + "/confirm-acceptance";
    auto unknown = f.desktop_send("POST", "/api/payouts/3f2504e0-4f89-11d3-9a0c-0305e82c3301/confirm-acceptance",
                                  R"({"characterName":"Abcd"})");
    REQUIRE(unknown.status == 404);
    auto wrong = f.desktop_send("POST", target, R"({"characterName":"Wrong"})");
    REQUIRE(wrong.status == 400);
    REQUIRE(wrong.body ==
            R"({"code":"invalid_character_name","message":"characterName does not match payout.","details":{}})");
    auto ok = f.desktop_send("POST", target, R"({"characterName":"Abcd"})");
    REQUIRE(ok.status == 200);
    REQUIRE(ok.body.empty());
    REQUIRE(f.desktop_send("POST", target, R"({"characterName":"Abcd"})").status == 200);
    REQUIRE(f.store().find_payout(payout.id)->winner_accepted_at == f.clock.now());
}

TEST_CASE("RT-066..RT-074 verify-candidate over HTTP", "[ebs][http][roulette]") {
    EbsFixture f;
    const sim::Instant now = f.clock.now();
    SECTION("RT-067/RT-068 schemaVersion must be 1") {
        auto response = f.desktop_send("POST", "/api/roulette/verify-candidate",
                                       verify_body(2, "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "Ab", true));
        REQUIRE(response.body == R"({"code":"invalid_payload","message":"schemaVersion must be 1.","details":{}})");
        REQUIRE(f.desktop_send("POST", "/api/roulette/verify-candidate",
                               verify_body(0, "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "Ab", true))
                    .status == 400);
    }
    SECTION("RT-069 invalid name") {
        auto response = f.desktop_send("POST", "/api/roulette/verify-candidate",
                                       verify_body(1, "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "1", true));
        REQUIRE(response.body ==
                R"({"code":"invalid_character_name","message":"Invalid character name.","details":{}})");
    }
    SECTION("RT-070 spin mismatch / GAP-21 no spin state") {
        auto none = f.desktop_send("POST", "/api/roulette/verify-candidate",
                                   verify_body(1, "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "Abcd", false));
        REQUIRE(none.body ==
                R"({"code":"out_of_sequence","message":"spinCycleId does not match active cycle.","details":{}})");
        f.seed_spin(now, now + std::chrono::hours(1));
        REQUIRE(f.desktop_send("POST", "/api/roulette/verify-candidate",
                               verify_body(1, "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "Abcd", false))
                    .status == 400);
    }
    SECTION("RT-071 past the deadline") {
        auto spin = f.seed_spin(now - std::chrono::hours(2), now - std::chrono::minutes(5));
        auto response = f.desktop_send("POST", "/api/roulette/verify-candidate",
                                       verify_body(1, spin.spin_cycle_id.str(), "Abcd", false));
        REQUIRE(response.body ==
                R"({"code":"out_of_sequence","message":"verify-candidate window closed.","details":{}})");
    }
    SECTION("RT-072 offline report consumes the cycle, no payout") {
        auto spin = f.seed_spin(now - std::chrono::minutes(1), now + std::chrono::hours(1),
                                PoolMember{"u-off", "D", "Abcd", 0});
        auto response = f.desktop_send("POST", "/api/roulette/verify-candidate",
                                       verify_body(1, spin.spin_cycle_id.str(), "Abcd", false));
        REQUIRE(response.status == 200);
        REQUIRE(response.body.empty());
        REQUIRE(f.store().load_spin()->payout_created_for_cycle);
        REQUIRE(f.store().list_payouts().empty());
    }
    SECTION("RT-073 winner with an active payout: 409") {
        auto spin = f.seed_spin(now - std::chrono::minutes(1), now + std::chrono::hours(1),
                                PoolMember{"busy-winner", "H", "Hero", 0});
        f.seed_payout("busy-winner", "Other", PayoutStatus::Pending, now, "spin:old");
        auto response = f.desktop_send("POST", "/api/roulette/verify-candidate",
                                       verify_body(1, spin.spin_cycle_id.str(), "Hero", true));
        REQUIRE(response.body ==
                R"({"code":"active_payout_exists","message":"Winner already has an active payout.","details":{}})");
    }
    SECTION("RT-074/RT-066/RT-076/GAP-21 online report creates exactly one Pending payout") {
        auto spin = f.seed_spin(now - std::chrono::minutes(1), now + std::chrono::hours(1),
                                PoolMember{"winner-http", "W", "Hero", 0});
        auto wrong_name = f.desktop_send("POST", "/api/roulette/verify-candidate",
                                         verify_body(1, spin.spin_cycle_id.str(), "Heroo", true));
        REQUIRE(
            wrong_name.body ==
            R"({"code":"out_of_sequence","message":"characterName does not match server candidate.","details":{}})");
        auto ok = f.desktop_send("POST", "/api/roulette/verify-candidate",
                                 verify_body(1, spin.spin_cycle_id.str(), "Hero", true));
        REQUIRE(ok.status == 200);
        REQUIRE(ok.body.empty());
        auto again = f.desktop_send("POST", "/api/roulette/verify-candidate",
                                    verify_body(1, spin.spin_cycle_id.str(), "Hero", true));
        REQUIRE(again.status == 200);
        auto payouts = f.store().list_payouts();
        REQUIRE(payouts.size() == 1);
        REQUIRE(payouts[0].status == PayoutStatus::Pending);
        REQUIRE(payouts[0].character_name == "Hero");
        REQUIRE(payouts[0].twitch_display_name == "W");
        REQUIRE(payouts[0].gold_amount == 1000);
        REQUIRE(payouts[0].enrollment_request_id == "spin:" + spin.spin_cycle_id.hex32());
    }
}

TEST_CASE("RT-075/RT-076 synchronizer selects the single participant - verify creates the payout",
          "[ebs][http][roulette]") {
    EbsFixture f(http_test_profile(), EbsFixtureOptions{.start_workers = true});
    f.seed_pool_member("winner-twitch", "WinnerDisp", "Hero");
    // Next cycle starts at 12:05 with a non-empty pool; selection at 12:09:00 (t0 + 240 s).
    f.advance(std::chrono::minutes(8) + std::chrono::seconds(31));  // 12:09:01
    auto spin = f.store().load_spin();
    REQUIRE(spin);
    REQUIRE(spin->candidate_twitch_user_id == std::optional<std::string>("winner-twitch"));
    auto state = EbsFixture::body_json(f.viewer_get(f.jwt("viewer"), "/api/roulette/state"));
    REQUIRE(state["spinPhase"] == "spinning");
    REQUIRE(state["currentSpinCycleId"] == spin->spin_cycle_id.str());
    auto response = f.desktop_send("POST", "/api/roulette/verify-candidate",
                                   verify_body(1, spin->spin_cycle_id.str(), "Hero", true));
    REQUIRE(response.status == 200);
    auto pending = EbsFixture::body_json(f.desktop_get("/api/payouts/pending"));
    REQUIRE(pending.size() == 1);
    REQUIRE(pending[0]["twitchUserId"] == "winner-twitch");
    REQUIRE(pending[0]["twitchDisplayName"] == "WinnerDisp");
}

TEST_CASE("RT-159/GAP-32 E2E harness: happy path and error paths", "[ebs][http][harness]") {
    auto config = http_test_profile();
    config.enable_e2e_harness = true;
    EbsFixture f(config);
    auto prepare = [&](const std::string& body) {
        return f.desktop_send("POST", "/api/e2e/prepare-pending-payout", body);
    };
    auto not_in_pool = prepare(R"({"twitchUserId":"e2e-viewer-1"})");
    REQUIRE(not_in_pool.status == 400);
    REQUIRE(not_in_pool.body == R"({"error":"Viewer is not in the pool; run enrollment first."})");
    REQUIRE(prepare(R"({"twitchUserId":"  "})").status == 400);  // ValidationProblem first
    REQUIRE(f.request("POST", "/api/e2e/prepare-pending-payout", R"({"twitchUserId":"x"})",
                      {{"Content-Type", "application/json"}})
                .status == 401);

    f.seed_pool_member("e2e-viewer-1", "e2eviewer1", "Etoehero");
    auto ok = prepare(R"({"twitchUserId":" e2e-viewer-1 "})");
    REQUIRE(ok.status == 200);
    auto body = EbsFixture::body_json(ok);
    REQUIRE(body["characterName"] == "Etoehero");
    const auto payout = f.store().find_payout(*sim::Uuid::parse_hyphenated(body["payoutId"].get<std::string>()));
    REQUIRE(payout);
    REQUIRE(payout->status == PayoutStatus::Pending);
    // Re-run with the active payout: verify's 409 is propagated as an ApiError.
    auto again = prepare(R"({"twitchUserId":"e2e-viewer-1"})");
    REQUIRE(again.status == 409);
    REQUIRE(EbsFixture::body_json(again)["code"] == "active_payout_exists");
}

TEST_CASE("GAP-32 harness disabled (flag off or not Development): 404 ProblemDetails after auth and body checks",
          "[ebs][http][harness]") {
    for (int variant = 0; variant < 2; ++variant) {
        auto config = http_test_profile();
        config.enable_e2e_harness = variant == 0 ? false : true;
        if (variant == 1) {
            config.environment = "Production";
            config.extension_secret = "WTpH/r8Ubs3MYT7kajHzQfJiMOx9/styaDT2hGsXWvI=";
            if (config.eventsub_secret.empty()) config.eventsub_secret = "gap-32-secret";  // D10b
        }
        EbsFixture f(config);
        f.seed_pool_member("e2e-viewer-1", "v", "Etoehero");
        auto response = f.desktop_send("POST", "/api/e2e/prepare-pending-payout", R"({"twitchUserId":"e2e-viewer-1"})");
        REQUIRE(response.status == 404);
        REQUIRE(EbsFixture::body_json(response)["title"] == "Not Found");
        REQUIRE(f.desktop_send("POST", "/api/e2e/prepare-pending-payout", "{}").status == 400);
        REQUIRE(f.store().list_payouts().empty());
    }
}

TEST_CASE("RT-095 four roulette-state calls complete well within five simulated seconds", "[ebs][http][roulette]") {
    EbsFixture f;
    const std::string token = f.jwt("perf-user", "P");
    const sim::Instant start = f.clock.now();
    for (int i = 0; i < 4; ++i) {
        auto response = f.viewer_get(token, "/api/roulette/state");
        REQUIRE(response.status == 200);
        REQUIRE(EbsFixture::body_json(response)["spinIntervalSeconds"] == 300);
    }
    REQUIRE(f.clock.now() - start < std::chrono::seconds(5));
}

TEST_CASE("RT-077/D6 rollover at the boundary: new cycle id - a late report for the old cycle is out_of_sequence",
          "[ebs][http][roulette]") {
    EbsFixture f(http_test_profile(), EbsFixtureOptions{.start_workers = true});
    f.seed_pool_member("u1", "D", "Hero");
    f.advance(std::chrono::minutes(5));  // 12:05:30, cycle C1 started at 12:05 with the pool
    f.advance(std::chrono::seconds(211));  // 12:09:01: candidate selected
    const auto before = *f.store().load_spin();
    REQUIRE(before.candidate_character_name == std::optional<std::string>("Hero"));
    f.advance(std::chrono::seconds(60));  // 12:10:01: rolled over
    const auto after = *f.store().load_spin();
    REQUIRE(after.spin_cycle_id != before.spin_cycle_id);
    REQUIRE_FALSE(after.candidate_twitch_user_id);
    // Within the old cycle's stored 30 s grace, but the id already rotated (D6, matched).
    auto late = f.desktop_send("POST", "/api/roulette/verify-candidate",
                               verify_body(1, before.spin_cycle_id.str(), "Hero", true));
    REQUIRE(late.status == 400);
    REQUIRE(EbsFixture::body_json(late)["message"] == "spinCycleId does not match active cycle.");
    REQUIRE(f.store().list_payouts().empty());
}

TEST_CASE(
    "RT-086/RT-088/GAP-29 expiration worker: stale Pending/InProgress expire at start - expired no longer blocks claim",
    "[ebs][http][payout]") {
    const sim::Instant start = kEbsFixtureStart;
    auto make = [&](EbsFixture& f) {
        auto stale =
            f.seed_payout("exp-user", "Abcd", PayoutStatus::Pending, start - std::chrono::hours(30), "spin:dead", "E");
        auto stale_in_progress =
            f.seed_payout("inprog-user", "Bcde", PayoutStatus::InProgress, start - std::chrono::hours(48));
        auto exactly_24h = f.seed_payout("fresh-user", "Cdef", PayoutStatus::Pending, start - std::chrono::hours(24));
        return std::array<backend::Payout, 3>{stale, stale_in_progress, exactly_24h};
    };
    EbsFixture f;
    auto seeded = make(f);
    f.ebs->start();
    f.advance(std::chrono::seconds(1));
    REQUIRE(f.store().find_payout(seeded[0].id)->status == PayoutStatus::Expired);
    REQUIRE(f.store().find_payout(seeded[1].id)->status == PayoutStatus::Expired);
    REQUIRE(f.store().find_payout(seeded[2].id)->status == PayoutStatus::Pending);  // strict '<'
    REQUIRE(f.viewer_send(f.jwt("exp-user", "E"), "POST", "/api/payouts/claim", claim_body("Abcd", "after-expiry"))
                .status == 201);
    REQUIRE(EbsFixture::body_json(f.viewer_get(f.jwt("exp-user"), "/api/payouts/my-last"))["status"] == "Expired");
}

TEST_CASE("Helix 30 s timeout on the Scheduler: a partitioned Helix costs 3 × 30 s, then D1's 500",
          "[ebs][http][helix]") {
    EbsFixture f;
    auto payout = f.seed_payout("u1", "Abcd", PayoutStatus::InProgress, f.clock.now());
    f.network.partition(kEbsAddress, kHelixStubAddress);
    const sim::Instant start = f.clock.now();
    auto response = f.desktop_send("PATCH", "/api/payouts/" + payout.id.str() + "/status", R"({"status":"sent"})");
    REQUIRE(response.status == 500);
    REQUIRE(f.clock.now() - start == std::chrono::seconds(90));
    REQUIRE(f.store().find_payout(payout.id)->status == PayoutStatus::Sent);
    f.network.heal_all();
}

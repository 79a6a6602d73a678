// POST /api/twitch/eventsub over HTTP (docs/CONTRACT.md §5.2; GAP-06..GAP-13).
#include <catch2/catch.hpp>

#include "backend/api/eventsub.h"
#include "ebs_fixture.h"

using namespace mgm;
using namespace mgm::testing;

namespace {

std::string chat_body(const std::string& message_id, const std::string& user_id, const std::string& login,
                      const std::string& text, const std::string& badges = R"([{"set_id":"subscriber","id":"0"}])") {
    std::string body = R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":")" + message_id +
                       R"(","chatter_user_id":")" + user_id + R"(","chatter_user_login":")" + login +
                       R"(","message":{"text":")" + text + "\"}";
    if (!badges.empty()) body += ",\"badges\":" + badges;
    return body + "}}";
}

backend::EbsConfig with_secret(const std::string& secret) {
    auto config = http_test_profile();
    config.eventsub_secret = secret;
    return config;
}

}  // namespace

TEST_CASE("EventSub HMAC vectors: signature function", "[ebs][eventsub]") {
    using backend::api::eventsub_signature;
    REQUIRE(eventsub_signature("webhook-secret", "id", "t", "{}") ==
            "sha256=b8ab0a76abe4db55070c4bedd6ff77dd4c463352fb0365c6d6c5856c79a64a54");
    REQUIRE(eventsub_signature("e2e-ci-eventsub-secret", "msg-1", "1775390400", R"({"challenge":"hello-challenge"})") ==
            "sha256=e3db8a1dab2f9130dd2c2d78e0e421b58058e2880849f68fa3774ac8f846318a");
    REQUIRE(
        eventsub_signature(
            "e2e-ci-eventsub-secret", "00000000-0000-4000-8000-000000000001", "1775390400",
            R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"00000000-0000-4000-8000-000000000001","chatter_user_id":"e2e-viewer-1","chatter_user_login":"e2eviewer1","message":{"text":"!twgold Etoehero"},"badges":[{"set_id":"subscriber"}]}})") ==
        "sha256=cb68c181602aed0127f9ed62bb15de1c4c1bfb34717a99dea47ade88b2506183");
    // Sanity vector for the primitive (key "key").
    REQUIRE(eventsub_signature("key", "", "", "The quick brown fox jumps over the lazy dog") ==
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

TEST_CASE("RT-024 challenge echoed as text/plain without signature when no secret", "[ebs][eventsub]") {
    EbsFixture f;
    auto response = f.eventsub(R"({"challenge":"hello-challenge"})");
    REQUIRE(response.status == 200);
    // Content(challenge, "text/plain") keeps the given type exactly (aspnetcore ContentResultExecutor).
    REQUIRE(response.headers.get("Content-Type") == "text/plain");
    REQUIRE(response.body == "hello-challenge");
    REQUIRE(f.store().pool_size() == 0);
}

TEST_CASE("RT-025 other subscription types: 200 empty, nothing recorded", "[ebs][eventsub]") {
    EbsFixture f;
    auto response = f.eventsub(R"({"subscription":{"type":"channel.follow"}})");
    REQUIRE(response.status == 200);
    REQUIRE(response.body.empty());
    REQUIRE(f.store().chat_dedup_count() == 0);
}

TEST_CASE("RT-026 chat message without event: 200, nothing recorded", "[ebs][eventsub]") {
    EbsFixture f;
    REQUIRE(f.eventsub(R"({"subscription":{"type":"channel.chat.message"}})").status == 200);
    REQUIRE(f.store().pool_size() == 0);
}

TEST_CASE("RT-027/RT-030 subscriber !twgold enrolls with the login as display name", "[ebs][eventsub]") {
    EbsFixture f;
    auto response = f.eventsub(chat_body("m1", "u1", "login", "!twgold Abcd"));
    REQUIRE(response.status == 200);
    REQUIRE(response.body.empty());
    auto member = f.store().find_pool_member("u1");
    REQUIRE(member);
    REQUIRE(member->character_name == "Abcd");
    REQUIRE(member->twitch_display_name == "login");
    REQUIRE(f.store().has_chat_dedup("m1"));
    // Enrollment is committed before the response: a JWT read right after sees it (RT-158's reliance).
    auto me = EbsFixture::body_json(f.viewer_get(f.jwt("u1"), "/api/pool/me"));
    REQUIRE(me["isEnrolled"] == true);
    REQUIRE(me["characterName"] == "Abcd");
}

TEST_CASE("RT-028/RT-033 no badges: not a subscriber, nothing enrolled", "[ebs][eventsub]") {
    EbsFixture f;
    REQUIRE(f.eventsub(chat_body("m2", "u2", "x", "!twgold Abcd", "")).status == 200);
    REQUIRE(f.store().pool_size() == 0);
    REQUIRE_FALSE(f.store().has_chat_dedup("m2"));
}

TEST_CASE("GAP-07 badges: founder and premium count, moderator and vip do not", "[ebs][eventsub]") {
    EbsFixture f;
    REQUIRE(f.eventsub(chat_body("b1", "u1", "l1", "!twgold Abcd", R"([{"set_id":"founder"}])")).status == 200);
    REQUIRE(f.eventsub(chat_body("b2", "u2", "l2", "!twgold Bcde", R"([{"set_id":"premium"}])")).status == 200);
    REQUIRE(f.eventsub(chat_body("b3", "u3", "l3", "!twgold Cdef", R"([{"set_id":"moderator"},{"set_id":"vip"}])"))
                .status == 200);
    REQUIRE(f.store().find_pool_member("u1"));
    REQUIRE(f.store().find_pool_member("u2"));
    REQUIRE_FALSE(f.store().find_pool_member("u3"));
}

TEST_CASE("RT-029 / H1 / H3 / H6 bad, uppercase, truncated or missing signature: 401 ProblemDetails",
          "[ebs][eventsub]") {
    EbsFixture f(with_secret("webhook-secret"));
    auto send = [&](std::vector<http::Header> headers, const std::string& body = "{}") {
        headers.push_back({"Content-Type", "application/json"});
        return f.request("POST", "/api/twitch/eventsub", body, std::move(headers));
    };
    auto h1 = send({{"Twitch-Eventsub-Message-Id", "id"},
                    {"Twitch-Eventsub-Message-Timestamp", "t"},
                    {"Twitch-Eventsub-Message-Signature", "sha256=deadbeef"}});
    REQUIRE(h1.status == 401);
    auto problem = EbsFixture::body_json(h1);
    REQUIRE(problem["title"] == "Unauthorized");
    REQUIRE(problem["status"] == 401);
    REQUIRE(send({{"Twitch-Eventsub-Message-Id", "id"},
                  {"Twitch-Eventsub-Message-Timestamp", "t"},
                  {"Twitch-Eventsub-Message-Signature",
                   "sha256=B8AB0A76ABE4DB55070C4BEDD6FF77DD4C463352FB0365C6D6C5856C79A64A54"}})
                .status == 401);
    REQUIRE(send({{"Twitch-Eventsub-Message-Id", "id"},
                  {"Twitch-Eventsub-Message-Timestamp", "t"},
                  {"Twitch-Eventsub-Message-Signature",
                   "sha256=b8ab0a76abe4db55070c4bedd6ff77dd4c463352fb0365c6d6c5856c79a64a5"}})
                .status == 401);
    REQUIRE(send({{"Twitch-Eventsub-Message-Timestamp", "t"},
                  {"Twitch-Eventsub-Message-Signature",
                   "sha256=b8ab0a76abe4db55070c4bedd6ff77dd4c463352fb0365c6d6c5856c79a64a54"}})
                .status == 401);
    // A challenge is also subject to the signature check (GAP-06).
    REQUIRE(send({}, R"({"challenge":"x"})").status == 401);
    // H2: the correct signature passes.
    auto h2 = send({{"Twitch-Eventsub-Message-Id", "id"},
                    {"Twitch-Eventsub-Message-Timestamp", "t"},
                    {"Twitch-Eventsub-Message-Signature",
                     "sha256=b8ab0a76abe4db55070c4bedd6ff77dd4c463352fb0365c6d6c5856c79a64a54"}});
    REQUIRE(h2.status == 200);
    REQUIRE(h2.body.empty());
}

TEST_CASE("H4 signed challenge and H5 signed enrollment (CI secret)", "[ebs][eventsub]") {
    EbsFixture f(with_secret("e2e-ci-eventsub-secret"));
    auto challenge = f.eventsub(R"({"challenge":"hello-challenge"})", "e2e-ci-eventsub-secret", "msg-1", "1775390400");
    REQUIRE(challenge.status == 200);
    REQUIRE(challenge.body == "hello-challenge");
    const std::string body =
        R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"00000000-0000-4000-8000-000000000001","chatter_user_id":"e2e-viewer-1","chatter_user_login":"e2eviewer1","message":{"text":"!twgold Etoehero"},"badges":[{"set_id":"subscriber"}]}})";
    auto enrolled = f.eventsub(body, "e2e-ci-eventsub-secret", "00000000-0000-4000-8000-000000000001", "1775390400");
    REQUIRE(enrolled.status == 200);
    REQUIRE(f.store().find_pool_member("e2e-viewer-1")->character_name == "Etoehero");
    // A body that differs by one byte from what was signed is refused and not enrolled.
    std::vector<http::Header> headers = {
        {"Content-Type", "application/json"},
        {"Twitch-Eventsub-Message-Id", "m9"},
        {"Twitch-Eventsub-Message-Timestamp", "1775390400"},
        {"Twitch-Eventsub-Message-Signature",
         backend::api::eventsub_signature("e2e-ci-eventsub-secret", "m9", "1775390400",
                                          chat_body("m9", "u9", "l9", "!twgold Abcd"))}};
    REQUIRE(f.request("POST", "/api/twitch/eventsub", chat_body("m9", "u9", "l9", "!twgold Abce"), headers).status ==
            401);
    REQUIRE_FALSE(f.store().find_pool_member("u9"));
}

TEST_CASE("RT-032/GAP-10 dedup: a successful message id is not re-applied - a rejected one can succeed later",
          "[ebs][eventsub]") {
    EbsFixture f;
    REQUIRE(f.eventsub(chat_body("m1", "u1", "l1", "!twgold Abcd")).status == 200);
    REQUIRE(f.eventsub(chat_body("m1", "u1", "l1", "!twgold Other")).status == 200);
    REQUIRE(f.store().find_pool_member("u1")->character_name == "Abcd");
    REQUIRE(f.eventsub(chat_body("m2", "u2", "l2", "!twgold Bcde", "")).status == 200);
    REQUIRE_FALSE(f.store().find_pool_member("u2"));
    REQUIRE(f.eventsub(chat_body("m2", "u2", "l2", "!twgold Bcde")).status == 200);
    REQUIRE(f.store().find_pool_member("u2"));
}

TEST_CASE("RT-031/RT-035/GAP-08/GAP-09 silent rejections and re-enrollment", "[ebs][eventsub]") {
    EbsFixture f;
    REQUIRE(f.eventsub(chat_body("", "u1", "l1", "!twgold Abcd")).status == 200);  // empty message id
    REQUIRE(f.eventsub(chat_body("m0", "", "l1", "!twgold Abcd")).status == 200);  // empty chatter id
    REQUIRE(f.eventsub(chat_body("m1", "u1", "l1", "!twgold A1")).status == 200);  // invalid name
    REQUIRE(f.eventsub(chat_body("m2", "u1", "l1", "hello")).status == 200);  // not a command
    REQUIRE(f.store().pool_size() == 0);
    f.seed_pool_member("owner", "O", "Taken");
    REQUIRE(f.eventsub(chat_body("m3", "other", "l2", "!twgold Taken")).status == 200);  // RT-035
    REQUIRE(f.store().pool_size() == 1);
    REQUIRE(f.eventsub(chat_body("m4", "owner", "o", "!twgold Renamed")).status == 200);  // GAP-09 replace
    REQUIRE(f.store().pool_size() == 1);
    REQUIRE(f.store().find_pool_member("owner")->character_name == "Renamed");
    f.seed_payout("busy", "Busy", backend::PayoutStatus::InProgress, f.clock.now());
    REQUIRE(f.eventsub(chat_body("m5", "busy", "b", "!twgold Busy")).status == 200);  // active payout
    REQUIRE_FALSE(f.store().find_pool_member("busy"));
}

TEST_CASE("GAP-12 malformed EventSub payloads answer 500 (deterministically) and record nothing", "[ebs][eventsub]") {
    EbsFixture f;
    const std::vector<std::string> bodies = {
        "not json",
        "[1,2]",
        R"({"challenge":5})",
        R"({"subscription":{}})",
        R"({"subscription":"channel.chat.message"})",
        R"({"subscription":{"type":7}})",
        R"({"subscription":{"type":"channel.chat.message"},"event":null})",
        R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":5}})",
        R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"m","message":"text"}})",
        R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"m","message":{"text":false}}})",
        R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"m","chatter_user_id":"u","message":{"text":"!twgold Abcd"},"badges":{"set_id":"subscriber"}}})",
        R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"m","chatter_user_id":"u","message":{"text":"!twgold Abcd"},"badges":[5,{"set_id":"subscriber"}]}})",
        R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"m","chatter_user_id":"u","message":{"text":"!twgift Abcd"},"broadcaster_user_id":42}})",
        std::string(100, '[') + std::string(100, ']'),
        "{\"challenge\":\"\xff\"",
    };
    for (const auto& body : bodies) {
        INFO(body.substr(0, 60));
        auto response = f.eventsub(body);
        REQUIRE(response.status == 500);
        REQUIRE(response.body.empty());
    }
    REQUIRE(f.store().pool_size() == 0);
    REQUIRE(f.store().chat_dedup_count() == 0);
    REQUIRE(f.store().list_gifts().empty());
    // Shapes the reference tolerates: null fields, a subscriber badge before a bad element, empty body.
    REQUIRE(f.eventsub(R"({"subscription":{"type":null}})").status == 200);
    REQUIRE(f.eventsub(R"({"challenge":null})").body.empty());
    REQUIRE(f.eventsub("").status == 200);
    REQUIRE(
        f.eventsub(
             R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"m","chatter_user_id":"u","chatter_user_login":null,"message":{"text":"!twgold Abcd"},"badges":[{"set_id":"subscriber"},5]}})")
            .status == 200);
    REQUIRE(f.store().find_pool_member("u")->twitch_display_name.empty());
    // Invalid UTF-8 inside a string is decoded with replacement characters, not a crash.
    REQUIRE(f.eventsub("{\"challenge\":\"a\xff"
                       "b\"}")
                .body ==
            "a\xEF\xBF\xBD"
            "b");
}

TEST_CASE("GAP-13 !twgift from chat creates a gift request for the broadcaster (Helix says subscribed)",
          "[ebs][eventsub][gift]") {
    EbsFixture f;
    f.helix.subscribed = true;
    auto response = f.eventsub(
        R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"g1","chatter_user_id":"v1","chatter_user_login":"viewer","broadcaster_user_id":"777","message":{"text":"!twgift Abcd"}}})");
    REQUIRE(response.status == 200);
    auto gifts = f.store().list_gifts();
    REQUIRE(gifts.size() == 1);
    REQUIRE(gifts[0].streamer_id == "777");
    REQUIRE(gifts[0].viewer_id == "v1");
    REQUIRE(gifts[0].viewer_display_name == "viewer");
    REQUIRE(gifts[0].character_name == "Abcd");
    // The subscriber check went to the Helix stub with the reference's query shape (D9).
    REQUIRE_FALSE(f.helix.requests.empty());
    REQUIRE(f.helix.requests.back().target == "/helix/subscriptions/user?broadcaster_id=777&user_id=v1");
    REQUIRE(f.helix.requests.back().headers.get("Authorization") == std::optional<std::string>("Bearer tok"));
    REQUIRE(f.helix.requests.back().headers.get("Client-Id") == std::optional<std::string>("client"));

    // Not subscribed: only logged, still 200, nothing created; config broadcaster used when absent.
    f.helix.subscribed = false;
    REQUIRE(
        f.eventsub(
             R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"g2","chatter_user_id":"v2","chatter_user_login":"viewer2","message":{"text":"!twgift Bcde"}}})")
            .status == 200);
    REQUIRE(f.store().list_gifts().size() == 1);
    REQUIRE(f.helix.requests.back().target == "/helix/subscriptions/user?broadcaster_id=42&user_id=v2");
}

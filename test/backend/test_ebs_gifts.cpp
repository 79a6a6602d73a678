// Gift queue routes over HTTP (docs/CONTRACT.md §5.12–5.17, §6.6; GAP-33) and the Tier B desktop sequence
// (RT-159..RT-163) driven directly against the EBS.
#include <catch2/catch.hpp>

#include "ebs_fixture.h"

using namespace mgm;
using namespace mgm::testing;

namespace {

std::string create_body(const std::string& streamer, const std::string& name) {
    return R"({"streamerId":")" + streamer + R"(","characterName":")" + name + "\"}";
}

}  // namespace

TEST_CASE("GAP-33 gift create: 403 when Helix says not subscribed, 400 for a bad name", "[ebs][http][gift]") {
    EbsFixture f;
    const std::string token = f.jwt("v1", "Viewer");
    auto forbidden = f.viewer_send(token, "POST", "/api/gift-requests", create_body("42", "Abcd"));
    REQUIRE(forbidden.status == 403);
    REQUIRE(forbidden.body ==
            R"({"code":"not_subscriber","message":"Only subscribers can use !twgift.","details":{}})");
    auto bad = f.viewer_send(token, "POST", "/api/gift-requests", create_body("42", "A1"));
    REQUIRE(bad.status == 400);
    REQUIRE(EbsFixture::body_json(bad)["code"] == "invalid_character_name");
    REQUIRE(f.viewer_send(token, "POST", "/api/gift-requests", R"({"streamerId":"42"})").status == 400);
    REQUIRE(f.store().list_gifts().empty());
}

TEST_CASE("GAP-33 gift lifecycle: create → promote → select-item → confirm, with queue views", "[ebs][http][gift]") {
    EbsFixture f;
    f.helix.subscribed = true;
    const std::string first_token = f.jwt("v1", "ViewerOne");
    auto created = f.viewer_send(first_token, "POST", "/api/gift-requests", create_body("42", " Abcd "));
    REQUIRE(created.status == 201);
    REQUIRE_FALSE(created.headers.get("Location"));
    auto gift = EbsFixture::body_json(created);
    REQUIRE(gift["state"] == "SelectingItem");  // promoted right away (queue empty)
    REQUIRE(gift["characterName"] == "Abcd");
    REQUIRE(gift["viewerDisplayName"] == "ViewerOne");
    REQUIRE(gift["queuePosition"] == 1);
    REQUIRE(gift["estimatedWaitSeconds"] == 0);
    REQUIRE(gift["selectedItem"].is_null());
    REQUIRE(gift["timeoutAt"] == "2026-04-05T12:01:30Z");
    REQUIRE(gift["failureReason"].is_null());
    const std::string id = gift["id"];

    // Second viewer waits in the queue.
    auto second = EbsFixture::body_json(
        f.viewer_send(f.jwt("v2", "ViewerTwo"), "POST", "/api/gift-requests", create_body("42", "Bcde")));
    REQUIRE(second["state"] == "Pending");
    REQUIRE(second["queuePosition"] == 2);
    REQUIRE(second["estimatedWaitSeconds"] == 65);

    // Duplicate active request: 409.
    auto duplicate = f.viewer_send(first_token, "POST", "/api/gift-requests", create_body("42", "Abcd"));
    REQUIRE(duplicate.status == 409);
    REQUIRE(EbsFixture::body_json(duplicate)["code"] == "gift_request_active");

    // Viewer view: own items plus SelectingItem ones; desktop view: all.
    auto viewer_queue = EbsFixture::body_json(f.viewer_get(f.jwt("v2"), "/api/streamers/42/gift-queue"));
    REQUIRE(viewer_queue.size() == 2);
    auto stranger_queue = EbsFixture::body_json(f.viewer_get(f.jwt("v3"), "/api/streamers/42/gift-queue"));
    REQUIRE(stranger_queue.size() == 1);
    REQUIRE(stranger_queue[0]["id"] == id);
    auto desktop_queue = EbsFixture::body_json(f.desktop_get("/api/gift-requests?streamerId=42"));
    REQUIRE(desktop_queue.size() == 2);
    REQUIRE(EbsFixture::body_json(f.desktop_get("/api/gift-requests?streamerId=other")).empty());

    // Confirm before selecting: 409 invalid_state.
    auto early = f.desktop_send("POST", "/api/gift-requests/" + id + "/confirm", R"({"confirmed":true})");
    REQUIRE(early.status == 409);
    REQUIRE(early.body ==
            R"({"code":"invalid_state","message":"Gift request not waiting confirmation.","details":{}})");
    f.next_rate_window();

    auto selected = f.desktop_send(
        "POST", "/api/gift-requests/" + id + "/select-item",
        R"({"item":{"name":"Sword","id":19019,"count":1,"link":"|Hitem:19019|h","texture":"inv_sword","bagId":0,"slotId":3}})");
    REQUIRE(selected.status == 200);
    auto selected_body = EbsFixture::body_json(selected);
    REQUIRE(selected_body["state"] == "WaitingConfirmation");
    REQUIRE(
        selected_body["selectedItem"] ==
        nlohmann::json::parse(
            R"({"name":"Sword","id":19019,"count":1,"link":"|Hitem:19019|h","texture":"inv_sword","bagId":0,"slotId":3})"));
    auto empty_texture = f.desktop_send("POST", "/api/gift-requests/" + id + "/select-item",
                                        R"({"item":{"name":"Sword","id":1,"count":1,"link":"l","texture":""}})");
    REQUIRE(empty_texture.status == 400);  // D11

    auto confirmed =
        EbsFixture::body_json(f.desktop_send("POST", "/api/gift-requests/" + id + "/confirm", R"({"confirmed":true})"));
    REQUIRE(confirmed["state"] == "Completed");
    REQUIRE(confirmed["timeoutAt"].is_null());
    // The next viewer was promoted.
    auto queue = EbsFixture::body_json(f.desktop_get("/api/gift-requests?streamerId=42"));
    REQUIRE(queue.size() == 1);
    REQUIRE(queue[0]["state"] == "SelectingItem");

    f.next_rate_window();
    // Once per streamer.
    auto reuse = f.viewer_send(first_token, "POST", "/api/gift-requests", create_body("42", "Abcd"));
    REQUIRE(reuse.status == 409);
    REQUIRE(EbsFixture::body_json(reuse)["code"] == "gift_already_used");
}

TEST_CASE("GAP-33 gift PATCH: any state, failure reason default, unknown id 404", "[ebs][http][gift]") {
    EbsFixture f;
    f.helix.subscribed = true;
    auto gift =
        EbsFixture::body_json(f.viewer_send(f.jwt("v1"), "POST", "/api/gift-requests", create_body("42", "Abcd")));
    const std::string id = gift["id"];
    auto failed = EbsFixture::body_json(f.desktop_send("PATCH", "/api/gift-requests/" + id, R"({"state":"failed"})"));
    REQUIRE(failed["state"] == "Failed");
    REQUIRE(failed["failureReason"] == "failed");
    auto reopened =
        EbsFixture::body_json(f.desktop_send("PATCH", "/api/gift-requests/" + id, R"({"state":3,"reason":"x"})"));
    REQUIRE(reopened["state"] == "WaitingConfirmation");
    REQUIRE(reopened["failureReason"].is_null());
    REQUIRE(reopened["queuePosition"] == 1);
    auto unknown =
        f.desktop_send("PATCH", "/api/gift-requests/3f2504e0-4f89-11d3-9a0c-0305e82c3301", R"({"state":"Completed"})");
    REQUIRE(unknown.status == 404);
    REQUIRE(unknown.body == R"({"code":"not_found","message":"Gift request not found.","details":{}})");
    auto declined = EbsFixture::body_json(f.desktop_send("POST", "/api/gift-requests/" + id + "/confirm", "{}"));
    REQUIRE(declined["state"] == "Failed");
    REQUIRE(declined["failureReason"] == "receiver_declined");
}

TEST_CASE("RT-157..RT-163 Tier A/B sequence against the EBS: enroll, harness, accept, InProgress, Sent, Helix, pool/me",
          "[ebs][http][tierb]") {
    auto config = http_test_profile();
    config.api_key = "ci-desktop-api-key";
    config.enable_e2e_harness = true;
    config.eventsub_secret = "e2e-ci-eventsub-secret";
    config.extension_client_id = "";
    config.broadcaster_access_token = "e2e-ci-broadcast-token";
    config.broadcaster_user_id = "e2e-ci-broadcaster";
    config.helix_client_id = "e2e-ci-helix-client";
    EbsFixture f(config, EbsFixtureOptions{.start_workers = true});
    auto key = EbsFixture::api_key_header("ci-desktop-api-key");

    // RT-157: signed EventSub enrollment.
    const std::string body =
        R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"00000000-0000-4000-8000-000000000001","chatter_user_id":"e2e-viewer-1","chatter_user_login":"e2eviewer1","message":{"text":"!twgold Etoehero"},"badges":[{"set_id":"subscriber"}]}})";
    REQUIRE(f.eventsub(body, "e2e-ci-eventsub-secret", "00000000-0000-4000-8000-000000000001", "1775390400").status ==
            200);
    // RT-158: the viewer sees the enrollment with a token without aud.
    const std::string token = f.jwt("e2e-viewer-1", "E2EViewer", std::nullopt, std::chrono::hours(2));
    REQUIRE(f.viewer_get(token, "/api/pool/me").body == R"({"isEnrolled":true,"characterName":"Etoehero"})");

    // RT-159: harness.
    auto prepared = f.send_json("POST", "/api/e2e/prepare-pending-payout", R"({"twitchUserId":"e2e-viewer-1"})", {key});
    REQUIRE(prepared.status == 200);
    auto prepared_body = EbsFixture::body_json(prepared);
    const std::string payout_id = prepared_body["payoutId"];
    REQUIRE(prepared_body["characterName"] == "Etoehero");

    // RT-160: the SyntheticDesktop's three calls (camelCase enums).
    auto accepted = f.send_json("POST", "/api/payouts/" + payout_id + "/confirm-acceptance",
                                R"({"characterName":"Etoehero"})", {key});
    REQUIRE(accepted.status == 200);
    REQUIRE(accepted.body.empty());
    auto in_progress =
        f.send_json("PATCH", "/api/payouts/" + payout_id + "/status", R"({"status":"inProgress"})", {key});
    REQUIRE(EbsFixture::body_json(in_progress)["status"] == "InProgress");
    auto sent = f.send_json("PATCH", "/api/payouts/" + payout_id + "/status", R"({"status":"sent"})", {key});
    REQUIRE(sent.status == 200);
    auto sent_body = EbsFixture::body_json(sent);
    REQUIRE(sent_body["status"] == "Sent");
    REQUIRE(sent_body["isRewardSentAnnouncedToChat"] == true);

    // RT-161: the announcement reached Helix inside the PATCH, with the CI credentials (stronger than RT-161).
    REQUIRE(f.helix.chat_posts() == 1);
    const auto& post = f.helix.requests.back();
    REQUIRE(post.headers.get("Authorization") == std::optional<std::string>("Bearer e2e-ci-broadcast-token"));
    REQUIRE(post.headers.get("Client-Id") == std::optional<std::string>("e2e-ci-helix-client"));
    REQUIRE(nlohmann::json::parse(post.body)["message"] ==
            "Награда отправлена персонажу Etoehero на почту, проверяй ящик!");
    REQUIRE(nlohmann::json::parse(post.body)["broadcaster_id"] == "e2e-ci-broadcaster");

    // RT-163: the winner left the pool.
    REQUIRE(f.viewer_get(token, "/api/pool/me").body == R"({"isEnrolled":false,"characterName":null})");
    // Budget check from §19.1: the desktop identity used 4 of its 5 permits.
    REQUIRE(f.get("/api/payouts/pending", {key}).status == 200);
    REQUIRE(f.get("/api/payouts/pending", {key}).status == 429);
}

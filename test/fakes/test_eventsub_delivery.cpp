// The Twitch side of an EventSub delivery (fakes/eventsub_delivery.h) and the EBS's own verifier formula
// (backend/api/eventsub.h) are separate code on purpose; both are pinned here to the same fixed vectors
// (secret, message id, timestamp, body -> exact signature), so neither can drift and still agree with the other.
#include <catch2/catch.hpp>

#include "backend/api/eventsub.h"
#include "fakes/eventsub_delivery.h"

using namespace mgm;

namespace {

struct SignatureVector {
    const char* secret;
    const char* message_id;
    const char* timestamp;
    const char* body;
    const char* signature;
};

// The reference's e2e delivery (the chat body its script sends for the CI viewer).
const char* const kReferenceChatBody =
    R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"00000000-0000-4000-8000-000000000001","chatter_user_id":"e2e-viewer-1","chatter_user_login":"e2eviewer1","message":{"text":"!twgold Etoehero"},"badges":[{"set_id":"subscriber"}]}})";

const SignatureVector kSignatureVectors[] = {
    {"webhook-secret", "id", "t", "{}", "sha256=b8ab0a76abe4db55070c4bedd6ff77dd4c463352fb0365c6d6c5856c79a64a54"},
    {"e2e-ci-eventsub-secret", "msg-1", "1775390400", R"({"challenge":"hello-challenge"})",
     "sha256=e3db8a1dab2f9130dd2c2d78e0e421b58058e2880849f68fa3774ac8f846318a"},
    {"e2e-ci-eventsub-secret", "00000000-0000-4000-8000-000000000001", "1775390400", kReferenceChatBody,
     "sha256=cb68c181602aed0127f9ed62bb15de1c4c1bfb34717a99dea47ade88b2506183"},
    // The published HMAC-SHA256 example (key "key"): id and timestamp empty, so the message is the body alone.
    {"key", "", "", "The quick brown fox jumps over the lazy dog",
     "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
};

}  // namespace

TEST_CASE("EventSub signature vectors: the Twitch-side signer and the EBS verifier's formula",
          "[fakes][eventsub][hmac]") {
    for (const auto& v : kSignatureVectors) {
        INFO("secret " << v.secret << ", id " << v.message_id << ", timestamp " << v.timestamp);
        CHECK(fakes::eventsub::signature(v.secret, v.message_id, v.timestamp, v.body) == v.signature);
        CHECK(backend::api::eventsub_signature(v.secret, v.message_id, v.timestamp, v.body) == v.signature);
    }
    // The signed text is id + timestamp + body with no separator, so only the concatenation counts; one
    // byte more in the body is another signature.
    CHECK(fakes::eventsub::signature("webhook-secret", "i", "dt", "{}") ==
          "sha256=b8ab0a76abe4db55070c4bedd6ff77dd4c463352fb0365c6d6c5856c79a64a54");
    CHECK(fakes::eventsub::signature("webhook-secret", "id", "t", "{} ") !=
          "sha256=b8ab0a76abe4db55070c4bedd6ff77dd4c463352fb0365c6d6c5856c79a64a54");
}

TEST_CASE("EventSub chat body: the e2e script's field order, byte for byte", "[fakes][eventsub]") {
    fakes::eventsub::ChatMessage message;
    message.message_id = "00000000-0000-4000-8000-000000000001";
    message.chatter_user_id = "e2e-viewer-1";
    message.chatter_user_login = "e2eviewer1";
    message.text = "!twgold Etoehero";
    CHECK(fakes::eventsub::chat_message_body(message) == kReferenceChatBody);

    message.badges = {"founder", "premium"};
    message.broadcaster_user_id = "streamer-1";
    message.text = "!twgift \"Q\"";
    CHECK(
        fakes::eventsub::chat_message_body(message) ==
        R"({"subscription":{"type":"channel.chat.message"},"event":{"message_id":"00000000-0000-4000-8000-000000000001","chatter_user_id":"e2e-viewer-1","chatter_user_login":"e2eviewer1","message":{"text":"!twgift \"Q\""},"badges":[{"set_id":"founder"},{"set_id":"premium"}],"broadcaster_user_id":"streamer-1"}})");

    message.badges.clear();
    message.broadcaster_user_id.reset();
    CHECK(fakes::eventsub::chat_message_body(message).find(R"("badges":[]})") != std::string::npos);
}

TEST_CASE("EventSub delivery headers: Content-Type and the three Twitch headers, signed", "[fakes][eventsub]") {
    const auto h = fakes::eventsub::delivery_headers("e2e-ci-eventsub-secret", "msg-1", "1775390400",
                                                     R"({"challenge":"hello-challenge"})");
    REQUIRE(h.all().size() == 4);
    CHECK(h.all()[0].name == "Content-Type");
    CHECK(h.all()[0].value == "application/json");
    CHECK(h.all()[1].name == "Twitch-Eventsub-Message-Id");
    CHECK(h.all()[1].value == "msg-1");
    CHECK(h.all()[2].name == "Twitch-Eventsub-Message-Timestamp");
    CHECK(h.all()[2].value == "1775390400");
    CHECK(h.all()[3].name == "Twitch-Eventsub-Message-Signature");
    CHECK(h.all()[3].value == "sha256=e3db8a1dab2f9130dd2c2d78e0e421b58058e2880849f68fa3774ac8f846318a");

    // No secret configured: the script still sends the headers, with a placeholder signature.
    http::Headers unsigned_headers;
    fakes::eventsub::sign(unsigned_headers, "", "msg-1", "1775390400", "{}");
    CHECK(unsigned_headers.get(fakes::eventsub::kSignatureHeader) == std::optional<std::string>("sha256=unused"));
    CHECK(unsigned_headers.get(fakes::eventsub::kMessageIdHeader) == std::optional<std::string>("msg-1"));
}

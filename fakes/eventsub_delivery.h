// The sending side of a Twitch EventSub webhook delivery, written once for everything that plays Twitch: the
// notification body, its HMAC signature and the three Twitch-Eventsub-Message-* headers. Used by the webhook
// mock (to check what it receives), the harness, the benchmarks and the tests. The EBS verifies with its own
// code (backend/api/eventsub.*) on purpose: if both sides shared one formula, a wrong formula would agree
// with itself; the test vectors in test/fakes/test_eventsub_delivery.cpp pin both against fixed values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/http/message.h"

namespace mgm::fakes::eventsub {

inline constexpr const char* kMessageIdHeader = "Twitch-Eventsub-Message-Id";
inline constexpr const char* kTimestampHeader = "Twitch-Eventsub-Message-Timestamp";
inline constexpr const char* kSignatureHeader = "Twitch-Eventsub-Message-Signature";
// The three headers a delivery carries, in the order they are sent.
inline constexpr const char* kHeaders[] = {kMessageIdHeader, kTimestampHeader, kSignatureHeader};

// What the e2e chat script sends on Twitch's behalf: a channel.chat.message notification.
struct ChatMessage {
    std::string message_id;
    std::string chatter_user_id;
    std::string chatter_user_login;
    std::string text;
    std::vector<std::string> badges{"subscriber"};  // each becomes {"set_id": ...}
    std::optional<std::string> broadcaster_user_id;  // absent from the script's body unless given
};

// The notification body as the reference's e2e script writes it: keys in its order (subscription, event;
// message_id, chatter_user_id, chatter_user_login, message, badges[, broadcaster_user_id]), compact separators.
// The order matters: the signature covers the exact bytes.
std::string chat_message_body(const ChatMessage& message);

// "sha256=" + lowercase hex HMAC-SHA256(key = secret, message = message_id + timestamp + body).
std::string signature(std::string_view secret, std::string_view message_id, std::string_view timestamp,
                      std::string_view body);

// Sets the three Twitch-Eventsub-Message-* headers for this body. With an empty secret the signature is the
// literal "sha256=unused", as the e2e script sends when no secret is configured.
void sign(http::Headers& headers, std::string_view secret, const std::string& message_id, const std::string& timestamp,
          std::string_view body);

// A whole delivery's headers: Content-Type application/json, then the three signed headers.
http::Headers delivery_headers(std::string_view secret, const std::string& message_id, const std::string& timestamp,
                               std::string_view body);

}  // namespace mgm::fakes::eventsub

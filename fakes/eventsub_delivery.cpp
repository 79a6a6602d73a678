#include "fakes/eventsub_delivery.h"

#include <nlohmann/json.hpp>

#include "sim/core/crypto.h"

namespace mgm::fakes::eventsub {

std::string chat_message_body(const ChatMessage& message) {
    // ordered_json keeps insertion order, which is the script's field order.
    nlohmann::ordered_json event;
    event["message_id"] = message.message_id;
    event["chatter_user_id"] = message.chatter_user_id;
    event["chatter_user_login"] = message.chatter_user_login;
    event["message"]["text"] = message.text;
    event["badges"] = nlohmann::ordered_json::array();
    for (const auto& badge : message.badges) event["badges"].push_back({{"set_id", badge}});
    if (message.broadcaster_user_id) event["broadcaster_user_id"] = *message.broadcaster_user_id;
    nlohmann::ordered_json body;
    body["subscription"]["type"] = "channel.chat.message";
    body["event"] = std::move(event);
    return body.dump();
}

std::string signature(std::string_view secret, std::string_view message_id, std::string_view timestamp,
                      std::string_view body) {
    std::string signed_text;
    signed_text.reserve(message_id.size() + timestamp.size() + body.size());
    signed_text.append(message_id).append(timestamp).append(body);
    return "sha256=" + sim::crypto::to_hex_lower(sim::crypto::hmac_sha256(secret, signed_text));
}

void sign(http::Headers& headers, std::string_view secret, const std::string& message_id, const std::string& timestamp,
          std::string_view body) {
    headers.set(kMessageIdHeader, message_id);
    headers.set(kTimestampHeader, timestamp);
    headers.set(kSignatureHeader,
                secret.empty() ? std::string("sha256=unused") : signature(secret, message_id, timestamp, body));
}

http::Headers delivery_headers(std::string_view secret, const std::string& message_id, const std::string& timestamp,
                               std::string_view body) {
    http::Headers headers;
    headers.set("Content-Type", "application/json");
    sign(headers, secret, message_id, timestamp, body);
    return headers;
}

}  // namespace mgm::fakes::eventsub

// POST /api/twitch/eventsub (docs/CONTRACT.md §5.2): HMAC check over id + timestamp + raw body, challenge
// echo, subscription filter, event extraction (badge rule incl. premium), then chat enrollment and the
// "!twgift" path. Malformed shapes the reference throws on answer 500 (never a crash).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "backend/config.h"
#include "backend/domain/chat_events.h"
#include "sim/clock/clock.h"
#include "sim/core/crypto.h"
#include "sim/trace/log.h"
#include "sim/http/router.h"

namespace mgm::backend::api {

// "sha256=" + lowercase hex HMAC-SHA256(key = secret, message = id + timestamp + body).
std::string eventsub_signature(std::string_view secret, std::string_view message_id, std::string_view timestamp,
                               std::string_view body);

// The request body as the reference reads it: UTF-8 BOM dropped, invalid bytes replaced by U+FFFD.
std::string eventsub_body_text(std::string_view raw_body);

class EventSubWebhook {
public:
    EventSubWebhook(const EbsConfig& config, ChatEventHandler& chat, const sim::Clock& clock, const sim::Log& log,
                    std::function<std::string()> next_trace_id);

    void handle(const http::Request& request, const http::Respond& respond);

private:
    bool signature_valid(const http::Request& request, const std::string& body) const;
    bool fresh(const http::Request& request) const;

    const EbsConfig& config_;
    ChatEventHandler& chat_;
    const sim::Clock& clock_;
    const sim::Log& log_;
    std::function<std::string()> next_trace_id_;
    sim::crypto::HmacKey secret_key_;  // config_.eventsub_secret, set up once
};

}  // namespace mgm::backend::api

#include "backend/api/eventsub.h"

#include <memory>

#include "backend/api/eventsub_body.h"
#include "backend/api/json_binding.h"
#include "backend/domain/service_context.h"
#include "backend/domain/utf8.h"
#include "sim/core/crypto.h"

namespace mgm::backend::api {

std::string eventsub_signature(std::string_view secret, std::string_view message_id, std::string_view timestamp,
                               std::string_view body) {
    std::string message;
    message.reserve(message_id.size() + timestamp.size() + body.size());
    message.append(message_id).append(timestamp).append(body);
    return "sha256=" + sim::crypto::to_hex_lower(sim::crypto::hmac_sha256(secret, message));
}

std::string eventsub_body_text(std::string_view raw_body) {
    if (raw_body.substr(0, 3) == "\xEF\xBB\xBF") raw_body.remove_prefix(3);
    // Nearly every body is ASCII (JSON escapes anything else), and ASCII decodes to itself.
    if (utf8::is_ascii(raw_body)) return std::string(raw_body);
    std::string text;
    text.reserve(raw_body.size());
    for (const auto& unit : utf8::decode(raw_body)) {
        if (unit.valid) text.append(raw_body.substr(unit.offset, unit.length));
        else text.append("\xEF\xBF\xBD");
    }
    return text;
}

EventSubWebhook::EventSubWebhook(const EbsConfig& config, ChatEventHandler& chat, const sim::Clock& clock,
                                 const sim::Log& log, std::function<std::string()> next_trace_id)
    : config_(config),
      chat_(chat),
      clock_(clock),
      log_(log),
      next_trace_id_(std::move(next_trace_id)),
      secret_key_(sim::crypto::HmacAlgorithm::sha256, config.eventsub_secret) {}

bool EventSubWebhook::signature_valid(const http::Request& request, const std::string& body) const {
    if (config_.eventsub_secret.empty()) return true;  // no secret configured: no verification at all
    const auto id = request.headers.joined("Twitch-Eventsub-Message-Id");
    const auto timestamp = request.headers.joined("Twitch-Eventsub-Message-Timestamp");
    const auto signature = request.headers.joined("Twitch-Eventsub-Message-Signature");
    if (!id || !timestamp || !signature) return false;
    const std::string expected = "sha256=" + sim::crypto::to_hex_lower(secret_key_.sign({*id, *timestamp, body}));
    return sim::crypto::constant_time_equals(expected, *signature);
}

// Twitch's replay rule: a message whose timestamp is more than 10 minutes away from now is not processed.
// The signature covers the timestamp, so a captured delivery cannot be given a new one.
bool EventSubWebhook::fresh(const http::Request& request) const {
    const auto timestamp = request.headers.joined("Twitch-Eventsub-Message-Timestamp");
    if (!timestamp) return false;
    const auto sent = sim::parse_iso8601(*timestamp);
    if (!sent) return false;
    const auto now = clock_.now();
    const sim::Duration age = now > *sent ? now - *sent : *sent - now;
    return age <= kEventSubMaxMessageAge;
}

void EventSubWebhook::handle(const http::Request& request, const http::Respond& respond) {
    const std::string body = eventsub_body_text(request.body);
    if (!signature_valid(request, body)) {
        log_.warn(kEbsActor, "EventSub signature verification failed");
        respond(problem(401, next_trace_id_()));
        return;
    }
    if (config_.eventsub_enforce_freshness && !fresh(request)) {  // opt-in; the reference does not check
        log_.warn(kEbsActor, "EventSub message refused: timestamp missing or more than 10 minutes from now (replay?)");
        respond(problem(403, next_trace_id_()));
        return;
    }

    EventSubBodyReading reading = read_eventsub_body(body);
    switch (reading.kind) {
    case EventSubBodyReading::Kind::malformed:
        log_.warn(kEbsActor, "EventSub payload rejected (500): " + reading.error);
        respond(http::Response::empty(500));
        return;
    case EventSubBodyReading::Kind::challenge:
        // The reference answers Content(challenge, "text/plain"); ASP.NET's ContentResultExecutor keeps an
        // explicit content type as given (ResponseContentTypeHelper.ResolveContentTypeAndEncoding), so there is
        // no charset parameter; the text is written as UTF-8.
        respond(http::Response::text(200, reading.challenge, "text/plain"));
        return;
    case EventSubBodyReading::Kind::ignored: respond(http::Response::empty(200)); return;
    case EventSubBodyReading::Kind::chat_message: break;
    }

    // Exactly one response even if the chat handler answered and then threw.
    const http::RespondOnce respond_once(respond);
    try {
        chat_.handle(reading.event, [respond_once] { respond_once(http::Response::empty(200)); });
    } catch (const std::exception& failure) {
        log_.error(kEbsActor, std::string("EventSub chat handling failed: ") + failure.what());
        respond_once(http::Response::empty(500));
    }
}

}  // namespace mgm::backend::api

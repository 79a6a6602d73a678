#include "backend/api/eventsub.h"

#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "backend/api/json_binding.h"
#include "backend/domain/chat_command.h"
#include "backend/domain/service_context.h"
#include "backend/domain/utf8.h"
#include "sim/core/crypto.h"

namespace mgm::backend::api {

namespace {

// What the reference's JsonElement accessors throw on a wrong shape (→ unhandled → 500).
class MalformedPayload : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using JsonValue = nlohmann::json;

// JsonElement.GetString(): string → text, null → nullopt, anything else throws.
std::optional<std::string> get_string(const JsonValue& value, const char* what) {
    if (value.is_null()) return std::nullopt;
    if (!value.is_string()) throw MalformedPayload(std::string(what) + " is not a string");
    return value.get<std::string>();
}

// JsonElement.TryGetProperty on an object (throws for any other kind).
const JsonValue* try_get_property(const JsonValue& element, const char* name) {
    if (!element.is_object()) throw MalformedPayload(std::string("looking up '") + name + "' on a non-object");
    auto it = element.find(name);
    return it == element.end() ? nullptr : &*it;
}

std::string string_or_empty(const JsonValue& event, const char* name) {
    const JsonValue* value = try_get_property(event, name);
    if (value == nullptr) return {};
    return get_string(*value, name).value_or("");
}

bool has_subscriber_badge(const JsonValue& event) {
    const JsonValue* badges = try_get_property(event, "badges");
    if (badges == nullptr) return false;
    if (!badges->is_array()) throw MalformedPayload("badges is not an array");
    for (const auto& badge : *badges) {
        const JsonValue* set_id = try_get_property(badge, "set_id");
        if (set_id == nullptr) continue;
        const auto text = get_string(*set_id, "set_id");
        if (text == "subscriber" || text == "founder" || text == "premium") return true;
    }
    return false;
}


}  // namespace

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

EventSubWebhook::EventSubWebhook(const EbsConfig& config, ChatEventHandler& chat, const sim::Log& log,
                                 std::function<std::string()> next_trace_id)
    : config_(config),
      chat_(chat),
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

void EventSubWebhook::handle(const http::Request& request, const http::Respond& respond) {
    const std::string body = eventsub_body_text(request.body);
    if (!signature_valid(request, body)) {
        log_.warn(kEbsActor, "EventSub signature verification failed");
        respond(problem(401, next_trace_id_()));
        return;
    }

    ChatEvent event;
    try {
        if (!json_nesting_within(body, 64)) throw MalformedPayload("body nests deeper than 64");
        const JsonValue root = JsonValue::parse(body.empty() ? std::string("{}") : body, nullptr, false);
        if (root.is_discarded()) throw MalformedPayload("body is not valid JSON");

        if (const JsonValue* challenge = try_get_property(root, "challenge")) {
            respond(http::Response::text(200, get_string(*challenge, "challenge").value_or("")));
            return;
        }
        const JsonValue* subscription = try_get_property(root, "subscription");
        if (subscription == nullptr) {
            respond(http::Response::empty(200));
            return;
        }
        const JsonValue* type = try_get_property(*subscription, "type");
        if (type == nullptr) throw MalformedPayload("subscription has no type");
        if (get_string(*type, "subscription.type") != std::optional<std::string>("channel.chat.message")) {
            respond(http::Response::empty(200));
            return;
        }
        const JsonValue* ev = try_get_property(root, "event");
        if (ev == nullptr) {
            respond(http::Response::empty(200));
            return;
        }
        event.message.message_id = string_or_empty(*ev, "message_id");
        event.message.chatter_user_id = string_or_empty(*ev, "chatter_user_id");
        event.message.chatter_user_login = string_or_empty(*ev, "chatter_user_login");
        if (const JsonValue* message = try_get_property(*ev, "message")) {
            if (const JsonValue* text = try_get_property(*message, "text")) {
                event.message.text = get_string(*text, "message.text").value_or("");
            }
        }
        event.message.is_subscriber = has_subscriber_badge(*ev);
        // The reference reads broadcaster_user_id only for a "!twgift" message (after enrollment, which is
        // a no-op for such text); a wrong type there is the same 500.
        if (parse_twgift(event.message.text)) {
            if (const JsonValue* broadcaster = try_get_property(*ev, "broadcaster_user_id")) {
                event.broadcaster_user_id = get_string(*broadcaster, "broadcaster_user_id");
            }
        }
    } catch (const MalformedPayload& malformed) {
        log_.warn(kEbsActor, std::string("EventSub payload rejected (500): ") + malformed.what());
        respond(http::Response::empty(500));
        return;
    }

    // Exactly one response even if the chat handler answered and then threw.
    auto responded = std::make_shared<bool>(false);
    auto respond_once = [respond, responded](http::Response response) {
        if (*responded) return;
        *responded = true;
        respond(std::move(response));
    };
    try {
        chat_.handle(event, [respond_once] { respond_once(http::Response::empty(200)); });
    } catch (const std::exception& failure) {
        log_.error(kEbsActor, std::string("EventSub chat handling failed: ") + failure.what());
        respond_once(http::Response::empty(500));
    }
}

}  // namespace mgm::backend::api

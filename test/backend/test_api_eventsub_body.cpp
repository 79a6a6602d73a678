// read_eventsub_body (one SAX pass) against a plain DOM reading of the same rules, written the way the
// reference's JsonElement code reads the body: on hand-picked shapes and on thousands of generated bodies
// full of repeated keys, wrong kinds and nesting, both must give the same answer and the same fields.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "backend/api/eventsub_body.h"
#include "backend/api/json_binding.h"
#include "backend/domain/chat_command.h"
#include "sim/core/rng.h"

using namespace mgm;
using backend::api::EventSubBodyReading;
using backend::api::read_eventsub_body;

namespace {

// --- The oracle: a DOM, then the reference's accessor calls in the reference's order. ---

struct Shape : std::runtime_error {
    using std::runtime_error::runtime_error;
};
using Json = nlohmann::json;

std::optional<std::string> dom_get_string(const Json& value) {
    if (value.is_null()) return std::nullopt;
    if (!value.is_string()) throw Shape("not a string");
    return value.get<std::string>();
}

const Json* dom_property(const Json& element, const char* name) {
    if (!element.is_object()) throw Shape("non-object");
    auto it = element.find(name);
    return it == element.end() ? nullptr : &*it;
}

std::string dom_string_or_empty(const Json& event, const char* name) {
    const Json* value = dom_property(event, name);
    return value ? dom_get_string(*value).value_or("") : "";
}

EventSubBodyReading dom_reading(const std::string& body) {
    EventSubBodyReading reading;
    try {
        if (!backend::api::json_nesting_within(body, 64)) throw Shape("deep");
        const Json root = Json::parse(body.empty() ? std::string("{}") : body, nullptr, false);
        if (root.is_discarded()) throw Shape("invalid");
        if (const Json* challenge = dom_property(root, "challenge")) {
            reading.kind = EventSubBodyReading::Kind::challenge;
            reading.challenge = dom_get_string(*challenge).value_or("");
            return reading;
        }
        const Json* subscription = dom_property(root, "subscription");
        if (!subscription) return reading;
        const Json* type = dom_property(*subscription, "type");
        if (!type) throw Shape("no type");
        if (dom_get_string(*type) != std::optional<std::string>("channel.chat.message")) return reading;
        const Json* ev = dom_property(root, "event");
        if (!ev) return reading;
        auto& m = reading.event.message;
        m.message_id = dom_string_or_empty(*ev, "message_id");
        m.chatter_user_id = dom_string_or_empty(*ev, "chatter_user_id");
        m.chatter_user_login = dom_string_or_empty(*ev, "chatter_user_login");
        if (const Json* message = dom_property(*ev, "message"))
            if (const Json* text = dom_property(*message, "text")) m.text = dom_get_string(*text).value_or("");
        if (const Json* badges = dom_property(*ev, "badges")) {
            if (!badges->is_array()) throw Shape("badges");
            for (const auto& badge : *badges) {
                const Json* set_id = dom_property(badge, "set_id");
                if (!set_id) continue;
                const auto text = dom_get_string(*set_id);
                if (text == "subscriber" || text == "founder" || text == "premium") {
                    m.is_subscriber = true;
                    break;
                }
            }
        }
        if (backend::parse_twgift(m.text))
            if (const Json* broadcaster = dom_property(*ev, "broadcaster_user_id"))
                reading.event.broadcaster_user_id = dom_get_string(*broadcaster);
        reading.kind = EventSubBodyReading::Kind::chat_message;
    } catch (const Shape&) {
        reading = {};
        reading.kind = EventSubBodyReading::Kind::malformed;
    }
    return reading;
}

void require_same(const std::string& body) {
    INFO("body: " << body);
    const auto expected = dom_reading(body);
    const auto actual = read_eventsub_body(body);
    REQUIRE(actual.kind == expected.kind);
    CHECK(actual.challenge == expected.challenge);
    const auto& a = actual.event;
    const auto& e = expected.event;
    CHECK(a.message.message_id == e.message.message_id);
    CHECK(a.message.chatter_user_id == e.message.chatter_user_id);
    CHECK(a.message.chatter_user_login == e.message.chatter_user_login);
    CHECK(a.message.text == e.message.text);
    CHECK(a.message.is_subscriber == e.message.is_subscriber);
    CHECK(a.broadcaster_user_id == e.broadcaster_user_id);
    if (actual.kind == EventSubBodyReading::Kind::malformed) CHECK_FALSE(actual.error.empty());
}

// --- Generated bodies: the keys the EBS reads, at every level, repeated and of every kind. ---

class BodyGenerator {
public:
    explicit BodyGenerator(std::uint64_t seed) : rng_(seed) {}

    std::string body() {
        // Mostly a notification-like object; sometimes any value at the top.
        if (rng_.chance(0.1)) return value(0);
        std::string out = "{";
        if (rng_.chance(0.4)) {  // a chat notification with a generated event, then maybe more members
            out += "\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":" + member("event", 1);
            if (rng_.chance(0.7)) return out + "}";
        }
        const int members = static_cast<int>(rng_.uniform(4));
        for (int i = 0; i < members; ++i) {
            if (out.size() > 1) out += ',';
            const std::string key = pick({"subscription", "event", "challenge", "subscription", "event", "other"});
            out += '"' + key + "\":" + member(key, 1);
        }
        return out + "}";
    }

private:
    std::string pick(std::initializer_list<const char*> options) {
        return *(options.begin() + rng_.uniform(options.size()));
    }

    std::string member(const std::string& key, int depth) {
        if (rng_.chance(0.25)) return value(depth);  // any kind, also where an object is expected
        if (key == "subscription") return object(depth, {"type", "type", "version"});
        if (key == "event")
            return object(depth, {"message_id", "chatter_user_id", "chatter_user_login", "broadcaster_user_id",
                                  "message", "badges", "badges", "message", "color"});
        if (key == "message") return object(depth, {"text", "text", "fragments"});
        if (key == "badges") {
            std::string out = "[";
            const int n = static_cast<int>(rng_.uniform(4));
            for (int i = 0; i < n; ++i) out += std::string(i ? "," : "") + member("badge", depth + 1);
            return out + "]";
        }
        if (key == "badge") return object(depth, {"set_id", "set_id", "id", "info"});
        if (key == "type")
            return pick({"\"channel.chat.message\"", "\"channel.chat.message\"", "\"other.type\"", "null"});
        if (key == "set_id") return pick({"\"subscriber\"", "\"founder\"", "\"premium\"", "\"vip\"", "null", "\"\""});
        if (key == "text") return pick({"\"!twgold Abcdef\"", "\"!twgift\"", "\"!twgift Abc\"", "\"hi\"", "null"});
        return scalar();
    }

    std::string object(int depth, std::initializer_list<const char*> keys) {
        std::string out = "{";
        const int n = depth > 6 ? 0 : static_cast<int>(rng_.uniform(5));
        for (int i = 0; i < n; ++i) {
            const std::string key = *(keys.begin() + rng_.uniform(keys.size()));
            out += std::string(i ? "," : "") + '"' + key + "\":" + member(key, depth + 1);
        }
        return out + "}";
    }

    std::string scalar() {
        return pick({"null", "true", "false", "0", "-1.5e3", "\"\"", "\"x\"", "\"subscriber\"", "\"!twgold Abcdef\"",
                     "\"channel.chat.message\"", "\"\\u00e9t\\u00e9\""});
    }

    std::string value(int depth) {
        if (depth > 6 || rng_.chance(0.6)) return scalar();
        if (rng_.chance(0.5)) return object(depth, {"text", "set_id", "type", "message", "badges", "event", "x"});
        std::string out = "[";
        const int n = static_cast<int>(rng_.uniform(3));
        for (int i = 0; i < n; ++i) out += std::string(i ? "," : "") + value(depth + 1);
        return out + "]";
    }

    sim::Rng rng_;
};

}  // namespace

TEST_CASE("EventSub body: hand-picked shapes read like the DOM reading", "[ebs][eventsub]") {
    const char* bodies[] = {
        "",
        "{}",
        "[]",
        "\"text\"",
        "null",
        "{\"challenge\":\"abc\"}",
        "{\"challenge\":null}",
        "{\"challenge\":5}",
        "{\"challenge\":\"a\",\"challenge\":\"b\"}",
        "{\"subscription\":{}}",
        "{\"subscription\":[]}",
        "{\"subscription\":{\"type\":\"channel.chat.message\"}}",
        "{\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":[]}",
        "{\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":{}}",
        "{\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":{\"message_id\":\"m\",\"chatter_user_id\":"
        "\"u\","
        "\"chatter_user_login\":\"l\",\"message\":{\"text\":\"!twgold "
        "Abcdef\"},\"badges\":[{\"set_id\":\"founder\"}]}}",
        // the last repeated "event" wins as a whole: no message_id from the first one
        "{\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":{\"message_id\":\"m\"},\"event\":{\"chatter_"
        "user_id\":\"u\"}}",
        // a matching badge stops the loop before a malformed one
        "{\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":{\"badges\":[{\"set_id\":\"premium\"},7]}}",
        "{\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":{\"badges\":[7,{\"set_id\":\"premium\"}]}}",
        "{\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":{\"badges\":{\"set_id\":\"premium\"}}}",
        "{\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":{\"message\":{\"text\":\"!twgift Abc\"},"
        "\"broadcaster_user_id\":\"b\"}}",
        "{\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":{\"message\":{\"text\":\"!twgift Abc\"},"
        "\"broadcaster_user_id\":null}}",
        "{\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":{\"message\":{\"text\":\"!twgift Abc\"},"
        "\"broadcaster_user_id\":1}}",
        "{\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":{\"message\":{\"text\":\"hi\"},\"broadcaster_"
        "user_id\":1}}",
        "{\"a\":{\"event\":{\"message_id\":\"nested, not "
        "read\"}},\"subscription\":{\"type\":\"channel.chat.message\"},\"event\":{}}",
        "{\"subscription\":{\"type\":\"channel.chat.message\"}} trailing",
        "{\"subscription\":",
        "{\"x\":1e400}",
        "{\"x\":01}",
        "{/* comment */}",
    };
    for (const char* body : bodies) require_same(body);
    // Nesting limit.
    require_same(std::string(64, '[') + std::string(64, ']'));
    require_same(std::string(65, '[') + std::string(65, ']'));
    // Sanity of the comparison itself: a chat message is read with its fields.
    const auto chat = read_eventsub_body(bodies[14]);
    REQUIRE(chat.kind == EventSubBodyReading::Kind::chat_message);
    CHECK(chat.event.message.message_id == "m");
    CHECK(chat.event.message.text == "!twgold Abcdef");
    CHECK(chat.event.message.is_subscriber);
}

TEST_CASE("EventSub body: 20,000 generated bodies read like the DOM reading", "[ebs][eventsub]") {
    BodyGenerator generator(20261126);
    int kinds[4] = {};
    for (int i = 0; i < 20'000; ++i) {
        const std::string body = generator.body();
        require_same(body);
        ++kinds[static_cast<int>(read_eventsub_body(body).kind)];
    }
    // The generator reaches every outcome often enough for the comparison to mean something.
    INFO("challenge " << kinds[0] << ", ignored " << kinds[1] << ", chat " << kinds[2] << ", malformed " << kinds[3]);
    for (int kind : kinds) CHECK(kind > 1000);
}

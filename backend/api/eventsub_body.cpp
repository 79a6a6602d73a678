#include "backend/api/eventsub_body.h"

#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/api/json_binding.h"
#include "backend/domain/chat_command.h"

namespace mgm::backend::api {

namespace {

// The JSON kinds the reference's accessors tell apart (numbers and booleans are all "other" to them).
enum class Kind : unsigned char { absent, null, string, object, array, other };

struct Leaf {
    Kind kind = Kind::absent;
    std::string text;  // when kind == string
};

struct Badge {
    Kind kind = Kind::absent;
    Leaf set_id;
};

// The values the EBS reads; everything else in the body is checked for syntax and dropped. A repeated key
// replaces the earlier value with everything under it, as in a DOM (and in JsonElement.TryGetProperty,
// which returns the last of repeated properties).
struct Collected {
    Kind root = Kind::absent;
    Leaf challenge, subscription, subscription_type, event;
    Leaf message_id, chatter_user_id, chatter_user_login, broadcaster_user_id, message, message_text, badges;
    std::vector<Badge> badge_items;
};

// Where a value sits, for the places Collected keeps.
enum class Slot {
    untracked,
    root,
    challenge,
    subscription,
    subscription_type,
    event,
    message_id,
    chatter_user_id,
    chatter_user_login,
    broadcaster_user_id,
    message,
    message_text,
    badges,
    badge,
    badge_set_id,
};

// The members the EBS reads: in which object, under which key.
struct Member {
    Slot object;
    std::string_view key;
    Slot slot;
};
constexpr Member kMembers[] = {
    {Slot::root, "challenge", Slot::challenge},
    {Slot::root, "subscription", Slot::subscription},
    {Slot::root, "event", Slot::event},
    {Slot::subscription, "type", Slot::subscription_type},
    {Slot::event, "message_id", Slot::message_id},
    {Slot::event, "chatter_user_id", Slot::chatter_user_id},
    {Slot::event, "chatter_user_login", Slot::chatter_user_login},
    {Slot::event, "broadcaster_user_id", Slot::broadcaster_user_id},
    {Slot::event, "message", Slot::message},
    {Slot::event, "badges", Slot::badges},
    {Slot::message, "text", Slot::message_text},
    {Slot::badge, "set_id", Slot::badge_set_id},
};

// nlohmann SAX handler filling Collected.
class Collector {
public:
    explicit Collector(Collected& doc) : doc_(doc) {}

    bool null() { return scalar(Kind::null); }
    bool boolean(bool) { return scalar(Kind::other); }
    bool number_integer(nlohmann::json::number_integer_t) { return scalar(Kind::other); }
    bool number_unsigned(nlohmann::json::number_unsigned_t) { return scalar(Kind::other); }
    bool number_float(nlohmann::json::number_float_t, const std::string&) { return scalar(Kind::other); }
    bool binary(nlohmann::json::binary_t&) { return scalar(Kind::other); }
    bool string(std::string& value) {
        if (Leaf* leaf = assign(next_slot(), Kind::string)) leaf->text.assign(value);
        return true;
    }
    bool start_object(std::size_t) {
        const Slot slot = next_slot();
        assign(slot, Kind::object);
        const bool read_inside = slot == Slot::root || slot == Slot::subscription || slot == Slot::event ||
                                 slot == Slot::message || slot == Slot::badge;
        frames_.push_back({read_inside ? slot : Slot::untracked, true});
        return true;
    }
    bool key(std::string& name) {
        pending_ = slot_of_key(frames_.back().slot, name);
        return true;
    }
    bool end_object() {
        frames_.pop_back();
        return true;
    }
    bool start_array(std::size_t) {
        const Slot slot = next_slot();
        assign(slot, Kind::array);
        frames_.push_back({slot == Slot::badges ? Slot::badges : Slot::untracked, false});
        return true;
    }
    bool end_array() {
        frames_.pop_back();
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception&) { return false; }

private:
    struct Frame {
        Slot slot;  // the container's own place when its members are read, else untracked
        bool is_object;
    };

    static Slot slot_of_key(Slot object, std::string_view name) {
        for (const auto& member : kMembers)
            if (member.object == object && member.key == name) return member.slot;
        return Slot::untracked;
    }

    Slot next_slot() const {
        if (frames_.empty()) return Slot::root;
        const Frame& parent = frames_.back();
        if (parent.is_object) return pending_;
        return parent.slot == Slot::badges ? Slot::badge : Slot::untracked;
    }

    bool scalar(Kind kind) {
        assign(next_slot(), kind);
        return true;
    }

    // Records a value's kind at its place, dropping whatever an earlier value there had below it.
    Leaf* assign(Slot slot, Kind kind) {
        Leaf* leaf = nullptr;
        switch (slot) {
        case Slot::untracked: return nullptr;
        case Slot::root: doc_.root = kind; return nullptr;
        case Slot::challenge: leaf = &doc_.challenge; break;
        case Slot::subscription:
            leaf = &doc_.subscription;
            doc_.subscription_type = {};
            break;
        case Slot::subscription_type: leaf = &doc_.subscription_type; break;
        case Slot::event:
            leaf = &doc_.event;
            for (Leaf* below : {&doc_.message_id, &doc_.chatter_user_id, &doc_.chatter_user_login,
                                &doc_.broadcaster_user_id, &doc_.message, &doc_.message_text, &doc_.badges})
                *below = {};
            doc_.badge_items.clear();
            break;
        case Slot::message_id: leaf = &doc_.message_id; break;
        case Slot::chatter_user_id: leaf = &doc_.chatter_user_id; break;
        case Slot::chatter_user_login: leaf = &doc_.chatter_user_login; break;
        case Slot::broadcaster_user_id: leaf = &doc_.broadcaster_user_id; break;
        case Slot::message:
            leaf = &doc_.message;
            doc_.message_text = {};
            break;
        case Slot::message_text: leaf = &doc_.message_text; break;
        case Slot::badges:
            leaf = &doc_.badges;
            doc_.badge_items.clear();
            break;
        case Slot::badge: doc_.badge_items.push_back({kind, {}}); return nullptr;
        case Slot::badge_set_id: leaf = &doc_.badge_items.back().set_id; break;
        }
        leaf->kind = kind;
        leaf->text.clear();
        return leaf;
    }

    Collected& doc_;
    std::vector<Frame> frames_;
    Slot pending_ = Slot::untracked;
};

// What the reference's JsonElement accessors throw on a wrong shape (→ unhandled → 500).
class MalformedPayload : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// JsonElement.TryGetProperty throws on anything but an object.
void require_object(Kind kind, const char* looking_up) {
    if (kind != Kind::object) throw MalformedPayload(std::string("looking up '") + looking_up + "' on a non-object");
}

// JsonElement.GetString(): string → text, null → nullopt, anything else throws.
std::optional<std::string> get_string(const Leaf& value, const char* what) {
    if (value.kind == Kind::null) return std::nullopt;
    if (value.kind != Kind::string) throw MalformedPayload(std::string(what) + " is not a string");
    return value.text;
}

std::string string_or_empty(const Collected& doc, const Leaf& value, const char* name) {
    require_object(doc.event.kind, name);
    if (value.kind == Kind::absent) return {};
    return get_string(value, name).value_or("");
}

// Stops at the first matching badge, like the reference's loop: later badges are not looked at.
bool has_subscriber_badge(const Collected& doc) {
    require_object(doc.event.kind, "badges");
    if (doc.badges.kind == Kind::absent) return false;
    if (doc.badges.kind != Kind::array) throw MalformedPayload("badges is not an array");
    for (const Badge& badge : doc.badge_items) {
        require_object(badge.kind, "set_id");
        if (badge.set_id.kind == Kind::absent) continue;
        const auto text = get_string(badge.set_id, "set_id");
        if (text == "subscriber" || text == "founder" || text == "premium") return true;
    }
    return false;
}

void read_collected(const Collected& doc, EventSubBodyReading& reading) {
    using ReadingKind = EventSubBodyReading::Kind;
    require_object(doc.root, "challenge");
    if (doc.challenge.kind != Kind::absent) {
        reading.kind = ReadingKind::challenge;
        reading.challenge = get_string(doc.challenge, "challenge").value_or("");
        return;
    }
    reading.kind = ReadingKind::ignored;
    if (doc.subscription.kind == Kind::absent) return;
    require_object(doc.subscription.kind, "type");
    if (doc.subscription_type.kind == Kind::absent) throw MalformedPayload("subscription has no type");
    if (get_string(doc.subscription_type, "subscription.type") != std::optional<std::string>("channel.chat.message"))
        return;
    if (doc.event.kind == Kind::absent) return;

    ChatMessage& message = reading.event.message;
    message.message_id = string_or_empty(doc, doc.message_id, "message_id");
    message.chatter_user_id = string_or_empty(doc, doc.chatter_user_id, "chatter_user_id");
    message.chatter_user_login = string_or_empty(doc, doc.chatter_user_login, "chatter_user_login");
    require_object(doc.event.kind, "message");
    if (doc.message.kind != Kind::absent) {
        require_object(doc.message.kind, "text");
        if (doc.message_text.kind != Kind::absent)
            message.text = get_string(doc.message_text, "message.text").value_or("");
    }
    message.is_subscriber = has_subscriber_badge(doc);
    // The reference reads broadcaster_user_id only for a "!twgift" message (after enrollment, which is a
    // no-op for such text); a wrong type there is the same 500.
    if (parse_twgift(message.text) && doc.broadcaster_user_id.kind != Kind::absent)
        reading.event.broadcaster_user_id = get_string(doc.broadcaster_user_id, "broadcaster_user_id");
    reading.kind = ReadingKind::chat_message;
}

}  // namespace

EventSubBodyReading read_eventsub_body(std::string_view body) {
    EventSubBodyReading reading;
    try {
        if (!json_nesting_within(body, 64)) throw MalformedPayload("body nests deeper than 64");
        if (body.empty()) body = "{}";
        Collected doc;
        Collector collector(doc);
        if (!nlohmann::json::sax_parse(body.data(), body.data() + body.size(), &collector))
            throw MalformedPayload("body is not valid JSON");
        read_collected(doc, reading);
    } catch (const MalformedPayload& malformed) {
        reading = {};
        reading.kind = EventSubBodyReading::Kind::malformed;
        reading.error = malformed.what();
    }
    return reading;
}

}  // namespace mgm::backend::api

// Trace: canonical JSONL records (nlohmann::json objects keep keys sorted) and an incremental SHA-256
// over exactly the bytes a --trace file would contain (each line + '\n').
#include "sim/trace/trace.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <iterator>
#include <utility>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "sim/clock/clock.h"
#include "sim/core/crypto.h"

namespace mgm::sim {

namespace {

// True when `text` is printable ASCII without '"' or '\\': written as is between quotes, exactly what
// nlohmann's serializer would write. Every string of every record is scanned, so eight bytes at a time: a
// word has a byte >= 0x80, < 0x20, or equal to '"', '\\' or 0x7f exactly when these bit tests say so (a
// false alarm would only send the string through the serializer, which writes plain text unchanged).
bool is_plain(std::string_view text) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    auto has_zero_byte = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
    auto plain_word = [&](std::uint64_t x) {
        return ((x & highs) | ((x - 0x20 * ones) & ~x & highs) | has_zero_byte(x ^ (0x22 * ones)) |
                has_zero_byte(x ^ (0x5c * ones)) | has_zero_byte(x ^ (0x7f * ones))) == 0;
    };
    const char* p = text.data();
    std::size_t n = text.size();
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t x;
        std::memcpy(&x, p, 8);
        if (!plain_word(x)) return false;
    }
    // The last 0..7 bytes: one more word, padded with a plain letter.
    std::uint64_t tail = 0x61 * ones;
    if (n > 0) std::memcpy(&tail, p, n);  // p may be null for an empty view
    return plain_word(tail);
}

// Canonical line writer: the bytes nlohmann::json::dump(-1, ' ', false, replace) gives for the record object
// (keys in std::map order), written straight from the caller's fields and the envelope, without copying the
// fields into a new object first (that copy plus the dump was most of the trace's cost per HTTP exchange).
class LineWriter {
public:
    explicit LineWriter(std::string& out) : out_(out) {}

    void key(std::string_view name) {
        out_ += first_ ? '{' : ',';
        first_ = false;
        string(name);
        out_ += ':';
    }
    // A key known to need no escaping (the envelope's own keys).
    void plain_key(std::string_view name) {
        out_ += first_ ? "{\"" : ",\"";
        first_ = false;
        out_.append(name);
        out_ += "\":";
    }
    void string(std::string_view text) {
        if (!is_plain(text)) return serialize(nlohmann::json(text));
        out_ += '"';
        out_.append(text);
        out_ += '"';
    }
    void value(const nlohmann::json& v) {
        switch (v.type()) {
        case nlohmann::json::value_t::string: return string(v.get_ref<const std::string&>());
        case nlohmann::json::value_t::number_unsigned: out_ += std::to_string(v.get<std::uint64_t>()); return;
        case nlohmann::json::value_t::number_integer: out_ += std::to_string(v.get<std::int64_t>()); return;
        case nlohmann::json::value_t::boolean: out_ += v.get<bool>() ? "true" : "false"; return;
        case nlohmann::json::value_t::null: out_ += "null"; return;
        default: return serialize(v);
        }
    }
    void finish() { out_ += first_ ? "{}" : "}"; }

private:
    // Anything but the plain cases above: nlohmann's own serializer, made on first need.
    void serialize(const nlohmann::json& v) {
        if (!serializer_)
            serializer_.emplace(nlohmann::detail::output_adapter<char>(out_), ' ',
                                nlohmann::json::error_handler_t::replace);
        serializer_->dump(v, false, false, 0);
    }

    std::string& out_;
    bool first_ = true;
    std::optional<nlohmann::detail::serializer<nlohmann::json>> serializer_;
};

// One envelope or extra entry of a record; the sorted merge below places it among the fields.
struct Entry {
    std::string_view key;
    enum class Kind { text, number } kind;
    std::string_view text;
    std::int64_t number;
    bool plain_key;  // one of the envelope's own keys: written without a scan
};

// The canonical line of {fields (an object; a non-object non-null becomes {"value": fields}), extras}, the
// extras winning over same-named fields, written into `line` (cleared first; its capacity is reused).
// `extras` must be sorted by key.
void canonical_line(std::string& line, const nlohmann::json& fields, const Entry* extras, std::size_t extra_count) {
    line.clear();
    LineWriter writer(line);
    auto write_entry = [&](const Entry& e) {
        if (e.plain_key) writer.plain_key(e.key);
        else writer.key(e.key);
        if (e.kind == Entry::Kind::text) writer.string(e.text);
        else line += std::to_string(e.number);
    };
    std::size_t next = 0;
    auto write_field = [&](std::string_view key, const nlohmann::json& value) {
        while (next < extra_count && extras[next].key < key) write_entry(extras[next++]);
        if (next < extra_count && extras[next].key == key) return;  // the extra wins
        writer.key(key);
        writer.value(value);
    };
    if (fields.is_object()) {
        for (const auto& [key, value] : fields.items()) write_field(key, value);
    } else if (!fields.is_null()) {
        write_field("value", fields);
    }
    while (next < extra_count) write_entry(extras[next++]);
    writer.finish();
}

const nlohmann::json& null_fields() {
    static const nlohmann::json null;
    return null;
}

}  // namespace

// Running SHA-256 over the lines. OpenSSL's plain SHA-256 functions (the same digest as its EVP interface):
// no provider lookup, no context allocation, and copying the state to finalise is a struct copy.
struct Trace::Hasher {
    SHA256_CTX ctx{};
    Hasher() { SHA256_Init(&ctx); }
    void update(std::string_view bytes) { SHA256_Update(&ctx, bytes.data(), bytes.size()); }
    std::string hex() const {
        SHA256_CTX copy = ctx;
        unsigned char digest[SHA256_DIGEST_LENGTH];
        SHA256_Final(digest, &copy);
        return crypto::to_hex_lower(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
    }
};

// Listeners may unsubscribe (or subscribe others) while a record is dispatched. Each entry lives in its own
// allocation, so a listener is never moved or destroyed while it runs: a removal during a dispatch only
// marks its entry, and the table is compacted once no dispatch is running.
struct Trace::ListenerTable {
    struct Entry {
        std::uint64_t id;
        RecordListener listener;
        bool removed = false;
    };
    std::vector<std::unique_ptr<Entry>> entries;
    std::uint64_t next_id = 1;
    int dispatching = 0;
    bool has_removed = false;

    void dispatch(const TraceRecord& record) {
        ++dispatching;
        struct Done {
            ListenerTable& table;
            ~Done() {
                if (--table.dispatching == 0 && table.has_removed) table.compact();
            }
        } done{*this};
        // By index: a listener that subscribes another may reallocate `entries` (not the entries themselves).
        for (std::size_t i = 0; i < entries.size(); ++i) {
            Entry& entry = *entries[i];
            if (!entry.removed) entry.listener(record);
        }
    }
    void remove(std::uint64_t id) {
        for (auto& entry : entries)
            if (entry->id == id) entry->removed = true;
        has_removed = true;
        if (dispatching == 0) compact();
    }
    void compact() {
        std::erase_if(entries, [](const std::unique_ptr<Entry>& entry) { return entry->removed; });
        has_removed = false;
    }
};

Trace::Trace() : hasher_(std::make_unique<Hasher>()), listeners_(std::make_shared<ListenerTable>()) {}
Trace::~Trace() = default;

std::string_view TraceRecord::text(std::string_view key) const {
    for (const TraceField& f : flat)
        if (f.key == key) return f.is_number ? std::string_view() : f.text;
    if (fields == nullptr || !fields->is_object()) return {};
    auto it = fields->find(key);
    return it != fields->end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>())
                                                  : std::string_view();
}

nlohmann::json TraceRecord::to_json() const {
    nlohmann::json object = fields != nullptr && fields->is_object() ? *fields : nlohmann::json::object();
    if (fields != nullptr && !fields->is_object() && !fields->is_null()) object["value"] = *fields;
    for (const TraceField& f : flat)
        if (!object.contains(f.key)) {
            if (f.is_number) object[std::string(f.key)] = f.number;
            else object[std::string(f.key)] = f.text;
        }
    if (timer) object["label"] = label;
    if (named) object["name"] = name;
    object["seq"] = seq;
    object["t"] = t;
    object["actor"] = actor;
    object["kind"] = kind;
    return object;
}

std::string_view Trace::time_text() {
    if (clock_ == nullptr) return {};
    const Instant now = clock_->now();
    if (time_text_length_ == 0 || now != time_text_at_) {
        time_text_length_ = format_iso8601_to(now, time_text_);
        time_text_at_ = now;
    }
    return {time_text_, time_text_length_};
}

void Trace::write(std::string_view actor, std::string_view kind, Extra extra, std::string_view extra_text,
                  const nlohmann::json* fields, std::span<const TraceField> flat) {
    const std::uint64_t seq = ++sequence_;
    // A listener that records something itself gets buffers of its own: the outer record's views stay valid.
    const bool nested = dispatching_ > 0;
    std::string nested_line, nested_time;
    std::string& line = nested ? nested_line : line_;
    const std::string_view t =
        nested ? std::string_view(nested_time = clock_ != nullptr ? format_iso8601(clock_->now()) : "") : time_text();
    // The envelope keys win over same-named fields so every line has a trustworthy header; an event's name
    // and a timer's label sit between "kind" and "seq" in key order.
    constexpr std::size_t kMaxFlat = 11;
    if (flat.size() > kMaxFlat) throw std::invalid_argument("Trace::record_fields: too many fields");
    Entry entries[5 + kMaxFlat];  // filled up to `count` below
    std::size_t count = 0;
    entries[count++] = {"actor", Entry::Kind::text, actor, 0, true};
    entries[count++] = {"kind", Entry::Kind::text, kind, 0, true};
    if (extra == Extra::name) entries[count++] = {"name", Entry::Kind::text, extra_text, 0, true};
    if (extra == Extra::label) entries[count++] = {"label", Entry::Kind::text, extra_text, 0, true};
    entries[count++] = {"seq", Entry::Kind::number, {}, static_cast<std::int64_t>(seq), true};
    entries[count++] = {"t", Entry::Kind::text, t, 0, true};
    if (!flat.empty()) {
        // Plain fields join the envelope as entries, sorted by key; an envelope key wins over a field's.
        const std::size_t envelope = count;
        for (const TraceField& f : flat) {
            bool shadowed = false;
            for (std::size_t i = 0; i < envelope; ++i) shadowed = shadowed || entries[i].key == f.key;
            if (!shadowed)
                entries[count++] = f.is_number ? Entry{f.key, Entry::Kind::number, {}, f.number, false}
                                               : Entry{f.key, Entry::Kind::text, f.text, 0, false};
        }
        std::sort(entries, entries + count, [](const Entry& a, const Entry& b) { return a.key < b.key; });
    }
    // Keys are sorted (std::map-backed json), so the line is canonical. Invalid UTF-8 is replaced, not thrown.
    canonical_line(line, fields != nullptr ? *fields : null_fields(), entries, count);
    line += '\n';
    publish(line, actor, kind, extra, extra_text, seq, t, fields, flat);
}

void Trace::publish(std::string& line, std::string_view actor, std::string_view kind, Extra extra,
                    std::string_view extra_text, std::uint64_t seq, std::string_view t, const nlohmann::json* fields,
                    std::span<const TraceField> flat) {
    hasher_->update(line);
    if (sink_ != nullptr) sink_->write(line.data(), static_cast<std::streamsize>(line.size()));
    line.pop_back();
    if (keep_lines_) lines_.push_back(line);
    if (!listeners_->entries.empty()) {
        TraceRecord view;
        view.actor = actor;
        view.kind = kind;
        view.named = extra == Extra::name;
        if (view.named) view.name = extra_text;
        if (extra == Extra::label) view.label = extra_text;
        view.seq = seq;
        view.t = t;
        view.line = line;
        view.fields = fields;
        view.flat = flat;
        view.timer = extra == Extra::label;
        ++dispatching_;
        struct Done {
            int& depth;
            ~Done() { --depth; }
        } done{dispatching_};
        listeners_->dispatch(view);
    }
}

void Trace::record(std::string_view actor, std::string_view kind, const nlohmann::json& fields) {
    if (!enabled_) return;
    write(actor, kind, Extra::none, {}, &fields);
}

void Trace::record_fields(std::string_view actor, std::string_view kind, std::initializer_list<TraceField> fields) {
    if (!enabled_) return;
    write(actor, kind, Extra::none, {}, nullptr, std::span<const TraceField>(fields.begin(), fields.size()));
}

void Trace::note(std::string_view actor, std::string_view kind, const nlohmann::json& fields) {
    if (!detail()) return;
    const std::string t = clock_ != nullptr ? format_iso8601(clock_->now()) : std::string();
    // Sorted by key, as canonical_line wants: actor, after, kind, t.
    const Entry entries[] = {{"actor", Entry::Kind::text, actor, 0, true},
                             {"after", Entry::Kind::number, {}, static_cast<std::int64_t>(sequence_), true},
                             {"kind", Entry::Kind::text, kind, 0, true},
                             {"t", Entry::Kind::text, t, 0, true}};
    std::string line;
    canonical_line(line, fields, entries, std::size(entries));
    if (sink_ != nullptr) {
        line += '\n';
        sink_->write(line.data(), static_cast<std::streamsize>(line.size()));
        line.pop_back();
    }
    if (keep_lines_) lines_.push_back(std::move(line));
}

Instant Trace::now() const { return clock_ != nullptr ? clock_->now() : Instant{}; }

void Trace::timer_fired(std::string_view label) {
    if (!record_timers_ || !enabled_) return;
    // Most records of a long run are timer fires: their line is the fixed envelope around the label, the
    // sequence number and the time, appended directly (the same bytes write() gives). A label that needs
    // escaping, or a timer recorded by a listener, takes the general path.
    if (dispatching_ > 0 || !is_plain(label)) return write("clock", "timer", Extra::label, label, nullptr);
    const std::uint64_t seq = ++sequence_;
    const std::string_view t = time_text();
    char digits[24];
    const auto digits_end = std::to_chars(digits, digits + sizeof digits, seq).ptr;
    line_.clear();
    line_.append(R"({"actor":"clock","kind":"timer","label":")");
    line_.append(label);
    line_.append(R"(","seq":)");
    line_.append(digits, digits_end);
    line_.append(R"(,"t":")");
    line_.append(t);
    line_.append("\"}\n");
    publish(line_, "clock", "timer", Extra::label, label, seq, t, nullptr, {});
}

void Trace::event(std::string_view actor, std::string_view name, const nlohmann::json& fields) {
    if (!enabled_) return;
    write(actor, "event", Extra::name, name, &fields);
}

Trace::Subscription Trace::add_record_listener(RecordListener listener) {
    const std::uint64_t id = listeners_->next_id++;
    listeners_->entries.push_back(std::make_unique<ListenerTable::Entry>(ListenerTable::Entry{id, std::move(listener)}));
    return Subscription(listeners_, id);
}

Trace::Subscription Trace::add_listener(Listener listener) {
    const std::uint64_t id = listeners_->next_id++;
    listeners_->entries.push_back(std::make_unique<ListenerTable::Entry>(ListenerTable::Entry{
        id, [listener = std::move(listener)](const TraceRecord& record) { listener(record.to_json()); }}));
    return Subscription(listeners_, id);
}

Trace::Subscription::Subscription(Subscription&& other) noexcept
    : table_(std::move(other.table_)), id_(std::exchange(other.id_, 0)) {}

Trace::Subscription& Trace::Subscription::operator=(Subscription&& other) noexcept {
    if (this != &other) {
        reset();
        table_ = std::move(other.table_);
        id_ = std::exchange(other.id_, 0);
    }
    return *this;
}

Trace::Subscription::~Subscription() { reset(); }

void Trace::Subscription::reset() {
    if (auto table = table_.lock(); table && id_ != 0) table->remove(id_);
    table_.reset();
    id_ = 0;
}

std::string Trace::digest_hex() const { return hasher_->hex(); }

void Trace::write_jsonl(std::ostream& out) const {
    for (const auto& line : lines_) out << line << '\n';
}

}  // namespace mgm::sim

// Trace: canonical JSONL records (nlohmann::json objects keep keys sorted) and an incremental SHA-256
// over exactly the bytes a --trace file would contain (each line + '\n').
#include "sim/trace/trace.h"

#include <iterator>
#include <utility>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "sim/clock/clock.h"
#include "sim/core/crypto.h"

namespace mgm::sim {

namespace {

// SHA-256 fetched from the OpenSSL 3 provider once per process: EVP_sha256() makes EVP_DigestInit_ex fetch
// it again for every Trace, which is costly next to a short World's run. Immutable after first use.
const EVP_MD* sha256() {
    static const EVP_MD* const md = [] {
        const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        return fetched != nullptr ? fetched : EVP_sha256();
    }();
    return md;
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
    void string(std::string_view text) {
        for (unsigned char c : text)
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) return serialize(nlohmann::json(text));
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
    std::uint64_t number = 0;
};

// The canonical line of {fields (an object; a non-object non-null becomes {"value": fields}), extras}, the
// extras winning over same-named fields. `extras` must be sorted by key.
std::string canonical_line(const nlohmann::json& fields, const Entry* extras, std::size_t extra_count) {
    std::string line;
    line.reserve(256);
    LineWriter writer(line);
    auto write_entry = [&](const Entry& e) {
        writer.key(e.key);
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
    return line;
}

}  // namespace

// Running SHA-256 context; digest_hex() finalises a copy so recording can continue afterwards.
struct Trace::Hasher {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    Hasher() {
        if (ctx == nullptr || EVP_DigestInit_ex(ctx, sha256(), nullptr) != 1)
            throw std::runtime_error("Trace: cannot initialise SHA-256");
    }
    ~Hasher() { EVP_MD_CTX_free(ctx); }
    Hasher(const Hasher&) = delete;
    Hasher& operator=(const Hasher&) = delete;

    void update(std::string_view bytes) { EVP_DigestUpdate(ctx, bytes.data(), bytes.size()); }
    std::string hex() const {
        EVP_MD_CTX* copy = EVP_MD_CTX_new();
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        if (copy == nullptr || EVP_MD_CTX_copy_ex(copy, ctx) != 1 || EVP_DigestFinal_ex(copy, digest, &length) != 1) {
            EVP_MD_CTX_free(copy);
            throw std::runtime_error("Trace: cannot finalise SHA-256");
        }
        EVP_MD_CTX_free(copy);
        return crypto::to_hex_lower(std::string_view(reinterpret_cast<const char*>(digest), length));
    }
};

// Listeners may unsubscribe (or subscribe others) while a record is dispatched: a removed entry is only
// emptied then, and the table is compacted when no dispatch is running.
struct Trace::ListenerTable {
    struct Entry {
        std::uint64_t id;
        Listener listener;
    };
    std::vector<Entry> entries;
    std::uint64_t next_id = 1;
    int dispatching = 0;

    void dispatch(const nlohmann::json& record) {
        ++dispatching;
        struct Done {
            ListenerTable& table;
            ~Done() {
                if (--table.dispatching == 0) table.compact();
            }
        } done{*this};
        // By index: a listener that subscribes another may reallocate `entries`.
        for (std::size_t i = 0; i < entries.size(); ++i) {
            if (!entries[i].listener) continue;
            Listener listener = entries[i].listener;  // survives its own unsubscription during the call
            listener(record);
        }
    }
    void remove(std::uint64_t id) {
        for (auto& entry : entries)
            if (entry.id == id) entry.listener = nullptr;
        if (dispatching == 0) compact();
    }
    void compact() {
        std::erase_if(entries, [](const Entry& entry) { return !entry.listener; });
    }
};

Trace::Trace() : hasher_(std::make_unique<Hasher>()), listeners_(std::make_shared<ListenerTable>()) {}
Trace::~Trace() = default;

void Trace::record(std::string_view actor, std::string_view kind, const nlohmann::json& fields) {
    if (!enabled_) return;
    // The envelope keys win over same-named fields so every line has a trustworthy header.
    const std::uint64_t seq = ++sequence_;
    const std::string t = clock_ != nullptr ? format_iso8601(clock_->now()) : std::string();
    const Entry envelope[] = {{"actor", Entry::Kind::text, actor},
                              {"kind", Entry::Kind::text, kind},
                              {"seq", Entry::Kind::number, {}, seq},
                              {"t", Entry::Kind::text, t}};
    // Keys are sorted (std::map-backed json), so the line is canonical. Invalid UTF-8 is replaced, not thrown.
    std::string line = canonical_line(fields, envelope, std::size(envelope));
    line += '\n';
    hasher_->update(line);
    line.pop_back();
    if (!listeners_->entries.empty()) {
        nlohmann::json line_object = fields.is_object() ? fields : nlohmann::json::object();
        if (!fields.is_object() && !fields.is_null()) line_object["value"] = fields;
        line_object["seq"] = seq;
        line_object["t"] = t;
        line_object["actor"] = actor;
        line_object["kind"] = kind;
        listeners_->dispatch(line_object);
    }
    if (keep_lines_) lines_.push_back(std::move(line));
}

void Trace::timer_fired(std::string_view label) {
    if (!record_timers_ || !enabled_) return;
    record("clock", "timer", nlohmann::json{{"label", label}});
}

void Trace::event(std::string_view actor, std::string_view name, const nlohmann::json& fields) {
    if (!enabled_) return;
    nlohmann::json with_name = fields.is_object() ? fields : nlohmann::json::object();
    if (!fields.is_object() && !fields.is_null()) with_name["value"] = fields;
    with_name["name"] = name;
    record(actor, "event", with_name);
}

Trace::Subscription Trace::add_listener(Listener listener) {
    const std::uint64_t id = listeners_->next_id++;
    listeners_->entries.push_back({id, std::move(listener)});
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

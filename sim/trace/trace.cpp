// Trace: canonical JSONL records (nlohmann::json objects keep keys sorted) and an incremental SHA-256
// over exactly the bytes a --trace file would contain (each line + '\n').
#include "sim/trace/trace.h"

#include <ostream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "sim/clock/clock.h"
#include "sim/core/crypto.h"

namespace mgm::sim {

// Running SHA-256 context; digest_hex() finalises a copy so recording can continue afterwards.
struct Trace::Hasher {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    Hasher() {
        if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1)
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

Trace::Trace() : hasher_(std::make_unique<Hasher>()) {}
Trace::~Trace() = default;

void Trace::record(std::string_view actor, std::string_view kind, const nlohmann::json& fields) {
    nlohmann::json line_object = fields.is_object() ? fields : nlohmann::json::object();
    if (!fields.is_object() && !fields.is_null()) line_object["value"] = fields;
    // The envelope keys win over same-named fields so every line has a trustworthy header.
    line_object["seq"] = ++sequence_;
    line_object["t"] = clock_ != nullptr ? format_iso8601(clock_->now()) : std::string();
    line_object["actor"] = actor;
    line_object["kind"] = kind;

    // std::map-backed json: keys are sorted, so dump() is canonical. Invalid UTF-8 is replaced, not thrown.
    std::string line = line_object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    hasher_->update(line);
    hasher_->update("\n");
    for (const auto& listener : listeners_) listener(line_object);
    if (keep_lines_) lines_.push_back(std::move(line));
}

void Trace::timer_fired(std::string_view label) {
    if (!record_timers_) return;
    record("clock", "timer", nlohmann::json{{"label", label}});
}

void Trace::event(std::string_view actor, std::string_view name, const nlohmann::json& fields) {
    nlohmann::json with_name = fields.is_object() ? fields : nlohmann::json::object();
    if (!fields.is_object() && !fields.is_null()) with_name["value"] = fields;
    with_name["name"] = name;
    record(actor, "event", with_name);
}

void Trace::add_listener(Listener listener) { listeners_.push_back(std::move(listener)); }

std::string Trace::digest_hex() const { return hasher_->hex(); }

void Trace::write_jsonl(std::ostream& out) const {
    for (const auto& line : lines_) out << line << '\n';
}

}  // namespace mgm::sim

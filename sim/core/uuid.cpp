// Uuid text forms: lowercase "D" (hyphenated) and "N" (32 hex digits), and .NET-compatible parsing.
#include "sim/core/uuid.h"

namespace mgm::sim {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Reads 32 hex digits from `text`, skipping hyphens only at the "D" positions when `hyphenated`.
std::optional<Uuid> parse_digits(std::string_view text, bool hyphenated) {
    if (text.size() != (hyphenated ? 36u : 32u)) return std::nullopt;
    Uuid id;
    std::size_t nibble = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (hyphenated && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (text[i] != '-') return std::nullopt;
            continue;
        }
        const int value = hex_value(text[i]);
        if (value < 0) return std::nullopt;
        id.bytes[nibble / 2] = static_cast<std::uint8_t>(id.bytes[nibble / 2] | (nibble % 2 == 0 ? value << 4 : value));
        ++nibble;
    }
    return id;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

bool Uuid::is_nil() const {
    for (auto b : bytes)
        if (b != 0) return false;
    return true;
}

std::string Uuid::hex32() const {
    std::string out;
    out.reserve(32);
    for (auto b : bytes) {
        out += kHexDigits[b >> 4];
        out += kHexDigits[b & 0x0f];
    }
    return out;
}

std::string Uuid::str() const {
    const std::string hex = hex32();
    return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' + hex.substr(16, 4) + '-' +
           hex.substr(20);
}

std::optional<Uuid> Uuid::parse_any(std::string_view text) {
    // Guid.TryParse trims surrounding white space first.
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    if (text.size() == 32) return parse_digits(text, false);                            // "N"
    if (text.size() == 36) return parse_digits(text, true);                             // "D"
    if (text.size() == 38 && ((text.front() == '{' && text.back() == '}') ||            // "B"
                              (text.front() == '(' && text.back() == ')')))             // "P"
        return parse_digits(text.substr(1, 36), true);
    return std::nullopt;
}

std::optional<Uuid> Uuid::parse_hyphenated(std::string_view text) { return parse_digits(text, true); }

}  // namespace mgm::sim

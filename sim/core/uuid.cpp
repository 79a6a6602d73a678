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
    // 8-4-4-4-12 written in place (ids are formatted for every event, row and response).
    std::string out(36, '-');
    std::size_t at = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) ++at;  // skip the dash already there
        out[at++] = kHexDigits[bytes[i] >> 4];
        out[at++] = kHexDigits[bytes[i] & 0x0f];
    }
    return out;
}

namespace {

// Guid.TryParseHex (dotnet/runtime src/libraries/System.Private.CoreLib/src/System/Guid.cs): an optional
// '+', an optional "0x"/"0X", then hex digits (none is 0); more than 8 significant digits overflow.
bool parse_hex_component(std::string_view text, std::uint32_t& value, bool& overflow) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.size() > 1 && text[0] == '0' && (text[1] | 0x20) == 'x') text.remove_prefix(2);
    while (!text.empty() && text.front() == '0') text.remove_prefix(1);
    value = 0;
    for (char c : text) {
        const int digit = hex_value(c);
        if (digit < 0) return false;
        value = value * 16 + static_cast<std::uint32_t>(digit);
    }
    overflow = text.size() > 8;
    return true;
}

void put_be(Uuid& id, std::size_t at, std::uint32_t value, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i) {
        id.bytes[at + i] = static_cast<std::uint8_t>(value >> (8 * (width - 1 - i)));
    }
}

// "D": 36 characters, hyphens at 8, 13, 18 and 23; the first five groups may carry '+' / "0x" inside
// their fixed width (a compatibility quirk), the last eight digits are plain hex.
std::optional<Uuid> parse_d(std::string_view text) {
    if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') {
        return std::nullopt;
    }
    Uuid id;
    bool ignored = false;
    std::uint32_t value = 0;
    const std::pair<std::size_t, std::size_t> groups[] = {{0, 8}, {9, 4}, {14, 4}, {19, 4}, {24, 4}};
    std::size_t at = 0;
    for (const auto& [start, width] : groups) {
        if (!parse_hex_component(text.substr(start, width), value, ignored)) return std::nullopt;
        const std::size_t bytes = width / 2;
        put_be(id, at, value, bytes);
        at += bytes;
    }
    auto tail = parse_digits(std::string(32 - 8, '0') + std::string(text.substr(28, 8)), false);
    if (!tail) return std::nullopt;
    for (std::size_t i = 12; i < 16; ++i) id.bytes[i] = tail->bytes[i];
    return id;
}

// "X": {0xa,0xb,0xc,{0xd,0xe,0xf,0xg,0xh,0xi,0xj,0xk}} with white space allowed anywhere, components of
// any length (leading zeros free), a up to 32 bits, b and c truncated to 16 bits unless over 8 digits,
// the eight bytes at most 0xFF.
std::optional<Uuid> parse_x(std::string_view input) {
    std::string text;
    for (char c : input) {
        if (!is_space(c)) text += c;
    }
    const auto hex_prefix = [&](std::size_t i) {
        return text.size() > i + 1 && text[i] == '0' && (text[i + 1] | 0x20) == 'x';
    };
    if (text.empty() || text[0] != '{' || !hex_prefix(1)) return std::nullopt;
    Uuid id;
    std::size_t start = 3;
    std::uint32_t value = 0;
    bool overflow = false;
    const auto component = [&](char end, std::uint32_t max) -> bool {
        const auto stop = text.find(end, start);
        if (stop == std::string::npos || stop == start) return false;
        if (!parse_hex_component(std::string_view(text).substr(start, stop - start), value, overflow) || overflow ||
            value > max) {
            return false;
        }
        start = stop;  // at the separator
        return true;
    };
    if (!component(',', 0xffffffffu)) return std::nullopt;
    put_be(id, 0, value, 4);
    for (std::size_t part = 0; part < 2; ++part) {
        if (!hex_prefix(start + 1)) return std::nullopt;
        start += 3;
        if (!component(',', 0xffffffffu)) return std::nullopt;
        put_be(id, 4 + 2 * part, value & 0xffffu, 2);
    }
    if (start + 1 >= text.size() || text[start + 1] != '{') return std::nullopt;
    ++start;  // at '{'
    for (std::size_t i = 0; i < 8; ++i) {
        if (!hex_prefix(start + 1)) return std::nullopt;
        start += 3;
        if (!component(i < 7 ? ',' : '}', 0xffu)) return std::nullopt;
        id.bytes[8 + i] = static_cast<std::uint8_t>(value);
    }
    if (start + 1 >= text.size() || text[start + 1] != '}' || start + 1 != text.size() - 1) return std::nullopt;
    return id;
}

}  // namespace

std::optional<Uuid> Uuid::parse_any(std::string_view text) {
    // Guid.TryParse: trim white space, then pick the format by the first character and a '-' anywhere.
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    if (text.empty()) return std::nullopt;
    const bool has_hyphen = text.find('-') != std::string_view::npos;
    if (text.front() == '(') {  // "P"
        if (text.size() != 38 || text.back() != ')') return std::nullopt;
        return parse_d(text.substr(1, 36));
    }
    if (text.front() == '{') {
        if (!has_hyphen) return parse_x(text);  // "X"
        if (text.size() != 38 || text.back() != '}') return std::nullopt;  // "B"
        return parse_d(text.substr(1, 36));
    }
    if (has_hyphen) return parse_d(text);  // "D"
    return parse_digits(text, false);  // "N"
}

std::optional<Uuid> Uuid::parse_hyphenated(std::string_view text) { return parse_digits(text, true); }

}  // namespace mgm::sim

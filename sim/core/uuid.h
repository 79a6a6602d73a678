// 128-bit UUIDs with the reference's text forms (lowercase, 36-char hyphenated; "N" form for spin ids).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mgm::sim {

struct Uuid {
    std::array<std::uint8_t, 16> bytes{};

    bool is_nil() const;
    // "0f8fad5b-d9cb-469f-a165-70867728950e"
    std::string str() const;
    // "0f8fad5bd9cb469fa16570867728950e" (.NET "N" format, used in "spin:<hex>")
    std::string hex32() const;

    // What .NET Guid.TryParse accepts: 32 hex digits, with or without hyphens (8-4-4-4-12),
    // optionally wrapped in {} or (); case-insensitive. Used for {id:guid} route segments.
    static std::optional<Uuid> parse_any(std::string_view text);
    // Strict 36-char hyphenated form (JSON request bodies).
    static std::optional<Uuid> parse_hyphenated(std::string_view text);

    friend auto operator<=>(const Uuid&, const Uuid&) = default;
};

}  // namespace mgm::sim

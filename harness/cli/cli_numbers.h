// Number arguments of the mgm-sim subcommands, parsed one way everywhere: a non-negative decimal integer
// ("-5" and "7x" are refused rather than wrapped or truncated), and seed ranges "A..B" or a single "N".
#pragma once

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace mgm::harness::cli {

inline std::optional<std::uint64_t> parse_u64(std::string_view text) {
    if (text.empty() || text[0] == '-' || text[0] == '+' || text[0] == ' ') return std::nullopt;
    const std::string s(text);
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    if (*end != '\0') return std::nullopt;
    return v;
}

struct SeedRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};

// "A..B" with A <= B, or "N" for N..N.
inline std::optional<SeedRange> parse_seed_range(std::string_view text) {
    const auto dots = text.find("..");
    const auto a = parse_u64(text.substr(0, dots));
    const auto b = dots == std::string_view::npos ? a : parse_u64(text.substr(dots + 2));
    if (!a || !b || *b < *a) return std::nullopt;
    return SeedRange{*a, *b};
}

}  // namespace mgm::harness::cli

// Duration and instant expressions for scenario files (see time_expr.h for the grammar).
#include "harness/scenario/time_expr.h"

#include <cctype>
#include <cstdint>
#include <limits>

namespace mgm::harness::scenario {
namespace {

constexpr std::int64_t kTicksPerMicro = 10;
constexpr std::int64_t kTicksPerMilli = 10'000;
constexpr std::int64_t kTicksPerSecond = 10'000'000;

std::optional<std::int64_t> unit_ticks(std::string_view unit) {
    if (unit == "d") return 86'400 * kTicksPerSecond;
    if (unit == "h") return 3'600 * kTicksPerSecond;
    if (unit == "m" || unit == "min") return 60 * kTicksPerSecond;
    if (unit == "s" || unit.empty()) return kTicksPerSecond;
    if (unit == "ms") return kTicksPerMilli;
    if (unit == "us") return kTicksPerMicro;
    if (unit == "t" || unit == "tick" || unit == "ticks") return 1;
    return std::nullopt;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<sim::Duration> parse_duration(std::string_view text) {
    text = trim(text);
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    std::size_t pos = 0;
    int sign = 1;
    bool any_term = false;
    while (pos < text.size()) {
        // Optional sign before each term: "5m-1t" = 5 minutes minus one tick; a term without a sign
        // keeps the previous sign ("-1h30m" = -(1h30m)).
        if (text[pos] == '+' || text[pos] == '-') {
            sign = text[pos] == '-' ? -1 : 1;
            ++pos;
        }
        std::size_t digits_start = pos;
        std::int64_t whole = 0;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            if (whole > std::numeric_limits<std::int64_t>::max() / 10 - 10) return std::nullopt;
            whole = whole * 10 + (text[pos] - '0');
            ++pos;
        }
        // Decimal fraction ("1.5s") up to the tick resolution of the unit.
        std::int64_t frac_numerator = 0, frac_denominator = 1;
        if (pos < text.size() && text[pos] == '.') {
            ++pos;
            while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
                if (frac_denominator < 1'000'000'000'000LL) {
                    frac_numerator = frac_numerator * 10 + (text[pos] - '0');
                    frac_denominator *= 10;
                }
                ++pos;
            }
        }
        if (pos == digits_start) return std::nullopt;
        std::size_t unit_start = pos;
        while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
        auto unit = unit_ticks(text.substr(unit_start, pos - unit_start));
        if (!unit) return std::nullopt;
        if (unit_start == pos && pos != text.size()) return std::nullopt;  // bare number only alone/last
        total += sign * (whole * *unit + frac_numerator * *unit / frac_denominator);
        any_term = true;
    }
    if (!any_term) return std::nullopt;
    return sim::Duration{total};
}

std::string format_duration(sim::Duration d) {
    std::int64_t ticks = d.count();
    if (ticks == 0) return "0s";
    std::string out = ticks < 0 ? "-" : "";
    std::uint64_t rest = ticks < 0 ? static_cast<std::uint64_t>(-(ticks + 1)) + 1 : static_cast<std::uint64_t>(ticks);
    const std::pair<const char*, std::uint64_t> units[] = {{"d", 86'400ULL * kTicksPerSecond},
                                                           {"h", 3'600ULL * kTicksPerSecond},
                                                           {"m", 60ULL * kTicksPerSecond},
                                                           {"s", kTicksPerSecond},
                                                           {"ms", kTicksPerMilli},
                                                           {"t", 1}};
    for (const auto& [name, size] : units) {
        if (rest >= size) {
            out += std::to_string(rest / size) + name;
            rest %= size;
        }
    }
    return out;
}

std::optional<sim::Instant> parse_instant(std::string_view text, const AnchorLookup& lookup) {
    text = trim(text);
    if (text.empty()) return std::nullopt;
    if (auto iso = sim::parse_iso8601(text)) return iso;
    // anchor name: letters, digits, '_' and '.'; then an optional offset starting with + or -.
    std::size_t pos = 0;
    while (pos < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[pos])) || text[pos] == '_' || text[pos] == '.')) {
        ++pos;
    }
    if (pos == 0) return std::nullopt;
    auto anchor = lookup ? lookup(text.substr(0, pos)) : std::nullopt;
    if (!anchor) return std::nullopt;
    std::string_view rest = trim(text.substr(pos));
    if (rest.empty()) return anchor;
    if (rest.front() != '+' && rest.front() != '-') return std::nullopt;
    auto offset = parse_duration(rest);
    if (!offset) return std::nullopt;
    return *anchor + *offset;
}

}  // namespace mgm::harness::scenario

// UTC instants on a 100 ns grid (the reference's DateTime resolution), their arithmetic and ISO-8601 text.
// The ground floor of sim/ (core): no clock here, only the values a clock reads out. The roulette's
// 5-minute grid is a business rule and lives with it (backend/domain/roulette.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mgm::sim {

// 100-nanosecond ticks, the unit of .NET DateTime and of the reference's ISO-8601 output (7 digits).
using Duration = std::chrono::duration<std::int64_t, std::ratio<1, 10'000'000>>;

// A UTC instant: ticks since the Unix epoch (1970-01-01T00:00:00Z). Plain value type; no time zone.
struct Instant {
    std::int64_t ticks = 0;

    static constexpr Instant from_unix_seconds(std::int64_t s) { return Instant{s * 10'000'000}; }
    constexpr std::int64_t unix_seconds_floor() const {
        return ticks >= 0 ? ticks / 10'000'000 : -((-ticks + 9'999'999) / 10'000'000);
    }

    friend constexpr auto operator<=>(Instant, Instant) = default;
    friend constexpr Instant operator+(Instant a, Duration d) { return Instant{a.ticks + d.count()}; }
    friend constexpr Instant operator-(Instant a, Duration d) { return Instant{a.ticks - d.count()}; }
    friend constexpr Duration operator-(Instant a, Instant b) { return Duration{a.ticks - b.ticks}; }
    Instant& operator+=(Duration d) {
        ticks += d.count();
        return *this;
    }
};

inline constexpr Duration kTick{1};

// "2026-04-04T12:05:00Z"; fractional seconds only when non-zero, up to 7 digits, trailing zeros trimmed.
std::string format_iso8601(Instant t);
// The same text written into `out` (at least kIso8601MaxLength chars, not terminated) without allocating
// (the trace formats the time of every record); returns its length.
inline constexpr std::size_t kIso8601MaxLength = 48;
std::size_t format_iso8601_to(Instant t, char* out);

// HTTP's Date format (RFC 9110 §5.6.7, IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT", whole seconds (the
// fraction is dropped, as Kestrel's once-a-second Date value does). Years 0..9999.
std::string format_http_date(Instant t);

// Parses the same shape (and the common variants clients send: offsets like "+00:00", lowercase 'z',
// fractions of 1..7 digits, a missing zone taken as UTC). Returns nullopt for anything else.
std::optional<Instant> parse_iso8601(std::string_view text);

}  // namespace mgm::sim

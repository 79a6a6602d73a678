// UTC text <-> Instant on pure integer calendar math (Howard Hinnant's civil-date algorithms), so the
// result never depends on the host time zone or C library (no timegm/localtime).
#include "sim/core/time.h"

#include <cstdio>
#include <cstring>

namespace mgm::sim {
namespace {

constexpr std::int64_t kTicksPerSecond = 10'000'000;
constexpr std::int64_t kTicksPerDay = 86'400 * kTicksPerSecond;

// Floor division for possibly negative numerators (C++ '/' truncates toward zero).
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Days since 1970-01-01 for a proleptic Gregorian date.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilDate {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

constexpr CivilDate civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

constexpr bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
    constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29u : kDays[m - 1];
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).day == 31);

// Reads exactly `count` decimal digits at `pos`; advances pos. False if any is not a digit.
bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
    if (pos + count > text.size()) return false;
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    pos += count;
    out = value;
    return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
}

// Writes `value` as exactly `width` decimal digits at out[at] (digits by hand: these run for every trace
// record and every response; snprintf was most of their cost).
void put_digits(char* out, std::size_t at, std::int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10)
        out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
}

}  // namespace

std::size_t format_iso8601_to(Instant t, char* out) {
    const std::int64_t days = floor_div(t.ticks, kTicksPerDay);
    const std::int64_t tick_of_day = t.ticks - days * kTicksPerDay;
    const CivilDate date = civil_from_days(days);
    const std::int64_t second_of_day = tick_of_day / kTicksPerSecond;
    std::int64_t fraction = tick_of_day % kTicksPerSecond;

    if (date.year >= 0 && date.year <= 9999) {
        std::memcpy(out, "0000-00-00T00:00:00.0000000Z", 28);
        put_digits(out, 0, date.year, 4);
        put_digits(out, 5, date.month, 2);
        put_digits(out, 8, date.day, 2);
        put_digits(out, 11, second_of_day / 3600, 2);
        put_digits(out, 14, second_of_day / 60 % 60, 2);
        put_digits(out, 17, second_of_day % 60, 2);
        std::size_t end = 19;
        if (fraction != 0) {
            put_digits(out, 20, fraction, 7);
            end = 27;
            while (out[end - 1] == '0') --end;
        }
        out[end] = 'Z';
        return end + 1;
    }
    int length = std::snprintf(
        out, kIso8601MaxLength, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(date.year), date.month,
        date.day, static_cast<long long>(second_of_day / 3600), static_cast<long long>(second_of_day / 60 % 60),
        static_cast<long long>(second_of_day % 60));
    if (fraction != 0) {
        int digits = 7;
        while (fraction % 10 == 0) {
            fraction /= 10;
            --digits;
        }
        length += std::snprintf(out + length, kIso8601MaxLength - static_cast<std::size_t>(length), ".%0*lld", digits,
                                static_cast<long long>(fraction));
    }
    out[length] = 'Z';
    return static_cast<std::size_t>(length) + 1;
}

std::string format_iso8601(Instant t) {
    char text[kIso8601MaxLength];
    return std::string(text, format_iso8601_to(t, text));
}

std::string format_http_date(Instant t) {
    static constexpr const char* kWeekdays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // day 0: Thursday
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::int64_t days = floor_div(t.ticks, kTicksPerDay);
    const std::int64_t second_of_day = (t.ticks - days * kTicksPerDay) / kTicksPerSecond;
    const CivilDate date = civil_from_days(days);
    const auto weekday = static_cast<std::size_t>(((days % 7) + 7) % 7);
    if (date.year < 0 || date.year > 9999) {
        char buffer[48];
        const int length = std::snprintf(
            buffer, sizeof buffer, "%s, %02u %s %04lld %02lld:%02lld:%02lld GMT", kWeekdays[weekday], date.day,
            kMonths[date.month - 1], static_cast<long long>(date.year), static_cast<long long>(second_of_day / 3600),
            static_cast<long long>(second_of_day / 60 % 60), static_cast<long long>(second_of_day % 60));
        return std::string(buffer, static_cast<std::size_t>(length));
    }
    std::string out = "Thu, 01 Jan 1970 00:00:00 GMT";
    out.replace(0, 3, kWeekdays[weekday]);
    put_digits(out.data(), 5, date.day, 2);
    out.replace(8, 3, kMonths[date.month - 1]);
    put_digits(out.data(), 12, date.year, 4);
    put_digits(out.data(), 17, second_of_day / 3600, 2);
    put_digits(out.data(), 20, second_of_day / 60 % 60, 2);
    put_digits(out.data(), 23, second_of_day % 60, 2);
    return out;
}

std::optional<Instant> parse_iso8601(std::string_view text) {
    std::size_t pos = 0;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') || !read_digits(text, pos, 2, month) ||
        !expect(text, pos, '-') || !read_digits(text, pos, 2, day))
        return std::nullopt;
    if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return std::nullopt;
    ++pos;
    if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') || !read_digits(text, pos, 2, minute) ||
        !expect(text, pos, ':') || !read_digits(text, pos, 2, second))
        return std::nullopt;
    if (year < 1 || month < 1 || month > 12 || day < 1 ||
        static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)) || hour > 23 || minute > 59 ||
        second > 59)
        return std::nullopt;

    // Fraction: 1..7 digits are exact; further digits are truncated (as System.Text.Json does).
    std::int64_t fraction_ticks = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (digits < 7) fraction_ticks = fraction_ticks * 10 + (text[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (std::size_t i = digits; i < 7; ++i) fraction_ticks *= 10;
    }

    // Zone: none (UTC), 'Z'/'z', or +HH:MM / -HH:MM (also +HHMM).
    std::int64_t offset_seconds = 0;
    if (pos < text.size()) {
        const char zone = text[pos];
        if (zone == 'Z' || zone == 'z') {
            ++pos;
        } else if (zone == '+' || zone == '-') {
            ++pos;
            int offset_hours = 0, offset_minutes = 0;
            if (!read_digits(text, pos, 2, offset_hours)) return std::nullopt;
            if (pos < text.size() && text[pos] == ':') ++pos;
            if (!read_digits(text, pos, 2, offset_minutes)) return std::nullopt;
            if (offset_hours > 14 || offset_minutes > 59) return std::nullopt;
            offset_seconds = (offset_hours * 3600 + offset_minutes * 60) * (zone == '-' ? -1 : 1);
        } else {
            return std::nullopt;
        }
    }
    if (pos != text.size()) return std::nullopt;

    const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t local_seconds = days * 86'400 + hour * 3600 + minute * 60 + second;
    // Local time = UTC + offset, so UTC = local - offset.
    return Instant{(local_seconds - offset_seconds) * kTicksPerSecond + fraction_ticks};
}

}  // namespace mgm::sim

// UTC text: the instants every scenario and wire timestamp depend on. (The roulette's 5-minute grid is
// tested with the roulette, in test/backend/test_domain_roulette.cpp.)
#include <catch2/catch.hpp>

#include "sim/core/time.h"

using namespace mgm::sim;

namespace {
Instant at(const char* text) {
    auto parsed = parse_iso8601(text);
    REQUIRE(parsed.has_value());
    return *parsed;
}
}  // namespace

TEST_CASE("format_iso8601 prints whole seconds without a fraction", "[time]") {
    CHECK(format_iso8601(Instant{0}) == "1970-01-01T00:00:00Z");
    CHECK(format_iso8601(Instant::from_unix_seconds(1775304300)) == "2026-04-04T12:05:00Z");
}

TEST_CASE("format_iso8601 prints up to 7 fraction digits with trailing zeros trimmed", "[time]") {
    const Instant base = Instant::from_unix_seconds(1775304083);  // 2026-04-04T12:01:23Z
    CHECK(format_iso8601(base + Duration{4567891}) == "2026-04-04T12:01:23.4567891Z");
    CHECK(format_iso8601(base + Duration{4560000}) == "2026-04-04T12:01:23.456Z");
    CHECK(format_iso8601(base + Duration{1}) == "2026-04-04T12:01:23.0000001Z");
    CHECK(format_iso8601(Instant{1'000'000}) == "1970-01-01T00:00:00.1Z");
}

TEST_CASE("format_iso8601 handles instants before the epoch", "[time]") {
    CHECK(format_iso8601(Instant{-1}) == "1969-12-31T23:59:59.9999999Z");
    CHECK(format_iso8601(Instant::from_unix_seconds(-86400)) == "1969-12-31T00:00:00Z");
    CHECK(format_iso8601(Instant::from_unix_seconds(951782400)) == "2000-02-29T00:00:00Z");  // leap day
}

TEST_CASE("parse_iso8601 reads the shapes the reference emits", "[time]") {
    CHECK(at("2026-04-04T12:05:00Z") == Instant::from_unix_seconds(1775304300));
    CHECK(at("2026-04-04T12:01:23.4567891Z") == Instant::from_unix_seconds(1775304083) + Duration{4567891});
    CHECK(at("1970-01-01T00:00:00.1Z") == Instant{1'000'000});
    CHECK(at("2000-02-29T00:00:00Z") == Instant::from_unix_seconds(951782400));
}

TEST_CASE("parse_iso8601 accepts client variants: offsets, lowercase z, no zone, long fractions", "[time]") {
    const Instant noon = at("2026-04-04T12:00:00Z");
    CHECK(at("2026-04-04T12:00:00+00:00") == noon);
    CHECK(at("2026-04-04T07:00:00-05:00") == noon);
    CHECK(at("2026-04-04T14:30:00+02:30") == noon);
    CHECK(at("2026-04-04T14:30:00+0230") == noon);
    CHECK(at("2026-04-04T12:00:00z") == noon);
    CHECK(at("2026-04-04T12:00:00") == noon);
    CHECK(at("2026-04-04T12:00:00.5Z") == noon + Duration{5'000'000});
    // More than 7 digits: the extra precision is below one tick and is dropped.
    CHECK(at("2026-04-04T12:00:00.123456789Z") == noon + Duration{1234567});
    // An offset that crosses midnight moves the date.
    CHECK(at("2026-04-05T01:00:00+02:00") == at("2026-04-04T23:00:00Z"));
}

TEST_CASE("parse_iso8601 rejects malformed text", "[time]") {
    for (const char* bad : {"", "2026-04-04", "2026-04-04 12:00:00Z", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                            "2026-04-31T00:00:00Z", "2026-04-04T24:00:00Z", "2026-04-04T12:60:00Z",
                            "2026-04-04T12:00:60Z", "2026-04-04T12:00:00.Z", "2026-04-04T12:00:00ZZ",
                            "2026-04-04T12:00:00+5", "2026-4-04T12:00:00Z", "x2026-04-04T12:00:00Z"}) {
        INFO(bad);
        CHECK_FALSE(parse_iso8601(bad).has_value());
    }
}

TEST_CASE("format and parse round-trip", "[time]") {
    for (std::int64_t ticks : {0LL, 1LL, -1LL, 17753040834567891LL, 17753043000000000LL, -123456789012345LL,
                               253402300799LL * 10'000'000 + 9999999}) {  // 9999-12-31T23:59:59.9999999Z
        INFO(ticks);
        const Instant t{ticks};
        CHECK(parse_iso8601(format_iso8601(t)) == t);
    }
    for (const char* text : {"2026-04-04T12:05:00Z", "2026-04-04T12:01:23.4567891Z", "1970-01-01T00:00:00.1Z"})
        CHECK(format_iso8601(at(text)) == text);
}

TEST_CASE("HTTP dates are IMF-fixdate in GMT, whole seconds", "[time]") {
    // RFC 9110 section 5.6.7's own example, and the simulation's default start (a Saturday).
    CHECK(format_http_date(Instant::from_unix_seconds(784111777)) == "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(format_http_date(Instant::from_unix_seconds(1775304000)) == "Sat, 04 Apr 2026 12:00:00 GMT");
    CHECK(format_http_date(Instant::from_unix_seconds(1775304000) + std::chrono::milliseconds(999)) ==
          "Sat, 04 Apr 2026 12:00:00 GMT");
    CHECK(format_http_date(Instant::from_unix_seconds(-1)) == "Wed, 31 Dec 1969 23:59:59 GMT");
    CHECK(format_http_date(Instant::from_unix_seconds(951782400)) == "Tue, 29 Feb 2000 00:00:00 GMT");
}

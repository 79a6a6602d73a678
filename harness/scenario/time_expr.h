// Durations ("90s", "1h30m", "-1t") and instants ("2026-04-04T12:00:00Z", "cycle+240s-1t") as scenario
// authors write them. Pure functions; the runner supplies the anchors (now, start, variables).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sim/core/time.h"

namespace mgm::harness::scenario {

// Parses a signed sum of "<number><unit>" terms: units d, h, m, s, ms, us, t (one 100 ns tick).
// "90s", "1h30m", "250ms", "-1t", "5m-1t", "0". A bare number is seconds. nullopt on anything else.
std::optional<sim::Duration> parse_duration(std::string_view text);

// Compact text for messages: "1h2m3s", "4m1t", "-1t", "0s".
std::string format_duration(sim::Duration d);

// Named anchors an instant expression may start with. `lookup(name)` returns the anchor's instant or
// nullopt when unknown. The runner provides:
//   now       the current simulated time
//   start     the scenario's start instant
//   cycle     floor_to_5_minutes(now): the current roulette cycle start
//   boundary  next_5_minute_boundary(now): the next roulette boundary (strictly after now)
//   <var>     any variable holding an ISO-8601 instant (e.g. captured "createdAt")
using AnchorLookup = std::function<std::optional<sim::Instant>(std::string_view name)>;

// "2026-04-04T12:04:00Z", "boundary", "cycle+240s-1t", "created+24h". Offsets are a duration suffix
// starting with '+' or '-'. nullopt when the text matches neither an ISO instant nor anchor[offset].
std::optional<sim::Instant> parse_instant(std::string_view text, const AnchorLookup& lookup);

}  // namespace mgm::harness::scenario

// One trace record (a line of `mgm-sim run --trace`) as a person reads it: what `mgm-sim trace` prints and
// what `mgm-sim diff-trace` names the records around a difference with.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace mgm::harness::cli {

// What happened, without the envelope: "POST /api/roulette/verify-candidate -> 200",
// "GET /api/payouts/pending -> error: connection refused", "payout.created payoutId=... characterName=Norinn",
// "step 4 advance (line 14)", "partition driver <-> 127.0.0.1:9054", a timer's label.
std::string trace_summary(const nlohmann::json& record);

// "#44  2026-04-04T12:00:30Z  ebs  http  POST /api/twitch/eventsub -> 200", columns padded so a listing lines up.
std::string trace_line(const nlohmann::json& record);

}  // namespace mgm::harness::cli

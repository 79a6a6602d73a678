// The roulette: 5-minute UTC cycles, the synchronizer tick (docs/CONTRACT.md §6.3), phase resolution (§6.2),
// verify-candidate (CONTRACT.md §5.10), the state read (CONTRACT.md §5.3) and the CI harness's prepare-pending-payout (CONTRACT.md §5.11).
// The 5-minute grid and the phase starts on it are here too: the harness asks these functions rather than
// recomputing the cycle from the constants.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include "backend/domain/api_error.h"
#include "backend/domain/service_context.h"
#include "sim/core/rng.h"

namespace mgm::backend {

// One cycle t0 .. t0+300 s on the UTC 5-minute grid: collecting until t0+240 s, spinning until t0+270 s,
// verification until t0+300 s and, with a candidate still unverified, until the deadline t0+330 s.
inline constexpr sim::Duration kRouletteInterval = std::chrono::minutes(5);
inline constexpr sim::Duration kCollectingWindow = std::chrono::seconds(240);
inline constexpr sim::Duration kSpinningWindow = std::chrono::seconds(30);
inline constexpr sim::Duration kVerificationGrace = std::chrono::seconds(30);
inline constexpr int kSpinIntervalSeconds =
    static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(kRouletteInterval).count());
// Phase starts as offsets from the cycle start t0.
inline constexpr sim::Duration kSpinningStarts = kCollectingWindow;  // t0+240 s
inline constexpr sim::Duration kVerificationStarts = kCollectingWindow + kSpinningWindow;  // t0+270 s
inline constexpr sim::Duration kVerificationDeadline = kRouletteInterval + kVerificationGrace;  // t0+330 s

// Start of the 5-minute UTC window containing t (":00, :05, ..."), on Unix-epoch integer math.
sim::Instant floor_to_5_minutes(sim::Instant t);
// floor_to_5_minutes(t) + 5 min: always strictly after t (exactly on a boundary gives the next one).
sim::Instant next_5_minute_boundary(sim::Instant t);

enum class SpinPhase { idle, collecting, spinning, verification, completed };
const char* to_string(SpinPhase phase);  // "idle", "collecting", ...

// The first instant strictly after t at which a cycle's `phase` begins on the grid: collecting at the next
// boundary, spinning at the next t0+240 s, verification at the next t0+270 s. Without a phase: the earliest
// of the three. (Whether the phase is then actually entered depends on the pool and the candidate, see
// resolve_spin_phase; idle and completed have no fixed start and are rejected with std::invalid_argument.)
sim::Instant next_phase_start(sim::Instant t, SpinPhase phase);
sim::Instant next_phase_start(sim::Instant t);

// CONTRACT.md §6.2 with strict '<' everywhere: idle (flag or empty pool) → collecting (< t0+240) → completed (no
// candidate) → spinning (< t0+270) → verification (< t0+300 or < deadline) → completed.
SpinPhase resolve_spin_phase(sim::Instant now, std::size_t pool_size, const SpinState& spin);

// GET /api/roulette/state body values.
struct RouletteStateView {
    sim::Instant next_spin_at;
    sim::Instant server_now;
    int spin_interval_seconds = kSpinIntervalSeconds;
    std::int64_t pool_participant_count = 0;
    SpinPhase spin_phase = SpinPhase::idle;
    std::optional<sim::Uuid> current_spin_cycle_id;  // null when idle
};

struct VerifyCandidateRequest {
    std::int64_t schema_version = 0;
    sim::Uuid spin_cycle_id;
    std::string character_name;
    bool online = false;
    std::optional<sim::Instant> captured_at;  // parsed, never used
};

// What one synchronizer tick did (tests; also the trace event names).
enum class TickResult { created, rolled_over, candidate_selected, unchanged };

// POST /api/e2e/prepare-pending-payout results.
struct E2ePrepared {
    sim::Uuid payout_id;
    std::string character_name;
};
// The harness's own {"error": "..."} body with its status (400 / 500).
struct HarnessError {
    int status = 400;
    std::string error;
};
using PrepareOutcome = std::variant<E2ePrepared, HarnessError, ApiError>;

// Trace events (actor "ebs"):
//   "roulette.cycle_created"     {cycleStart, spinCycleId, poolWasEmpty, poolSize}   (first tick, no record yet)
//   "roulette.rollover"          {cycleStart, spinCycleId, previousSpinCycleId, poolWasEmpty, poolSize}
//   "roulette.candidate_selected"{spinCycleId, twitchUserId, characterName, index, poolSize}
//   "roulette.cycle_consumed"    {spinCycleId, online:false}                 (offline report)
//   "payout.created"             {payoutId, twitchUserId, characterName, spinCycleId, enrollmentRequestId}
//   "e2e.spin_forced"            {spinCycleId, twitchUserId}
class RouletteService {
public:
    RouletteService(ServiceContext ctx, sim::Rng rng) : ctx_(ctx), rng_(rng) {}

    // One synchronizer iteration at clock.now() (CONTRACT.md §6.3, decision D3: the pool is never written).
    TickResult tick();

    RouletteStateView state() const;

    // CONTRACT.md §5.10 in order; success → 200 empty body.
    Outcome<Done> verify_candidate(const VerifyCandidateRequest& request);

    // CONTRACT.md §5.11 steps 2–7 (step 1, the 404 unless Development + Mgm:EnableE2eHarness, is the caller's: see
    // harness_enabled()). `twitch_user_id` as sent (trimmed here).
    PrepareOutcome prepare_pending_payout(const std::string& twitch_user_id);
    bool harness_enabled() const;

private:
    Outcome<Done> verify_in_transaction(const VerifyCandidateRequest& request, sim::Instant now);
    ServiceContext ctx_;
    sim::Rng rng_;
};

}  // namespace mgm::backend

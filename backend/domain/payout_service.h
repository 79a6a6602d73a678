// Payout lifecycle (docs/CONTRACT.md §5.5, §5.7–5.9): reads (my-last, pending), PATCH status with the Sent side effects
// (pool removal, one Helix announcement with up to 3 attempts), confirm-acceptance, 24 h expiration.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backend/domain/api_error.h"
#include "backend/domain/helix_gateway.h"
#include "backend/domain/service_context.h"

namespace mgm::backend {

inline constexpr sim::Duration kPayoutLifetime = std::chrono::hours(24);
inline constexpr int kHelixAnnouncementAttempts = 3;

// CONTRACT.md §5.8 allowed PATCH transitions (everything else, incl. same-state and →Expired, is refused).
bool is_allowed_payout_transition(PayoutStatus from, PayoutStatus to);

// Trace events (actor "ebs"):
//   "payout.status_changed"  {payoutId, from, to, twitchUserId}       (PATCH commit; expiry emits payout.expired)
//   "pool.removed"           {twitchUserId, rows}                     (Sent side effect, same transaction)
//   "helix.announce_attempt" {payoutId, attempt, result, status}      (result: success|http_error|transport_error)
//   "helix.announced"        {payoutId, characterName}                (flag set true)
//   "helix.announce_failed"  {payoutId, attempts, escaped}            (3 failures: flag stays false; escaped=true → D1 500)
//   "helix.announce_skipped" {payoutId}                               (token or broadcaster id not configured)
//   "payout.accepted"        {payoutId}
//   "payout.expired"         {payoutId, from, twitchUserId}
//   "payout.expiration_sweep"{expired}                                (only when expired > 0)
class PayoutService {
public:
    PayoutService(ServiceContext ctx, HelixGateway& helix) : ctx_(ctx), helix_(helix) {}

    // Latest payout of the user by createdAt, any status (nullopt → 404 ProblemDetails).
    std::optional<Payout> my_last(const std::string& twitch_user_id) const;
    // Status Pending only, createdAt ascending.
    std::vector<Payout> pending() const;

    // CONTRACT.md §5.8. `done` receives the payout after all effects (200), 404/409 ApiErrors, or — D1 — an
    // ApiError::unhandled_exception when the 3rd Helix attempt is a transport failure (Sent stays
    // committed). `done` may run before this returns (no Helix call needed) or later (after the
    // gateway's callbacks).
    void patch_status(const sim::Uuid& payout_id, PayoutStatus to, std::function<void(Outcome<Payout>)> done);

    // CONTRACT.md §5.9: 404 → name mismatch (exact) 400 → already accepted 200 → record acceptance 200.
    Outcome<Done> confirm_acceptance(const sim::Uuid& payout_id, const std::string& character_name);

    // CONTRACT.md §6.5: Pending/InProgress with createdAt < now − 24 h → Expired, one transaction. Returns the count.
    int expire_stale();

private:
    void announce(Payout payout, int attempt, std::function<void(Outcome<Payout>)> done);
    ServiceContext ctx_;
    HelixGateway& helix_;
};

}  // namespace mgm::backend

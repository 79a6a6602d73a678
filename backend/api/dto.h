// The EBS's response bodies (the reference's DTOs), field names and order as the reference emits them.
// Every JSON body a route answers with is written here; error bodies are json_binding.h's.
#pragma once

#include <vector>

#include "backend/api/json_binding.h"

namespace mgm::backend {
struct EbsConfig;
struct Payout;
struct GiftRequestView;
struct RouletteStateView;
struct PoolMe;
struct ClaimResult;
struct E2ePrepared;
}  // namespace mgm::backend

namespace mgm::backend::api {

// The version reported when Version:CurrentVersion is blank (the reference's unstamped build).
inline constexpr const char* kFallbackVersion = "1.0.0";

Json version_json(const EbsConfig& config);  // GET /api/version
Json roulette_state_json(const RouletteStateView& state);  // GET /api/roulette/state
Json pool_me_json(const PoolMe& me);  // GET /api/pool/me
Json claim_result_json(const ClaimResult& result);  // POST /api/payouts/claim
Json payout_json(const Payout& payout);  // PayoutDto
Json payout_list_json(const std::vector<Payout>& payouts);
Json gift_json(const GiftRequestView& view);  // GiftRequestDto
Json gift_list_json(const std::vector<GiftRequestView>& views);
Json e2e_prepared_json(const E2ePrepared& prepared);  // POST /api/e2e/prepare-pending-payout

}  // namespace mgm::backend::api

// The "!twgift" queue (docs/CONTRACT.md §5.13–5.17, §6.6): create (HTTP and chat), promote, Desktop PATCH / select-item /
// confirm, queue views, and the timeout sweep (decision D2: timeouts do fire, as the SPEC intends).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backend/domain/api_error.h"
#include "backend/domain/helix_gateway.h"
#include "backend/domain/service_context.h"
#include "sim/core/rng.h"

namespace mgm::backend {

inline constexpr sim::Duration kGiftSelectionTimeout = std::chrono::seconds(60);
inline constexpr sim::Duration kGiftConfirmationTimeout = std::chrono::minutes(5);
inline constexpr int kGiftSecondsPerPosition = 65;

// A gift request with its queue position (GiftRequestDto).
struct GiftRequestView {
    GiftRequest request;
    int queue_position = 1;
    int estimated_wait_seconds = 0;  // max(0, (position − 1) × 65)
};

struct GiftCreateRequest {
    std::string streamer_id;
    std::string viewer_id;
    std::string viewer_display_name;
    std::string character_name;  // as sent (trimmed when stored)
};

// Trace events (actor "ebs"):
//   "gift.created"        {giftId, streamerId, viewerId, characterName}
//   "gift.state_changed"  {giftId, streamerId, from, to, reason}   (promote, PATCH, select, confirm, timeout)
//   "gift.item_selected"  {giftId, itemId, itemName}
//   "gift.usage_recorded" {streamerId, viewerId, giftId}
//   "gift.timed_out"      {giftId, from, reason}
class GiftService {
public:
    GiftService(ServiceContext ctx, sim::Rng rng, HelixGateway& helix) : ctx_(ctx), rng_(rng), helix_(helix) {}

    // CONTRACT.md §5.13 (subscriber check through Helix CONTRACT.md §6.7, then the rules). `done` may run before this returns.
    // Success → 201 with the promoted request if promote picked one, else the new one (D8).
    void create(const GiftCreateRequest& request, std::function<void(Outcome<GiftRequestView>)> done);

    // CONTRACT.md §5.12 / CONTRACT.md §5.14. `streamer_id` blank or nullopt = all streamers. `viewer_filter` (the caller's user
    // id, viewer route only): keep items of that viewer or in SelectingItem, positions not renumbered.
    std::vector<GiftRequestView> queue(const std::optional<std::string>& streamer_id,
                                       const std::optional<std::string>& viewer_filter) const;

    // CONTRACT.md §5.15; success views have queue_position 1 and estimated_wait_seconds 0.
    Outcome<GiftRequestView> patch_state(const sim::Uuid& id, GiftRequestState to,
                                         const std::optional<std::string>& reason);
    Outcome<GiftRequestView> select_item(const sim::Uuid& id, const GiftItem& item);
    Outcome<GiftRequestView> confirm(const sim::Uuid& id, bool confirmed);

    // CONTRACT.md §6.6: if nothing in SelectingItem/WaitingConfirmation, oldest Pending → SelectingItem (+60 s).
    std::optional<GiftRequest> promote_next(const std::string& streamer_id);

    // CONTRACT.md §6.6: expired SelectingItem/WaitingConfirmation → Failed, then promote per streamer. Returns count.
    int sweep_timeouts();

private:
    Outcome<GiftRequestView> create_checked(const GiftCreateRequest& request);
    void change_state(GiftRequest& gift, GiftRequestState to, const std::optional<std::string>& reason_for_event);
    void record_usage(const GiftRequest& gift);
    ServiceContext ctx_;
    sim::Rng rng_;
    HelixGateway& helix_;
};

}  // namespace mgm::backend

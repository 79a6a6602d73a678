#include "backend/api/dto.h"

#include <utility>

#include "backend/config.h"
#include "backend/domain/character_name.h"
#include "backend/domain/enrollment_service.h"
#include "backend/domain/gift_service.h"
#include "backend/domain/records.h"
#include "backend/domain/roulette.h"

namespace mgm::backend::api {

namespace {

Json optional_text(const std::optional<std::string>& value) { return value ? Json(*value) : Json(nullptr); }

Json optional_instant(const std::optional<sim::Instant>& value) { return value ? Json(iso(*value)) : Json(nullptr); }

Json gift_item_json(const GiftItem& item) {
    Json body;
    body["name"] = item.name;
    body["id"] = item.id;
    body["count"] = item.count;
    body["link"] = item.link;
    body["texture"] = item.texture;
    body["bagId"] = item.bag_id;
    body["slotId"] = item.slot_id;
    return body;
}

template <class Item>
Json list_json(const std::vector<Item>& items, Json (*write)(const Item&)) {
    Json list = Json::array();
    for (const Item& item : items) list.push_back(write(item));
    return list;
}

}  // namespace

Json version_json(const EbsConfig& config) {
    Json body;
    body["version"] =
        is_blank(config.version_current) ? std::string(kFallbackVersion) : trim_dotnet(config.version_current);
    body["releaseNotesUrl"] = optional_text(config.version_release_notes_url);
    body["minimumDesktopVersion"] = optional_text(config.version_minimum_desktop);
    body["minimumAddonVersion"] = optional_text(config.version_minimum_addon);
    body["minimumExtensionVersion"] = optional_text(config.version_minimum_extension);
    return body;
}

Json roulette_state_json(const RouletteStateView& state) {
    Json body;
    body["nextSpinAt"] = iso(state.next_spin_at);
    body["serverNow"] = iso(state.server_now);
    body["spinIntervalSeconds"] = state.spin_interval_seconds;
    body["poolParticipantCount"] = state.pool_participant_count;
    body["spinPhase"] = to_string(state.spin_phase);
    body["currentSpinCycleId"] = state.current_spin_cycle_id ? Json(state.current_spin_cycle_id->str()) : Json(nullptr);
    return body;
}

Json pool_me_json(const PoolMe& me) {
    Json body;
    body["isEnrolled"] = me.is_enrolled;
    body["characterName"] = optional_text(me.character_name);
    return body;
}

Json claim_result_json(const ClaimResult& result) {
    Json body;
    body["characterName"] = result.character_name;
    body["enrollmentRequestId"] = result.enrollment_request_id;
    return body;
}

Json payout_json(const Payout& payout) {
    Json body;
    body["id"] = payout.id.str();
    body["twitchUserId"] = payout.twitch_user_id;
    body["twitchDisplayName"] = payout.twitch_display_name;
    body["characterName"] = payout.character_name;
    body["goldAmount"] = payout.gold_amount;
    body["enrollmentRequestId"] = payout.enrollment_request_id;
    body["status"] = enum_json(kPayoutStatusNames, static_cast<int>(payout.status));
    body["createdAt"] = iso(payout.created_at);
    body["isRewardSentAnnouncedToChat"] = payout.is_reward_sent_announced_to_chat;
    return body;
}

Json payout_list_json(const std::vector<Payout>& payouts) { return list_json(payouts, payout_json); }

Json gift_json(const GiftRequestView& view) {
    const GiftRequest& gift = view.request;
    Json body;
    body["id"] = gift.id.str();
    body["streamerId"] = gift.streamer_id;
    body["viewerId"] = gift.viewer_id;
    body["viewerDisplayName"] = gift.viewer_display_name;
    body["characterName"] = gift.character_name;
    body["state"] = enum_json(kGiftRequestStateNames, static_cast<int>(gift.state));
    body["selectedItem"] = gift.selected_item ? gift_item_json(*gift.selected_item) : Json(nullptr);
    body["queuePosition"] = view.queue_position;
    body["estimatedWaitSeconds"] = view.estimated_wait_seconds;
    body["createdAt"] = iso(gift.created_at);
    body["updatedAt"] = iso(gift.updated_at);
    body["timeoutAt"] = optional_instant(gift.timeout_at);
    body["failureReason"] = optional_text(gift.failure_reason);
    return body;
}

Json gift_list_json(const std::vector<GiftRequestView>& views) { return list_json(views, gift_json); }

Json e2e_prepared_json(const E2ePrepared& prepared) {
    Json body;
    body["payoutId"] = prepared.payout_id.str();
    body["characterName"] = prepared.character_name;
    return body;
}

}  // namespace mgm::backend::api

#include "backend/domain/gift_service.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "backend/domain/character_name.h"

namespace mgm::backend {

namespace {

GiftRequestView view_at(GiftRequest request, int position) {
    return GiftRequestView{std::move(request), position, std::max(0, (position - 1) * kGiftSecondsPerPosition)};
}

std::string usage_id(const std::string& streamer_id, const std::string& viewer_id) {
    return streamer_id + ":" + viewer_id;
}

}  // namespace

void GiftService::change_state(GiftRequest& gift, GiftRequestState to, const std::optional<std::string>& reason) {
    const GiftRequestState from = gift.state;
    gift.state = to;
    nlohmann::json data{
        {"from", to_string(from)}, {"to", to_string(to)}, {"utc", sim::format_iso8601(gift.updated_at)}};
    data["reason"] = reason ? nlohmann::json(*reason) : nlohmann::json(nullptr);
    ctx_.store.append_event(gift.id.str(), "GiftRequestStateChanged", data.dump(), gift.updated_at);
    ctx_.trace.event(kEbsActor, "gift.state_changed",
                     {{"giftId", gift.id.str()},
                      {"streamerId", gift.streamer_id},
                      {"from", to_string(from)},
                      {"to", to_string(to)},
                      {"reason", reason ? nlohmann::json(*reason) : nlohmann::json(nullptr)}});
}

void GiftService::record_usage(const GiftRequest& gift) {
    ctx_.store.upsert_gift_usage(GiftUsage{usage_id(gift.streamer_id, gift.viewer_id), gift.streamer_id, gift.viewer_id,
                                           gift.updated_at, gift.id});
    ctx_.trace.event(kEbsActor, "gift.usage_recorded",
                     {{"streamerId", gift.streamer_id}, {"viewerId", gift.viewer_id}, {"giftId", gift.id.str()}});
}

void GiftService::create(const GiftCreateRequest& request, std::function<void(Outcome<GiftRequestView>)> done) {
    if (!is_valid_character_name(request.character_name)) {
        done(errors::invalid_character_name());
        return;
    }
    // CONTRACT.md §6.7 skip rules: without both ids, the broadcaster token and the Helix client id, "not subscribed".
    const auto& c = ctx_.config;
    if (request.streamer_id.empty() || request.viewer_id.empty() || c.broadcaster_access_token.empty() ||
        c.helix_client_id.empty()) {
        done(errors::not_subscriber_gift());
        return;
    }
    helix_.check_user_subscription(request.streamer_id, request.viewer_id,
                                   [this, request, done = std::move(done)](bool subscribed) {
                                       if (!subscribed) {
                                           done(errors::not_subscriber_gift());
                                           return;
                                       }
                                       done(create_checked(request));
                                   });
}

Outcome<GiftRequestView> GiftService::create_checked(const GiftCreateRequest& request) {
    const sim::Instant now = ctx_.clock.now();
    auto inserted = ctx_.store.transact([&]() -> Outcome<GiftRequest> {
        if (ctx_.store.find_gift_usage(usage_id(request.streamer_id, request.viewer_id)))
            return errors::gift_already_used();
        if (ctx_.store.has_active_gift(request.streamer_id, request.viewer_id)) return errors::gift_request_active();
        GiftRequest gift;
        gift.id = rng_.uuid_v4();
        gift.streamer_id = request.streamer_id;
        gift.viewer_id = request.viewer_id;
        gift.viewer_display_name = request.viewer_display_name;
        gift.character_name = trim_dotnet(request.character_name);
        gift.state = GiftRequestState::Pending;
        gift.created_at = now;
        gift.updated_at = now;
        ctx_.store.insert_gift(gift);
        const nlohmann::json initiated{{"id", gift.id.str()},
                                       {"streamerId", gift.streamer_id},
                                       {"viewerId", gift.viewer_id},
                                       {"viewerDisplayName", gift.viewer_display_name},
                                       {"characterName", gift.character_name},
                                       {"createdAtUtc", sim::format_iso8601(now)}};
        ctx_.store.append_event(gift.id.str(), "GiftRequestInitiated", initiated.dump(), now);
        return gift;
    });
    if (!inserted) return inserted.error();
    const GiftRequest& created = inserted.value();
    ctx_.trace.event(kEbsActor, "gift.created",
                     {{"giftId", created.id.str()},
                      {"streamerId", created.streamer_id},
                      {"viewerId", created.viewer_id},
                      {"characterName", created.character_name}});
    // D8 (matched): if promote picked an older pending request, that one is the response.
    GiftRequest result = promote_next(created.streamer_id).value_or(created);
    const auto open = ctx_.store.list_open_gifts(result.streamer_id);
    int position = 1;
    for (std::size_t i = 0; i < open.size(); ++i)
        if (open[i].id == result.id) position = static_cast<int>(i) + 1;
    return view_at(std::move(result), position);
}

std::vector<GiftRequestView> GiftService::queue(const std::optional<std::string>& streamer_id,
                                                const std::optional<std::string>& viewer_filter) const {
    std::optional<std::string> streamer;
    if (streamer_id && !is_blank(*streamer_id)) streamer = *streamer_id;
    const auto open = ctx_.store.list_open_gifts(streamer);
    std::vector<GiftRequestView> out;
    for (std::size_t i = 0; i < open.size(); ++i) {
        const auto& g = open[i];
        if (viewer_filter && g.viewer_id != *viewer_filter && g.state != GiftRequestState::SelectingItem) continue;
        out.push_back(view_at(g, static_cast<int>(i) + 1));
    }
    return out;
}

std::optional<GiftRequest> GiftService::promote_next(const std::string& streamer_id) {
    const sim::Instant now = ctx_.clock.now();
    return ctx_.store.transact([&]() -> std::optional<GiftRequest> {
        if (ctx_.store.has_gift_in_promotion(streamer_id)) return std::nullopt;
        auto next = ctx_.store.oldest_pending_gift(streamer_id);
        if (!next) return std::nullopt;
        next->timeout_at = now + kGiftSelectionTimeout;
        next->updated_at = now;
        change_state(*next, GiftRequestState::SelectingItem, std::nullopt);
        ctx_.store.update_gift(*next);
        return next;
    });
}

Outcome<GiftRequestView> GiftService::patch_state(const sim::Uuid& id, GiftRequestState to,
                                                  const std::optional<std::string>& reason) {
    const sim::Instant now = ctx_.clock.now();
    auto patched = ctx_.store.transact([&]() -> Outcome<GiftRequest> {
        auto gift = ctx_.store.find_gift(id);
        if (!gift) return errors::gift_not_found();
        gift->updated_at = now;
        gift->failure_reason =
            to == GiftRequestState::Failed ? std::optional<std::string>(reason.value_or("failed")) : std::nullopt;
        if (to == GiftRequestState::SelectingItem) gift->timeout_at = now + kGiftSelectionTimeout;
        else if (to == GiftRequestState::WaitingConfirmation) gift->timeout_at = now + kGiftConfirmationTimeout;
        else if (to == GiftRequestState::Completed || to == GiftRequestState::Failed) gift->timeout_at = std::nullopt;
        change_state(*gift, to, reason);  // the event carries the reason as sent
        ctx_.store.update_gift(*gift);
        if (to == GiftRequestState::Completed) record_usage(*gift);
        return *gift;
    });
    if (!patched) return patched.error();
    if (to == GiftRequestState::Completed || to == GiftRequestState::Failed) promote_next(patched.value().streamer_id);
    return view_at(patched.value(), 1);
}

Outcome<GiftRequestView> GiftService::select_item(const sim::Uuid& id, const GiftItem& item) {
    const sim::Instant now = ctx_.clock.now();
    auto selected = ctx_.store.transact([&]() -> Outcome<GiftRequest> {
        auto gift = ctx_.store.find_gift(id);
        if (!gift) return errors::gift_not_found();
        if (gift->state != GiftRequestState::SelectingItem) return errors::gift_not_selecting();
        gift->selected_item = item;
        gift->timeout_at = now + kGiftConfirmationTimeout;
        gift->updated_at = now;
        const nlohmann::json data{{"name", item.name},       {"id", item.id},
                                  {"count", item.count},     {"link", item.link},
                                  {"texture", item.texture}, {"bagId", item.bag_id},
                                  {"slotId", item.slot_id},  {"utc", sim::format_iso8601(now)}};
        ctx_.store.append_event(gift->id.str(), "GiftItemSelected", data.dump(), now);
        ctx_.trace.event(kEbsActor, "gift.item_selected",
                         {{"giftId", gift->id.str()}, {"itemId", item.id}, {"itemName", item.name}});
        change_state(*gift, GiftRequestState::WaitingConfirmation, std::nullopt);
        ctx_.store.update_gift(*gift);
        return *gift;
    });
    if (!selected) return selected.error();
    return view_at(selected.value(), 1);
}

Outcome<GiftRequestView> GiftService::confirm(const sim::Uuid& id, bool confirmed) {
    const sim::Instant now = ctx_.clock.now();
    auto result = ctx_.store.transact([&]() -> Outcome<GiftRequest> {
        auto gift = ctx_.store.find_gift(id);
        if (!gift) return errors::gift_not_found();
        if (gift->state != GiftRequestState::WaitingConfirmation) return errors::gift_not_waiting_confirmation();
        const GiftRequestState to = confirmed ? GiftRequestState::Completed : GiftRequestState::Failed;
        gift->failure_reason = confirmed ? std::nullopt : std::optional<std::string>("receiver_declined");
        gift->timeout_at = std::nullopt;
        gift->updated_at = now;
        change_state(*gift, to, gift->failure_reason);
        ctx_.store.update_gift(*gift);
        if (confirmed) record_usage(*gift);
        return *gift;
    });
    if (!result) return result.error();
    promote_next(result.value().streamer_id);
    return view_at(result.value(), 1);
}

int GiftService::sweep_timeouts() {
    const sim::Instant now = ctx_.clock.now();
    // Almost every sweep (one per 5 s) finds nothing: no write transaction for those.
    if (ctx_.store.gifts_timed_out(now).empty()) return 0;
    std::vector<std::string> streamers;  // first-seen order, distinct (ordinal)
    const int count = ctx_.store.transact([&]() -> int {
        int failed = 0;
        for (auto gift : ctx_.store.gifts_timed_out(now)) {
            const GiftRequestState from = gift.state;
            const std::string reason =
                from == GiftRequestState::SelectingItem ? "selection_timeout" : "confirmation_timeout";
            gift.failure_reason = reason;
            gift.timeout_at = std::nullopt;
            gift.updated_at = now;
            change_state(gift, GiftRequestState::Failed, reason);
            ctx_.store.update_gift(gift);
            ctx_.log.warn(kEbsActor, "Gift request " + gift.id.str() + " timed out in state " + to_string(from));
            ctx_.trace.event(kEbsActor, "gift.timed_out",
                             {{"giftId", gift.id.str()}, {"from", to_string(from)}, {"reason", reason}});
            if (std::find(streamers.begin(), streamers.end(), gift.streamer_id) == streamers.end())
                streamers.push_back(gift.streamer_id);
            ++failed;
        }
        return failed;
    });
    for (const auto& streamer : streamers) promote_next(streamer);
    return count;
}

}  // namespace mgm::backend

#include "backend/domain/payout_service.h"

#include <nlohmann/json.hpp>

namespace mgm::backend {

namespace {

std::string status_changed_json(PayoutStatus from, PayoutStatus to, sim::Instant at) {
    return nlohmann::json{{"from", to_string(from)}, {"to", to_string(to)}, {"utc", sim::format_iso8601(at)}}.dump();
}

const char* attempt_result_name(HelixAttemptResult::Kind kind) {
    switch (kind) {
    case HelixAttemptResult::Kind::success: return "success";
    case HelixAttemptResult::Kind::http_error: return "http_error";
    case HelixAttemptResult::Kind::transport_error: return "transport_error";
    }
    return "unknown";
}

}  // namespace

std::string reward_sent_message(std::string_view character_name) {
    return "Награда отправлена персонажу " + std::string(character_name) + " на почту, проверяй ящик!";
}

bool is_allowed_payout_transition(PayoutStatus from, PayoutStatus to) {
    using S = PayoutStatus;
    switch (from) {
    case S::Pending: return to == S::InProgress || to == S::Cancelled || to == S::Failed;
    case S::InProgress: return to == S::Sent || to == S::Cancelled || to == S::Failed || to == S::Pending;
    default: return false;  // Sent, Failed, Cancelled, Expired are terminal; unknown values never move
    }
}

std::optional<Payout> PayoutService::my_last(const std::string& twitch_user_id) const {
    return ctx_.store.latest_payout_for_user(twitch_user_id);
}

std::vector<Payout> PayoutService::pending() const {
    return ctx_.store.list_payouts_with_status(PayoutStatus::Pending);
}

void PayoutService::patch_status(const sim::Uuid& payout_id, PayoutStatus to,
                                 std::function<void(Outcome<Payout>)> done) {
    const sim::Instant now = ctx_.clock.now();
    PayoutStatus from = PayoutStatus::Pending;
    int pool_rows_removed = 0;
    auto committed = ctx_.store.transact([&]() -> Outcome<Payout> {
        auto payout = ctx_.store.find_payout(payout_id);
        if (!payout) return errors::payout_not_found();
        if (!is_allowed_payout_transition(payout->status, to)) return errors::transition_not_allowed();
        from = payout->status;
        payout->status = to;
        payout->updated_at = now;
        ctx_.store.update_payout(*payout);
        ctx_.store.append_event(payout->id.str(), "PayoutStatusChanged", status_changed_json(from, to, now), now);
        // CONTRACT.md §5.8: the winner leaves the pool in the same transaction as the Sent status.
        if (to == PayoutStatus::Sent) pool_rows_removed = ctx_.store.remove_pool_member(payout->twitch_user_id);
        return *payout;
    });
    if (!committed) {
        done(std::move(committed));
        return;
    }
    Payout payout = committed.value();
    ctx_.trace.event(kEbsActor, "payout.status_changed",
                     {{"payoutId", payout.id.str()},
                      {"from", to_string(from)},
                      {"to", to_string(to)},
                      {"twitchUserId", payout.twitch_user_id}});
    if (to != PayoutStatus::Sent) {
        done(std::move(payout));
        return;
    }
    ctx_.trace.event(kEbsActor, "pool.removed", {{"twitchUserId", payout.twitch_user_id}, {"rows", pool_rows_removed}});
    if (payout.is_reward_sent_announced_to_chat) {
        done(std::move(payout));
        return;
    }
    // CONTRACT.md §6.7 skip rule: no token or no broadcaster id → no HTTP call, flag stays false.
    if (ctx_.config.broadcaster_access_token.empty() || ctx_.config.broadcaster_user_id.empty()) {
        ctx_.log.warn(kEbsActor,
                      "Helix reward announcement skipped: BroadcasterAccessToken or BroadcasterUserId not configured");
        ctx_.trace.event(kEbsActor, "helix.announce_skipped", {{"payoutId", payout.id.str()}});
        done(std::move(payout));
        return;
    }
    announce(std::move(payout), 1, std::move(done));
}

void PayoutService::announce(Payout payout, int attempt, std::function<void(Outcome<Payout>)> done) {
    const std::string text = reward_sent_message(payout.character_name);
    helix_.send_chat_message(text, [this, payout, attempt, done = std::move(done)](HelixAttemptResult result) mutable {
        ctx_.trace.event(kEbsActor, "helix.announce_attempt",
                         {{"payoutId", payout.id.str()},
                          {"attempt", attempt},
                          {"result", attempt_result_name(result.kind)},
                          {"status", result.status}});
        if (result.kind == HelixAttemptResult::Kind::success) {
            const sim::Instant now = ctx_.clock.now();
            auto updated = ctx_.store.transact([&]() -> Payout {
                auto current = ctx_.store.find_payout(payout.id).value_or(payout);
                current.is_reward_sent_announced_to_chat = true;
                current.updated_at = now;
                ctx_.store.update_payout(current);
                ctx_.store.append_event(current.id.str(), "HelixRewardSentAnnouncementSucceeded",
                                        nlohmann::json{{"utc", sim::format_iso8601(now)}}.dump(), now);
                return current;
            });
            ctx_.trace.event(kEbsActor, "helix.announced",
                             {{"payoutId", updated.id.str()}, {"characterName", updated.character_name}});
            done(std::move(updated));
            return;
        }
        if (result.kind == HelixAttemptResult::Kind::transport_error && attempt >= kHelixAnnouncementAttempts) {
            // D1 (matched): the 3rd attempt's exception escapes the handler → HTTP 500, Sent stays committed.
            ctx_.log.warn(kEbsActor,
                          "Helix reward announcement attempt " + std::to_string(attempt) + " threw: " + result.detail);
            ctx_.trace.event(kEbsActor, "helix.announce_failed",
                             {{"payoutId", payout.id.str()}, {"attempts", attempt}, {"escaped", true}});
            done(ApiError::unhandled_exception("Helix Send Chat Message failed on attempt 3: " + result.detail));
            return;
        }
        if (attempt < kHelixAnnouncementAttempts) {
            ctx_.log.warn(kEbsActor, "Helix reward announcement attempt " + std::to_string(attempt) + " failed (" +
                                         (result.kind == HelixAttemptResult::Kind::http_error
                                              ? "HTTP " + std::to_string(result.status)
                                              : result.detail) +
                                         "); retrying");
            announce(std::move(payout), attempt + 1, std::move(done));
            return;
        }
        ctx_.log.error(kEbsActor, "Helix reward announcement failed after 3 attempts for payout " + payout.id.str());
        ctx_.trace.event(kEbsActor, "helix.announce_failed",
                         {{"payoutId", payout.id.str()}, {"attempts", attempt}, {"escaped", false}});
        auto current = ctx_.store.find_payout(payout.id).value_or(payout);
        done(std::move(current));
    });
}

Outcome<Done> PayoutService::confirm_acceptance(const sim::Uuid& payout_id, const std::string& character_name) {
    const sim::Instant now = ctx_.clock.now();
    bool recorded = false;
    auto outcome = ctx_.store.transact([&]() -> Outcome<Done> {
        auto payout = ctx_.store.find_payout(payout_id);
        if (!payout) return errors::payout_not_found();
        if (payout->character_name != character_name) return errors::acceptance_name_mismatch();
        if (payout->winner_accepted_at) return Done{};
        payout->winner_accepted_at = now;
        payout->updated_at = now;
        ctx_.store.update_payout(*payout);
        ctx_.store.append_event(payout->id.str(), "WinnerAcceptanceRecorded",
                                nlohmann::json{{"utc", sim::format_iso8601(now)}}.dump(), now);
        recorded = true;
        return Done{};
    });
    if (recorded) ctx_.trace.event(kEbsActor, "payout.accepted", {{"payoutId", payout_id.str()}});
    return outcome;
}

int PayoutService::expire_stale() {
    const sim::Instant now = ctx_.clock.now();
    const sim::Instant cutoff = now - kPayoutLifetime;
    std::vector<std::pair<Payout, PayoutStatus>> expired;
    ctx_.store.transaction([&] {
        for (auto payout : ctx_.store.active_payouts_created_before(cutoff)) {
            const PayoutStatus from = payout.status;
            payout.status = PayoutStatus::Expired;
            payout.updated_at = now;
            ctx_.store.update_payout(payout);
            ctx_.store.append_event(payout.id.str(), "PayoutStatusChanged",
                                    status_changed_json(from, PayoutStatus::Expired, now), now);
            expired.emplace_back(std::move(payout), from);
        }
    });
    for (const auto& [payout, from] : expired) {
        ctx_.trace.event(
            kEbsActor, "payout.expired",
            {{"payoutId", payout.id.str()}, {"from", to_string(from)}, {"twitchUserId", payout.twitch_user_id}});
    }
    if (!expired.empty()) {
        ctx_.log.info(kEbsActor, "Expired " + std::to_string(expired.size()) + " payout(s) older than 24 h");
        ctx_.trace.event(kEbsActor, "payout.expiration_sweep", {{"expired", expired.size()}});
    }
    return static_cast<int>(expired.size());
}

}  // namespace mgm::backend

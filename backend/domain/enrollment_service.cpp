#include "backend/domain/enrollment_service.h"

#include <nlohmann/json.hpp>

#include "backend/domain/character_name.h"
#include "backend/domain/chat_command.h"

namespace mgm::backend {

const char* to_string(ChatEnrollResult r) {
    switch (r) {
    case ChatEnrollResult::enrolled: return "enrolled";
    case ChatEnrollResult::ignored_missing_ids: return "ignored_missing_ids";
    case ChatEnrollResult::ignored_duplicate_message: return "ignored_duplicate_message";
    case ChatEnrollResult::ignored_not_a_command: return "ignored_not_a_command";
    case ChatEnrollResult::ignored_not_subscriber: return "ignored_not_subscriber";
    case ChatEnrollResult::ignored_invalid_name: return "ignored_invalid_name";
    case ChatEnrollResult::ignored_active_payout: return "ignored_active_payout";
    case ChatEnrollResult::ignored_lifetime_cap: return "ignored_lifetime_cap";
    case ChatEnrollResult::ignored_name_taken: return "ignored_name_taken";
    }
    return "unknown";
}

void EnrollmentService::replace_pool_row(const std::string& user_id, const std::string& display_name,
                                         const std::string& name) {
    ctx_.store.remove_pool_member(user_id);
    ctx_.store.append_pool_member(PoolMember{user_id, display_name, name, 0});
}

Outcome<ClaimResult> EnrollmentService::claim(const ClaimRequest& request) {
    // 1. Validation: FluentValidation runs every rule and joins the messages with a newline.
    std::string messages;
    auto add = [&](const char* m) {
        if (!messages.empty()) messages += '\n';
        messages += m;
    };
    if (is_blank(request.character_name)) add(errors::kClaimNameEmptyMessage);
    if (!is_valid_character_name(request.character_name)) add(errors::kClaimNameRuleMessage);
    if (is_blank(request.enrollment_request_id)) add(errors::kClaimEnrollmentIdEmptyMessage);
    if (!messages.empty()) return errors::invalid_character_name(messages);

    // 2. Subscriber gate: without DevSkipSubscriberCheck the claim path always refuses (no Helix call).
    if (!ctx_.config.dev_skip_subscriber_check) return errors::not_subscriber_claim();

    const sim::Instant now = ctx_.clock.now();
    const std::string trimmed = trim_dotnet(request.character_name);
    auto outcome = ctx_.store.transact([&]() -> Outcome<ClaimResult> {
        // 3. Idempotency (exact key).
        if (auto existing = ctx_.store.find_enrollment(request.enrollment_request_id)) {
            if (existing->twitch_user_id != request.twitch_user_id) return errors::duplicate_enrollment();
            return ClaimResult{existing->character_name, request.enrollment_request_id, false};
        }
        // 4–6.
        if (ctx_.store.has_active_payout(request.twitch_user_id)) return errors::active_payout_exists_user();
        if (ctx_.store.sent_gold_sum(request.twitch_user_id) + kPayoutGoldAmount > kLifetimeSentGoldCap)
            return errors::lifetime_cap_reached();
        // Decision D4: the reference compares the *untrimmed* request value.
        if (ctx_.store.character_name_taken_by_other(request.character_name, request.twitch_user_id))
            return errors::character_name_taken_in_pool();
        // 7. Write.
        replace_pool_row(request.twitch_user_id, request.twitch_display_name, trimmed);
        ctx_.store.insert_enrollment(EnrollmentRecord{request.enrollment_request_id, request.twitch_user_id,
                                                      request.twitch_display_name, trimmed, now});
        return ClaimResult{trimmed, request.enrollment_request_id, true};
    });
    if (outcome.ok() && outcome.value().created) {
        ctx_.trace.event(kEbsActor, "pool.enrolled",
                         {{"source", "claim"},
                          {"twitchUserId", request.twitch_user_id},
                          {"characterName", trimmed},
                          {"enrollmentRequestId", request.enrollment_request_id}});
    }
    return outcome;
}

ChatEnrollResult EnrollmentService::enroll_from_chat(const ChatMessage& m) {
    if (m.message_id.empty() || m.chatter_user_id.empty()) return ChatEnrollResult::ignored_missing_ids;
    const sim::Instant now = ctx_.clock.now();
    const auto result = ctx_.store.transact([&]() -> ChatEnrollResult {
        if (ctx_.store.has_chat_dedup(m.message_id)) return ChatEnrollResult::ignored_duplicate_message;
        const auto token = parse_twgold(m.text);
        if (!token) return ChatEnrollResult::ignored_not_a_command;
        if (!m.is_subscriber) {
            ctx_.log.info(kEbsActor, "chat enrollment ignored: " + m.chatter_user_id + " is not a subscriber");
            return ChatEnrollResult::ignored_not_subscriber;
        }
        if (!is_valid_character_name(*token)) return ChatEnrollResult::ignored_invalid_name;
        if (ctx_.store.has_active_payout(m.chatter_user_id)) return ChatEnrollResult::ignored_active_payout;
        if (ctx_.store.sent_gold_sum(m.chatter_user_id) + kPayoutGoldAmount > kLifetimeSentGoldCap)
            return ChatEnrollResult::ignored_lifetime_cap;
        const std::string name = trim_dotnet(*token);  // a token has no whitespace; trim is a no-op kept for parity
        if (ctx_.store.character_name_taken_by_other(name, m.chatter_user_id))
            return ChatEnrollResult::ignored_name_taken;
        replace_pool_row(m.chatter_user_id, m.chatter_user_login, name);
        ctx_.store.insert_chat_dedup(m.message_id, now);
        return ChatEnrollResult::enrolled;
    });
    // The fields are built only for a trace that records (serve turns it off): building them for nothing is a
    // measurable part of an EventSub message's cost (docs/BENCHMARKS.md).
    if (!ctx_.trace.enabled()) return result;
    if (result == ChatEnrollResult::enrolled) {
        ctx_.trace.event(kEbsActor, "pool.enrolled",
                         {{"source", "chat"},
                          {"twitchUserId", m.chatter_user_id},
                          {"characterName", *parse_twgold(m.text)},
                          {"messageId", m.message_id}});
    } else if (result != ChatEnrollResult::ignored_missing_ids && result != ChatEnrollResult::ignored_not_a_command) {
        ctx_.trace.event(
            kEbsActor, "pool.chat_ignored",
            {{"twitchUserId", m.chatter_user_id}, {"messageId", m.message_id}, {"reason", to_string(result)}});
    }
    return result;
}

PoolMe EnrollmentService::pool_me(const std::string& twitch_user_id) const {
    if (auto member = ctx_.store.find_pool_member(twitch_user_id)) return PoolMe{true, member->character_name};
    return PoolMe{false, std::nullopt};
}

}  // namespace mgm::backend

// Pool enrollment: Extension claim (docs/CONTRACT.md §5.6), chat "!twgold" (§5.2) and the pool/me read (§5.4).
#pragma once

#include <optional>
#include <string>

#include "backend/domain/api_error.h"
#include "backend/domain/service_context.h"

namespace mgm::backend {

struct ClaimRequest {
    std::string twitch_user_id;  // JWT user id (CONTRACT.md §3)
    std::string twitch_display_name;  // JWT display name (CONTRACT.md §3)
    std::string character_name;  // as sent (untrimmed)
    std::string enrollment_request_id;  // as sent
};

struct ClaimResult {
    std::string character_name;  // trimmed (stored) name
    std::string enrollment_request_id;  // as sent
    bool created = false;  // true → 201, false (idempotent replay) → 200
};

struct PoolMe {
    bool is_enrolled = false;
    std::optional<std::string> character_name;
};

// One channel.chat.message event, already extracted from the EventSub JSON (CONTRACT.md §5.2 step 4).
struct ChatMessage {
    std::string message_id;
    std::string chatter_user_id;
    std::string chatter_user_login;  // used as display name
    std::string text;
    bool is_subscriber = false;  // badge rule (subscriber / founder / premium)
};

// Why a chat message did or did not enroll (for tests and logs; never on the wire).
enum class ChatEnrollResult {
    enrolled,
    ignored_missing_ids,
    ignored_duplicate_message,
    ignored_not_a_command,
    ignored_not_subscriber,
    ignored_invalid_name,
    ignored_active_payout,
    ignored_lifetime_cap,
    ignored_name_taken,
};
const char* to_string(ChatEnrollResult result);

// Trace events (actor "ebs"):
//   "pool.enrolled"     {source:"claim"|"chat", twitchUserId, characterName, enrollmentRequestId|messageId}
//   "pool.chat_ignored" {twitchUserId, messageId, reason}   (a !twgold that was refused; not for non-commands)
class EnrollmentService {
public:
    explicit EnrollmentService(ServiceContext ctx) : ctx_(ctx) {}

    // CONTRACT.md §5.6 in the reference's order: validation → subscriber gate (Mgm:DevSkipSubscriberCheck) →
    // idempotency → active payout → lifetime cap → name taken (untrimmed, decision D4) → write.
    Outcome<ClaimResult> claim(const ClaimRequest& request);

    // CONTRACT.md §5.2; silent (the caller always answers 200). Store failures throw (→ 500 in the webhook).
    ChatEnrollResult enroll_from_chat(const ChatMessage& message);

    PoolMe pool_me(const std::string& twitch_user_id) const;

private:
    // Replaces the user's pool row (remove + append) in the current transaction.
    void replace_pool_row(const std::string& user_id, const std::string& display_name, const std::string& name);
    ServiceContext ctx_;
};

}  // namespace mgm::backend

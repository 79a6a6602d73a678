// The EBS's persisted records as plain values (docs/FIDELITY.md, row "Database"). The store reads/writes exactly these.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/core/time.h"
#include "sim/core/uuid.h"

namespace mgm::backend {

// Ordinals match the reference enum (JSON integers bind to these). Values outside 0..5 can arrive from
// JSON ("out-of-range integers are accepted as unknown values"); they never match a transition.
enum class PayoutStatus : int { Pending = 0, InProgress = 1, Sent = 2, Failed = 3, Cancelled = 4, Expired = 5 };
enum class GiftRequestState : int {
    Pending = 0,
    SelectingItem = 1,
    ItemSelected = 2,
    WaitingConfirmation = 3,
    Completed = 4,
    Failed = 5
};

// PascalCase member names by ordinal: how each value is spelled in JSON, in text and in the store, written
// once for the domain and the wire.
inline constexpr std::array<std::string_view, 6> kPayoutStatusNames{"Pending", "InProgress", "Sent",
                                                                    "Failed",  "Cancelled",  "Expired"};
inline constexpr std::array<std::string_view, 6> kGiftRequestStateNames{
    "Pending", "SelectingItem", "ItemSelected", "WaitingConfirmation", "Completed", "Failed"};

// PascalCase member name ("InProgress"); an unknown value gives its decimal number ("7"), as .NET writes it.
std::string to_string(PayoutStatus status);
std::string to_string(GiftRequestState state);
// Member name, ASCII case-insensitive ("inProgress", "SENT"). No integers here (the JSON layer maps those).
std::optional<PayoutStatus> parse_payout_status(std::string_view name);
std::optional<GiftRequestState> parse_gift_request_state(std::string_view name);

inline constexpr std::int64_t kPayoutGoldAmount = 1000;
inline constexpr std::int64_t kLifetimeSentGoldCap = 10'000;

// One row of the single global roulette pool; `seq` orders the list (append = larger seq).
struct PoolMember {
    std::string twitch_user_id;
    std::string twitch_display_name;
    std::string character_name;
    std::int64_t seq = 0;  // assigned by the store on append; ignored on write
    friend bool operator==(const PoolMember&, const PoolMember&) = default;
};

// The singleton roulette-cycle record.
struct SpinState {
    sim::Instant cycle_start;
    sim::Uuid spin_cycle_id;
    std::optional<std::string> candidate_twitch_user_id;
    std::optional<std::string> candidate_character_name;
    std::optional<std::string> candidate_twitch_display_name;
    std::optional<sim::Instant> candidate_selected_at;
    sim::Instant verification_deadline;
    bool payout_created_for_cycle = false;
    bool pool_was_empty_at_cycle_start = false;
    friend bool operator==(const SpinState&, const SpinState&) = default;
};

struct Payout {
    sim::Uuid id;
    std::string twitch_user_id;
    std::string twitch_display_name;
    std::string character_name;
    std::int64_t gold_amount = kPayoutGoldAmount;
    std::string enrollment_request_id;  // "spin:<cycle id hex32>"
    PayoutStatus status = PayoutStatus::Pending;
    sim::Instant created_at;
    std::optional<sim::Instant> updated_at;
    std::optional<sim::Instant> winner_accepted_at;  // confirm-acceptance; never exposed in DTOs
    bool is_reward_sent_announced_to_chat = false;
    std::optional<sim::Uuid> spin_cycle_id;
    friend bool operator==(const Payout&, const Payout&) = default;
};

// Claim idempotency record, keyed by the client's enrollmentRequestId (exact, case-sensitive).
struct EnrollmentRecord {
    std::string enrollment_request_id;
    std::string twitch_user_id;
    std::string twitch_display_name;
    std::string character_name;  // trimmed
    sim::Instant enrolled_at;
    friend bool operator==(const EnrollmentRecord&, const EnrollmentRecord&) = default;
};

// C# `int` fields: the JSON layer must reject values outside int32.
struct GiftItem {
    std::string name;
    std::int32_t id = 0;
    std::int32_t count = 0;
    std::string link;
    std::string texture;
    std::int32_t bag_id = 0;
    std::int32_t slot_id = 0;
    friend bool operator==(const GiftItem&, const GiftItem&) = default;
};

struct GiftRequest {
    sim::Uuid id;
    std::string streamer_id;
    std::string viewer_id;
    std::string viewer_display_name;
    std::string character_name;  // trimmed
    GiftRequestState state = GiftRequestState::Pending;
    std::optional<GiftItem> selected_item;
    sim::Instant created_at;
    sim::Instant updated_at;
    std::optional<sim::Instant> timeout_at;
    std::optional<std::string> failure_reason;
    friend bool operator==(const GiftRequest&, const GiftRequest&) = default;
};

// "!twgift used" marker, id "<streamerId>:<viewerId>".
struct GiftUsage {
    std::string id;
    std::string streamer_id;
    std::string viewer_id;
    sim::Instant completed_at;
    sim::Uuid gift_request_id;
    friend bool operator==(const GiftUsage&, const GiftUsage&) = default;
};

// One audit event (payout / gift streams, FIDELITY.md "Database"). `data_json` is canonical JSON text. Nothing reads these
// in the product; tests and invariant checkers do.
struct AuditEvent {
    std::int64_t seq = 0;
    std::string stream_id;  // payout or gift request id (36-char)
    std::int64_t version = 0;  // 1-based position in its stream
    std::string type;  // "PayoutCreated", "PayoutStatusChanged", ...
    std::string data_json;
    sim::Instant at;
};

}  // namespace mgm::backend

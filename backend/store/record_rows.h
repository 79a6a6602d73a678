// The column lists and row <-> record mapping that both store engines share (sqlite_store.cpp, pg_store.cpp).
// A Row has text/integer/instant/uuid/opt_text/opt_instant/opt_uuid(col) and a Binder has bind(args...), the
// arguments being strings, integers, bools, Instants, Uuids or optionals of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "backend/domain/records.h"

namespace mgm::backend::rows {

inline constexpr const char* kPayoutColumns =
    "id, twitch_user_id, display_name, character_name, gold_amount, enrollment_request_id, status, created_at, "
    "updated_at, winner_accepted_at, announced, spin_cycle_id";
inline constexpr const char* kGiftColumns =
    "id, streamer_id, viewer_id, viewer_display_name, character_name, state, has_item, item_name, item_id, "
    "item_count, item_link, item_texture, item_bag_id, item_slot_id, created_at, updated_at, timeout_at, "
    "failure_reason";
inline constexpr const char* kPoolColumns = "twitch_user_id, display_name, character_name, seq";
inline constexpr const char* kEventColumns = "seq, stream_id, version, type, data, ts";
inline constexpr const char* kEnrollmentColumns = "id, twitch_user_id, display_name, character_name, enrolled_at";
inline constexpr const char* kGiftUsageColumns = "id, streamer_id, viewer_id, completed_at, gift_request_id";
inline constexpr const char* kSpinColumns =
    "cycle_start, spin_cycle_id, candidate_twitch_user_id, candidate_character_name, candidate_display_name, "
    "candidate_selected_at, verification_deadline, payout_created_for_cycle, pool_was_empty_at_cycle_start";

inline int status_int(PayoutStatus s) { return static_cast<int>(s); }
inline int state_int(GiftRequestState s) { return static_cast<int>(s); }

template <class Row>
Payout read_payout(const Row& st) {
    Payout p;
    p.id = st.uuid(0);
    p.twitch_user_id = st.text(1);
    p.twitch_display_name = st.text(2);
    p.character_name = st.text(3);
    p.gold_amount = st.integer(4);
    p.enrollment_request_id = st.text(5);
    p.status = static_cast<PayoutStatus>(st.integer(6));
    p.created_at = st.instant(7);
    p.updated_at = st.opt_instant(8);
    p.winner_accepted_at = st.opt_instant(9);
    p.is_reward_sent_announced_to_chat = st.integer(10) != 0;
    p.spin_cycle_id = st.opt_uuid(11);
    return p;
}

// Every payout column but id, in kPayoutColumns order (id is bound first for an insert, last for an update).
template <class Binder>
void bind_payout_fields(Binder& b, const Payout& p) {
    b.bind(p.twitch_user_id, p.twitch_display_name, p.character_name, p.gold_amount, p.enrollment_request_id,
           status_int(p.status), p.created_at, p.updated_at, p.winner_accepted_at, p.is_reward_sent_announced_to_chat,
           p.spin_cycle_id);
}

template <class Row>
GiftRequest read_gift(const Row& st) {
    GiftRequest g;
    g.id = st.uuid(0);
    g.streamer_id = st.text(1);
    g.viewer_id = st.text(2);
    g.viewer_display_name = st.text(3);
    g.character_name = st.text(4);
    g.state = static_cast<GiftRequestState>(st.integer(5));
    if (st.integer(6) != 0) {
        GiftItem item;
        item.name = st.text(7);
        item.id = static_cast<std::int32_t>(st.integer(8));
        item.count = static_cast<std::int32_t>(st.integer(9));
        item.link = st.text(10);
        item.texture = st.text(11);
        item.bag_id = static_cast<std::int32_t>(st.integer(12));
        item.slot_id = static_cast<std::int32_t>(st.integer(13));
        g.selected_item = std::move(item);
    }
    g.created_at = st.instant(14);
    g.updated_at = st.instant(15);
    g.timeout_at = st.opt_instant(16);
    g.failure_reason = st.opt_text(17);
    return g;
}

// Every gift column but id, in kGiftColumns order.
template <class Binder>
void bind_gift_fields(Binder& b, const GiftRequest& g) {
    const GiftItem empty;
    const GiftItem& item = g.selected_item ? *g.selected_item : empty;
    const bool has = g.selected_item.has_value();
    auto opt_s = [&](const std::string& v) { return has ? std::optional<std::string>(v) : std::nullopt; };
    auto opt_i = [&](std::int32_t v) { return has ? std::optional<std::int64_t>(v) : std::nullopt; };
    b.bind(g.streamer_id, g.viewer_id, g.viewer_display_name, g.character_name, state_int(g.state), has,
           opt_s(item.name), opt_i(item.id), opt_i(item.count), opt_s(item.link), opt_s(item.texture),
           opt_i(item.bag_id), opt_i(item.slot_id), g.created_at, g.updated_at, g.timeout_at, g.failure_reason);
}

template <class Row>
PoolMember read_pool_member(const Row& st) {
    return PoolMember{st.text(0), st.text(1), st.text(2), st.integer(3)};
}

template <class Row>
SpinState read_spin(const Row& st) {
    SpinState s;
    s.cycle_start = st.instant(0);
    s.spin_cycle_id = st.uuid(1);
    s.candidate_twitch_user_id = st.opt_text(2);
    s.candidate_character_name = st.opt_text(3);
    s.candidate_twitch_display_name = st.opt_text(4);
    s.candidate_selected_at = st.opt_instant(5);
    s.verification_deadline = st.instant(6);
    s.payout_created_for_cycle = st.integer(7) != 0;
    s.pool_was_empty_at_cycle_start = st.integer(8) != 0;
    return s;
}

// In kSpinColumns order.
template <class Binder>
void bind_spin(Binder& b, const SpinState& s) {
    b.bind(s.cycle_start, s.spin_cycle_id, s.candidate_twitch_user_id, s.candidate_character_name,
           s.candidate_twitch_display_name, s.candidate_selected_at, s.verification_deadline,
           s.payout_created_for_cycle, s.pool_was_empty_at_cycle_start);
}

template <class Row>
EnrollmentRecord read_enrollment(const Row& st) {
    return EnrollmentRecord{st.text(0), st.text(1), st.text(2), st.text(3), st.instant(4)};
}

template <class Row>
GiftUsage read_gift_usage(const Row& st) {
    return GiftUsage{st.text(0), st.text(1), st.text(2), st.instant(3), st.uuid(4)};
}

template <class Row>
AuditEvent read_event(const Row& st) {
    return AuditEvent{st.integer(0), st.text(1), st.integer(2), st.text(3), st.text(4), st.instant(5)};
}

inline std::string sql(std::initializer_list<std::string_view> parts) {
    std::string s;
    for (auto p : parts) s += p;
    return s;
}

}  // namespace mgm::backend::rows

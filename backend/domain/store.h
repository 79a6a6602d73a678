// The EBS persistence (docs/FIDELITY.md, row "Database") as the domain services see it: typed reads and writes of the
// records in records.h, and one transaction per state change. Engines: backend/store/sqlite_store.h (the
// simulation's in-memory database and serve's default file) and backend/store/pg_store.h (serve with
// ConnectionStrings:PostgreSQL). Times are sim::Instant (100 ns ticks) and come back exactly as written.
//
// Concurrency contract: a transaction() body sees every change committed before it started and no other
// writer commits in between, so the services' check-then-write rules (one active payout per viewer, unique
// pool names, one payout per cycle, chat dedup) hold even when several EBS processes share one database.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "backend/domain/records.h"

namespace mgm::backend {

// Any database failure (the message includes the engine's error text).
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Store {
public:
    virtual ~Store() = default;

    virtual int schema_version() const = 0;  // highest applied migration

    // Deletes every row of every table and restarts the id counters, keeping connection, schema and prepared
    // statements: afterwards the store answers like a new one. Throws StoreError inside a transaction.
    virtual void clear_all_data() = 0;
    // Lowercase hex SHA-256 over every table's rows in key order: two stores of one engine with the same
    // digest hold the same data.
    virtual std::string content_digest() const = 0;

    // Runs fn as one write transaction; rolls back and rethrows if fn throws. Nested calls join the outer
    // transaction. With group commit on, fn runs as a savepoint of the open batch instead and is durable
    // only after commit_batch().
    virtual void transaction(const std::function<void()>& fn) = 0;
    template <class F>
    auto transact(F&& fn) -> decltype(fn()) {
        if constexpr (std::is_void_v<decltype(fn())>) {
            transaction([&] { fn(); });
        } else {
            std::optional<decltype(fn())> result;
            transaction([&] { result.emplace(fn()); });
            return std::move(*result);
        }
    }

    // Group commit (real-socket mode; backend/store/group_commit.h keeps every answer back until its commit):
    // transaction() bodies become savepoints of one open write transaction that commit_batch() commits, so
    // the requests served in one event-loop pass share one COMMIT. `on_batch_opened` runs when a batch opens.
    virtual void enable_group_commit(std::function<void()> on_batch_opened) = 0;
    virtual bool has_uncommitted_batch() const = 0;
    // Commits the open batch (no-op without one). On failure it is rolled back and StoreError is thrown.
    virtual void commit_batch() = 0;

    // --- pool (ordered by seq) ---
    virtual std::vector<PoolMember> list_pool() const = 0;
    virtual std::int64_t pool_size() const = 0;
    // The member at `index` (0-based) in seq order, as list_pool()[index] (nullopt when out of range). The
    // default reads the whole pool; engines answer it without doing that.
    virtual std::optional<PoolMember> pool_member_at(std::int64_t index) const {
        auto pool = list_pool();
        if (index < 0 || index >= static_cast<std::int64_t>(pool.size())) return std::nullopt;
        return std::move(pool[static_cast<std::size_t>(index)]);
    }
    virtual std::optional<PoolMember> find_pool_member(std::string_view twitch_user_id) const = 0;
    // True if a row with exactly this name (ordinal) belongs to a different user.
    virtual bool character_name_taken_by_other(std::string_view character_name,
                                               std::string_view twitch_user_id) const = 0;
    // Removes every row of the user; returns how many.
    virtual int remove_pool_member(std::string_view twitch_user_id) = 0;
    // Appends at the end (new seq). The user must not have a row (callers remove first).
    virtual void append_pool_member(const PoolMember& member) = 0;

    // --- spin state (singleton) ---
    virtual std::optional<SpinState> load_spin() const = 0;
    virtual void save_spin(const SpinState& spin) = 0;  // insert or replace

    // --- payouts ---
    virtual void insert_payout(const Payout& payout) = 0;
    virtual void update_payout(const Payout& payout) = 0;  // by id; every column
    virtual std::optional<Payout> find_payout(const sim::Uuid& id) const = 0;
    virtual std::vector<Payout> list_payouts() const = 0;  // all, createdAt asc, then insertion order
    virtual std::vector<Payout> list_payouts_with_status(PayoutStatus status) const = 0;  // createdAt asc
    // Most recent by createdAt (ties: latest inserted), any status.
    virtual std::optional<Payout> latest_payout_for_user(std::string_view twitch_user_id) const = 0;
    // Most recent Pending by createdAt (ties: latest inserted).
    virtual std::optional<Payout> latest_pending_payout_for_user(std::string_view twitch_user_id) const = 0;
    virtual bool has_active_payout(std::string_view twitch_user_id) const = 0;  // Pending or InProgress
    virtual std::int64_t sent_gold_sum(std::string_view twitch_user_id) const = 0;
    // Pending/InProgress with createdAt < cutoff (strict), createdAt asc.
    virtual std::vector<Payout> active_payouts_created_before(sim::Instant cutoff) const = 0;

    // --- claim idempotency ---
    virtual std::optional<EnrollmentRecord> find_enrollment(std::string_view enrollment_request_id) const = 0;
    virtual void insert_enrollment(const EnrollmentRecord& record) = 0;

    // --- chat dedup (EventSub message ids of successful enrollments) ---
    virtual bool has_chat_dedup(std::string_view message_id) const = 0;
    virtual void insert_chat_dedup(std::string_view message_id, sim::Instant processed_at) = 0;
    virtual std::int64_t chat_dedup_count() const = 0;

    // --- gift requests ---
    virtual void insert_gift(const GiftRequest& gift) = 0;
    virtual void update_gift(const GiftRequest& gift) = 0;  // by id; every column
    virtual std::optional<GiftRequest> find_gift(const sim::Uuid& id) const = 0;
    virtual std::vector<GiftRequest> list_gifts() const = 0;  // all, createdAt asc, then insertion order
    // Not Completed/Failed; restricted to streamer when given; createdAt asc, then insertion order.
    virtual std::vector<GiftRequest> list_open_gifts(const std::optional<std::string>& streamer_id) const = 0;
    // Viewer has a Pending/SelectingItem/ItemSelected/WaitingConfirmation request for the streamer.
    virtual bool has_active_gift(std::string_view streamer_id, std::string_view viewer_id) const = 0;
    // Streamer has a request in SelectingItem or WaitingConfirmation.
    virtual bool has_gift_in_promotion(std::string_view streamer_id) const = 0;
    virtual std::optional<GiftRequest> oldest_pending_gift(std::string_view streamer_id) const = 0;
    // SelectingItem/WaitingConfirmation with timeoutAt < now (strict), createdAt asc.
    virtual std::vector<GiftRequest> gifts_timed_out(sim::Instant now) const = 0;

    // --- gift usage markers ---
    virtual std::optional<GiftUsage> find_gift_usage(std::string_view id) const = 0;
    virtual void upsert_gift_usage(const GiftUsage& usage) = 0;

    // --- audit events (append-only; version = next in the stream) ---
    virtual void append_event(std::string_view stream_id, std::string_view type, std::string data_json,
                              sim::Instant at) = 0;
    virtual std::vector<AuditEvent> list_events() const = 0;  // seq order
    virtual std::vector<AuditEvent> list_events(std::string_view stream_id) const = 0;  // version order
};

}  // namespace mgm::backend

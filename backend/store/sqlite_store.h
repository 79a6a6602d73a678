// The EBS persistence (ebs-contract.md §14) on SQLite: versioned migrations, typed reads/writes, one write
// transaction per state change. Times are integer 100 ns ticks bound as parameters; SQL never calls now/random.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "backend/domain/records.h"

struct sqlite3;
struct sqlite3_stmt;

namespace mgm::backend {

// Any SQLite failure (message includes the SQL error text).
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class SqliteStore {
public:
    // ":memory:" (default in simulation) or a file path (WAL journal mode is enabled for files).
    // Runs every pending migration; opening an up-to-date database is a no-op.
    explicit SqliteStore(const std::string& path = ":memory:");
    // ":memory:" (and "", which the store treats the same way): no file, no WAL.
    static bool is_in_memory(std::string_view path) { return path.empty() || path == ":memory:"; }
    ~SqliteStore();
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    int schema_version() const;           // highest applied migration
    static int latest_schema_version();   // number of migrations compiled in
    std::string journal_mode() const;     // "wal" for files, "memory" for :memory:

    // Deletes every row of every table and resets the AUTOINCREMENT counters, keeping the connection, the
    // schema and the prepared statements (StoreRecycler): afterwards the store answers like a new one.
    // Throws StoreError inside a transaction or with a group-commit batch open.
    void clear_all_data();
    // Lowercase hex SHA-256 over every table's rows (sqlite_sequence included), each table in key order:
    // two stores with the same digest hold the same data, however their pages are laid out.
    std::string content_digest() const;

    // Runs fn inside one write transaction (BEGIN IMMEDIATE ... COMMIT); rolls back and rethrows if fn
    // throws. Nested calls join the outer transaction. With group commit on, fn runs as a savepoint of the
    // open batch instead and is durable only after commit_batch().
    void transaction(const std::function<void()>& fn);
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
    void enable_group_commit(std::function<void()> on_batch_opened);
    bool has_uncommitted_batch() const { return batch_open_; }
    // Commits the open batch (no-op without one). On failure it is rolled back and StoreError is thrown.
    void commit_batch();

    // --- pool (ordered by seq) ---
    std::vector<PoolMember> list_pool() const;
    std::int64_t pool_size() const;
    std::optional<PoolMember> find_pool_member(std::string_view twitch_user_id) const;
    // True if a row with exactly this name (ordinal) belongs to a different user.
    bool character_name_taken_by_other(std::string_view character_name, std::string_view twitch_user_id) const;
    // Removes every row of the user; returns how many.
    int remove_pool_member(std::string_view twitch_user_id);
    // Appends at the end (new seq). The user must not have a row (callers remove first).
    void append_pool_member(const PoolMember& member);

    // --- spin state (singleton) ---
    std::optional<SpinState> load_spin() const;
    void save_spin(const SpinState& spin);   // insert or replace

    // --- payouts ---
    void insert_payout(const Payout& payout);
    void update_payout(const Payout& payout);   // by id; every column
    std::optional<Payout> find_payout(const sim::Uuid& id) const;
    std::vector<Payout> list_payouts() const;                 // all, createdAt asc, then insertion order
    std::vector<Payout> list_payouts_with_status(PayoutStatus status) const;   // createdAt asc
    // Most recent by createdAt (ties: latest inserted), any status.
    std::optional<Payout> latest_payout_for_user(std::string_view twitch_user_id) const;
    // Most recent Pending by createdAt (ties: latest inserted).
    std::optional<Payout> latest_pending_payout_for_user(std::string_view twitch_user_id) const;
    bool has_active_payout(std::string_view twitch_user_id) const;   // Pending or InProgress
    std::int64_t sent_gold_sum(std::string_view twitch_user_id) const;
    // Pending/InProgress with createdAt < cutoff (strict), createdAt asc.
    std::vector<Payout> active_payouts_created_before(sim::Instant cutoff) const;

    // --- claim idempotency ---
    std::optional<EnrollmentRecord> find_enrollment(std::string_view enrollment_request_id) const;
    void insert_enrollment(const EnrollmentRecord& record);

    // --- chat dedup (EventSub message ids of successful enrollments) ---
    bool has_chat_dedup(std::string_view message_id) const;
    void insert_chat_dedup(std::string_view message_id, sim::Instant processed_at);
    std::int64_t chat_dedup_count() const;

    // --- gift requests ---
    void insert_gift(const GiftRequest& gift);
    void update_gift(const GiftRequest& gift);   // by id; every column
    std::optional<GiftRequest> find_gift(const sim::Uuid& id) const;
    std::vector<GiftRequest> list_gifts() const;   // all, createdAt asc, then insertion order
    // Not Completed/Failed; restricted to streamer when given; createdAt asc, then insertion order.
    std::vector<GiftRequest> list_open_gifts(const std::optional<std::string>& streamer_id) const;
    // Viewer has a Pending/SelectingItem/ItemSelected/WaitingConfirmation request for the streamer.
    bool has_active_gift(std::string_view streamer_id, std::string_view viewer_id) const;
    // Streamer has a request in SelectingItem or WaitingConfirmation.
    bool has_gift_in_promotion(std::string_view streamer_id) const;
    std::optional<GiftRequest> oldest_pending_gift(std::string_view streamer_id) const;
    // SelectingItem/WaitingConfirmation with timeoutAt < now (strict), createdAt asc.
    std::vector<GiftRequest> gifts_timed_out(sim::Instant now) const;

    // --- gift usage markers ---
    std::optional<GiftUsage> find_gift_usage(std::string_view id) const;
    void upsert_gift_usage(const GiftUsage& usage);

    // --- audit events (append-only; version = next in the stream) ---
    void append_event(std::string_view stream_id, std::string_view type, std::string data_json, sim::Instant at);
    std::vector<AuditEvent> list_events() const;                              // seq order
    std::vector<AuditEvent> list_events(std::string_view stream_id) const;    // version order

    struct Statement;   // RAII prepared statement (sqlite_store.cpp)

private:
    void exec(const char* sql);
    void migrate();
    Statement prepare(std::string_view sql) const;
    void finalize_cached_statements();

    // Prepared statements by SQL text, reused across calls (re-preparing every statement dominated the
    // profiles: docs/BENCHMARKS.md). An entry in use is not handed out twice: a nested use of the same SQL
    // gets a fresh statement that is finalized after use.
    struct CachedStatement {
        sqlite3_stmt* stmt = nullptr;
        bool in_use = false;
    };
    mutable std::map<std::string, CachedStatement, std::less<>> statement_cache_;
    std::vector<std::string> data_tables() const;   // every table but schema_version, by name
    std::vector<std::string> clear_statements_;   // clear_all_data(): one DELETE per table, listed once
    sqlite3* db_ = nullptr;
    int transaction_depth_ = 0;
    std::function<void()> on_batch_opened_;   // set: group commit is on
    bool batch_open_ = false;
};

}  // namespace mgm::backend

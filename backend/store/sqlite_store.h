// The EBS store (backend/domain/store.h) on SQLite: versioned migrations, typed reads/writes, one write
// transaction per state change. Times are integer 100 ns ticks bound as parameters; SQL never calls now/random.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/domain/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace mgm::backend {

class SqliteStore final : public Store {
public:
    // ":memory:" (default in simulation) or a file path (WAL journal mode is enabled for files).
    // Runs every pending migration; opening an up-to-date database is a no-op.
    explicit SqliteStore(const std::string& path = ":memory:");
    // ":memory:" (and "", which the store treats the same way): no file, no WAL.
    static bool is_in_memory(std::string_view path) { return path.empty() || path == ":memory:"; }
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    int schema_version() const override;  // highest applied migration
    static int latest_schema_version();  // number of migrations compiled in
    std::string journal_mode() const;  // "wal" for files, "memory" for :memory:

    // Deletes every row of every table and resets the AUTOINCREMENT counters, keeping the connection, the
    // schema and the prepared statements (StoreRecycler): afterwards the store answers like a new one.
    // Throws StoreError inside a transaction or with a group-commit batch open.
    void clear_all_data() override;
    // Lowercase hex SHA-256 over every table's rows (sqlite_sequence included), each table in key order:
    // two stores with the same digest hold the same data, however their pages are laid out.
    std::string content_digest() const override;

    // BEGIN IMMEDIATE ... COMMIT: SQLite's one writer at a time gives the Store's concurrency contract.
    void transaction(const std::function<void()>& fn) override;

    void enable_group_commit(std::function<void()> on_batch_opened) override;
    bool has_uncommitted_batch() const override { return batch_open_; }
    void commit_batch() override;

    // The records (comments in backend/domain/store.h).
    // --- pool (ordered by seq) ---
    std::vector<PoolMember> list_pool() const override;
    std::int64_t pool_size() const override;
    std::optional<PoolMember> pool_member_at(std::int64_t index) const override;
    std::optional<PoolMember> find_pool_member(std::string_view twitch_user_id) const override;
    bool character_name_taken_by_other(std::string_view character_name, std::string_view twitch_user_id) const override;
    int remove_pool_member(std::string_view twitch_user_id) override;
    void append_pool_member(const PoolMember& member) override;

    // --- spin state (singleton) ---
    std::optional<SpinState> load_spin() const override;
    void save_spin(const SpinState& spin) override;

    // --- payouts ---
    void insert_payout(const Payout& payout) override;
    void update_payout(const Payout& payout) override;
    std::optional<Payout> find_payout(const sim::Uuid& id) const override;
    std::vector<Payout> list_payouts() const override;
    std::vector<Payout> list_payouts_with_status(PayoutStatus status) const override;
    std::optional<Payout> latest_payout_for_user(std::string_view twitch_user_id) const override;
    std::optional<Payout> latest_pending_payout_for_user(std::string_view twitch_user_id) const override;
    bool has_active_payout(std::string_view twitch_user_id) const override;
    std::int64_t sent_gold_sum(std::string_view twitch_user_id) const override;
    std::vector<Payout> active_payouts_created_before(sim::Instant cutoff) const override;

    // --- claim idempotency ---
    std::optional<EnrollmentRecord> find_enrollment(std::string_view enrollment_request_id) const override;
    void insert_enrollment(const EnrollmentRecord& record) override;

    // --- chat dedup (EventSub message ids of successful enrollments) ---
    bool has_chat_dedup(std::string_view message_id) const override;
    void insert_chat_dedup(std::string_view message_id, sim::Instant processed_at) override;
    std::int64_t chat_dedup_count() const override;

    // --- gift requests ---
    void insert_gift(const GiftRequest& gift) override;
    void update_gift(const GiftRequest& gift) override;
    std::optional<GiftRequest> find_gift(const sim::Uuid& id) const override;
    std::vector<GiftRequest> list_gifts() const override;
    std::vector<GiftRequest> list_open_gifts(const std::optional<std::string>& streamer_id) const override;
    bool has_active_gift(std::string_view streamer_id, std::string_view viewer_id) const override;
    bool has_gift_in_promotion(std::string_view streamer_id) const override;
    std::optional<GiftRequest> oldest_pending_gift(std::string_view streamer_id) const override;
    std::vector<GiftRequest> gifts_timed_out(sim::Instant now) const override;

    // --- gift usage markers ---
    std::optional<GiftUsage> find_gift_usage(std::string_view id) const override;
    void upsert_gift_usage(const GiftUsage& usage) override;

    // --- audit events (append-only; version = next in the stream) ---
    void append_event(std::string_view stream_id, std::string_view type, std::string data_json,
                      sim::Instant at) override;
    std::vector<AuditEvent> list_events() const override;
    std::vector<AuditEvent> list_events(std::string_view stream_id) const override;

    struct Statement;  // RAII prepared statement (sqlite_store.cpp)

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
    std::vector<std::string> data_tables() const;  // every table but schema_version, by name
    std::vector<std::string> clear_statements_;  // clear_all_data(): one DELETE per table, listed once
    sqlite3* db_ = nullptr;
    int transaction_depth_ = 0;

    // Written-through caches of a ":memory:" store, whose only writer is this connection (a file may be shared
    // by several processes, so file stores read every time). The synchronizer reads the spin state every
    // simulated second, each draw needs the pool's size and one member by position, and the gift sweep
    // looks for timed-out requests every 5 s: in memory these answer without a statement. Every write of
    // the cached data updates them; a rollback or clear_all_data drops them (the next read reloads).
    void drop_caches() const;
    const std::vector<std::int64_t>& pool_seqs() const;  // memory stores: every pool seq, ascending
    void lower_gift_timeout_floor(const GiftRequest& gift) const;
    bool caching_ = false;
    mutable bool spin_cached_ = false;
    mutable std::optional<SpinState> spin_;
    mutable bool pool_cached_ = false;
    mutable std::vector<std::int64_t> pool_seqs_;
    // No gift in SelectingItem/WaitingConfirmation has a timeout before this (nullopt: there is none such).
    // Never later than the true earliest: writes can only lower it, and a sweep that finds work recomputes it.
    mutable bool gift_timeout_floor_cached_ = false;
    mutable std::optional<sim::Instant> gift_timeout_floor_;
    std::function<void()> on_batch_opened_;  // set: group commit is on
    bool batch_open_ = false;
};

}  // namespace mgm::backend

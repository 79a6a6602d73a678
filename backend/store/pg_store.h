// The EBS store (backend/domain/store.h) on PostgreSQL through libpq: real-socket mode only (`mgm-sim serve`
// with ConnectionStrings:PostgreSQL); the simulation stays on in-memory SQLite.
//
// - Versioned migrations (schema_version table), applied under an advisory lock so that two processes
//   starting together migrate once.
// - Times are bigint 100 ns ticks, exactly as the EBS clock gives them (timestamptz would keep only us).
// - libpq is loaded (dlopen) when the first store opens: programs that never open one do not pay for it.
// - Every statement is prepared once per connection (by SQL text) and run with bound parameters.
// - Concurrency: each write transaction first takes one transaction-scoped advisory lock (the same key in
//   every EBS process on the database), so write transactions run one at a time, as SQLite's BEGIN
//   IMMEDIATE makes them; inside one, READ COMMITTED reads see everything committed before, and nobody else
//   commits until it ends, so the services' check-then-write rules hold across processes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backend/domain/store.h"

struct pg_conn;
struct pg_result;

namespace mgm::backend {

// A parsed ConnectionStrings:PostgreSQL (Npgsql's key=value format) as libpq connection keywords.
struct PgConnectionSettings {
    std::vector<std::pair<std::string, std::string>> libpq;  // keyword -> value, for PQconnectdbParams
    int startup_wait_seconds = 15;  // Timeout (Npgsql's default 15): how long to wait for the server to accept
    std::string redacted;  // the connection string with the password replaced, for messages
    std::string host_port() const;  // "host:port" for messages
    // One probe: true when the server answers (even if it would refuse these credentials), false while it is
    // not up or still starting. The startup wait around it is the caller's (harness/cli/serve_store.cpp), so
    // that the backend never waits in real time. Throws StoreError when libpq cannot be loaded.
    bool server_accepting_connections() const;
    std::string not_accepting_message() const;  // after startup_wait_seconds of probes, naming the setting

    // Throws ConfigError naming the key and the setting for an unknown key, a bad value or bad syntax.
    static PgConnectionSettings parse(std::string_view connection_string);
};

struct PgStoreOptions {
    // Test switch only (Mgm:PostgreSQLWriterLock=false): without the writers' advisory lock, two EBS processes'
    // check-then-write rules race (docs/RELIABILITY.md shows the broken invariants).
    bool writer_lock = true;
};

class PgStore final : public Store {
public:
    // Connects once (no waiting: serve waits for the server first), then runs the pending migrations. Throws
    // StoreError naming ConnectionStrings:PostgreSQL when it cannot, or when libpq cannot be loaded.
    explicit PgStore(const PgConnectionSettings& settings, PgStoreOptions options = {});
    explicit PgStore(std::string_view connection_string) : PgStore(PgConnectionSettings::parse(connection_string)) {}
    ~PgStore() override;
    PgStore(const PgStore&) = delete;
    PgStore& operator=(const PgStore&) = delete;

    int schema_version() const override;
    static int latest_schema_version();
    void clear_all_data() override;  // TRUNCATE ... RESTART IDENTITY
    std::string content_digest() const override;

    void transaction(const std::function<void()>& fn) override;
    void enable_group_commit(std::function<void()> on_batch_opened) override;
    bool has_uncommitted_batch() const override { return batch_open_; }
    void commit_batch() override;

    // The records (comments in backend/domain/store.h).
    std::vector<PoolMember> list_pool() const override;
    std::int64_t pool_size() const override;
    std::optional<PoolMember> pool_member_at(std::int64_t index) const override;
    std::optional<PoolMember> find_pool_member(std::string_view twitch_user_id) const override;
    bool character_name_taken_by_other(std::string_view character_name, std::string_view twitch_user_id) const override;
    int remove_pool_member(std::string_view twitch_user_id) override;
    void append_pool_member(const PoolMember& member) override;

    std::optional<SpinState> load_spin() const override;
    void save_spin(const SpinState& spin) override;

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

    std::optional<EnrollmentRecord> find_enrollment(std::string_view enrollment_request_id) const override;
    void insert_enrollment(const EnrollmentRecord& record) override;

    bool has_chat_dedup(std::string_view message_id) const override;
    void insert_chat_dedup(std::string_view message_id, sim::Instant processed_at) override;
    std::int64_t chat_dedup_count() const override;

    void insert_gift(const GiftRequest& gift) override;
    void update_gift(const GiftRequest& gift) override;
    std::optional<GiftRequest> find_gift(const sim::Uuid& id) const override;
    std::vector<GiftRequest> list_gifts() const override;
    std::vector<GiftRequest> list_open_gifts(const std::optional<std::string>& streamer_id) const override;
    bool has_active_gift(std::string_view streamer_id, std::string_view viewer_id) const override;
    bool has_gift_in_promotion(std::string_view streamer_id) const override;
    std::optional<GiftRequest> oldest_pending_gift(std::string_view streamer_id) const override;
    std::vector<GiftRequest> gifts_timed_out(sim::Instant now) const override;

    std::optional<GiftUsage> find_gift_usage(std::string_view id) const override;
    void upsert_gift_usage(const GiftUsage& usage) override;

    void append_event(std::string_view stream_id, std::string_view type, std::string data_json,
                      sim::Instant at) override;
    std::vector<AuditEvent> list_events() const override;
    std::vector<AuditEvent> list_events(std::string_view stream_id) const override;

    class Result;  // RAII PGresult (pg_store.cpp)
    struct Params;  // text parameters of one statement (pg_store.cpp)

private:
    Result execute(std::string_view sql, const Params& params) const;
    template <class... Args>
    Result run(std::string_view sql, const Args&... args) const;
    void exec_simple(const char* sql) const;  // simple-query protocol (several statements allowed)
    void begin_write_transaction();  // BEGIN + the writers' advisory lock
    void migrate();

    pg_conn* conn_ = nullptr;
    std::string redacted_;
    mutable std::map<std::string, std::string, std::less<>> prepared_;  // SQL text -> statement name
    int transaction_depth_ = 0;
    std::function<void()> on_batch_opened_;  // set: group commit is on
    bool batch_open_ = false;
    bool writer_lock_ = true;
};

}  // namespace mgm::backend

#include "backend/store/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "backend/store/record_rows.h"
#include "backend/store/sqlite_migrations.h"
#include "backend/store/wal_batching_vfs.h"
#include "sim/core/crypto.h"

namespace mgm::backend {

using namespace rows;

// ---------------------------------------------------------------------------------------------------
// RAII prepared statement with positional binding (1-based, in the order of the '?' in the SQL).
struct SqliteStore::Statement {
    sqlite3* db = nullptr;
    sqlite3_stmt* stmt = nullptr;
    int next_index = 1;
    bool* cached_in_use = nullptr;  // set when stmt belongs to the store's cache: reset and hand back, not finalize

    Statement(sqlite3* d, sqlite3_stmt* s, bool* in_use = nullptr) : db(d), stmt(s), cached_in_use(in_use) {}
    Statement(Statement&& o) noexcept
        : db(o.db),
          stmt(std::exchange(o.stmt, nullptr)),
          next_index(o.next_index),
          cached_in_use(std::exchange(o.cached_in_use, nullptr)) {}
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement() {
        if (cached_in_use == nullptr) {
            sqlite3_finalize(stmt);
            return;
        }
        sqlite3_reset(stmt);  // ends its read/write of the database now, as finalize did
        sqlite3_clear_bindings(stmt);
        *cached_in_use = false;
    }

    [[noreturn]] void fail(const char* what) const {
        throw StoreError(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db));
    }
    void check(int rc, const char* what) const {
        if (rc != SQLITE_OK) fail(what);
    }

    void bind_one(std::string_view v) {
        check(sqlite3_bind_text(stmt, next_index++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT),
              "bind text");
    }
    void bind_one(const std::string& v) { bind_one(std::string_view(v)); }
    void bind_one(const char* v) { bind_one(std::string_view(v)); }
    void bind_one(std::int64_t v) { check(sqlite3_bind_int64(stmt, next_index++, v), "bind int"); }
    void bind_one(int v) { bind_one(static_cast<std::int64_t>(v)); }
    void bind_one(bool v) { bind_one(static_cast<std::int64_t>(v ? 1 : 0)); }
    void bind_one(sim::Instant t) { bind_one(t.ticks); }
    void bind_one(const sim::Uuid& id) { bind_one(id.str()); }
    void bind_one(std::nullopt_t) { check(sqlite3_bind_null(stmt, next_index++), "bind null"); }
    template <class T>
    void bind_one(const std::optional<T>& v) {
        if (v) bind_one(*v);
        else bind_one(std::nullopt);
    }

    template <class... Args>
    Statement& bind(const Args&... args) {
        (bind_one(args), ...);
        return *this;
    }

    // True when a row is available; false when done.
    bool step() {
        const int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail("step");
    }
    void run() {
        while (step()) {}
    }

    bool is_null(int col) const { return sqlite3_column_type(stmt, col) == SQLITE_NULL; }
    std::string text(int col) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
        const int n = sqlite3_column_bytes(stmt, col);
        return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(stmt, col); }
    sim::Instant instant(int col) const { return sim::Instant{integer(col)}; }
    sim::Uuid uuid(int col) const {
        auto id = sim::Uuid::parse_hyphenated(text(col));
        if (!id) throw StoreError("stored uuid is malformed: " + text(col));
        return *id;
    }
    std::optional<std::string> opt_text(int col) const {
        return is_null(col) ? std::nullopt : std::optional(text(col));
    }
    std::optional<sim::Instant> opt_instant(int col) const {
        return is_null(col) ? std::nullopt : std::optional(instant(col));
    }
    std::optional<sim::Uuid> opt_uuid(int col) const { return is_null(col) ? std::nullopt : std::optional(uuid(col)); }
};

namespace {

template <class Reader>
auto collect(SqliteStore::Statement& st, Reader read) {
    std::vector<decltype(read(st))> out;
    while (st.step()) out.push_back(read(st));
    return out;
}

// Copies the migrated image into `db` (an empty ":memory:" connection) with the backup API, so the store
// stays a plain in-memory database (no memdb size cap); the image is only read, through a read-only view.
void load_migrated_image(sqlite3* db) {
    const std::string_view image = sqlite_schema_image();
    sqlite3* source = nullptr;
    int rc =
        sqlite3_open_v2(":memory:", &source, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc == SQLITE_OK)
        rc = sqlite3_deserialize(source, "main", reinterpret_cast<unsigned char*>(const_cast<char*>(image.data())),
                                 static_cast<sqlite3_int64>(image.size()), static_cast<sqlite3_int64>(image.size()),
                                 SQLITE_DESERIALIZE_READONLY);
    if (rc == SQLITE_OK) {
        sqlite3_backup* backup = sqlite3_backup_init(db, "main", source, "main");
        if (backup == nullptr) {
            rc = sqlite3_errcode(db);
        } else {
            sqlite3_backup_step(backup, -1);
            rc = sqlite3_backup_finish(backup);
        }
    }
    sqlite3_close(source);
    if (rc != SQLITE_OK) throw StoreError(std::string("sqlite loading the migrated schema: ") + sqlite3_errstr(rc));
}

}  // namespace

// ---------------------------------------------------------------------------------------------------

SqliteStore::SqliteStore(const std::string& path) {
    // No global memory statistics (nothing reads them): with them on, every SQLite allocation takes a
    // process-wide mutex (docs/BENCHMARKS.md). Only possible before SQLite initializes; later
    // calls are a harmless SQLITE_MISUSE. Done once per process.
    static const bool memory_statistics_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
    (void)memory_statistics_off;
    // A file database's WAL writes go out once per commit (wal_batching_vfs.h), not twice per page.
    const bool in_memory = is_in_memory(path);
    const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   in_memory ? nullptr : wal_batching_vfs_name());
    if (rc != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw StoreError("cannot open SQLite database '" + path + "': " + message);
    }
    try {
        if (!in_memory) {
            exec("PRAGMA journal_mode=WAL");
            exec("PRAGMA synchronous=NORMAL");
            // EventSub ingestion writes pages all over three indexes (random names, user ids, message ids):
            // checkpointing every 10,000 WAL pages instead of 1,000 writes each hot page back once instead
            // of ten times, and a 32 MiB page cache keeps those indexes out of pread (docs/BENCHMARKS.md §4).
            exec("PRAGMA wal_autocheckpoint=10000");
            exec("PRAGMA cache_size=-32768");
        }
        if (path == ":memory:") load_migrated_image(db_);  // then migrate() finds nothing to do
        migrate();
        caching_ = in_memory;
    } catch (...) {
        finalize_cached_statements();
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

SqliteStore::~SqliteStore() {
    try {
        commit_batch();  // nothing in it was acknowledged yet, but keeping it loses nothing either
    } catch (const StoreError&) {}
    finalize_cached_statements();
    sqlite3_close(db_);
}

void SqliteStore::finalize_cached_statements() {
    for (auto& entry : statement_cache_) sqlite3_finalize(entry.second.stmt);
    statement_cache_.clear();
}

void SqliteStore::exec(const char* text) {
    char* error = nullptr;
    if (sqlite3_exec(db_, text, nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw StoreError("sqlite exec: " + message);
    }
}

SqliteStore::Statement SqliteStore::prepare(std::string_view text) const {
    auto cached = statement_cache_.find(text);
    if (cached != statement_cache_.end() && !cached->second.in_use) {
        cached->second.in_use = true;
        return Statement(db_, cached->second.stmt, &cached->second.in_use);
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, text.data(), static_cast<int>(text.size()), &stmt, nullptr) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        throw StoreError(std::string("sqlite prepare: ") + sqlite3_errmsg(db_) + " in: " + std::string(text));
    }
    if (cached != statement_cache_.end()) return Statement(db_, stmt);  // nested use of a busy entry
    auto& entry = statement_cache_.emplace(std::string(text), CachedStatement{stmt, true}).first->second;
    return Statement(db_, stmt, &entry.in_use);
}

int SqliteStore::latest_schema_version() { return sqlite_migration_count(); }

int SqliteStore::schema_version() const {
    auto st = prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    st.step();
    return static_cast<int>(st.integer(0));
}

std::string SqliteStore::journal_mode() const {
    auto st = prepare("PRAGMA journal_mode");
    st.step();
    return st.text(0);
}

void SqliteStore::migrate() { apply_sqlite_migrations(db_); }

std::vector<std::string> SqliteStore::data_tables() const {
    // sqlite_sequence holds the AUTOINCREMENT counters: emptying it restarts them at 1, as in a new database.
    auto st = prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_version' ORDER BY name");
    std::vector<std::string> names;
    while (st.step()) names.push_back(st.text(0));
    return names;
}

void SqliteStore::clear_all_data() {
    if (transaction_depth_ > 0 || batch_open_) throw StoreError("clear_all_data inside a transaction");
    if (clear_statements_.empty())
        for (const auto& table : data_tables()) clear_statements_.push_back("DELETE FROM \"" + table + "\"");
    drop_caches();
    transaction([this] {
        for (const auto& sql : clear_statements_) prepare(sql).run();
    });
}

void SqliteStore::drop_caches() const {
    spin_cached_ = false;
    spin_.reset();
    pool_cached_ = false;
    pool_seqs_.clear();
    gift_timeout_floor_cached_ = false;
}

std::string SqliteStore::content_digest() const {
    std::string rows;
    for (const auto& table : data_tables()) {
        rows += "table " + table + "\n";
        // A plain scan is in rowid (or WITHOUT ROWID key) order: set by the data, not by the page layout.
        auto st = prepare("SELECT * FROM \"" + table + "\"");
        while (st.step()) {
            for (int col = 0; col < sqlite3_column_count(st.stmt); ++col) {
                const int type = sqlite3_column_type(st.stmt, col);
                rows += std::to_string(type) + ':' + (type == SQLITE_NULL ? std::string() : st.text(col)) + '\x1f';
            }
            rows += '\n';
        }
    }
    return sim::crypto::to_hex_lower(sim::crypto::sha256(rows));
}

void SqliteStore::transaction(const std::function<void()>& fn) {
    if (transaction_depth_ > 0) {  // join the outer transaction
        fn();
        return;
    }
    // With group commit the unit is a savepoint of the open batch (opened here if needed), else a transaction.
    const bool batched = static_cast<bool>(on_batch_opened_);
    if (batched && !batch_open_) {
        prepare("BEGIN IMMEDIATE").run();
        batch_open_ = true;
        on_batch_opened_();
    }
    prepare(batched ? "SAVEPOINT unit" : "BEGIN IMMEDIATE").run();
    transaction_depth_ = 1;
    try {
        fn();
        transaction_depth_ = 0;
        prepare(batched ? "RELEASE unit" : "COMMIT").run();
    } catch (...) {
        transaction_depth_ = 0;
        sqlite3_exec(db_, batched ? "ROLLBACK TO unit; RELEASE unit" : "ROLLBACK", nullptr, nullptr, nullptr);
        drop_caches();
        throw;
    }
}

void SqliteStore::enable_group_commit(std::function<void()> on_batch_opened) {
    on_batch_opened_ = std::move(on_batch_opened);
}

void SqliteStore::commit_batch() {
    if (!batch_open_) return;
    batch_open_ = false;
    try {
        prepare("COMMIT").run();
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        drop_caches();
        throw;
    }
}

// --- pool ---

std::vector<PoolMember> SqliteStore::list_pool() const {
    auto st = prepare(sql({"SELECT ", kPoolColumns, " FROM pool_member ORDER BY seq"}));
    return collect(st, read_pool_member<Statement>);
}

const std::vector<std::int64_t>& SqliteStore::pool_seqs() const {
    if (!pool_cached_) {
        pool_seqs_.clear();
        auto st = prepare("SELECT seq FROM pool_member ORDER BY seq");
        while (st.step()) pool_seqs_.push_back(st.integer(0));
        pool_cached_ = true;
    }
    return pool_seqs_;
}

std::int64_t SqliteStore::pool_size() const {
    if (caching_) return static_cast<std::int64_t>(pool_seqs().size());
    auto st = prepare("SELECT COUNT(*) FROM pool_member");
    st.step();
    return st.integer(0);
}

std::optional<PoolMember> SqliteStore::pool_member_at(std::int64_t index) const {
    if (index < 0) return std::nullopt;
    if (caching_) {
        const auto& seqs = pool_seqs();
        if (index >= static_cast<std::int64_t>(seqs.size())) return std::nullopt;
        auto st = prepare(sql({"SELECT ", kPoolColumns, " FROM pool_member WHERE seq = ?"}));
        st.bind(seqs[static_cast<std::size_t>(index)]);
        if (!st.step()) return std::nullopt;
        return read_pool_member(st);
    }
    auto st = prepare(sql({"SELECT ", kPoolColumns, " FROM pool_member ORDER BY seq LIMIT 1 OFFSET ?"}));
    st.bind(index);
    if (!st.step()) return std::nullopt;
    return read_pool_member(st);
}

std::optional<PoolMember> SqliteStore::find_pool_member(std::string_view user) const {
    auto st = prepare(sql({"SELECT ", kPoolColumns, " FROM pool_member WHERE twitch_user_id = ?"}));
    st.bind(user);
    if (!st.step()) return std::nullopt;
    return read_pool_member(st);
}

bool SqliteStore::character_name_taken_by_other(std::string_view name, std::string_view user) const {
    auto st = prepare("SELECT 1 FROM pool_member WHERE character_name = ? AND twitch_user_id <> ? LIMIT 1");
    st.bind(name, user);
    return st.step();
}

int SqliteStore::remove_pool_member(std::string_view user) {
    if (!pool_cached_) {
        prepare("DELETE FROM pool_member WHERE twitch_user_id = ?").bind(user).run();
        return sqlite3_changes(db_);
    }
    auto st = prepare("DELETE FROM pool_member WHERE twitch_user_id = ? RETURNING seq");
    st.bind(user);
    int removed = 0;
    while (st.step()) {
        const std::int64_t seq = st.integer(0);
        auto it = std::lower_bound(pool_seqs_.begin(), pool_seqs_.end(), seq);
        if (it != pool_seqs_.end() && *it == seq) pool_seqs_.erase(it);
        ++removed;
    }
    return removed;
}

void SqliteStore::append_pool_member(const PoolMember& m) {
    prepare("INSERT INTO pool_member(twitch_user_id, display_name, character_name) VALUES (?, ?, ?)")
        .bind(m.twitch_user_id, m.twitch_display_name, m.character_name)
        .run();
    // seq is the rowid and a new row gets max(seq) + 1: it goes at the end.
    if (pool_cached_) pool_seqs_.push_back(sqlite3_last_insert_rowid(db_));
}

// --- spin ---

std::optional<SpinState> SqliteStore::load_spin() const {
    if (spin_cached_) return spin_;
    auto st = prepare(sql({"SELECT ", kSpinColumns, " FROM spin_state WHERE id = 1"}));
    std::optional<SpinState> spin;
    if (st.step()) spin = read_spin(st);
    if (caching_) {
        spin_ = spin;
        spin_cached_ = true;
    }
    return spin;
}

void SqliteStore::save_spin(const SpinState& s) {
    auto st = prepare(
        sql({"INSERT OR REPLACE INTO spin_state(id, ", kSpinColumns, ") VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)"}));
    bind_spin(st, s);
    st.run();
    if (caching_) {
        spin_ = s;
        spin_cached_ = true;
    }
}

// --- payouts ---

void SqliteStore::insert_payout(const Payout& p) {
    auto st = prepare(sql({"INSERT INTO payout(", kPayoutColumns, ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"}));
    st.bind(p.id);
    bind_payout_fields(st, p);
    st.run();
}

void SqliteStore::update_payout(const Payout& p) {
    auto st = prepare(
        "UPDATE payout SET twitch_user_id = ?, display_name = ?, character_name = ?, gold_amount = ?, "
        "enrollment_request_id = ?, status = ?, created_at = ?, updated_at = ?, winner_accepted_at = ?, announced = ?, "
        "spin_cycle_id = ? WHERE id = ?");
    bind_payout_fields(st, p);
    st.bind(p.id);
    st.run();
    if (sqlite3_changes(db_) != 1) throw StoreError("update_payout: no payout " + p.id.str());
}

std::optional<Payout> SqliteStore::find_payout(const sim::Uuid& id) const {
    auto st = prepare(sql({"SELECT ", kPayoutColumns, " FROM payout WHERE id = ?"}));
    st.bind(id);
    if (!st.step()) return std::nullopt;
    return read_payout(st);
}

std::vector<Payout> SqliteStore::list_payouts() const {
    auto st = prepare(sql({"SELECT ", kPayoutColumns, " FROM payout ORDER BY created_at, seq"}));
    return collect(st, read_payout<Statement>);
}

std::vector<Payout> SqliteStore::list_payouts_with_status(PayoutStatus status) const {
    auto st = prepare(sql({"SELECT ", kPayoutColumns, " FROM payout WHERE status = ? ORDER BY created_at, seq"}));
    st.bind(status_int(status));
    return collect(st, read_payout<Statement>);
}

std::optional<Payout> SqliteStore::latest_payout_for_user(std::string_view user) const {
    auto st = prepare(sql({"SELECT ", kPayoutColumns,
                           " FROM payout WHERE twitch_user_id = ? ORDER BY created_at DESC, seq DESC LIMIT 1"}));
    st.bind(user);
    if (!st.step()) return std::nullopt;
    return read_payout(st);
}

std::optional<Payout> SqliteStore::latest_pending_payout_for_user(std::string_view user) const {
    auto st = prepare(
        sql({"SELECT ", kPayoutColumns,
             " FROM payout WHERE twitch_user_id = ? AND status = ? ORDER BY created_at DESC, seq DESC LIMIT 1"}));
    st.bind(user, status_int(PayoutStatus::Pending));
    if (!st.step()) return std::nullopt;
    return read_payout(st);
}

bool SqliteStore::has_active_payout(std::string_view user) const {
    // A range, not `IN (?, ?)` (or the OR that SQLite rewrites into it): an IN list is copied into an ephemeral
    // b-tree on every run, which made this the costliest statement of a chat enrollment.
    static_assert(static_cast<int>(PayoutStatus::InProgress) == static_cast<int>(PayoutStatus::Pending) + 1,
                  "the active statuses must be adjacent for the range below");
    auto st = prepare("SELECT 1 FROM payout WHERE twitch_user_id = ? AND status BETWEEN ? AND ? LIMIT 1");
    st.bind(user, status_int(PayoutStatus::Pending), status_int(PayoutStatus::InProgress));
    return st.step();
}

std::int64_t SqliteStore::sent_gold_sum(std::string_view user) const {
    auto st = prepare("SELECT COALESCE(SUM(gold_amount), 0) FROM payout WHERE twitch_user_id = ? AND status = ?");
    st.bind(user, status_int(PayoutStatus::Sent));
    st.step();
    return st.integer(0);
}

std::vector<Payout> SqliteStore::active_payouts_created_before(sim::Instant cutoff) const {
    auto st = prepare(sql({"SELECT ", kPayoutColumns,
                           " FROM payout WHERE status IN (?, ?) AND created_at < ? ORDER BY created_at, seq"}));
    st.bind(status_int(PayoutStatus::Pending), status_int(PayoutStatus::InProgress), cutoff);
    return collect(st, read_payout<Statement>);
}

// --- claim idempotency ---

std::optional<EnrollmentRecord> SqliteStore::find_enrollment(std::string_view id) const {
    auto st = prepare(
        "SELECT id, twitch_user_id, display_name, character_name, enrolled_at FROM enrollment_idempotency WHERE id = "
        "?");
    st.bind(id);
    if (!st.step()) return std::nullopt;
    return read_enrollment(st);
}

void SqliteStore::insert_enrollment(const EnrollmentRecord& r) {
    prepare(
        "INSERT INTO enrollment_idempotency(id, twitch_user_id, display_name, character_name, enrolled_at) "
        "VALUES (?, ?, ?, ?, ?)")
        .bind(r.enrollment_request_id, r.twitch_user_id, r.twitch_display_name, r.character_name, r.enrolled_at)
        .run();
}

// --- chat dedup ---

bool SqliteStore::has_chat_dedup(std::string_view message_id) const {
    auto st = prepare("SELECT 1 FROM chat_dedup WHERE message_id = ?");
    st.bind(message_id);
    return st.step();
}

void SqliteStore::insert_chat_dedup(std::string_view message_id, sim::Instant at) {
    prepare("INSERT OR REPLACE INTO chat_dedup(message_id, processed_at) VALUES (?, ?)").bind(message_id, at).run();
}

std::int64_t SqliteStore::chat_dedup_count() const {
    auto st = prepare("SELECT COUNT(*) FROM chat_dedup");
    st.step();
    return st.integer(0);
}

// --- gifts ---

void SqliteStore::insert_gift(const GiftRequest& g) {
    auto st = prepare(sql({"INSERT INTO gift_request(", kGiftColumns,
                           ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"}));
    st.bind(g.id);
    bind_gift_fields(st, g);
    st.run();
    lower_gift_timeout_floor(g);
}

void SqliteStore::update_gift(const GiftRequest& g) {
    auto st = prepare(
        "UPDATE gift_request SET streamer_id = ?, viewer_id = ?, viewer_display_name = ?, character_name = ?, state = "
        "?, "
        "has_item = ?, item_name = ?, item_id = ?, item_count = ?, item_link = ?, item_texture = ?, item_bag_id = ?, "
        "item_slot_id = ?, created_at = ?, updated_at = ?, timeout_at = ?, failure_reason = ? WHERE id = ?");
    bind_gift_fields(st, g);
    st.bind(g.id);
    st.run();
    if (sqlite3_changes(db_) != 1) throw StoreError("update_gift: no gift request " + g.id.str());
    lower_gift_timeout_floor(g);
}

std::optional<GiftRequest> SqliteStore::find_gift(const sim::Uuid& id) const {
    auto st = prepare(sql({"SELECT ", kGiftColumns, " FROM gift_request WHERE id = ?"}));
    st.bind(id);
    if (!st.step()) return std::nullopt;
    return read_gift(st);
}

std::vector<GiftRequest> SqliteStore::list_gifts() const {
    auto st = prepare(sql({"SELECT ", kGiftColumns, " FROM gift_request ORDER BY created_at, seq"}));
    return collect(st, read_gift<Statement>);
}

std::vector<GiftRequest> SqliteStore::list_open_gifts(const std::optional<std::string>& streamer_id) const {
    const int completed = state_int(GiftRequestState::Completed);
    const int failed = state_int(GiftRequestState::Failed);
    if (streamer_id) {
        auto st =
            prepare(sql({"SELECT ", kGiftColumns,
                         " FROM gift_request WHERE state NOT IN (?, ?) AND streamer_id = ? ORDER BY created_at, seq"}));
        st.bind(completed, failed, *streamer_id);
        return collect(st, read_gift<Statement>);
    }
    auto st = prepare(
        sql({"SELECT ", kGiftColumns, " FROM gift_request WHERE state NOT IN (?, ?) ORDER BY created_at, seq"}));
    st.bind(completed, failed);
    return collect(st, read_gift<Statement>);
}

bool SqliteStore::has_active_gift(std::string_view streamer, std::string_view viewer) const {
    auto st =
        prepare("SELECT 1 FROM gift_request WHERE streamer_id = ? AND viewer_id = ? AND state IN (?, ?, ?, ?) LIMIT 1");
    st.bind(streamer, viewer, state_int(GiftRequestState::Pending), state_int(GiftRequestState::SelectingItem),
            state_int(GiftRequestState::ItemSelected), state_int(GiftRequestState::WaitingConfirmation));
    return st.step();
}

bool SqliteStore::has_gift_in_promotion(std::string_view streamer) const {
    auto st = prepare("SELECT 1 FROM gift_request WHERE streamer_id = ? AND state IN (?, ?) LIMIT 1");
    st.bind(streamer, state_int(GiftRequestState::SelectingItem), state_int(GiftRequestState::WaitingConfirmation));
    return st.step();
}

std::optional<GiftRequest> SqliteStore::oldest_pending_gift(std::string_view streamer) const {
    auto st = prepare(sql({"SELECT ", kGiftColumns,
                           " FROM gift_request WHERE streamer_id = ? AND state = ? ORDER BY created_at, seq LIMIT 1"}));
    st.bind(streamer, state_int(GiftRequestState::Pending));
    if (!st.step()) return std::nullopt;
    return read_gift(st);
}

void SqliteStore::lower_gift_timeout_floor(const GiftRequest& g) const {
    if (!gift_timeout_floor_cached_ || !g.timeout_at) return;
    if (g.state != GiftRequestState::SelectingItem && g.state != GiftRequestState::WaitingConfirmation) return;
    if (!gift_timeout_floor_ || *g.timeout_at < *gift_timeout_floor_) gift_timeout_floor_ = g.timeout_at;
}

std::vector<GiftRequest> SqliteStore::gifts_timed_out(sim::Instant now) const {
    // Nothing can have timed out before the earliest timeout.
    if (gift_timeout_floor_cached_ && (!gift_timeout_floor_ || now <= *gift_timeout_floor_)) return {};
    auto st = prepare(sql({"SELECT ", kGiftColumns,
                           " FROM gift_request WHERE state IN (?, ?) AND timeout_at IS NOT NULL AND timeout_at < ? "
                           "ORDER BY created_at, seq"}));
    st.bind(state_int(GiftRequestState::SelectingItem), state_int(GiftRequestState::WaitingConfirmation), now);
    auto timed_out = collect(st, read_gift<Statement>);
    if (caching_) {
        auto floor = prepare(
            "SELECT MIN(timeout_at) FROM gift_request WHERE state IN (?, ?) AND timeout_at IS NOT NULL");
        floor.bind(state_int(GiftRequestState::SelectingItem), state_int(GiftRequestState::WaitingConfirmation));
        floor.step();
        gift_timeout_floor_ = floor.is_null(0) ? std::nullopt : std::optional(floor.instant(0));
        gift_timeout_floor_cached_ = true;
    }
    return timed_out;
}

std::optional<GiftUsage> SqliteStore::find_gift_usage(std::string_view id) const {
    auto st = prepare("SELECT id, streamer_id, viewer_id, completed_at, gift_request_id FROM gift_usage WHERE id = ?");
    st.bind(id);
    if (!st.step()) return std::nullopt;
    return read_gift_usage(st);
}

void SqliteStore::upsert_gift_usage(const GiftUsage& u) {
    prepare(
        "INSERT OR REPLACE INTO gift_usage(id, streamer_id, viewer_id, completed_at, gift_request_id) "
        "VALUES (?, ?, ?, ?, ?)")
        .bind(u.id, u.streamer_id, u.viewer_id, u.completed_at, u.gift_request_id)
        .run();
}

// --- audit events ---

void SqliteStore::append_event(std::string_view stream_id, std::string_view type, std::string data_json,
                               sim::Instant at) {
    prepare(
        "INSERT INTO event(stream_id, version, type, data, ts) "
        "VALUES (?, (SELECT COALESCE(MAX(version), 0) + 1 FROM event WHERE stream_id = ?), ?, ?, ?)")
        .bind(stream_id, stream_id, type, data_json, at)
        .run();
}

std::vector<AuditEvent> SqliteStore::list_events() const {
    auto st = prepare("SELECT seq, stream_id, version, type, data, ts FROM event ORDER BY seq");
    return collect(st, read_event<Statement>);
}

std::vector<AuditEvent> SqliteStore::list_events(std::string_view stream_id) const {
    auto st = prepare("SELECT seq, stream_id, version, type, data, ts FROM event WHERE stream_id = ? ORDER BY version");
    st.bind(stream_id);
    return collect(st, read_event<Statement>);
}

}  // namespace mgm::backend

#include "backend/store/sqlite_migrations.h"

#include <sqlite3.h>

#include <iterator>

#include "backend/domain/store.h"

namespace mgm::backend {

namespace {

// Each entry is one schema version; never edit an applied entry, append a new one.
const char* const kMigrations[] = {
    // 1: roulette pool, spin state, payouts, claim idempotency, chat dedup.
    R"sql(
    CREATE TABLE pool_member(
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        twitch_user_id TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        character_name TEXT NOT NULL);
    CREATE INDEX pool_member_name ON pool_member(character_name);
    CREATE TABLE spin_state(
        id INTEGER PRIMARY KEY CHECK (id = 1),
        cycle_start INTEGER NOT NULL,
        spin_cycle_id TEXT NOT NULL,
        candidate_twitch_user_id TEXT,
        candidate_character_name TEXT,
        candidate_display_name TEXT,
        candidate_selected_at INTEGER,
        verification_deadline INTEGER NOT NULL,
        payout_created_for_cycle INTEGER NOT NULL,
        pool_was_empty_at_cycle_start INTEGER NOT NULL);
    CREATE TABLE payout(
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        twitch_user_id TEXT NOT NULL,
        display_name TEXT NOT NULL,
        character_name TEXT NOT NULL,
        gold_amount INTEGER NOT NULL,
        enrollment_request_id TEXT NOT NULL,
        status INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER,
        winner_accepted_at INTEGER,
        announced INTEGER NOT NULL,
        spin_cycle_id TEXT);
    CREATE INDEX payout_user_status ON payout(twitch_user_id, status);
    CREATE INDEX payout_status_created ON payout(status, created_at);
    CREATE TABLE enrollment_idempotency(
        id TEXT PRIMARY KEY,
        twitch_user_id TEXT NOT NULL,
        display_name TEXT NOT NULL,
        character_name TEXT NOT NULL,
        enrolled_at INTEGER NOT NULL);
    CREATE TABLE chat_dedup(
        message_id TEXT PRIMARY KEY,
        processed_at INTEGER NOT NULL);
    )sql",
    // 2: gift queue, gift usage markers, audit events.
    R"sql(
    CREATE TABLE gift_request(
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        streamer_id TEXT NOT NULL,
        viewer_id TEXT NOT NULL,
        viewer_display_name TEXT NOT NULL,
        character_name TEXT NOT NULL,
        state INTEGER NOT NULL,
        has_item INTEGER NOT NULL,
        item_name TEXT, item_id INTEGER, item_count INTEGER, item_link TEXT, item_texture TEXT,
        item_bag_id INTEGER, item_slot_id INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        timeout_at INTEGER,
        failure_reason TEXT);
    CREATE INDEX gift_request_streamer_state ON gift_request(streamer_id, state);
    CREATE TABLE gift_usage(
        id TEXT PRIMARY KEY,
        streamer_id TEXT NOT NULL,
        viewer_id TEXT NOT NULL,
        completed_at INTEGER NOT NULL,
        gift_request_id TEXT NOT NULL);
    CREATE TABLE event(
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        stream_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        ts INTEGER NOT NULL,
        UNIQUE(stream_id, version));
    )sql",
    // 3: fewer pages written per chat enrollment (EventSub ingestion is one transaction per message).
    // pool_member drops AUTOINCREMENT: no sqlite_sequence page per insert; a new row still gets max(seq) + 1,
    // so ORDER BY seq stays enrollment order. chat_dedup becomes WITHOUT ROWID: one b-tree instead of a
    // table plus its primary-key index.
    R"sql(
    CREATE TABLE pool_member_v3(
        seq INTEGER PRIMARY KEY,
        twitch_user_id TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        character_name TEXT NOT NULL);
    INSERT INTO pool_member_v3(seq, twitch_user_id, display_name, character_name)
        SELECT seq, twitch_user_id, display_name, character_name FROM pool_member;
    DROP TABLE pool_member;
    ALTER TABLE pool_member_v3 RENAME TO pool_member;
    CREATE INDEX pool_member_name ON pool_member(character_name);
    CREATE TABLE chat_dedup_v3(
        message_id TEXT PRIMARY KEY,
        processed_at INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO chat_dedup_v3(message_id, processed_at) SELECT message_id, processed_at FROM chat_dedup;
    DROP TABLE chat_dedup;
    ALTER TABLE chat_dedup_v3 RENAME TO chat_dedup;
    )sql",
};

void exec_or_throw(sqlite3* db, const char* text) {
    char* error = nullptr;
    if (sqlite3_exec(db, text, nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw StoreError("sqlite exec: " + message);
    }
}

}  // namespace

void apply_sqlite_migrations(sqlite3* db) {
    exec_or_throw(db, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER PRIMARY KEY)");
    int current = 0;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", -1, &st, nullptr) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        throw StoreError(std::string("sqlite schema_version: ") + sqlite3_errmsg(db));
    }
    current = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    for (int v = current + 1; v <= static_cast<int>(std::size(kMigrations)); ++v) {
        exec_or_throw(db, "BEGIN IMMEDIATE");
        try {
            exec_or_throw(db, kMigrations[v - 1]);
            exec_or_throw(db, ("INSERT INTO schema_version(version) VALUES (" + std::to_string(v) + ")").c_str());
            exec_or_throw(db, "COMMIT");
        } catch (...) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
}


int sqlite_migration_count() { return static_cast<int>(std::size(kMigrations)); }

std::string migrated_sqlite_image() {
    sqlite3* scratch = nullptr;
    if (sqlite3_open_v2(":memory:", &scratch, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        sqlite3_close(scratch);
        throw StoreError("cannot open a scratch :memory: database");
    }
    std::string bytes;
    try {
        apply_sqlite_migrations(scratch);
        sqlite3_int64 size = 0;
        unsigned char* data = sqlite3_serialize(scratch, "main", &size, 0);
        if (data == nullptr) throw StoreError("sqlite3_serialize of the migrated schema failed");
        bytes.assign(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
        sqlite3_free(data);
    } catch (...) {
        sqlite3_close(scratch);
        throw;
    }
    sqlite3_close(scratch);
    return bytes;
}

}  // namespace mgm::backend

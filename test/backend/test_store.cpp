// The store suite, on both engines: every engine-neutral case is a template case run on SQLite and on
// PostgreSQL (SqliteEngine / PostgresEngine below). PostgreSQL cases need MGM_TEST_POSTGRESQL (a
// ConnectionStrings:PostgreSQL value; scripts/ci-postgres-stage.sh sets it on a throwaway cluster); unset, each
// says it is skipped and passes. Engine-specific cases (SQLite's journal and WAL, PostgreSQL's connection
// string, startup probe and two-connection race) follow the shared ones.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "backend/config.h"
#include "backend/store/pg_store.h"
#include "backend/store/sqlite_migrations.h"
#include "backend/store/sqlite_store.h"
#include "pg_test_db.h"
#include "temp_db_path.h"

using namespace mgm;
using namespace mgm::backend;

namespace {

using test::TempDbPath;

sim::Uuid id(std::uint8_t last) {
    sim::Uuid u;
    u.bytes[0] = 0x10;
    u.bytes[6] = 0x40;
    u.bytes[8] = 0x80;
    u.bytes[15] = last;
    return u;
}

// open(): a new, empty database. open_shared(): a new connection to one database that stays the same for
// the engine object's lifetime (for reopening). Stores must be destroyed before their engine.
struct SqliteEngine {
    std::optional<TempDbPath> file;
    bool available() const { return true; }
    static int latest_schema_version() { return SqliteStore::latest_schema_version(); }
    std::unique_ptr<Store> open() { return std::make_unique<SqliteStore>(); }  // in-memory
    std::unique_ptr<Store> open_shared() {
        if (!file) file.emplace("mgm_store_suite_shared_" + std::to_string(getpid()) + ".sqlite");
        return std::make_unique<SqliteStore>(file->path.string());
    }
};

struct PostgresEngine {
    std::vector<std::unique_ptr<test::PgSchema>> databases;
    std::unique_ptr<test::PgSchema> shared;
    bool available() const {
        if (!test::postgresql_test_connection().empty()) return true;
        WARN("PostgreSQL case skipped: MGM_TEST_POSTGRESQL is unset (scripts/ci-postgres-stage.sh sets it)");
        return false;
    }
    static int latest_schema_version() { return PgStore::latest_schema_version(); }
    std::unique_ptr<Store> open() {
        databases.push_back(test::PgSchema::make());
        return std::make_unique<PgStore>(databases.back()->connection);
    }
    std::unique_ptr<Store> open_shared() {
        if (!shared) shared = test::PgSchema::make();
        return std::make_unique<PgStore>(shared->connection);
    }
};

}  // namespace

// The engine of the template case (TestType), or return (skipped) when it is not available.
#define STORE_ENGINE(engine) \
    TestType engine;         \
    if (!engine.available()) return

TEMPLATE_TEST_CASE("store: a new database is migrated to the latest version", "[store]", SqliteEngine,
                   PostgresEngine) {
    STORE_ENGINE(engine);
    auto store = engine.open();
    CHECK(store->schema_version() == TestType::latest_schema_version());
    CHECK(TestType::latest_schema_version() >= 1);
}

TEMPLATE_TEST_CASE("store: reopening runs no migration again and reads back what was committed, to the 100 ns tick",
                   "[store]", SqliteEngine, PostgresEngine) {
    STORE_ENGINE(engine);
    Payout payout;
    payout.id = id(1);
    payout.twitch_user_id = "u1";
    payout.twitch_display_name = "D1";
    payout.character_name = "Name";
    payout.enrollment_request_id = "spin:x";
    payout.created_at = sim::Instant{638'000'000'000'000'123};  // a .NET-era tick count, odd last digit
    {
        auto store = engine.open_shared();
        store->transaction([&] {
            store->insert_payout(payout);
            store->append_pool_member(PoolMember{"u2", "D2", "Thrall", 0});
            store->insert_chat_dedup("m1", sim::Instant{7});
        });
    }
    auto reopened = engine.open_shared();  // would fail ("already exists") if migrations ran twice
    CHECK(reopened->schema_version() == TestType::latest_schema_version());
    auto read = reopened->latest_payout_for_user("u1");
    REQUIRE(read);
    CHECK(read->created_at.ticks == 638'000'000'000'000'123);
    CHECK(*read == payout);
    CHECK(reopened->has_active_payout("u1"));
    REQUIRE(reopened->find_pool_member("u2"));
    CHECK(reopened->find_pool_member("u2")->character_name == "Thrall");
    CHECK(reopened->has_chat_dedup("m1"));
}

TEMPLATE_TEST_CASE("store: strings with NUL and control bytes round-trip and stay distinct", "[store]",
                   SqliteEngine, PostgresEngine) {
    STORE_ENGINE(engine);
    auto opened = engine.open();
    Store& store = *opened;
    // A JWT user id may carry "\0" (PostgreSQL text cannot hold it: the store escapes it, one to one).
    const std::string a("u\0x", 3), b("u\0y", 3), c("u\x01\x02", 3), d("u\x01\x01", 3);
    for (const auto& user : {a, b, c, d}) store.append_pool_member(PoolMember{user, "D" + user, "N" + user, 0});
    CHECK(store.pool_size() == 4);
    for (const auto& user : {a, b, c, d}) {
        auto m = store.find_pool_member(user);
        REQUIRE(m);
        CHECK(m->twitch_user_id == user);
        CHECK(m->character_name == "N" + user);
    }
    CHECK_FALSE(store.find_pool_member("u"));
    CHECK(store.character_name_taken_by_other("N" + a, b));
    CHECK_FALSE(store.character_name_taken_by_other("N" + a, a));
    store.insert_enrollment(EnrollmentRecord{std::string("e\0" "1", 3), a, "D", "Abcd", sim::Instant{5}});
    CHECK_FALSE(store.find_enrollment("e"));
    CHECK(store.find_enrollment(std::string("e\0" "1", 3)));
}

TEST_CASE("store: SQLite in memory journals in memory", "[store]") {
    SqliteStore store;
    CHECK(store.journal_mode() == "memory");
}

TEST_CASE("store: a SQLite file uses WAL, also when reopened", "[store]") {
    TempDbPath db("mgm_h3_store_test.sqlite");
    {
        SqliteStore store(db.path.string());
        CHECK(store.journal_mode() == "wal");
    }
    SqliteStore reopened(db.path.string());
    CHECK(reopened.journal_mode() == "wal");
}

namespace {

// Rows in pool_member as another connection (the platform's default VFS, not the store's) sees them.
long long pool_rows_seen_from_outside(const std::string& path) {
    sqlite3* db = nullptr;
    long long rows = -1;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM pool_member", -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            rows = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return rows;
}

}  // namespace

TEST_CASE("store: a SQLite file store's commits are in the WAL file when the commit returns", "[store]") {
    // The store's VFS gathers WAL writes (wal_batching_vfs.h); another process must see each commit at once,
    // and a kill -9 right after a commit must not lose it (the writes are in the page cache by then).
    TempDbPath db("mgm_store_wal_batching.sqlite");
    SqliteStore store(db.path.string());
    for (int i = 1; i <= 5; ++i) {
        store.transaction([&] { store.append_pool_member(PoolMember{"u" + std::to_string(i), "D", "Abcd", 0}); });
        CHECK(pool_rows_seen_from_outside(db.path.string()) == i);
    }
    // One transaction with ~1 MB of WAL frames (the unix VFS takes at most 128 KiB per write: split).
    store.transaction([&] {
        for (int i = 0; i < 3000; ++i)
            store.append_pool_member(PoolMember{"bulk-" + std::to_string(i), std::string(200, 'd'), "Name", 0});
    });
    CHECK(pool_rows_seen_from_outside(db.path.string()) == 3005);
    CHECK(store.pool_size() == 3005);
}

TEST_CASE("store: an unopenable SQLite path is a StoreError", "[store]") {
    CHECK_THROWS_AS(SqliteStore("/nonexistent-dir-h3/x/y.sqlite"), StoreError);
}

TEMPLATE_TEST_CASE("store: transaction rolls back every write when the body throws", "[store]", SqliteEngine, PostgresEngine) {
    STORE_ENGINE(engine);
    auto opened = engine.open();
    Store& store = *opened;
    CHECK_THROWS(store.transaction([&] {
        store.append_pool_member(PoolMember{"u1", "D", "Abcd", 0});
        store.insert_chat_dedup("m1", sim::Instant{1});
        throw std::runtime_error("boom");
    }));
    CHECK(store.list_pool().empty());
    CHECK(store.chat_dedup_count() == 0);
    // Nested calls join the outer transaction.
    store.transaction([&] {
        store.append_pool_member(PoolMember{"u1", "D", "Abcd", 0});
        store.transaction([&] { store.insert_chat_dedup("m1", sim::Instant{1}); });
    });
    CHECK(store.list_pool().size() == 1);
    CHECK(store.transact([&] { return store.chat_dedup_count(); }) == 1);
}

TEMPLATE_TEST_CASE("store: pool keeps append order and one row per user", "[store]", SqliteEngine, PostgresEngine) {
    STORE_ENGINE(engine);
    auto opened = engine.open();
    Store& store = *opened;
    store.append_pool_member(PoolMember{"a", "A", "Aaaa", 0});
    store.append_pool_member(PoolMember{"b", "B", "Bbbb", 0});
    CHECK_THROWS_AS(store.append_pool_member(PoolMember{"a", "A", "Xxxx", 0}), StoreError);
    CHECK(store.remove_pool_member("a") == 1);
    CHECK(store.remove_pool_member("a") == 0);
    store.append_pool_member(PoolMember{"a", "A", "Aaaa", 0});
    const auto pool = store.list_pool();
    REQUIRE(pool.size() == 2);
    CHECK(pool[0].twitch_user_id == "b");
    CHECK(pool[1].twitch_user_id == "a");
    CHECK(pool[0].seq < pool[1].seq);
    CHECK(store.pool_size() == 2);
    CHECK(store.pool_member_at(0) == pool[0]);  // the draw's read: the index-th member in pool order
    CHECK(store.pool_member_at(1) == pool[1]);
    CHECK_FALSE(store.pool_member_at(2));
    CHECK_FALSE(store.pool_member_at(-1));
    CHECK(store.character_name_taken_by_other("Aaaa", "b"));
    CHECK_FALSE(store.character_name_taken_by_other("Aaaa", "a"));
    CHECK_FALSE(store.character_name_taken_by_other("aaaa", "b"));  // ordinal
}

TEMPLATE_TEST_CASE("store: spin state round-trips with and without a candidate", "[store]", SqliteEngine, PostgresEngine) {
    STORE_ENGINE(engine);
    auto opened = engine.open();
    Store& store = *opened;
    CHECK_FALSE(store.load_spin().has_value());
    SpinState s;
    s.cycle_start = sim::Instant{17753832000000000};
    s.spin_cycle_id = id(1);
    s.verification_deadline = s.cycle_start + std::chrono::seconds(330);
    s.pool_was_empty_at_cycle_start = true;
    store.save_spin(s);
    CHECK(store.load_spin() == s);
    s.candidate_twitch_user_id = "u";
    s.candidate_character_name = "Абвг";
    s.candidate_twitch_display_name = "";
    s.candidate_selected_at = s.cycle_start + std::chrono::seconds(240) + sim::kTick;
    s.payout_created_for_cycle = true;
    store.save_spin(s);
    CHECK(store.load_spin() == s);
}

TEMPLATE_TEST_CASE("store: payouts round-trip and the typed queries", "[store]", SqliteEngine, PostgresEngine) {
    STORE_ENGINE(engine);
    auto opened = engine.open();
    Store& store = *opened;
    Payout p;
    p.id = id(1);
    p.twitch_user_id = "u";
    p.twitch_display_name = "D";
    p.character_name = "Abcd";
    p.enrollment_request_id = "spin:abc";
    p.status = PayoutStatus::Sent;
    p.created_at = sim::Instant{100};
    p.updated_at = sim::Instant{200};
    p.winner_accepted_at = sim::Instant{150};
    p.is_reward_sent_announced_to_chat = true;
    p.spin_cycle_id = id(9);
    store.insert_payout(p);
    CHECK(store.find_payout(p.id) == p);
    CHECK_FALSE(store.find_payout(id(2)).has_value());

    Payout q = p;
    q.id = id(2);
    q.status = PayoutStatus::Pending;
    q.created_at = sim::Instant{100};  // same createdAt: insertion order breaks the tie
    q.updated_at.reset();
    q.winner_accepted_at.reset();
    q.spin_cycle_id.reset();
    store.insert_payout(q);
    CHECK(store.latest_payout_for_user("u")->id == q.id);
    CHECK(store.latest_pending_payout_for_user("u")->id == q.id);
    CHECK(store.has_active_payout("u"));
    CHECK(store.sent_gold_sum("u") == 1000);
    CHECK(store.sent_gold_sum("nobody") == 0);
    CHECK(store.active_payouts_created_before(sim::Instant{101}).size() == 1);
    CHECK(store.active_payouts_created_before(sim::Instant{100}).empty());
    q.status = PayoutStatus::InProgress;
    store.update_payout(q);
    CHECK(store.find_payout(q.id) == q);
    CHECK(store.list_payouts_with_status(PayoutStatus::Pending).empty());
    CHECK(store.list_payouts().size() == 2);
    Payout missing = q;
    missing.id = id(3);
    CHECK_THROWS_AS(store.update_payout(missing), StoreError);
}

TEMPLATE_TEST_CASE("store: claim idempotency keys are exact and case-sensitive", "[store]", SqliteEngine, PostgresEngine) {
    STORE_ENGINE(engine);
    auto opened = engine.open();
    Store& store = *opened;
    store.insert_enrollment(EnrollmentRecord{"Key-1", "u", "D", "Abcd", sim::Instant{5}});
    CHECK(store.find_enrollment("Key-1") == EnrollmentRecord{"Key-1", "u", "D", "Abcd", sim::Instant{5}});
    CHECK_FALSE(store.find_enrollment("key-1").has_value());
    CHECK_THROWS_AS(store.insert_enrollment(EnrollmentRecord{"Key-1", "v", "D", "Abcd", sim::Instant{6}}), StoreError);
}

TEMPLATE_TEST_CASE("store: gift requests, usage markers and queue queries", "[store]", SqliteEngine, PostgresEngine) {
    STORE_ENGINE(engine);
    auto opened = engine.open();
    Store& store = *opened;
    GiftRequest g;
    g.id = id(1);
    g.streamer_id = "42";
    g.viewer_id = "v";
    g.viewer_display_name = "V";
    g.character_name = "Abcd";
    g.created_at = sim::Instant{10};
    g.updated_at = sim::Instant{10};
    store.insert_gift(g);
    CHECK(store.find_gift(g.id) == g);
    CHECK(store.has_active_gift("42", "v"));
    CHECK_FALSE(store.has_gift_in_promotion("42"));
    CHECK(store.oldest_pending_gift("42")->id == g.id);

    g.state = GiftRequestState::WaitingConfirmation;
    g.selected_item = GiftItem{"Item", 7, 2, "link", "tex", 1, 4};
    g.timeout_at = sim::Instant{50};
    g.failure_reason = "x";
    store.update_gift(g);
    CHECK(store.find_gift(g.id) == g);
    CHECK(store.has_gift_in_promotion("42"));
    CHECK(store.gifts_timed_out(sim::Instant{50}).empty());
    CHECK(store.gifts_timed_out(sim::Instant{51}).size() == 1);
    CHECK(store.list_open_gifts(std::string("42")).size() == 1);
    CHECK(store.list_open_gifts(std::string("43")).empty());
    g.state = GiftRequestState::Completed;
    store.update_gift(g);
    CHECK(store.list_open_gifts(std::nullopt).empty());
    CHECK_FALSE(store.has_active_gift("42", "v"));

    store.upsert_gift_usage(GiftUsage{"42:v", "42", "v", sim::Instant{60}, g.id});
    store.upsert_gift_usage(GiftUsage{"42:v", "42", "v", sim::Instant{70}, g.id});
    CHECK(store.find_gift_usage("42:v")->completed_at == sim::Instant{70});
}

TEMPLATE_TEST_CASE("store: audit events are versioned per stream", "[store]", SqliteEngine, PostgresEngine) {
    STORE_ENGINE(engine);
    auto opened = engine.open();
    Store& store = *opened;
    store.append_event("s1", "PayoutCreated", R"({"a":1})", sim::Instant{1});
    store.append_event("s2", "GiftRequestInitiated", "{}", sim::Instant{2});
    store.append_event("s1", "PayoutStatusChanged", "{}", sim::Instant{3});
    const auto s1 = store.list_events("s1");
    REQUIRE(s1.size() == 2);
    CHECK(s1[0].version == 1);
    CHECK(s1[1].version == 2);
    CHECK(s1[0].data_json == R"({"a":1})");
    CHECK(store.list_events().size() == 3);
    CHECK(store.list_events()[1].stream_id == "s2");
}

TEMPLATE_TEST_CASE("store: clear_all_data leaves the same data as a new store, and the same ids afterwards",
                   "[store]", SqliteEngine, PostgresEngine) {
    STORE_ENGINE(engine);
    // One row in every table, written the same way into a new store and into a used-then-cleared one.
    auto fill = [](Store& store, const std::string& user, std::uint8_t ids) {
        store.append_pool_member(PoolMember{user, "D", "Abcd", 0});
        store.insert_chat_dedup("m-" + user, sim::Instant{1});
        store.insert_enrollment(EnrollmentRecord{"Key-" + user, user, "D", "Abcd", sim::Instant{5}});
        SpinState s;
        s.cycle_start = sim::Instant{17753832000000000};
        s.spin_cycle_id = id(ids);
        s.verification_deadline = s.cycle_start + std::chrono::seconds(330);
        store.save_spin(s);
        Payout p;
        p.id = id(static_cast<std::uint8_t>(ids + 1));
        p.twitch_user_id = user;
        p.twitch_display_name = "D";
        p.character_name = "Abcd";
        p.enrollment_request_id = "spin:abc";
        p.created_at = sim::Instant{100};
        store.insert_payout(p);
        GiftRequest g;
        g.id = id(static_cast<std::uint8_t>(ids + 2));
        g.streamer_id = "42";
        g.viewer_id = user;
        g.viewer_display_name = "V";
        g.character_name = "Abcd";
        store.insert_gift(g);
        store.upsert_gift_usage(GiftUsage{"42:" + user, "42", user, sim::Instant{60}, g.id});
        store.append_event("stream-" + user, "Type", "{}", sim::Instant{7});  // AUTOINCREMENT counter
    };
    auto fresh_store = engine.open();
    Store& fresh = *fresh_store;
    const std::string empty = fresh.content_digest();
    fill(fresh, "u", 1);

    auto used_store = engine.open();
    Store& used = *used_store;
    fill(used, "someone-else", 10);
    fill(used, "other", 20);
    REQUIRE(used.content_digest() != fresh.content_digest());
    used.clear_all_data();
    CHECK(used.content_digest() == empty);
    CHECK(used.pool_size() == 0);
    CHECK_FALSE(used.load_spin().has_value());
    fill(used, "u", 1);
    CHECK(used.content_digest() == fresh.content_digest());  // same seq / rowids / sequence counters
}

// --- SQLite only ---

TEST_CASE("store: the built-in schema image is what the migrations make now", "[store]") {
    // Bytes equal: the image was made by the same migrations on the same SQLite; a migration added or edited
    // without rebuilding the image (or a different SQLite at run time) fails here.
    CHECK(sqlite_schema_image() == migrated_sqlite_image());
    // And a store started from it is indistinguishable from one migrated in place (a file store).
    TempDbPath file("mgm_test_schema_image.db");
    SqliteStore migrated(file.path.string());
    SqliteStore from_image;
    CHECK(from_image.schema_version() == migrated.schema_version());
    CHECK(from_image.content_digest() == migrated.content_digest());
}

TEST_CASE("store: an in-memory store's cached answers equal a file store's, through writes and rollbacks",
          "[store]") {
    // The file store reads every answer from SQLite; the in-memory one keeps the spin state, the pool order
    // and the earliest gift timeout in memory. Both get the same writes, some inside transactions that throw.
    TempDbPath file("mgm_test_store_caches.db");
    SqliteStore reference(file.path.string());
    SqliteStore cached;
    auto compare = [&] {
        CHECK(cached.load_spin() == reference.load_spin());
        REQUIRE(cached.pool_size() == reference.pool_size());
        const auto pool = reference.list_pool();
        for (std::int64_t i = -1; i <= static_cast<std::int64_t>(pool.size()); ++i) {
            const auto expected =
                i >= 0 && i < static_cast<std::int64_t>(pool.size()) ? std::optional(pool[static_cast<std::size_t>(i)])
                                                                      : std::nullopt;
            CHECK(cached.pool_member_at(i) == expected);
            CHECK(reference.pool_member_at(i) == expected);
        }
        for (std::int64_t t : {0, 49, 50, 51, 99, 100, 101, 1000})
            CHECK(cached.gifts_timed_out(sim::Instant{t}) == reference.gifts_timed_out(sim::Instant{t}));
    };
    auto both = [&](const std::function<void(Store&)>& write) {
        write(reference);
        write(cached);
        compare();
    };
    auto both_rolled_back = [&](const std::function<void(Store&)>& write) {
        for (Store* store : {static_cast<Store*>(&reference), static_cast<Store*>(&cached)})
            CHECK_THROWS(store->transaction([&] {
                write(*store);
                (void)store->load_spin();  // read back inside the transaction, then roll back
                (void)store->pool_size();
                (void)store->gifts_timed_out(sim::Instant{1000});
                throw std::runtime_error("roll back");
            }));
        compare();
    };
    compare();
    for (int i = 0; i < 6; ++i) {
        const std::string user = "u" + std::to_string(i);
        both([&](Store& s) { s.append_pool_member(PoolMember{user, "D", "Name" + std::string(1, char('a' + i)), 0}); });
    }
    both([](Store& s) { s.remove_pool_member("u2"); });
    both([](Store& s) { s.remove_pool_member("u0"); });
    both_rolled_back([](Store& s) { s.remove_pool_member("u5"); });
    both_rolled_back([](Store& s) { s.append_pool_member(PoolMember{"x", "X", "Xxxx", 0}); });
    both([](Store& s) { s.append_pool_member(PoolMember{"u2", "D", "Again", 0}); });

    SpinState spin;
    spin.cycle_start = sim::Instant{3000000000};
    spin.spin_cycle_id = id(7);
    spin.verification_deadline = spin.cycle_start + std::chrono::seconds(330);
    both([&](Store& s) { s.save_spin(spin); });
    SpinState drawn = spin;
    drawn.candidate_twitch_user_id = "u3";
    drawn.candidate_selected_at = spin.cycle_start + std::chrono::seconds(240);
    both_rolled_back([&](Store& s) { s.save_spin(drawn); });
    both([&](Store& s) { s.save_spin(drawn); });

    GiftRequest g;
    g.id = id(1);
    g.streamer_id = "42";
    g.viewer_id = "v";
    g.character_name = "Abcd";
    both([&](Store& s) { s.insert_gift(g); });
    g.state = GiftRequestState::SelectingItem;
    g.timeout_at = sim::Instant{100};
    both_rolled_back([&](Store& s) { s.update_gift(g); });
    both([&](Store& s) { s.update_gift(g); });
    GiftRequest h = g;
    h.id = id(2);
    h.viewer_id = "w";
    h.state = GiftRequestState::WaitingConfirmation;
    h.timeout_at = sim::Instant{50};
    both([&](Store& s) { s.insert_gift(h); });
    h.state = GiftRequestState::Failed;
    h.timeout_at = std::nullopt;
    both([&](Store& s) { s.update_gift(h); });
    g.timeout_at = sim::Instant{49};
    both([&](Store& s) { s.update_gift(g); });

    both([](Store& s) { s.clear_all_data(); });
}

// --- PostgreSQL only ---

TEST_CASE("store: PostgreSQL connection string keys, unknown key named with the setting", "[store][postgresql]") {
    auto s = PgConnectionSettings::parse(
        "Host=db;Port=5433;Database=mgm;User ID=u;Password='p;w';SSL Mode=Require;Pooling=true");
    CHECK(s.host_port() == "db:5433");
    CHECK(s.redacted.find("p;w") == std::string::npos);
    bool saw_password = false, saw_ssl = false;
    for (auto& [k, v] : s.libpq) {
        saw_password = saw_password || (k == "password" && v == "p;w");
        saw_ssl = saw_ssl || (k == "sslmode" && v == "require");
    }
    CHECK(saw_password);
    CHECK(saw_ssl);
    try {
        PgConnectionSettings::parse("Host=db;Databse=mgm");
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).find("'Databse'") != std::string::npos);
        CHECK(std::string(e.what()).find("ConnectionStrings:PostgreSQL") != std::string::npos);
    }
    CHECK_THROWS_AS(PgConnectionSettings::parse("Host=db;Port=x"), ConfigError);
}

TEST_CASE("store: PostgreSQL that is not up: the probe says so, opening fails naming the setting, no waiting",
          "[store][postgresql]") {
    // Port 1 on loopback: nothing listens. The store itself never waits (serve does, harness/cli/serve_store.cpp).
    auto settings = PgConnectionSettings::parse("Host=127.0.0.1;Port=1;Database=mgm;Username=u;Password=p;Timeout=3");
    CHECK(settings.startup_wait_seconds == 3);
    CHECK_FALSE(settings.server_accepting_connections());
    CHECK(settings.not_accepting_message().find("ConnectionStrings:PostgreSQL") != std::string::npos);
    CHECK(settings.not_accepting_message().find("after 3 s") != std::string::npos);
    try {
        PgStore store(settings);
        FAIL("no error");
    } catch (const StoreError& e) {
        CHECK(std::string(e.what()).find("127.0.0.1:1") != std::string::npos);
        CHECK(std::string(e.what()).find("ConnectionStrings:PostgreSQL") != std::string::npos);
        CHECK(std::string(e.what()).find("Password=***") != std::string::npos);
    }
}

TEST_CASE("store: PostgreSQL, two processes' check-then-write race keeps one active payout per viewer",
          "[store][postgresql]") {
    // Two connections (as two EBS processes would hold) race the payout rule: check has_active_payout, then
    // insert. The writers' advisory lock makes the second wait until the first committed, so it sees the row.
    PostgresEngine engine;
    if (!engine.available()) return;
    auto first = engine.open_shared();
    auto second = engine.open_shared();
    std::atomic<int> created{0};
    auto racer = [&](Store& store, std::uint8_t tag) {
        for (int i = 0; i < 100; ++i) {
            const std::string user = "viewer" + std::to_string(i);
            store.transaction([&] {
                if (store.has_active_payout(user)) return;
                std::this_thread::yield();  // widen the window between the check and the write
                Payout p;
                p.id = id(static_cast<std::uint8_t>(i));
                p.id.bytes[1] = tag;
                p.twitch_user_id = user;
                p.twitch_display_name = "D";
                p.character_name = "Name";
                p.enrollment_request_id = "spin:x";
                p.created_at = sim::Instant{i};
                store.insert_payout(p);
                ++created;
            });
        }
    };
    std::thread a([&] { racer(*first, 1); });
    std::thread b([&] { racer(*second, 2); });
    a.join();
    b.join();
    CHECK(created == 100);
    CHECK(first->list_payouts_with_status(PayoutStatus::Pending).size() == 100);  // one per viewer, none twice
}

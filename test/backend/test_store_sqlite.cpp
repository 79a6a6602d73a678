// SqliteStore: migrations (idempotent, versioned), WAL on a file, record round-trips, transactions.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <sqlite3.h>

#include "backend/store/sqlite_migrations.h"
#include "backend/store/sqlite_store.h"
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

}  // namespace

TEST_CASE("store: in-memory database is migrated to the latest version", "[store]") {
    SqliteStore store;
    CHECK(store.schema_version() == SqliteStore::latest_schema_version());
    CHECK(SqliteStore::latest_schema_version() >= 2);
    CHECK(store.journal_mode() == "memory");
}

TEST_CASE("store: a file database uses WAL and reopening it re-runs no migration", "[store]") {
    TempDbPath db("mgm_h3_store_test.sqlite");
    {
        SqliteStore store(db.path.string());
        CHECK(store.journal_mode() == "wal");
        CHECK(store.schema_version() == SqliteStore::latest_schema_version());
        store.transaction([&] { store.append_pool_member(PoolMember{"u1", "D", "Abcd", 0}); });
    }
    {
        SqliteStore reopened(db.path.string());  // would throw "table already exists" if migrations re-ran
        CHECK(reopened.schema_version() == SqliteStore::latest_schema_version());
        CHECK(reopened.journal_mode() == "wal");
        REQUIRE(reopened.list_pool().size() == 1);
        CHECK(reopened.list_pool()[0].character_name == "Abcd");
    }
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

TEST_CASE("store: a file store's commits are in the WAL file when the commit returns", "[store]") {
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

TEST_CASE("store: unopenable path is a StoreError", "[store]") {
    CHECK_THROWS_AS(SqliteStore("/nonexistent-dir-h3/x/y.sqlite"), StoreError);
}

TEST_CASE("store: transaction rolls back every write when the body throws", "[store]") {
    SqliteStore store;
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

TEST_CASE("store: pool keeps append order and one row per user", "[store]") {
    SqliteStore store;
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
    CHECK(store.character_name_taken_by_other("Aaaa", "b"));
    CHECK_FALSE(store.character_name_taken_by_other("Aaaa", "a"));
    CHECK_FALSE(store.character_name_taken_by_other("aaaa", "b"));  // ordinal
}

TEST_CASE("store: spin state round-trips with and without a candidate", "[store]") {
    SqliteStore store;
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

TEST_CASE("store: payouts round-trip and the typed queries", "[store]") {
    SqliteStore store;
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

TEST_CASE("store: claim idempotency keys are exact and case-sensitive", "[store]") {
    SqliteStore store;
    store.insert_enrollment(EnrollmentRecord{"Key-1", "u", "D", "Abcd", sim::Instant{5}});
    CHECK(store.find_enrollment("Key-1") == EnrollmentRecord{"Key-1", "u", "D", "Abcd", sim::Instant{5}});
    CHECK_FALSE(store.find_enrollment("key-1").has_value());
    CHECK_THROWS_AS(store.insert_enrollment(EnrollmentRecord{"Key-1", "v", "D", "Abcd", sim::Instant{6}}), StoreError);
}

TEST_CASE("store: gift requests, usage markers and queue queries", "[store]") {
    SqliteStore store;
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

TEST_CASE("store: audit events are versioned per stream", "[store]") {
    SqliteStore store;
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

TEST_CASE("store: clear_all_data leaves the same data as a new store, and the same ids afterwards", "[store]") {
    // One row in every table, written the same way into a new store and into a used-then-cleared one.
    auto fill = [](SqliteStore& store, const std::string& user, std::uint8_t ids) {
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
    SqliteStore fresh;
    const std::string empty = fresh.content_digest();
    fill(fresh, "u", 1);

    SqliteStore used;
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

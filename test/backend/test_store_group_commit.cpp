// Group commit (real-socket mode): transactions share one COMMIT per event-loop pass, and writes held by the
// output barrier leave only after that COMMIT. Observed from a second connection on the same WAL file.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "backend/store/group_commit.h"
#include "backend/store/sqlite_store.h"
#include "sim/clock/virtual_clock.h"
#include "sim/trace/log.h"
#include "temp_db_path.h"

using namespace mgm;
using namespace mgm::backend;

namespace {

PoolMember member(const std::string& user) { return PoolMember{user, user, "Name" + user, 0}; }

// What another process sees: a separate connection to the file.
bool committed(const std::string& path, const std::string& user) {
    SqliteStore reader(path);
    return reader.find_pool_member(user).has_value();
}

}  // namespace

TEST_CASE("group commit: transactions become durable together, at commit_batch", "[store][group-commit]") {
    test::TempDbPath db("mgm-test-group-commit-batch.db");
    SqliteStore store(db.path.string());
    int batches_opened = 0;
    store.enable_group_commit([&] { ++batches_opened; });

    store.transaction([&] { store.append_pool_member(member("a")); });
    store.transaction([&] { store.append_pool_member(member("b")); });
    CHECK(batches_opened == 1);
    CHECK(store.has_uncommitted_batch());
    CHECK(store.find_pool_member("b").has_value());  // the writer sees its own batch
    CHECK_FALSE(committed(db.path.string(), "a"));  // nobody else does yet

    store.commit_batch();
    CHECK_FALSE(store.has_uncommitted_batch());
    CHECK(committed(db.path.string(), "a"));
    CHECK(committed(db.path.string(), "b"));

    store.transaction([&] { store.append_pool_member(member("c")); });
    CHECK(batches_opened == 2);
}

TEST_CASE("group commit: a failing transaction rolls back alone, the rest of the batch commits",
          "[store][group-commit]") {
    test::TempDbPath db("mgm-test-group-commit-rollback.db");
    SqliteStore store(db.path.string());
    store.enable_group_commit([] {});

    store.transaction([&] { store.append_pool_member(member("kept")); });
    CHECK_THROWS_AS(store.transaction([&] {
        store.append_pool_member(member("lost"));
        throw std::runtime_error("handler failed");
    }),
                    std::runtime_error);
    CHECK_FALSE(store.find_pool_member("lost").has_value());
    store.transaction([&] { store.append_pool_member(member("after")); });
    store.commit_batch();
    CHECK(committed(db.path.string(), "kept"));
    CHECK(committed(db.path.string(), "after"));
    CHECK_FALSE(committed(db.path.string(), "lost"));
}

TEST_CASE("group commit: held writes are released only after the commit they wait for", "[store][group-commit]") {
    test::TempDbPath db("mgm-test-group-commit-barrier.db");
    SqliteStore store(db.path.string());
    sim::VirtualClock clock(sim::Instant{});
    sim::Log log(&clock, sim::LogLevel::off);
    GroupCommit group_commit(store, clock, log);
    std::vector<std::string> sent;
    auto send = [&](std::string what) {
        return [&, what] {
            // An answer may only leave once what it acknowledges is visible to everyone.
            CHECK_FALSE(store.has_uncommitted_batch());
            CHECK(committed(db.path.string(), "x"));
            sent.push_back(what);
        };
    };
    auto never = [] { FAIL("a write was aborted after a successful commit"); };

    store.transaction([&] { store.append_pool_member(member("x")); });
    group_commit.when_durable(send("first"), never);
    group_commit.when_durable(send("second"), never);
    CHECK(sent.empty());
    CHECK(group_commit.held_writes() == 2);

    REQUIRE(clock.fire_next());  // the flush timer, due at once
    CHECK(sent == std::vector<std::string>{"first", "second"});
    CHECK(group_commit.commits() == 1);

    // Nothing pending: a write goes out at once and no commit is spent on it.
    group_commit.when_durable(send("third"), never);
    CHECK(sent.size() == 3);
    CHECK(group_commit.commits() == 1);
}

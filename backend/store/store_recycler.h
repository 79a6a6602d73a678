// Lets the Worlds that one process builds one after another (benchmarks, seed sweeps, scenario suites) reuse
// in-memory SQLite stores: a store handed back is emptied (SqliteStore::clear_all_data) when the next EBS
// takes it, and keeps its connection, parsed schema and prepared statements, which cost more to rebuild than
// a short simulated run itself (measured in docs/BENCHMARKS.md, "Measurements behind code comments").
// Explicit and opt-in (WorldConfig::store_recycler), never process-wide; not thread-safe (one loop).
#pragma once

#include <memory>
#include <vector>

namespace mgm::backend {

class SqliteStore;

class StoreRecycler {
public:
    StoreRecycler();
    ~StoreRecycler();
    StoreRecycler(const StoreRecycler&) = delete;
    StoreRecycler& operator=(const StoreRecycler&) = delete;

    // An emptied store from an earlier user, or a new ":memory:" one.
    std::unique_ptr<SqliteStore> take();
    // Keeps `store` for the next take(); a store with an open group-commit batch is closed instead.
    void give_back(std::unique_ptr<SqliteStore> store);

    std::size_t idle() const { return idle_.size(); }
    std::size_t reused() const { return reused_; }

private:
    std::vector<std::unique_ptr<SqliteStore>> idle_;
    std::size_t reused_ = 0;
};

}  // namespace mgm::backend

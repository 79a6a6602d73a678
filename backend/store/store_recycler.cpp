#include "backend/store/store_recycler.h"

#include "backend/store/sqlite_store.h"

namespace mgm::backend {

StoreRecycler::StoreRecycler() = default;
StoreRecycler::~StoreRecycler() = default;

std::unique_ptr<SqliteStore> StoreRecycler::take() {
    while (!idle_.empty()) {
        std::unique_ptr<SqliteStore> store = std::move(idle_.back());
        idle_.pop_back();
        try {
            store->enable_group_commit({});
            store->clear_all_data();  // here, not in give_back, so its cost counts for the World that reuses it
            ++reused_;
            return store;
        } catch (const StoreError&) {
            // A store that cannot be emptied is closed; try the next or open a new one.
        }
    }
    return std::make_unique<SqliteStore>(":memory:");
}

void StoreRecycler::give_back(std::unique_ptr<SqliteStore> store) {
    if (store && !store->has_uncommitted_batch()) idle_.push_back(std::move(store));
}

}  // namespace mgm::backend

#include "harness/cli/serve_store.h"

#include <filesystem>
#include <system_error>

namespace mgm::harness::cli {

ServeStore choose_serve_store(const sim::Settings& settings) {
    ServeStore store;
    auto configured = settings.get("Mgm:SqlitePath");
    store.sqlite_path = configured && !configured->empty() ? *configured : kServeDefaultSqliteFile;
    if (store.sqlite_path == ":memory:") {
        store.durable = false;
        store.description =
            "in-memory SQLite (Mgm__SqlitePath=:memory:): a fresh store, everything is lost when the process exits";
    } else {
        std::error_code ec;
        auto absolute = std::filesystem::absolute(store.sqlite_path, ec);
        std::string shown = ec ? store.sqlite_path : absolute.lexically_normal().string();
        store.description = "SQLite file " + shown +
                            (configured && !configured->empty() ? " (Mgm__SqlitePath)"
                                                                : " (default; Mgm__SqlitePath=:memory: for a fresh store)") +
                            ", kept across restarts";
    }
    if (auto pg = settings.get("ConnectionStrings:PostgreSQL"); pg && !pg->empty())
        store.warnings.push_back(
            "ConnectionStrings__PostgreSQL is set but not used: this EBS stores its data in SQLite (" +
            store.sqlite_path + "); set Mgm__SqlitePath to choose the file");
    return store;
}

}  // namespace mgm::harness::cli

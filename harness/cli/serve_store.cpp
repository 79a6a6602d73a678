#include "harness/cli/serve_store.h"

#include <filesystem>
#include <system_error>

#include "backend/store/pg_store.h"

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
        store.description =
            "SQLite file " + shown +
            (configured && !configured->empty() ? " (Mgm__SqlitePath)"
                                                : " (default; Mgm__SqlitePath=:memory: for a fresh store)") +
            ", kept across restarts";
    }
    if (auto pg = settings.get("ConnectionStrings:PostgreSQL"); pg && !pg->empty()) {
        // The reference's store: PostgreSQL wins over SQLite (the EBS reads the same key, backend/ebs.cpp).
        if (configured && !configured->empty())
            store.warnings.push_back("Mgm__SqlitePath is ignored: ConnectionStrings__PostgreSQL is set");
        std::string shown;
        try {
            shown = backend::PgConnectionSettings::parse(*pg).redacted;
        } catch (const std::exception&) { shown = "(invalid; the EBS reports why)"; }
        store.durable = true;
        store.description = "PostgreSQL " + shown + " (ConnectionStrings__PostgreSQL), kept across restarts";
    }
    return store;
}

}  // namespace mgm::harness::cli

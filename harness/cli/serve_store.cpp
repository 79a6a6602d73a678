#include "harness/cli/serve_store.h"

#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>

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

std::optional<std::string> wait_for_postgresql(const sim::Settings& settings) {
    auto pg = settings.get("ConnectionStrings:PostgreSQL");
    if (!pg || pg->empty()) return std::nullopt;
    std::optional<backend::PgConnectionSettings> parsed;
    try {
        parsed = backend::PgConnectionSettings::parse(*pg);
    } catch (const std::exception&) { return std::nullopt; }
    try {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(parsed->startup_wait_seconds);
        while (!parsed->server_accepting_connections()) {
            if (std::chrono::steady_clock::now() >= deadline) return parsed->not_accepting_message();
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    } catch (const backend::StoreError& e) { return std::string(e.what()); }
    return std::nullopt;
}

}  // namespace mgm::harness::cli

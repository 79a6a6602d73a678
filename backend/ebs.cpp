// Composition of the EBS: configuration check (D10), SQLite store, Helix client, domain services,
// workers and the HTTP surface — all on the Seams handed in.
#include "backend/ebs.h"

#include "backend/api/helix_client.h"
#include "backend/api/routes.h"
#include "backend/domain/domain.h"
#include "backend/store/pg_store.h"
#include "backend/store/sqlite_store.h"
#include "backend/store/store_recycler.h"

namespace mgm::backend {

namespace {

const EbsConfig& validated(const EbsConfig& config) {
    config.validate();  // throws ConfigError before anything is opened
    return config;
}

// The store, owned or on loan from a StoreRecycler (returned when the EBS is gone: declared before the parts
// that use it, so destroyed after them).
struct StoreLease {
    StoreLease(const EbsConfig& config, std::shared_ptr<StoreRecycler> recycler_in) : recycler(std::move(recycler_in)) {
        if (!config.postgresql_connection.empty()) {  // ConnectionStrings:PostgreSQL (serve only)
            store = std::make_unique<PgStore>(PgConnectionSettings::parse(config.postgresql_connection),
                                              PgStoreOptions{config.postgresql_writer_lock});
            return;
        }
        if (!SqliteStore::is_in_memory(config.sqlite_path)) recycler.reset();  // only in-memory stores are reused
        try {
            store = recycler ? recycler->take() : std::make_unique<SqliteStore>(config.sqlite_path);
        } catch (const StoreError& e) {  // say which setting and which file (e.g. not a database)
            throw ConfigError("Mgm:SqlitePath (env Mgm__SqlitePath) = '" + config.sqlite_path +
                              "' cannot be used as the EBS's SQLite store: " + e.what());
        }
    }
    ~StoreLease() {
        if (recycler) recycler->give_back(std::unique_ptr<SqliteStore>(static_cast<SqliteStore*>(store.release())));
    }
    StoreLease(const StoreLease&) = delete;
    StoreLease& operator=(const StoreLease&) = delete;

    std::shared_ptr<StoreRecycler> recycler;
    std::unique_ptr<Store> store;  // a SqliteStore whenever recycler is set
};

}  // namespace

struct Ebs::Parts {
    Parts(EbsConfig config_in, sim::Seams seams_in, std::shared_ptr<StoreRecycler> recycler)
        : config(std::move(config_in)),
          seams(seams_in),
          lease(validated(config), std::move(recycler)),
          store(*lease.store),
          helix(config, seams.network, seams.scheduler, &seams.trace),
          domain(ServiceContext{config, store, seams.clock, seams.trace, seams.log}, seams.scheduler, seams.rng, helix),
          routes(config, domain, seams.clock, seams.rng.derive("http.trace_id"), seams.log) {}

    EbsConfig config;
    sim::Seams seams;
    StoreLease lease;
    Store& store;
    api::HelixHttpClient helix;
    Domain domain;
    api::EbsRoutes routes;
};

Ebs::Ebs(EbsConfig config, sim::Seams seams, std::shared_ptr<StoreRecycler> recycler)
    : parts_(std::make_unique<Parts>(std::move(config), seams, std::move(recycler))) {}

Ebs::~Ebs() = default;

void Ebs::start() { parts_->domain.workers.start(); }

void Ebs::stop() { parts_->domain.workers.stop(); }

void Ebs::handle(const http::Request& request, std::function<void(http::Response)> respond) {
    parts_->routes.handle(request, respond);
}

const EbsConfig& Ebs::config() const { return parts_->config; }

Store& Ebs::store() { return parts_->store; }

}  // namespace mgm::backend

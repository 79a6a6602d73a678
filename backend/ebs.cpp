// Composition of the EBS: configuration check (D10), SQLite store, Helix client, domain services,
// workers and the HTTP surface — all on the Seams handed in.
#include "backend/ebs.h"

#include "backend/api/helix_client.h"
#include "backend/api/routes.h"
#include "backend/domain/domain.h"
#include "backend/store/sqlite_store.h"

namespace mgm::backend {

namespace {

const EbsConfig& validated(const EbsConfig& config) {
    config.validate();  // throws ConfigError before anything is opened
    return config;
}

}  // namespace

struct Ebs::Parts {
    Parts(EbsConfig config_in, sim::Seams seams_in)
        : config(std::move(config_in)),
          seams(seams_in),
          store(validated(config).sqlite_path),
          helix(config, seams.network, seams.scheduler, &seams.trace, "127.0.0.1:8080"),
          domain(ServiceContext{config, store, seams.clock, seams.trace, seams.log}, seams.scheduler, seams.rng, helix),
          routes(config, domain, seams.clock, seams.rng.derive("http.trace_id"), seams.log) {}

    EbsConfig config;
    sim::Seams seams;
    SqliteStore store;
    api::HelixHttpClient helix;
    Domain domain;
    api::EbsRoutes routes;
};

Ebs::Ebs(EbsConfig config, sim::Seams seams) : parts_(std::make_unique<Parts>(std::move(config), seams)) {}

Ebs::~Ebs() = default;

void Ebs::start() { parts_->domain.workers.start(); }

void Ebs::stop() { parts_->domain.workers.stop(); }

void Ebs::handle(const http::Request& request, std::function<void(http::Response)> respond) {
    parts_->routes.handle(request, respond);
}

const EbsConfig& Ebs::config() const { return parts_->config; }

SqliteStore& Ebs::store() { return parts_->store; }

}  // namespace mgm::backend

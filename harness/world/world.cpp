#include "harness/world/world.h"

#include <stdexcept>

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>

#include "backend/ebs.h"
#include "backend/store/group_commit.h"
#include "backend/store/sqlite_store.h"
#include "fakes/bounded_log.h"
#include "fakes/mock_eventsub_webhook.h"
#include "fakes/mock_extension_jwt.h"
#include "fakes/mock_helix_api.h"
#include "fakes/synthetic_desktop.h"
#include "sim/clock/sim_loop.h"
#include "sim/clock/system_clock.h"
#include "sim/clock/virtual_clock.h"
#include "sim/seams.h"
#include "sim/http/server.h"
#include "sim/network/ci_ports.h"
#include "sim/network/loopback_network.h"
#include "sim/network/tcp_network.h"
#include "sim/trace/trace.h"
#include "harness/world/driver.h"

namespace mgm::harness {

// A running service: the object the host-table row built, and how the World talks to it.
class World::Host {
public:
    virtual ~Host() = default;
    virtual void handle(const http::Request& request, std::function<void(http::Response)> respond) = 0;
    // Before the servers close (the EBS stops its workers).
    virtual void stop() {}
    // After every connection closed (the EBS's group commit writes what it still holds).
    virtual void finish() {}
};

ConnectionLimits connection_limits(const sim::Settings& settings, bool real_mode) {
    auto read = [&](std::string_view key, std::string_view env) -> std::optional<std::size_t> {
        auto text = settings.get(key);
        if (!text || text->empty()) return std::nullopt;
        return fakes::parse_count_setting(*text, env);
    };
    ConnectionLimits limits;
    limits.per_service = read("Kestrel:Limits:MaxConcurrentConnections", "Kestrel__Limits__MaxConcurrentConnections")
                             .value_or(kDefaultMaxConnectionsPerService);
    if (auto total = read("Mgm:MaxConnections", "Mgm__MaxConnections")) {
        limits.total = *total;
        limits.total_explicit = true;
    } else if (real_mode) {
        // Every connection is a descriptor: stay below the process limit, keeping some for the listeners,
        // the store's files and the services' own outgoing connections.
        rlimit fds{};
        if (getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur != RLIM_INFINITY)
            limits.total =
                fds.rlim_cur > 2 * kReservedDescriptors ? fds.rlim_cur - kReservedDescriptors : fds.rlim_cur / 2;
        if (limits.total == 0 || limits.total > kDefaultMaxConnections) limits.total = kDefaultMaxConnections;
    }
    return limits;
}

namespace {

template <class T>
class ServiceHost : public World::Host {
public:
    explicit ServiceHost(std::unique_ptr<T> service) : service_(std::move(service)) {}
    void handle(const http::Request& request, std::function<void(http::Response)> respond) override {
        service_->handle(request, std::move(respond));
    }
    T& service() { return *service_; }

protected:
    std::unique_ptr<T> service_;
};

class EbsHost final : public ServiceHost<backend::Ebs> {
public:
    EbsHost(std::unique_ptr<backend::Ebs> ebs, sim::TcpNetwork* tcp) : ServiceHost(std::move(ebs)), tcp_(tcp) {}

    void start_group_commit(sim::Scheduler& scheduler, const sim::Log& log) {
        group_commit_ = std::make_unique<backend::GroupCommit>(service_->store(), scheduler, log);
        tcp_->set_output_barrier(group_commit_.get());
    }
    const backend::GroupCommit* group_commit() const { return group_commit_.get(); }

    void stop() override { service_->stop(); }
    void finish() override {
        if (!group_commit_) return;
        group_commit_->flush();
        tcp_->set_output_barrier(nullptr);
    }

private:
    sim::TcpNetwork* tcp_;
    std::unique_ptr<backend::GroupCommit> group_commit_;  // a derived member: destroyed before the EBS's store
};

// What a host-table row gets to build its service.
struct HostContext {
    const WorldConfig& config;
    sim::Settings settings;  // shared settings, wired URLs, then this service's overrides
    sim::Seams seams;  // Rng derived from the service's name
    std::string self_address;  // where the service listens (port 0 resolved)
    sim::Scheduler& scheduler;
    const sim::Log& log;
    sim::TcpNetwork* tcp;  // real mode only
};

std::unique_ptr<World::Host> build_ebs(HostContext& c) {
    backend::EbsConfig config =
        c.config.ebs_config ? *c.config.ebs_config : backend::EbsConfig::from_settings(c.settings);
    config.self_address = c.self_address;
    // The simulation is deterministic and in process: its EBS always stores in in-memory SQLite. A database
    // outside the process (PostgreSQL, a file) is real-socket mode's (`mgm-sim serve`); only the EBS route
    // tests may put a simulated EBS on PostgreSQL, to run the same cases on both engines.
    if (!c.tcp) {
        if (!config.postgresql_connection.empty() && !c.config.allow_postgresql)
            throw backend::ConfigError(
                "ConnectionStrings:PostgreSQL is set, but the simulation (mgm-sim run, sweep, the World in "
                "simulation mode) always uses in-memory SQLite: PostgreSQL is for `mgm-sim serve` only");
        if (config.postgresql_connection.empty() && !backend::SqliteStore::is_in_memory(config.sqlite_path))
            throw backend::ConfigError("Mgm:SqlitePath = '" + config.sqlite_path +
                                       "', but the simulation always uses in-memory SQLite (a file is for "
                                       "`mgm-sim serve` only)");
    }
    auto host = std::make_unique<EbsHost>(
        std::make_unique<backend::Ebs>(std::move(config), c.seams, c.config.store_recycler), c.tcp);
    if (c.config.start_workers) host->service().start();
    // Real sockets: one COMMIT per event-loop pass, answers held until it (Mgm:GroupCommit=false: one COMMIT
    // per transaction, as in simulation).
    if (c.tcp && c.settings.get_bool("Mgm:GroupCommit", true)) host->start_group_commit(c.scheduler, c.log);
    return host;
}

std::unique_ptr<World::Host> build_eventsub(HostContext& c) {
    auto config = fakes::MockEventSubWebhookConfig::from_settings(c.settings);
    config.self_address = c.self_address;
    return std::make_unique<ServiceHost<fakes::MockEventSubWebhook>>(
        std::make_unique<fakes::MockEventSubWebhook>(std::move(config), c.seams));
}

std::unique_ptr<World::Host> build_jwt(HostContext& c) {
    return std::make_unique<ServiceHost<fakes::MockExtensionJwt>>(
        std::make_unique<fakes::MockExtensionJwt>(fakes::MockExtensionJwtConfig::from_settings(c.settings), c.seams));
}

std::unique_ptr<World::Host> build_helix(HostContext& c) {
    return std::make_unique<ServiceHost<fakes::MockHelixApi>>(
        std::make_unique<fakes::MockHelixApi>(fakes::MockHelixApiConfig::from_settings(c.settings), c.seams));
}

std::unique_ptr<World::Host> build_desktop(HostContext& c) {
    auto config = fakes::SyntheticDesktopConfig::from_settings(c.settings);
    config.self_address = c.self_address;
    return std::make_unique<ServiceHost<fakes::SyntheticDesktop>>(
        std::make_unique<fakes::SyntheticDesktop>(std::move(config), c.seams));
}

// The host table: one row per service, in Service order (= start order).
struct HostRow {
    Service service;
    std::string_view name;  // --only, logs, trace actor, Rng stream
    std::string_view process_name;  // the reference's name for it (parse_service accepts it too)
    std::uint16_t ci_port;  // sim/network/ci_ports.h
    std::unique_ptr<World::Host> (*build)(HostContext&);
};

constexpr HostRow kHosts[] = {
    {Service::ebs, "ebs", "backend", sim::ci::kEbsPort, build_ebs},
    {Service::eventsub, "eventsub", "MockEventSubWebhook", sim::ci::kEventSubWebhookPort, build_eventsub},
    {Service::jwt, "jwt", "MockExtensionJwt", sim::ci::kExtensionJwtPort, build_jwt},
    {Service::helix, "helix", "MockHelixApi", sim::ci::kHelixApiPort, build_helix},
    {Service::desktop, "desktop", "SyntheticDesktop", sim::ci::kSyntheticDesktopPort, build_desktop},
};
static_assert(std::size(kHosts) == kAllServices.size());

constexpr bool rows_in_service_order() {
    for (std::size_t i = 0; i < std::size(kHosts); ++i)
        if (static_cast<std::size_t>(kHosts[i].service) != i) return false;
    return true;
}
static_assert(rows_in_service_order(), "kHosts[i] must describe Service(i)");

const HostRow& row(Service service) { return kHosts[static_cast<std::size_t>(service)]; }

// Port 0 on TCP: the Network keys listeners by the requested address, so several "127.0.0.1:0" services
// would collide. Resolve each to a concrete free port first (bind, read the port, release; the io_context
// is not running yet, so nothing can connect in between).
std::string reserve_ephemeral(sim::Network& network, const std::string& requested) {
    if (auto ec = network.listen(requested, [](std::unique_ptr<sim::ByteStream>) {}))
        throw std::runtime_error("cannot listen on " + requested + ": " + ec.message());
    std::string concrete = network.bound_address(requested);
    network.stop_listening(requested);
    return concrete;
}

}  // namespace

std::string_view service_name(Service service) { return row(service).name; }

std::optional<Service> parse_service(std::string_view name) {
    for (const HostRow& host : kHosts)
        if (http::iequals(host.name, name) || http::iequals(host.process_name, name)) return host.service;
    return std::nullopt;
}

std::string default_address(Service service) { return sim::ci::address(row(service).ci_port); }

std::array<std::string, 5> default_addresses() {
    std::array<std::string, 5> addresses;
    for (Service service : kAllServices) addresses[static_cast<std::size_t>(service)] = default_address(service);
    return addresses;
}

sim::Settings reference_ci_settings() {
    return sim::Settings::from_pairs({
        {"ASPNETCORE_ENVIRONMENT", "Development"},
        {"Mgm:ApiKey", "ci-desktop-api-key"},
        {"Mgm:DevSkipSubscriberCheck", "true"},
        {"Mgm:EnableE2eHarness", "true"},
        {"Twitch:EventSubSecret", "e2e-ci-eventsub-secret"},
        {"Twitch:HelixApiBaseUrl", sim::ci::url(sim::ci::kHelixApiPort)},
        {"Twitch:BroadcasterAccessToken", "e2e-ci-broadcast-token"},
        {"Twitch:BroadcasterUserId", "e2e-ci-broadcaster"},
        {"Twitch:HelixClientId", "e2e-ci-helix-client"},
        {"Backend:BaseUrl", sim::ci::url(sim::ci::kEbsPort)},
        {"SyntheticDesktop:BackendBaseUrl", sim::ci::url(sim::ci::kEbsPort)},
    });
}

struct World::Parts {
    // A simulated World is one thread by construction (the SimLoop is its only runner), so its io_context
    // needs no locking: the mutex and condition variable were ~3 % of a busy simulated day's instructions.
    // Real-socket mode keeps Asio's default.
    explicit Parts(bool simulated) : io(simulated ? BOOST_ASIO_CONCURRENCY_HINT_UNSAFE : BOOST_ASIO_CONCURRENCY_HINT_DEFAULT) {}

    // Declaration order = construction order; destruction runs backwards (io_context last).
    boost::asio::io_context io;
    sim::Trace trace;
    std::unique_ptr<sim::VirtualClock> virtual_clock;
    std::unique_ptr<sim::SystemClock> system_clock;
    sim::Clock* clock = nullptr;
    sim::Scheduler* scheduler = nullptr;
    sim::Log log;
    std::unique_ptr<sim::SimLoop> loop;
    std::unique_ptr<sim::LoopbackNetwork> loopback;
    std::unique_ptr<sim::TcpNetwork> tcp;
    sim::Network* network = nullptr;
    sim::Rng root{0};
    std::array<std::string, 5> bound;

    std::array<std::unique_ptr<Host>, 5> hosts;  // destroyed after the servers, the EBS last
    std::array<std::unique_ptr<http::Server>, 5> servers;
    std::shared_ptr<http::ConnectionBudget> budget;  // the process-wide connection cap, shared by the servers
    std::unique_ptr<Driver> driver;
    bool stopped = false;

    sim::Seams seams(Service service) {
        return sim::Seams{*clock, *scheduler, *network, root.derive(service_name(service)), trace, log};
    }

    // Routes a request to the service (the servers exist before the services are built).
    void dispatch(Service service, const http::Request& request, std::function<void(http::Response)> respond) {
        if (auto& host = hosts[static_cast<std::size_t>(service)]) return host->handle(request, std::move(respond));
        respond(http::Response::empty(503));
    }
};

World::World(WorldConfig config) : config_(std::move(config)), parts_(std::make_unique<Parts>(is_simulation())) {
    Parts& p = *parts_;
    p.trace.set_keep_lines(config_.keep_trace_lines);
    p.trace.set_sink(config_.trace_sink);
    p.trace.set_detail(config_.trace_detail);
    sim::LogLevel level = config_.log_level;
    if (config_.log_requests && level > sim::LogLevel::info) level = sim::LogLevel::info;

    if (is_simulation()) {
        p.root = sim::Rng(config_.seed.value_or(1));
        p.virtual_clock = std::make_unique<sim::VirtualClock>(config_.start, p.trace.timer_hook());
        if (config_.timer_tie_breaker) p.virtual_clock->set_tie_breaker(config_.timer_tie_breaker);
        p.clock = p.virtual_clock.get();
        p.scheduler = p.virtual_clock.get();
        p.loop = std::make_unique<sim::SimLoop>(p.io, *p.virtual_clock);
        p.loopback = std::make_unique<sim::LoopbackNetwork>(p.io, *p.scheduler, p.root.derive("net"), &p.trace);
        p.network = p.loopback.get();
    } else {
        p.root = sim::Rng(config_.seed ? *config_.seed : sim::entropy_seed());
        p.system_clock = std::make_unique<sim::SystemClock>(p.io);
        p.clock = p.system_clock.get();
        p.scheduler = p.system_clock.get();
        p.tcp = std::make_unique<sim::TcpNetwork>(p.io);
        sim::Log* log = &p.log;
        p.tcp->set_warning_sink([log](const std::string& message) { log->warn("net", message); });
        p.network = p.tcp.get();
    }
    p.trace.set_clock(p.clock);
    p.log.set_clock(p.clock);
    p.log.set_level(level);
    if (config_.log_sink) p.log.set_sink(config_.log_sink);

    const ConnectionLimits limits = connection_limits(config_.settings, !is_simulation());
    p.budget = std::make_shared<http::ConnectionBudget>();
    p.budget->limit = limits.total;
    // Listen first, so port 0 is resolved before the cross-service URLs are wired.
    for (Service service : kAllServices) {
        if (!runs(service)) continue;
        auto index = static_cast<std::size_t>(service);
        std::string requested = config_.addresses[index];
        if (!is_simulation() && requested.size() > 2 && requested.compare(requested.size() - 2, 2, ":0") == 0)
            requested = reserve_ephemeral(*p.network, requested);
        http::ServerOptions options;
        options.actor = std::string(service_name(service));
        options.date_clock = p.clock;
        if (config_.request_headers_timeout) options.request_headers_timeout = *config_.request_headers_timeout;
        // The simulated network stalls writes on purpose (partitions, latency): no response-rate minimum there.
        if (is_simulation()) options.min_response_bytes_per_second.reset();
        options.max_connections = limits.per_service;
        options.shared_budget = p.budget;
        if (service == Service::helix) options.route_body_limit = fakes::MockHelixApi::route_body_limit;
        if (service == Service::desktop) options.route_body_limit = fakes::SyntheticDesktop::route_body_limit;
        Parts* parts = &p;
        p.servers[index] = std::make_unique<http::Server>(
            *p.network, *p.scheduler, requested,
            [parts, service](const http::Request& request, std::function<void(http::Response)> respond) {
                parts->dispatch(service, request, std::move(respond));
            },
            options, &p.trace, &p.log);
        if (auto ec = p.servers[index]->start())
            throw std::runtime_error(std::string(service_name(service)) + ": cannot listen on " + requested + ": " +
                                     ec.message());
        p.bound[index] = p.network->bound_address(requested);
    }

    sim::Settings shared = config_.settings;
    if (config_.wire_urls) {
        if (runs(Service::ebs)) {
            shared.set("Backend:BaseUrl", url(Service::ebs));
            shared.set("SyntheticDesktop:BackendBaseUrl", url(Service::ebs));
        }
        if (runs(Service::helix)) shared.set("Twitch:HelixApiBaseUrl", url(Service::helix));
    }

    for (const HostRow& host : kHosts) {
        if (!runs(host.service)) continue;
        HostContext context{config_, shared,     p.seams(host.service), address(host.service), *p.scheduler,
                            p.log,   p.tcp.get()};
        if (auto overrides = config_.service_settings.find(host.service); overrides != config_.service_settings.end())
            context.settings.overlay(overrides->second);
        p.hosts[static_cast<std::size_t>(host.service)] = host.build(context);
    }

    if (is_simulation()) p.driver = std::make_unique<SimDriver>(*p.loop, *p.network, *p.scheduler, &p.trace, "driver");
    else p.driver = std::make_unique<RealDriver>(p.io, *p.network, *p.clock, *p.scheduler, &p.trace, "driver");
}

World::~World() {
    try {
        stop();
    } catch (...) {}
}

void World::stop() {
    Parts& p = *parts_;
    if (p.stopped) return;
    p.stopped = true;
    for (auto& host : p.hosts)
        if (host) host->stop();
    for (auto& server : p.servers)
        if (server) server->stop();
    // Let the closes complete (handlers that would otherwise be destroyed unrun with the io_context).
    // Teardown is not part of the run: the loop's hooks (invariant checks, breakpoints) belong to objects
    // that may already be gone, and a check that throws here would escape a destructor.
    if (p.loop) {
        p.loop->set_before_fire(nullptr);
        p.loop->set_after_event(nullptr);
        p.loop->drain();
    } else {
        p.io.restart();
        p.io.poll();
    }
    for (auto& host : p.hosts)
        if (host) host->finish();
}

void World::drain(sim::Duration timeout, std::function<void(bool complete)> done) {
    Parts& p = *parts_;
    for (auto& host : p.hosts)  // the EBS's workers stop; the servers keep answering what is in flight
        if (host) host->stop();
    struct Pending {
        int servers = 0;
        bool finished = false;
        sim::TimerHandle timer;
        std::function<void(bool)> done;
    };
    auto pending = std::make_shared<Pending>();
    pending->done = std::move(done);
    sim::Scheduler* scheduler = p.scheduler;
    auto finish = [pending, scheduler](bool complete) {
        if (pending->finished) return;
        pending->finished = true;
        if (complete) scheduler->cancel(pending->timer);
        auto callback = std::move(pending->done);
        callback(complete);
    };
    for (auto& server : p.servers)
        if (server) ++pending->servers;
    pending->timer = p.scheduler->after(timeout, "world.drain.timeout", [finish] { finish(false); });
    if (pending->servers == 0) return finish(true);
    for (auto& server : p.servers)
        if (server)
            server->drain([pending, finish] {
                if (--pending->servers == 0) finish(true);
            });
}

std::size_t World::open_connections() const {
    std::size_t open = 0;
    for (const auto& server : parts_->servers)
        if (server) open += server->open_connections();
    return open;
}

std::string World::group_commit_summary() const {
    const auto* ebs = static_cast<const EbsHost*>(parts_->hosts[static_cast<std::size_t>(Service::ebs)].get());
    const backend::GroupCommit* group_commit = ebs ? ebs->group_commit() : nullptr;
    if (!group_commit) return "off";
    return std::to_string(group_commit->commits()) + " commits for " + std::to_string(group_commit->held_writes()) +
           " held writes";
}

std::string World::address(Service service) const {
    const auto index = static_cast<std::size_t>(service);
    if (!parts_->bound[index].empty()) return parts_->bound[index];
    return config_.addresses[index];
}

std::string World::url(Service service) const { return "http://" + address(service); }

boost::asio::io_context& World::io() { return parts_->io; }
sim::Clock& World::clock() { return *parts_->clock; }
sim::Scheduler& World::scheduler() { return *parts_->scheduler; }
sim::Network& World::network() { return *parts_->network; }
sim::Trace& World::trace() { return parts_->trace; }
sim::Log& World::log() { return parts_->log; }

sim::SimLoop& World::loop() {
    if (!parts_->loop) throw std::logic_error("World::loop(): only in simulation mode");
    return *parts_->loop;
}
sim::VirtualClock& World::virtual_clock() {
    if (!parts_->virtual_clock) throw std::logic_error("World::virtual_clock(): only in simulation mode");
    return *parts_->virtual_clock;
}
sim::LoopbackNetwork& World::loopback() {
    if (!parts_->loopback) throw std::logic_error("World::loopback(): only in simulation mode");
    return *parts_->loopback;
}

namespace {
// The row of `which` built a ServiceHost<T> (kHosts), so the cast is exact.
template <class T>
T& require(World::Parts& parts, Service which) {
    const auto& host = parts.hosts[static_cast<std::size_t>(which)];
    if (!host) throw std::logic_error("World: service '" + std::string(service_name(which)) + "' is not running");
    return static_cast<ServiceHost<T>&>(*host).service();
}
}  // namespace

backend::Ebs& World::ebs() { return require<backend::Ebs>(*parts_, Service::ebs); }
fakes::MockEventSubWebhook& World::eventsub() {
    return require<fakes::MockEventSubWebhook>(*parts_, Service::eventsub);
}
fakes::MockExtensionJwt& World::jwt() { return require<fakes::MockExtensionJwt>(*parts_, Service::jwt); }
fakes::MockHelixApi& World::helix() { return require<fakes::MockHelixApi>(*parts_, Service::helix); }
fakes::SyntheticDesktop& World::desktop() { return require<fakes::SyntheticDesktop>(*parts_, Service::desktop); }

Driver& World::driver() { return *parts_->driver; }

}  // namespace mgm::harness

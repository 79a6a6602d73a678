#include "harness/world/world.h"

#include <stdexcept>

#include <boost/asio/io_context.hpp>

#include "backend/ebs.h"
#include "backend/store/group_commit.h"
#include "fakes/mock_eventsub_webhook.h"
#include "fakes/mock_extension_jwt.h"
#include "fakes/mock_helix_api.h"
#include "fakes/synthetic_desktop.h"
#include "sim/clock/sim_loop.h"
#include "sim/clock/system_clock.h"
#include "sim/clock/virtual_clock.h"
#include "sim/seams.h"
#include "sim/http/server.h"
#include "sim/network/loopback_network.h"
#include "sim/network/tcp_network.h"
#include "sim/trace/trace.h"
#include "harness/world/driver.h"

namespace mgm::harness {

std::string_view service_name(Service service) {
    switch (service) {
        case Service::ebs: return "ebs";
        case Service::eventsub: return "eventsub";
        case Service::jwt: return "jwt";
        case Service::helix: return "helix";
        case Service::desktop: return "desktop";
    }
    return "?";
}

std::optional<Service> parse_service(std::string_view name) {
    struct Alias {
        std::string_view name;
        Service service;
    };
    static constexpr Alias kAliases[] = {
        {"ebs", Service::ebs},           {"backend", Service::ebs},
        {"eventsub", Service::eventsub}, {"MockEventSubWebhook", Service::eventsub},
        {"jwt", Service::jwt},           {"MockExtensionJwt", Service::jwt},
        {"helix", Service::helix},       {"MockHelixApi", Service::helix},
        {"desktop", Service::desktop},   {"SyntheticDesktop", Service::desktop},
    };
    for (const auto& alias : kAliases)
        if (http::iequals(alias.name, name)) return alias.service;
    return std::nullopt;
}

std::string default_address(Service service) {
    switch (service) {
        case Service::ebs: return "127.0.0.1:8080";
        case Service::eventsub: return "127.0.0.1:9051";
        case Service::jwt: return "127.0.0.1:9052";
        case Service::helix: return "127.0.0.1:9053";
        case Service::desktop: return "127.0.0.1:9054";
    }
    return {};
}

sim::Settings reference_ci_settings() {
    return sim::Settings::from_pairs({
        {"ASPNETCORE_ENVIRONMENT", "Development"},
        {"Mgm:ApiKey", "ci-desktop-api-key"},
        {"Mgm:DevSkipSubscriberCheck", "true"},
        {"Mgm:EnableE2eHarness", "true"},
        {"Twitch:EventSubSecret", "e2e-ci-eventsub-secret"},
        {"Twitch:HelixApiBaseUrl", "http://127.0.0.1:9053"},
        {"Twitch:BroadcasterAccessToken", "e2e-ci-broadcast-token"},
        {"Twitch:BroadcasterUserId", "e2e-ci-broadcaster"},
        {"Twitch:HelixClientId", "e2e-ci-helix-client"},
        {"Backend:BaseUrl", "http://127.0.0.1:8080"},
        {"SyntheticDesktop:BackendBaseUrl", "http://127.0.0.1:8080"},
    });
}

namespace {

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

struct World::Parts {
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

    std::unique_ptr<backend::Ebs> ebs;
    std::unique_ptr<backend::GroupCommit> group_commit;   // real mode: destroyed before the EBS's store
    std::unique_ptr<fakes::MockEventSubWebhook> eventsub;
    std::unique_ptr<fakes::MockExtensionJwt> jwt;
    std::unique_ptr<fakes::MockHelixApi> helix;
    std::unique_ptr<fakes::SyntheticDesktop> desktop;
    std::array<std::unique_ptr<http::Server>, 5> servers;
    std::unique_ptr<Driver> driver;
    bool stopped = false;

    sim::Seams seams(Service service) {
        return sim::Seams{*clock, *scheduler, *network, root.derive(service_name(service)), trace, log};
    }

    // Routes a request to the service object (the servers exist before the services are built).
    void dispatch(Service service, const http::Request& request, std::function<void(http::Response)> respond) {
        switch (service) {
            case Service::ebs:
                if (ebs) return ebs->handle(request, std::move(respond));
                break;
            case Service::eventsub:
                if (eventsub) return eventsub->handle(request, std::move(respond));
                break;
            case Service::jwt:
                if (jwt) return jwt->handle(request, std::move(respond));
                break;
            case Service::helix:
                if (helix) return helix->handle(request, std::move(respond));
                break;
            case Service::desktop:
                if (desktop) return desktop->handle(request, std::move(respond));
                break;
        }
        respond(http::Response::empty(503));
    }
};

World::World(WorldConfig config) : config_(std::move(config)), parts_(std::make_unique<Parts>()) {
    Parts& p = *parts_;
    p.trace.set_keep_lines(config_.keep_trace_lines);
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
        p.network = p.tcp.get();
    }
    p.trace.set_clock(p.clock);
    p.log.set_clock(p.clock);
    p.log.set_level(level);

    // Listen first, so port 0 is resolved before the cross-service URLs are wired.
    for (Service service : kAllServices) {
        if (!runs(service)) continue;
        auto index = static_cast<std::size_t>(service);
        std::string requested = config_.addresses[index];
        if (!is_simulation() && requested.size() > 2 && requested.compare(requested.size() - 2, 2, ":0") == 0)
            requested = reserve_ephemeral(*p.network, requested);
        http::ServerOptions options;
        options.actor = std::string(service_name(service));
        if (config_.request_headers_timeout) options.request_headers_timeout = *config_.request_headers_timeout;
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

    sim::Settings settings = config_.settings;
    if (config_.wire_urls) {
        if (runs(Service::ebs)) {
            settings.set("Backend:BaseUrl", url(Service::ebs));
            settings.set("SyntheticDesktop:BackendBaseUrl", url(Service::ebs));
        }
        if (runs(Service::helix)) settings.set("Twitch:HelixApiBaseUrl", url(Service::helix));
    }

    if (runs(Service::ebs)) {
        p.ebs = std::make_unique<backend::Ebs>(backend::EbsConfig::from_settings(settings), p.seams(Service::ebs),
                                               config_.store_recycler);
        if (config_.start_workers) p.ebs->start();
        // Real sockets: one COMMIT per event-loop pass, answers held until it (Mgm:GroupCommit=false: one
        // COMMIT per transaction, as in simulation).
        if (!is_simulation() && settings.get_bool("Mgm:GroupCommit", true)) {
            p.group_commit = std::make_unique<backend::GroupCommit>(p.ebs->store(), *p.scheduler, p.log);
            p.tcp->set_output_barrier(p.group_commit.get());
        }
    }
    if (runs(Service::eventsub)) {
        auto c = fakes::MockEventSubWebhookConfig::from_settings(settings);
        c.self_address = address(Service::eventsub);
        p.eventsub = std::make_unique<fakes::MockEventSubWebhook>(std::move(c), p.seams(Service::eventsub));
    }
    if (runs(Service::jwt))
        p.jwt = std::make_unique<fakes::MockExtensionJwt>(fakes::MockExtensionJwtConfig::from_settings(settings),
                                                          p.seams(Service::jwt));
    if (runs(Service::helix))
        p.helix = std::make_unique<fakes::MockHelixApi>(fakes::MockHelixApiConfig::from_settings(settings),
                                                        p.seams(Service::helix));
    if (runs(Service::desktop)) {
        auto c = fakes::SyntheticDesktopConfig::from_settings(settings);
        c.self_address = address(Service::desktop);
        p.desktop = std::make_unique<fakes::SyntheticDesktop>(std::move(c), p.seams(Service::desktop));
    }

    if (is_simulation())
        p.driver = std::make_unique<SimDriver>(*p.loop, *p.network, *p.scheduler, &p.trace, "driver");
    else
        p.driver = std::make_unique<RealDriver>(p.io, *p.network, *p.clock, *p.scheduler, &p.trace, "driver");
}

World::~World() {
    try {
        stop();
    } catch (...) {
    }
}

void World::stop() {
    Parts& p = *parts_;
    if (p.stopped) return;
    p.stopped = true;
    if (p.ebs) p.ebs->stop();
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
    if (p.group_commit) {
        p.group_commit->flush();
        p.tcp->set_output_barrier(nullptr);
    }
}

std::string World::group_commit_summary() const {
    const auto& group_commit = parts_->group_commit;
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
template <class T>
T& require(const std::unique_ptr<T>& service, Service which) {
    if (!service) throw std::logic_error("World: service '" + std::string(service_name(which)) + "' is not running");
    return *service;
}
}  // namespace

backend::Ebs& World::ebs() { return require(parts_->ebs, Service::ebs); }
fakes::MockEventSubWebhook& World::eventsub() { return require(parts_->eventsub, Service::eventsub); }
fakes::MockExtensionJwt& World::jwt() { return require(parts_->jwt, Service::jwt); }
fakes::MockHelixApi& World::helix() { return require(parts_->helix, Service::helix); }
fakes::SyntheticDesktop& World::desktop() { return require(parts_->desktop, Service::desktop); }

Driver& World::driver() { return *parts_->driver; }

}  // namespace mgm::harness

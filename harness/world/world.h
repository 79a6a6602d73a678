// The World: the EBS and the four fakes wired on one Network, Clock/Scheduler, Rng, Trace and Log, at the
// reference CI addresses, in simulation (VirtualClock + LoopbackNetwork, one thread, seeded) or in real
// mode (SystemClock + TcpNetwork). Tests, the fuzz targets, the scenario runner and `mgm-sim serve` all
// build one of these, with all five services or only the ones they need.
//
// The services are rows of one host table (world.cpp, kHosts): name, reference process name, CI port and a
// constructor that builds the service from its configuration. Adding a service is one row (plus its
// Service value and, if callers want the concrete type, a typed accessor).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "backend/config.h"
#include "sim/core/time.h"
#include "sim/trace/log.h"
#include "sim/core/settings.h"

namespace boost::asio {
class io_context;
}
namespace mgm::backend {
class Ebs;
class StoreRecycler;
}  // namespace mgm::backend
namespace mgm::http {
class Server;
}
namespace mgm::fakes {
class MockEventSubWebhook;
class MockExtensionJwt;
class MockHelixApi;
class SyntheticDesktop;
}  // namespace mgm::fakes

namespace mgm::sim {
class Clock;
class Scheduler;
class VirtualClock;
class SimLoop;
class Network;
class LoopbackNetwork;
class Trace;
}  // namespace mgm::sim

namespace mgm::harness {

class Driver;

enum class WorldMode { simulation, real };

// The five services, in start order (the EBS first: the reference starts the mocks after it answers).
enum class Service { ebs = 0, eventsub = 1, jwt = 2, helix = 3, desktop = 4 };
inline constexpr std::array<Service, 5> kAllServices = {Service::ebs, Service::eventsub, Service::jwt, Service::helix,
                                                        Service::desktop};

// "ebs", "eventsub", "jwt", "helix", "desktop": names for --only, logs, trace actors and Rng streams.
std::string_view service_name(Service service);
// Also accepts the reference process names ("MockHelixApi", "backend", ...), case-insensitively.
std::optional<Service> parse_service(std::string_view name);
// The reference CI address of each service (the port map in sim/network/ci_ports.h).
std::string default_address(Service service);
std::array<std::string, 5> default_addresses();

// The reference CI environment block (docs/REAL_SOCKET_MODE.md, the CI environment), every process's variables merged (they
// agree where they overlap): Development, Mgm:ApiKey=ci-desktop-api-key, DevSkipSubscriberCheck and
// EnableE2eHarness true, the EventSub secret, Helix base URL/token/broadcaster/client id, Backend:BaseUrl,
// SyntheticDesktop:BackendBaseUrl. MockHelix:StrictAuth and the extension secret/client id stay unset.
sim::Settings reference_ci_settings();

// Connection caps of the real-socket servers (docs/REAL_SOCKET_MODE.md): per service
// Kestrel:Limits:MaxConcurrentConnections (default 1000; Kestrel's own default is unlimited) and in total
// Mgm:MaxConnections (default: the descriptor limit minus 64, at most 10,000; 0 = none in simulation).
inline constexpr std::size_t kDefaultMaxConnectionsPerService = 1000;
inline constexpr std::size_t kDefaultMaxConnections = 10000;
inline constexpr std::size_t kReservedDescriptors = 64;
struct ConnectionLimits {
    std::size_t per_service = kDefaultMaxConnectionsPerService;
    std::size_t total = 0;  // 0 = no total cap
    bool total_explicit = false;  // Mgm:MaxConnections was set
};
// Throws std::invalid_argument naming the environment variable for a value that is not a positive number.
ConnectionLimits connection_limits(const sim::Settings& settings, bool real_mode);

// 2026-04-04T12:00:00Z: a fixed, boundary-aligned simulated start.
inline constexpr sim::Instant kDefaultSimulationStart = sim::Instant::from_unix_seconds(1775304000);

struct WorldConfig {
    WorldMode mode = WorldMode::simulation;
    // Root of every Rng stream (derived per service: "ebs", "eventsub", "jwt", "helix", "desktop", "net").
    // Real mode with no seed draws one from entropy.
    std::optional<std::uint64_t> seed = 1;
    sim::Instant start = kDefaultSimulationStart;  // simulation only; real mode uses the wall clock
    sim::Settings settings = reference_ci_settings();  // one configuration shared by all five services
    // Per-service overrides: keys laid over the shared settings (and the wired URLs) for that service only.
    std::map<Service, sim::Settings> service_settings;
    // The EBS's configuration as given, instead of read from the settings (the backend tests' and the fuzz
    // targets' profiles). Its self_address is still set to where the EBS listens.
    std::optional<backend::EbsConfig> ebs_config;
    // Listen address per service (index = Service). Real mode accepts port 0 (ephemeral).
    std::array<std::string, 5> addresses = default_addresses();
    std::set<Service> services = {kAllServices.begin(), kAllServices.end()};
    // When both ends run in this World, point the cross-service URLs (Backend:BaseUrl,
    // SyntheticDesktop:BackendBaseUrl, Twitch:HelixApiBaseUrl) at the actually bound addresses, overriding
    // the settings. Needed for port 0 and port overrides; off = the settings are used verbatim.
    bool wire_urls = true;
    // Start the EBS background workers (synchronizer 1 s, expiration 1 h, gift timeouts 5 s), as CI does.
    bool start_workers = true;
    sim::LogLevel log_level = sim::LogLevel::warn;
    // Where log lines go (default: stderr), installed before any service is built.
    std::function<void(const std::string&)> log_sink;
    // Log one line per served request ("ebs: POST /api/x -> 200 (3 ms)") at info level.
    bool log_requests = false;
    bool keep_trace_lines = false;
    // Every trace line is also written here as it is recorded (mgm-sim run --trace FILE); must outlive the World.
    std::ostream* trace_sink = nullptr;
    // Detail lines in the trace (Trace::note: exchanges' headers and bodies, link fault knobs) for the
    // timeline and Perfetto views; they change neither the digest nor the records.
    bool trace_detail = false;
    // Simulation only: same-instant timer order (VirtualClock::set_tie_breaker), installed before anything
    // is scheduled. Empty = FIFO. Seed sweeps install a seeded permutation.
    std::function<std::uint64_t(std::uint64_t sequence)> timer_tie_breaker;
    // Every server's request-headers timeout (slowloris); unset = the server default (30 s, Kestrel's).
    std::optional<sim::Duration> request_headers_timeout;
    // Worlds built one after another may share one: the EBS's in-memory store then comes from, and goes back
    // to, the recycler (emptied, schema and prepared statements kept) instead of being opened anew.
    std::shared_ptr<backend::StoreRecycler> store_recycler;
    // Simulation mode refuses an EBS store outside the process (ConfigError): the simulation always uses
    // in-memory SQLite. The one exception, for tests only: the EBS route tests run their cases on PostgreSQL
    // too (test/backend/ebs_fixture.h) and set this.
    bool allow_postgresql = false;
};

class World {
public:
    // Builds everything and starts listening (nothing is served until the loop/io_context runs).
    // Throws backend::ConfigError for an EBS configuration that cannot start, std::runtime_error when a
    // listen address cannot be bound.
    explicit World(WorldConfig config);
    ~World();
    World(const World&) = delete;
    World& operator=(const World&) = delete;

    const WorldConfig& config() const { return config_; }
    bool is_simulation() const { return config_.mode == WorldMode::simulation; }
    bool runs(Service service) const { return config_.services.count(service) != 0; }

    // Address the service actually listens on (port 0 resolved), and "http://" + that.
    std::string address(Service service) const;
    std::string url(Service service) const;

    boost::asio::io_context& io();
    sim::Clock& clock();
    sim::Scheduler& scheduler();
    sim::Network& network();
    sim::Trace& trace();
    sim::Log& log();
    // Real mode with group commit (backend/store/group_commit.h): "<commits> commits for <writes> held writes".
    std::string group_commit_summary() const;
    // Simulation only (throw std::logic_error in real mode).
    sim::SimLoop& loop();
    sim::VirtualClock& virtual_clock();
    sim::LoopbackNetwork& loopback();

    // The services (throw std::logic_error when not running in this World).
    backend::Ebs& ebs();
    fakes::MockEventSubWebhook& eventsub();
    fakes::MockExtensionJwt& jwt();
    fakes::MockHelixApi& helix();
    fakes::SyntheticDesktop& desktop();

    // Synchronous HTTP from outside: SimDriver in simulation, RealDriver on this World's io_context in real
    // mode. Both pump this World's services while waiting.
    Driver& driver();

    // Stops the EBS workers and closes every listener and session. Idempotent; the destructor calls it.
    void stop();
    // Graceful shutdown: stops the EBS workers and every listener, closes idle connections and lets the
    // requests in flight be answered; `done(true)` once no connection is left, `done(false)` after `timeout`
    // with some still open. Call stop() afterwards. Runs on the World's loop/io_context.
    void drain(sim::Duration timeout, std::function<void(bool complete)> done);
    std::size_t open_connections() const;

    struct Parts;
    class Host;

private:
    WorldConfig config_;
    std::unique_ptr<Parts> parts_;
};

}  // namespace mgm::harness

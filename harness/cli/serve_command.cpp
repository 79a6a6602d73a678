// `mgm-sim serve`: the World in real mode on 127.0.0.1, configured like the reference CI processes.
#include <array>
#include <cctype>
#include <chrono>
#include <stdexcept>
#include <vector>
#include <csignal>
#include <memory>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <sys/resource.h>

#include "backend/config.h"
#include "harness/cli/cli_numbers.h"
#include "harness/cli/commands.h"
#include "harness/cli/serve_store.h"
#include "sim/trace/log.h"
#include "sim/core/settings.h"
#include "sim/http/message.h"
#include "sim/trace/trace.h"
#include "harness/world/world.h"

extern char** environ;

namespace mgm::harness::cli {

namespace {

using harness::Service;

// Mgm:ShutdownTimeoutSeconds default: .NET's HostOptions.ShutdownTimeout (30 s).
constexpr double kDefaultShutdownTimeoutSeconds = 30;

bool parse_port(std::string_view text, int& port) {
    if (text.empty() || text.size() > 5) return false;
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    if (value > 65535) return false;
    port = value;
    return true;
}

// "http://127.0.0.1:9053", "http://localhost:9053", "http://+:9053", "127.0.0.1:9053" -> "127.0.0.1:9053".
// ASPNETCORE_URLS may list several URLs separated by ';': the first is used.
std::optional<std::string> address_from_url(std::string text) {
    text = text.substr(0, text.find(';'));
    if (text.rfind("http://", 0) == 0) text = text.substr(7);
    while (!text.empty() && text.back() == '/') text.pop_back();
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string host = text.substr(0, colon);
    int port = 0;
    if (!parse_port(text.substr(colon + 1), port)) return std::nullopt;
    if (host == "localhost" || host == "+" || host == "*" || host == "0.0.0.0" || host == "[::]" || host.empty())
        host = "127.0.0.1";
    return host + ":" + std::to_string(port);
}

// "Mgm:GroupCommit" -> "Mgm__GroupCommit": messages name the environment form users set.
std::string env_name(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (c == ':') out += "__";
        else out.push_back(c);
    }
    return out;
}

// What `serve` refuses to start with (each a message naming the setting) and what it only warns about.
struct SettingsCheck {
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
};

bool is_http_url(std::string_view url) {
    std::string lower;
    for (char c : url) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    std::string_view rest = lower;
    if (rest.rfind("http://", 0) == 0) rest.remove_prefix(7);
    else if (rest.rfind("https://", 0) == 0) rest.remove_prefix(8);
    else return false;
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.empty() || authority.find_first_of(" \t@") != std::string_view::npos) return false;
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
        int port = 0;
        if (colon == 0 || !parse_port(authority.substr(colon + 1), port) || port == 0) return false;
    }
    return true;
}

SettingsCheck check_settings(const sim::Settings& settings, bool single_service) {
    SettingsCheck check;
    // Booleans the reference binds with bool.Parse (an unparsable value fails there too); ours the same way.
    for (const char* key :
         {"Mgm:GroupCommit", "Mgm:DevSkipSubscriberCheck", "Mgm:EnableE2eHarness", "Mgm:EventSubEnforceFreshness",
          "Mgm:PostgreSQLWriterLock"}) {
        auto value = settings.get(key);
        if (value && !value->empty() && !sim::Settings::parse_bool(*value))
            check.errors.push_back(env_name(key) + "='" + *value + "' is not a boolean (true or false)");
    }
    if (auto url = settings.get("Twitch:HelixApiBaseUrl"); url && !url->empty() && !is_http_url(*url))
        check.errors.push_back("Twitch__HelixApiBaseUrl='" + *url + "' is not an absolute http:// or https:// URL");
    if (auto seconds = settings.get("Mgm:ShutdownTimeoutSeconds"); seconds && !seconds->empty()) {
        char* end = nullptr;
        double value = std::strtod(seconds->c_str(), &end);
        if (*end != '\0' || !(value > 0) || value > 3600)
            check.errors.push_back("Mgm__ShutdownTimeoutSeconds='" + *seconds +
                                   "' is not a number of seconds in (0, 3600]");
    }
    if (auto urls = settings.get("ASPNETCORE_URLS"); urls && !urls->empty()) {
        std::vector<std::string> parts;
        std::stringstream list(*urls);
        for (std::string part; std::getline(list, part, ';');)
            if (!part.empty()) parts.push_back(part);
        for (const auto& part : parts)
            if (!address_from_url(part)) check.errors.push_back("ASPNETCORE_URLS: cannot use '" + part + "'");
        if (!single_service)
            check.warnings.push_back("ASPNETCORE_URLS is ignored: it applies only with --only naming one service");
        else if (parts.size() > 1)
            check.warnings.push_back("ASPNETCORE_URLS lists " + std::to_string(parts.size()) +
                                     " URLs; only the first, '" + parts.front() + "', is bound");
    }
    try {
        auto limits = harness::connection_limits(settings, true);
        rlimit fds{};
        if (limits.total_explicit && getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur != RLIM_INFINITY &&
            limits.total + harness::kReservedDescriptors > fds.rlim_cur)
            check.warnings.push_back("Mgm__MaxConnections=" + std::to_string(limits.total) +
                                     " is above what the descriptor limit (" + std::to_string(fds.rlim_cur) +
                                     ") allows; accepts will pause when descriptors run out");
    } catch (const std::invalid_argument& e) { check.errors.push_back(e.what()); }
    return check;
}

const char* port_option(Service s) {
    switch (s) {
    case Service::ebs: return "--ebs-port";
    case Service::eventsub: return "--eventsub-port";
    case Service::jwt: return "--jwt-port";
    case Service::helix: return "--helix-port";
    case Service::desktop: return "--desktop-port";
    }
    return "";
}

}  // namespace

void serve_help(std::ostream& out) {
    out << "usage: mgm-sim serve [options]\n\n"
           "Starts the EBS and the four mocks in one process on real sockets and the wall clock, each at its\n"
           "reference CI address, and serves until SIGINT/SIGTERM (clean exit 0). One log line per request.\n\n"
           "options:\n"
           "  --only LIST          comma-separated subset: ebs,eventsub,jwt,helix,desktop (also the reference\n"
           "                       names: backend, MockEventSubWebhook, MockExtensionJwt, MockHelixApi,\n"
           "                       SyntheticDesktop). Default: all five.\n"
           "  --host HOST          bind host for every service (default 127.0.0.1)\n"
           "  --ebs-port N         8080     --eventsub-port N   9051    --jwt-port N   9052\n"
           "  --helix-port N       9053     --desktop-port N    9054    (0 = any free port)\n"
           "  --listen NAME=ADDR   e.g. --listen helix=127.0.0.1:19053 (repeatable)\n"
           "  --no-wire            use Backend:BaseUrl, SyntheticDesktop:BackendBaseUrl and Twitch:HelixApiBaseUrl\n"
           "                       verbatim; by default, when both ends run here, they point at the bound addresses\n"
           "  --no-ci-defaults     start from an empty configuration instead of the reference CI env block\n"
           "  --seed N             root of the random streams (default: entropy)\n"
           "  --log-level LEVEL    debug|info|warn|error|off (default info: one line per request)\n"
           "  --quiet              same as --log-level warn\n\n"
           "configuration (environment, ASP.NET style; \"__\" = \":\"; the environment overrides the defaults):\n"
           "  ASPNETCORE_ENVIRONMENT            Development (CI default) | Production\n"
           "  Mgm__ApiKey                       ci-desktop-api-key   (EBS and SyntheticDesktop)\n"
           "  Mgm__DevSkipSubscriberCheck       true\n"
           "  Mgm__EnableE2eHarness             true\n"
           "  Mgm__SqlitePath                   mgm-ebs.sqlite in the working directory (kept across restarts);\n"
           "                                    :memory: for a fresh store per run (tests, CI); the startup line names "
           "it\n"
           "  ConnectionStrings__PostgreSQL     unset; Npgsql key=value (Host=127.0.0.1;Port=5432;Database=mgm;\n"
           "                                    Username=postgres;Password=postgres): the EBS stores in PostgreSQL\n"
           "  Mgm__GroupCommit                  true (one COMMIT per event-loop pass, answers held until it; false: "
           "per\n"
           "                                    transaction)\n"
           "  Twitch__EventSubSecret            e2e-ci-eventsub-secret (EBS and MockEventSubWebhook)\n"
           "  Twitch__HelixApiBaseUrl           http://127.0.0.1:9053\n"
           "  Twitch__BroadcasterAccessToken    e2e-ci-broadcast-token\n"
           "  Twitch__BroadcasterUserId         e2e-ci-broadcaster\n"
           "  Twitch__HelixClientId             e2e-ci-helix-client\n"
           "  Twitch__ExtensionSecret           (unset: Development key "
           "SHA-256(\"mgm-dev-extension-secret-change-me\"))\n"
           "  Twitch__ExtensionClientId         (unset: no audience)\n"
           "  Backend__BaseUrl                  http://127.0.0.1:8080 (MockEventSubWebhook's forward target)\n"
           "  SyntheticDesktop__BackendBaseUrl  http://127.0.0.1:8080\n"
           "  MockHelix__StrictAuth             (unset = off)\n"
           "  ASPNETCORE_URLS                   honoured only with --only naming a single service (its address)\n\n"
           "examples:\n"
           "  mgm-sim serve\n"
           "  mgm-sim serve --only eventsub,jwt,helix,desktop      # C++ mocks in front of another EBS on :8080\n"
           "  ASPNETCORE_URLS=http://127.0.0.1:9053 MockHelix__StrictAuth=true mgm-sim serve --only helix\n";
}

int serve_main(int argc, char** argv) {
    harness::WorldConfig config;
    config.mode = harness::WorldMode::real;
    config.seed.reset();
    config.log_level = sim::LogLevel::info;
    bool ci_defaults = true;
    std::optional<std::set<Service>> only;
    std::string host = "127.0.0.1";
    std::array<std::optional<int>, 5> ports;
    std::array<std::optional<std::string>, 5> listen;

    auto fail = [](const std::string& message) {
        std::cerr << "mgm-sim serve: " << message << " (see mgm-sim serve --help)\n";
        return 2;
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        std::string v;
        bool matched_port = false;
        for (Service s : harness::kAllServices) {
            if (arg != port_option(s)) continue;
            matched_port = true;
            int port = 0;
            if (!value(v) || !parse_port(v, port)) return fail(std::string(arg) + " needs a port number 0..65535");
            ports[static_cast<std::size_t>(s)] = port;
        }
        if (matched_port) continue;
        if (arg == "--only") {
            if (!value(v)) return fail("--only needs a list");
            only.emplace();
            std::stringstream list(v);
            std::string name;
            while (std::getline(list, name, ',')) {
                if (name.empty()) continue;
                auto s = harness::parse_service(name);
                if (!s) return fail("unknown service '" + name + "'");
                only->insert(*s);
            }
            if (only->empty()) return fail("--only names no service");
        } else if (arg == "--host") {
            if (!value(host)) return fail("--host needs a value");
        } else if (arg == "--listen") {
            if (!value(v)) return fail("--listen needs NAME=ADDR");
            auto eq = v.find('=');
            auto s = eq == std::string::npos ? std::nullopt : harness::parse_service(v.substr(0, eq));
            if (!s) return fail("--listen needs NAME=ADDR with a known service name");
            auto address = address_from_url(v.substr(eq + 1));
            if (!address) return fail("--listen: bad address '" + v.substr(eq + 1) + "'");
            listen[static_cast<std::size_t>(*s)] = *address;
        } else if (arg == "--no-wire") {
            config.wire_urls = false;
        } else if (arg == "--no-ci-defaults") {
            ci_defaults = false;
        } else if (arg == "--seed") {
            if (!value(v) || !parse_u64(v)) return fail("--seed needs a number");
            config.seed = *parse_u64(v);
        } else if (arg == "--log-level") {
            if (!value(v) || !sim::parse_log_level(v)) return fail("--log-level needs debug|info|warn|error|off");
            config.log_level = *sim::parse_log_level(v);
        } else if (arg == "--quiet") {
            config.log_level = sim::LogLevel::warn;
        } else {
            return fail("unknown option '" + std::string(arg) + "'");
        }
    }

    sim::Settings settings = ci_defaults ? harness::reference_ci_settings() : sim::Settings();
    settings.overlay(sim::Settings::from_environment(environ));
    {
        SettingsCheck check = check_settings(settings, only && only->size() == 1);
        for (const auto& warning : check.warnings) std::cerr << "mgm-sim serve: warning: " << warning << "\n";
        for (const auto& error : check.errors) std::cerr << "mgm-sim serve: configuration: " << error << "\n";
        if (!check.errors.empty()) return 1;
    }
    if (only) config.services = *only;
    std::optional<ServeStore> store;
    if (!only || only->count(Service::ebs)) {
        store = choose_serve_store(settings);
        settings.set("Mgm:SqlitePath", store->sqlite_path);
        for (const auto& warning : store->warnings) std::cerr << "mgm-sim serve: warning: " << warning << "\n";
        if (auto error = wait_for_postgresql(settings)) {
            std::cerr << "mgm-sim serve: the EBS cannot start: " << *error << "\n";
            return 1;
        }
    }
    config.settings = settings;

    for (Service s : harness::kAllServices) {
        auto index = static_cast<std::size_t>(s);
        std::string address = harness::default_address(s);
        address = host + address.substr(address.rfind(':'));
        if (only && only->size() == 1 && only->count(s)) {
            if (auto urls = settings.get("ASPNETCORE_URLS"); urls && !urls->empty()) {
                auto from_env = address_from_url(*urls);
                if (!from_env) return fail("ASPNETCORE_URLS: cannot use '" + *urls + "'");
                address = *from_env;
            }
        }
        if (ports[index]) address = address.substr(0, address.rfind(':') + 1) + std::to_string(*ports[index]);
        if (listen[index]) address = *listen[index];
        config.addresses[index] = address;
    }

    std::unique_ptr<harness::World> world;
    try {
        world = std::make_unique<harness::World>(config);
    } catch (const backend::ConfigError& e) {
        std::cerr << "mgm-sim serve: the EBS cannot start: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "mgm-sim serve: " << e.what() << "\n";
        return 1;
    }

    world->trace().set_enabled(false);  // nothing reads it here; see Trace::set_enabled
    for (Service s : harness::kAllServices) {
        if (!world->runs(s)) continue;
        std::cout << "mgm-sim serve: " << harness::service_name(s) << " listening on " << world->url(s) << "\n";
    }
    if (store) std::cout << "mgm-sim serve: store: " << store->description << "\n";
    std::cout << "mgm-sim serve: ready" << std::endl;

    boost::asio::io_context& io = world->io();
    const double drain_seconds = settings.get("Mgm:ShutdownTimeoutSeconds")
                                     ? std::strtod(settings.get("Mgm:ShutdownTimeoutSeconds")->c_str(), nullptr)
                                     : kDefaultShutdownTimeoutSeconds;
    // Declared in its own scope: it must be destroyed before the World that owns its io_context.
    auto signals = std::make_unique<boost::asio::signal_set>(io, SIGINT, SIGTERM);
    int received = 0;
    bool finished = false;
    auto finish = [&] {
        if (finished) return;
        finished = true;
        world->stop();
        std::cout << "mgm-sim serve: group commit: " << world->group_commit_summary() << std::endl;
        io.stop();
    };
    // SIGTERM/SIGINT: drain (stop accepting, answer what is in flight, up to Mgm:ShutdownTimeoutSeconds),
    // then stop. A second signal stops at once.
    signals->async_wait([&](const boost::system::error_code& ec, int signal_number) {
        if (ec) return;
        received = signal_number;
        std::cout << "mgm-sim serve: " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
                  << ", shutting down: no new connections, answering requests in flight (up to " << drain_seconds
                  << " s)" << std::endl;
        world->drain(std::chrono::duration_cast<sim::Duration>(std::chrono::duration<double>(drain_seconds)),
                     [&](bool complete) {
                         if (complete) std::cout << "mgm-sim serve: every connection answered and closed" << std::endl;
                         else
                             std::cout << "mgm-sim serve: shutdown timeout: closing " << world->open_connections()
                                       << " connection(s) still open" << std::endl;
                         boost::asio::post(io, finish);  // not from inside a session's own close
                     });
        signals->async_wait([&](const boost::system::error_code& again, int) {
            if (again) return;
            std::cout << "mgm-sim serve: second signal, stopping now" << std::endl;
            boost::asio::post(io, finish);
        });
    });
    io.run();
    signals.reset();
    world.reset();
    std::cout << "mgm-sim serve: stopped" << std::endl;
    return received != 0 ? 0 : 1;
}

}  // namespace mgm::harness::cli

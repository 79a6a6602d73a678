// Wall time of one HTTP round trip (connect, request, response, close) through the real server/client
// code: over the simulated loopback network on the virtual clock, and over TCP on 127.0.0.1 for a ratio.
// Also counts heap allocations per simulated round trip (this program replaces operator new with a counting
// one); instructions per round trip come from callgrind (docs/BENCHMARKS.md gives the commands).
// Usage: bench_http_roundtrip [--smoke] [--iterations N]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <new>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "sim/clock/sim_loop.h"
#include "sim/clock/system_clock.h"
#include "sim/clock/virtual_clock.h"
#include "sim/core/rng.h"
#include "sim/http/client.h"
#include "sim/http/server.h"
#include "sim/network/loopback_network.h"
#include "sim/network/tcp_network.h"
#include "sim/trace/trace.h"

using namespace mgm;
using Wall = std::chrono::steady_clock;

// Every allocation of the process, counted (the simulated loop is single-threaded; relaxed is enough).
namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

struct Stats {
    double median_us = 0, p90_us = 0, p99_us = 0, mean_us = 0;
    std::size_t failures = 0;
    double allocations_per_round_trip = 0;
};

Stats summarize(std::vector<double> samples_us, std::size_t failures) {
    Stats s;
    s.failures = failures;
    if (samples_us.empty()) return s;
    std::sort(samples_us.begin(), samples_us.end());
    auto at = [&](double q) {
        return samples_us[std::min(samples_us.size() - 1, static_cast<std::size_t>(q * samples_us.size()))];
    };
    s.median_us = at(0.5);
    s.p90_us = at(0.9);
    s.p99_us = at(0.99);
    double sum = 0;
    for (double v : samples_us) sum += v;
    s.mean_us = sum / samples_us.size();
    return s;
}

// A handler shaped like a small real route: looks at the request, answers a short JSON body.
http::ServerHandler small_json_handler() {
    return [](const http::Request& request, std::function<void(http::Response)> respond) {
        respond(http::Response::json(200, "{\"ok\":true,\"path\":\"" + request.path + "\"}"));
    };
}

http::Request sample_request() {
    http::Request request;
    request.method = "POST";
    request.target = "/api/payouts/claim";
    request.headers.add("Content-Type", "application/json");
    request.headers.add("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
    request.body = "{\"characterName\":\"Etoehero\",\"enrollmentRequestId\":\"e1\"}";
    return request;
}

// `run_until(done)` drives the event loop of the mode until done() or gives up (false).
Stats measure(http::Client& client, const std::string& address, int iterations, int warmup,
              const std::function<bool(const std::function<bool()>&)>& run_until) {
    std::vector<double> samples;
    samples.reserve(iterations);
    std::size_t failures = 0;
    std::uint64_t allocations_at_start = 0;
    for (int i = 0; i < warmup + iterations; ++i) {
        if (i == warmup) allocations_at_start = g_allocations.load(std::memory_order_relaxed);
        bool finished = false;
        bool ok = false;
        auto started = Wall::now();
        client.send(address, sample_request(), {}, [&](http::ClientResult result) {
            finished = true;
            ok = result.ok() && result.response->status == 200;
        });
        if (!run_until([&] { return finished; })) {
            std::fprintf(stderr, "round trip %d did not finish\n", i);
            std::exit(1);
        }
        double us = std::chrono::duration<double, std::micro>(Wall::now() - started).count();
        if (!ok) ++failures;
        if (i >= warmup) samples.push_back(us);
    }
    // Includes the samples vector's growth: none, it was reserved.
    const std::uint64_t allocations = g_allocations.load(std::memory_order_relaxed) - allocations_at_start;
    Stats stats = summarize(std::move(samples), failures);
    stats.allocations_per_round_trip = iterations > 0 ? static_cast<double>(allocations) / iterations : 0;
    return stats;
}

Stats bench_loopback(int iterations) {
    boost::asio::io_context io;
    sim::Trace trace;  // digest only, as in a scenario run
    sim::VirtualClock clock(sim::Instant::from_unix_seconds(1775304000), trace.timer_hook());
    trace.set_clock(&clock);
    sim::LoopbackNetwork network(io, clock, sim::Rng(1), &trace);
    sim::SimLoop loop(io, clock);
    http::ServerOptions options;
    options.actor = "ebs";
    http::Server server(network, clock, "127.0.0.1:8080", small_json_handler(), options, &trace);
    if (server.start()) {
        std::fprintf(stderr, "loopback listen failed\n");
        std::exit(1);
    }
    http::Client client(network, clock, "driver", &trace, "driver");
    Stats stats = measure(
        client, server.address(), iterations, std::min(iterations / 10, 1000),
        [&](const std::function<bool()>& done) { return loop.run_until(done, clock.now() + std::chrono::hours(1)); });
    if (clock.now() != sim::Instant::from_unix_seconds(1775304000))  // a perfect network takes no simulated time
        std::fprintf(stderr, "unexpected: simulated time moved during the loopback benchmark\n");
    return stats;
}

Stats bench_tcp(int iterations) {
    boost::asio::io_context io;
    sim::Trace trace;
    sim::SystemClock clock(io);
    trace.set_clock(&clock);
    sim::TcpNetwork network(io);
    http::ServerOptions options;
    options.actor = "ebs";
    http::Server server(network, clock, "127.0.0.1:0", small_json_handler(), options, &trace);
    if (auto ec = server.start()) {
        std::fprintf(stderr, "tcp listen failed: %s\n", ec.message().c_str());
        std::exit(1);
    }
    http::Client client(network, clock, "driver", &trace, "driver");
    return measure(client, server.address(), iterations, std::min(iterations / 10, 200),
                   [&](const std::function<bool()>& done) {
                       auto deadline = Wall::now() + std::chrono::seconds(10);
                       while (!done() && Wall::now() < deadline) {
                           io.restart();
                           io.run_one_for(std::chrono::milliseconds(50));
                       }
                       return done();
                   });
}

void print(const char* name, int iterations, const Stats& s) {
    std::printf(
        "%-30s n=%-6d median %8.1f us   p90 %8.1f us   p99 %8.1f us   mean %8.1f us   failures %zu   %.1f allocations "
        "per round trip\n",
        name, iterations, s.median_us, s.p90_us, s.p99_us, s.mean_us, s.failures, s.allocations_per_round_trip);
}

}  // namespace

int main(int argc, char** argv) {
    int iterations = 20000;
    int tcp_iterations = 2000;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--smoke") == 0) {
            iterations = 200;
            tcp_iterations = 50;
        } else if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
            iterations = std::atoi(argv[++i]);
            tcp_iterations = std::max(1, iterations / 10);
        } else {
            std::fprintf(stderr, "usage: %s [--smoke] [--iterations N]\n", argv[0]);
            return 2;
        }
    }
    Stats loopback = bench_loopback(iterations);
    Stats tcp = bench_tcp(tcp_iterations);
    print("http round trip, loopback sim", iterations, loopback);
    print("http round trip, tcp 127.0.0.1", tcp_iterations, tcp);
    std::printf("tcp / loopback median ratio: %.2f\n",
                loopback.median_us > 0 ? tcp.median_us / loopback.median_us : 0.0);
    const double target_us = 50.0;
    std::printf("target: loopback median < %.0f us: %s\n", target_us,
                loopback.median_us < target_us ? "met" : "NOT met");
    return loopback.failures == 0 && tcp.failures == 0 ? 0 : 1;
}

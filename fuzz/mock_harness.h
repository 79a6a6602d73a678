// Shared harness of the mock fuzz targets: one mock on a VirtualClock + LoopbackNetwork, a stub EBS on
// 127.0.0.1:8080 for the SyntheticDesktop's calls, and a way to send one request straight into the mock's
// handler and run the simulation until it answers. Rebuilt every 2,000 inputs (bounded state).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "sim/clock/sim_loop.h"
#include "sim/clock/virtual_clock.h"
#include "sim/trace/log.h"
#include "sim/core/rng.h"
#include "sim/seams.h"
#include "sim/http/server.h"
#include "sim/network/loopback_network.h"
#include "sim/trace/trace.h"

namespace mgm::fuzz {

struct MockBench {
    boost::asio::io_context io;
    sim::Trace trace;
    sim::VirtualClock clock{sim::Instant::from_unix_seconds(1775304000), trace.timer_hook()};
    sim::Log log{&clock, sim::LogLevel::off};
    sim::SimLoop loop{io, clock};
    sim::LoopbackNetwork network{io, clock, sim::Rng(7).derive("net"), &trace};
    std::unique_ptr<http::Server> stub_ebs;

    MockBench() {
        trace.set_enabled(false);
        // The Desktop's backend: a pending list with one payout, 200 for its three calls.
        stub_ebs = std::make_unique<http::Server>(
            network, clock, "127.0.0.1:8080", [](const http::Request& r, std::function<void(http::Response)> respond) {
                if (r.method == "GET")
                    return respond(http::Response::json(
                        200, R"([{"id":"3f0c8a52-6f5e-4a39-9a57-0b8d9c1e2f31","characterName":"Fuzzhero"}])"));
                respond(http::Response::json(200, "{}"));
            });
        stub_ebs->start();
    }
    sim::Seams seams(std::string_view name) {
        return sim::Seams{clock, clock, network, sim::Rng(7).derive(name), trace, log};
    }

    // Calls `handle` and runs the simulation (at most 5 virtual minutes) until the one answer arrives.
    // Aborts when the handler answers twice or never.
    template <class Mock>
    http::Response call(Mock& mock, http::Request request) {
        std::optional<http::Response> answer;
        int answers = 0;
        mock.handle(request, [&](http::Response r) {
            ++answers;
            answer = std::move(r);
        });
        loop.run_until([&] { return answers > 0; }, clock.now() + std::chrono::minutes(5));
        loop.run_until_idle();
        if (answers != 1) __builtin_trap();
        return std::move(*answer);
    }
};

// A JSON-typed answer must parse.
inline void require_json_parses(const http::Response& r) {
    auto type = r.headers.get("Content-Type");
    if (!type || type->find("json") == std::string::npos || r.body.empty()) return;
    if (nlohmann::json::parse(r.body, nullptr, false).is_discarded()) __builtin_trap();
}

}  // namespace mgm::fuzz

// A small simulated bench for one fake at a time: virtual clock, loopback network, servers for the fake and
// for a scripted stub EBS, and a SimDriver to call them synchronously.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "sim/clock/sim_loop.h"
#include "sim/clock/virtual_clock.h"
#include "sim/trace/log.h"
#include "sim/core/rng.h"
#include "sim/seams.h"
#include "sim/http/server.h"
#include "sim/network/loopback_network.h"
#include "sim/trace/trace.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"

namespace mgm::test {

struct FakeBench {
    boost::asio::io_context io;
    sim::Trace trace;
    sim::VirtualClock clock{harness::kDefaultSimulationStart, trace.timer_hook()};
    sim::Log log{&clock, sim::LogLevel::off};
    sim::SimLoop loop{io, clock};
    sim::LoopbackNetwork network{io, clock, sim::Rng(7).derive("net"), &trace};
    std::vector<std::unique_ptr<http::Server>> servers;
    harness::SimDriver driver{loop, network, clock, &trace};

    // Requests the stub EBS received, and how it answers (default: 200 empty).
    std::vector<http::Request> ebs_requests;
    std::function<http::Response(const http::Request&)> ebs_answer = [](const http::Request&) {
        return http::Response::empty(200);
    };

    sim::Seams seams(std::string_view name) {
        return sim::Seams{clock, clock, network, sim::Rng(7).derive(name), trace, log};
    }

    void serve(const std::string& address, http::ServerHandler handler) {
        servers.push_back(std::make_unique<http::Server>(network, clock, address, std::move(handler),
                                                         http::ServerOptions{}, &trace, &log));
        if (servers.back()->start()) throw std::runtime_error("cannot listen on " + address);
    }

    // A scripted EBS on 127.0.0.1:8080 that records every request.
    void serve_stub_ebs(const std::string& address = "127.0.0.1:8080") {
        serve(address, [this](const http::Request& r, std::function<void(http::Response)> respond) {
            ebs_requests.push_back(r);
            respond(ebs_answer(r));
        });
    }

    template <class Fake>
    void serve_fake(const std::string& address, Fake& fake) {
        serve(address, [&fake](const http::Request& r, std::function<void(http::Response)> respond) {
            fake.handle(r, std::move(respond));
        });
    }
};

}  // namespace mgm::test

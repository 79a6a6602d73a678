// A Driver sends one HTTP request at a time and returns the outcome synchronously from the caller's view.
// SimDriver runs the SimLoop (virtual time) until the exchange ends; RealDriver runs an io_context over
// real sockets. Flows written against Driver (tier_b_flow.h) run unchanged in both modes.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "sim/clock/clock.h"
#include "sim/http/client.h"
#include "sim/http/message.h"

namespace boost::asio {
class io_context;
}

namespace mgm::sim {
class Network;
class SimLoop;
class Trace;
}  // namespace mgm::sim

namespace mgm::harness {

inline constexpr sim::Duration kDriverDefaultTimeout = std::chrono::seconds(120);  // run_e2e_tier_b.py --timeout

class Driver {
public:
    virtual ~Driver() = default;

    // Sends `request` (target, method, headers, body set by the caller) to `address` ("127.0.0.1:8080") and
    // returns when a full response arrived, the transport failed, or `timeout` elapsed on the driver's clock.
    virtual http::ClientResult send(const std::string& address, http::Request request,
                                    sim::Duration timeout = kDriverDefaultTimeout) = 0;
    // Time on the driver's clock (virtual in simulation): per-step timing and EventSub timestamps.
    virtual sim::Instant now() const = 0;
    virtual bool is_simulation() const = 0;

    // Absolute-URL conveniences ("http://127.0.0.1:9053/last-request"). An unparsable URL gives a
    // ClientResult whose error is invalid_argument.
    http::ClientResult request(std::string method, const std::string& url, std::string body = {},
                               http::Headers headers = {}, sim::Duration timeout = kDriverDefaultTimeout);
    http::ClientResult get(const std::string& url, http::Headers headers = {},
                           sim::Duration timeout = kDriverDefaultTimeout);
    // Adds Content-Type: application/json.
    http::ClientResult post_json(const std::string& url, std::string body, http::Headers headers = {},
                                 sim::Duration timeout = kDriverDefaultTimeout);
};

// Simulation: each send() steps the SimLoop (and with it every service and background worker) until the
// response arrives. Virtual time advances only as far as the exchange needs.
class SimDriver final : public Driver {
public:
    SimDriver(sim::SimLoop& loop, sim::Network& network, sim::Scheduler& scheduler, sim::Trace* trace = nullptr,
              std::string from = "driver");
    ~SimDriver() override;
    http::ClientResult send(const std::string& address, http::Request request, sim::Duration timeout) override;
    sim::Instant now() const override;
    bool is_simulation() const override { return true; }

private:
    sim::SimLoop& loop_;
    std::unique_ptr<http::Client> client_;
};

// Simulation: writes `bytes` as they are (no HTTP framing) to `to` on a fresh connection from `from`, and
// returns whatever came back before the peer closed or `settle` of virtual time passed; then closes and runs
// the ready handlers, so no completion outlives the call. Throws std::runtime_error when it cannot connect.
// For malformed-request tests and fuzzing, where a well-formed client cannot go.
std::string raw_exchange(sim::SimLoop& loop, sim::Network& network, const std::string& from, const std::string& to,
                         const std::string& bytes, sim::Duration settle);

// Real sockets: each send() runs the given io_context until the exchange ends. When the services share
// that io_context (World in real mode), they are served by the same loop while the driver waits.
class RealDriver final : public Driver {
public:
    RealDriver(boost::asio::io_context& io, sim::Network& network, sim::Clock& clock, sim::Scheduler& scheduler,
               sim::Trace* trace = nullptr, std::string from = "driver");
    ~RealDriver() override;
    http::ClientResult send(const std::string& address, http::Request request, sim::Duration timeout) override;
    sim::Instant now() const override;
    bool is_simulation() const override { return false; }

    // A driver that owns its own io_context, SystemClock and TcpNetwork (the `mgm-sim e2e` client).
    static std::unique_ptr<Driver> standalone();

private:
    boost::asio::io_context& io_;
    sim::Clock& clock_;
    std::unique_ptr<http::Client> client_;
};

}  // namespace mgm::harness

// HTTP/1.1 server over any Network: one listener, one session per connection (keep-alive), Kestrel's
// request limits (body 413, headers 431, request line 414, framing 400, Expect 417), idle, request and
// response-rate timeouts on the Scheduler, connection caps, and a draining stop.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>
#include <memory>
#include <string>

#include "sim/clock/clock.h"
#include "sim/http/message.h"
#include "sim/network/network.h"

namespace mgm::sim {
class Trace;
class Log;
}  // namespace mgm::sim

namespace mgm::http {

// The service's whole request handling (routing, middleware). Call respond exactly once.
using ServerHandler = std::function<void(const Request&, std::function<void(Response)> respond)>;

// Open connections shared by several servers (the total cap of one process). Not thread-safe (one io_context).
struct ConnectionBudget {
    std::size_t limit = 0;  // 0 = unlimited
    std::size_t open = 0;
    bool refusing = false;  // a refusal was logged and no accept has succeeded since (log once per episode)
};

struct ServerOptions {
    std::string actor = "server";  // name in trace and log lines ("ebs", "helix", ...)
    std::size_t body_limit_bytes = 30'000'000;  // Kestrel's default MaxRequestBodySize; larger -> 413
    std::size_t header_limit_bytes = 32 * 1024;  // Kestrel's default total header size; larger -> 431
    sim::Duration idle_timeout = std::chrono::seconds(130);  // Kestrel keep-alive timeout
    sim::Duration request_headers_timeout = std::chrono::seconds(30);  // slow clients (slowloris)
    std::string server_header = "Kestrel";  // "Server:" response header, as Kestrel sends; "" = none
    std::size_t max_request_line_bytes = 8 * 1024;  // Kestrel's MaxRequestLineSize; longer -> 414
    // Kestrel's MinResponseDataRate (240 bytes/s, 5 s grace): a connection whose response writes move fewer
    // than rate x grace bytes within any grace period is closed. Unset = no minimum (the simulation: its
    // partitions stall writes on purpose).
    std::optional<std::size_t> min_response_bytes_per_second = 240;
    sim::Duration min_response_rate_grace = std::chrono::seconds(5);
    // Connections of this server at once (0 = unlimited); beyond it a new connection is closed at once.
    std::size_t max_connections = 0;
    // A cap shared with other servers (the process total); nullptr = none.
    std::shared_ptr<ConnectionBudget> shared_budget;
    // Set: every response carries a Date header read from this clock, as Kestrel (and so every reference
    // service) sends one. Unset: no Date (unit tests of the server itself).
    const sim::Clock* date_clock = nullptr;
    // A smaller body limit for some routes (method, path before '?'); nullopt = body_limit_bytes.
    std::function<std::optional<std::size_t>(std::string_view method, std::string_view path)> route_body_limit;
};

class Server {
public:
    Server(sim::Network& network, sim::Scheduler& scheduler, std::string address, ServerHandler handler,
           ServerOptions options = {}, sim::Trace* trace = nullptr, const sim::Log* log = nullptr);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    sim::ErrorCode start();
    // Stops accepting and closes open sessions.
    void stop();
    // Stops accepting, closes idle connections, lets requests in flight be answered (with Connection: close)
    // and calls `drained` once no connection is left (at once when none is open). stop() cuts what remains.
    void drain(std::function<void()> drained);
    std::size_t open_connections() const;
    const std::string& address() const { return address_; }
    std::size_t requests_served() const;

    struct State;

private:
    std::string address_;
    std::shared_ptr<State> state_;
};

}  // namespace mgm::http

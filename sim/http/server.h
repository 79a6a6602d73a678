// HTTP/1.1 server over any Network: one listener, one session per connection (keep-alive),
// request body limit (413) and header limit (431), idle timeout on the Scheduler.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "sim/clock/clock.h"
#include "sim/http/message.h"
#include "sim/network/network.h"

namespace mgm::sim { class Trace; class Log; }

namespace mgm::http {

// The service's whole request handling (routing, middleware). Call respond exactly once.
using ServerHandler = std::function<void(const Request&, std::function<void(Response)> respond)>;

struct ServerOptions {
    std::string actor = "server";                   // name in trace and log lines ("ebs", "helix", ...)
    std::size_t body_limit_bytes = 30'000'000;       // Kestrel's default MaxRequestBodySize; larger -> 413
    std::size_t header_limit_bytes = 32 * 1024;      // Kestrel's default total header size; larger -> 431
    sim::Duration idle_timeout = std::chrono::seconds(130);  // Kestrel keep-alive timeout
    sim::Duration request_headers_timeout = std::chrono::seconds(30);  // slow clients (slowloris)
    std::string server_header = "Kestrel";           // "Server:" response header, as Kestrel sends; "" = none
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
    const std::string& address() const { return address_; }
    std::size_t requests_served() const;

    struct State;

private:
    std::string address_;
    std::shared_ptr<State> state_;
};

}  // namespace mgm::http

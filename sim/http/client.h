// HTTP/1.1 client over any Network with timeouts and retries on the Scheduler (never the real clock).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sim/clock/clock.h"
#include "sim/http/message.h"
#include "sim/network/network.h"

namespace mgm::sim {
class Trace;
}

namespace mgm::http {

struct ClientOptions {
    sim::Duration timeout = std::chrono::seconds(100);  // per attempt (.NET HttpClient default 100 s)
    int max_attempts = 1;  // retries only on transport errors/timeouts
    sim::Duration retry_delay{0};
};

struct ClientResult {
    std::optional<Response> response;  // set when a full response arrived
    sim::ErrorCode error;  // transport error (refused, reset, eof) when no response
    bool timed_out = false;
    int attempts = 0;
    bool ok() const { return response.has_value(); }
    // "timeout", "connection refused", ... for messages; empty when ok().
    std::string describe() const;
};

class Client {
public:
    // `from` = this client's endpoint name for the network (its service address or a driver name).
    Client(sim::Network& network, sim::Scheduler& scheduler, std::string from, sim::Trace* trace = nullptr,
           std::string actor = "client");
    ~Client();

    // Sends `request` to `address` ("127.0.0.1:8080"). request.target must be set ("/api/x?y=1");
    // Host, Content-Length and Connection: close are added. One connection per request.
    void send(const std::string& address, Request request, ClientOptions options,
              std::function<void(ClientResult)> done);
    // Convenience: absolute URL "http://127.0.0.1:9053/helix/chat/messages".
    void send_url(const std::string& url, Request request, ClientOptions options,
                  std::function<void(ClientResult)> done);

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace mgm::http

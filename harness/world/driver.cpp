#include "harness/world/driver.h"

#include <array>
#include <functional>
#include <stdexcept>

#include <boost/asio/io_context.hpp>

#include "sim/clock/sim_loop.h"
#include "sim/clock/system_clock.h"
#include "sim/network/network.h"
#include "sim/network/tcp_network.h"

namespace mgm::harness {

http::ClientResult Driver::request(std::string method, const std::string& url, std::string body, http::Headers headers,
                                   sim::Duration timeout) {
    auto parsed = http::parse_http_url(url);
    if (!parsed) {
        http::ClientResult bad;
        bad.error = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
        return bad;
    }
    http::Request r;
    r.method = std::move(method);
    r.target = parsed->path_and_query;
    auto question = r.target.find('?');
    r.path = r.target.substr(0, question);
    if (question != std::string::npos) r.query = r.target.substr(question + 1);
    r.headers = std::move(headers);
    r.body = std::move(body);
    return send(parsed->address, std::move(r), timeout);
}

http::ClientResult Driver::get(const std::string& url, http::Headers headers, sim::Duration timeout) {
    return request("GET", url, {}, std::move(headers), timeout);
}

http::ClientResult Driver::post_json(const std::string& url, std::string body, http::Headers headers,
                                     sim::Duration timeout) {
    if (!headers.get("Content-Type")) headers.set("Content-Type", "application/json");
    return request("POST", url, std::move(body), std::move(headers), timeout);
}

// ---------------------------------------------------------------------------------------------------------

SimDriver::SimDriver(sim::SimLoop& loop, sim::Network& network, sim::Scheduler& scheduler, sim::Trace* trace,
                     std::string from)
    : loop_(loop), client_(std::make_unique<http::Client>(network, scheduler, std::move(from), trace, "driver")) {}

SimDriver::~SimDriver() = default;

http::ClientResult SimDriver::send(const std::string& address, http::Request request, sim::Duration timeout) {
    auto result = std::make_shared<std::optional<http::ClientResult>>();
    http::ClientOptions options;
    options.timeout = timeout;
    client_->send(address, std::move(request), options, [result](http::ClientResult r) { *result = std::move(r); });
    // The client's own timeout ends the exchange; the extra second only guards against a lost callback.
    sim::Instant limit = loop_.clock().now() + timeout + std::chrono::seconds(1);
    loop_.run_until([&] { return result->has_value(); }, limit);
    if (!result->has_value()) {
        http::ClientResult lost;
        lost.timed_out = true;
        return lost;
    }
    return std::move(**result);
}

sim::Instant SimDriver::now() const { return loop_.clock().now(); }

std::string raw_exchange(sim::SimLoop& loop, sim::Network& network, const std::string& from, const std::string& to,
                         const std::string& bytes, sim::Duration settle) {
    std::unique_ptr<sim::ByteStream> stream;
    bool connected = false;
    sim::ErrorCode connect_error;
    network.connect(from, to, [&](sim::ErrorCode ec, std::unique_ptr<sim::ByteStream> s) {
        connect_error = ec;
        stream = std::move(s);
        connected = true;
    });
    loop.run_until([&] { return connected; }, loop.clock().now() + std::chrono::seconds(5));
    if (!stream)
        throw std::runtime_error("raw_exchange: cannot connect to " + to +
                                 (connect_error ? ": " + connect_error.message() : std::string()));
    // Completions may still be queued when this returns: they hold `alive` and do nothing once it is false.
    auto alive = std::make_shared<bool>(true);
    auto buffer = std::make_shared<std::string>(bytes);
    auto offset = std::make_shared<std::size_t>(0);
    std::function<void()> write_more = [&, buffer, offset, alive]() {
        if (!*alive || *offset >= buffer->size()) return;
        stream->async_write_some(buffer->data() + *offset, buffer->size() - *offset,
                                 [&, offset, alive](sim::ErrorCode ec, std::size_t n) {
                                     if (ec || !*alive) return;
                                     *offset += n;
                                     write_more();
                                 });
    };
    write_more();
    std::string received;
    bool closed = false;
    auto chunk = std::make_shared<std::array<char, 4096>>();
    std::function<void()> read_more = [&, chunk, alive]() {
        stream->async_read_some(chunk->data(), chunk->size(), [&, chunk, alive](sim::ErrorCode ec, std::size_t n) {
            if (!*alive) return;
            if (ec) {
                closed = true;
                return;
            }
            received.append(chunk->data(), n);
            read_more();
        });
    };
    read_more();
    loop.run_until([&] { return closed; }, loop.clock().now() + settle);
    stream->close();
    loop.drain();
    *alive = false;
    stream.reset();
    loop.drain();
    return received;
}

// ---------------------------------------------------------------------------------------------------------

RealDriver::RealDriver(boost::asio::io_context& io, sim::Network& network, sim::Clock& clock, sim::Scheduler& scheduler,
                       sim::Trace* trace, std::string from)
    : io_(io),
      clock_(clock),
      client_(std::make_unique<http::Client>(network, scheduler, std::move(from), trace, "driver")) {}

RealDriver::~RealDriver() = default;

http::ClientResult RealDriver::send(const std::string& address, http::Request request, sim::Duration timeout) {
    auto result = std::make_shared<std::optional<http::ClientResult>>();
    http::ClientOptions options;
    options.timeout = timeout;
    client_->send(address, std::move(request), options, [result](http::ClientResult r) { *result = std::move(r); });
    while (!result->has_value()) {
        if (io_.stopped()) io_.restart();
        if (io_.run_one() == 0 && !result->has_value()) {
            // No work left and no answer: the client lost its callback. Report instead of spinning.
            http::ClientResult lost;
            lost.timed_out = true;
            return lost;
        }
    }
    return std::move(**result);
}

sim::Instant RealDriver::now() const { return clock_.now(); }

namespace {

// A RealDriver bundled with the io_context, clock and network it runs on.
class StandaloneRealDriver final : public Driver {
public:
    StandaloneRealDriver() : clock_(io_), network_(io_), driver_(io_, network_, clock_, clock_) {}
    http::ClientResult send(const std::string& address, http::Request request, sim::Duration timeout) override {
        return driver_.send(address, std::move(request), timeout);
    }
    sim::Instant now() const override { return driver_.now(); }
    bool is_simulation() const override { return false; }

private:
    boost::asio::io_context io_;
    sim::SystemClock clock_;
    sim::TcpNetwork network_;
    RealDriver driver_;
};

}  // namespace

std::unique_ptr<Driver> RealDriver::standalone() { return std::make_unique<StandaloneRealDriver>(); }

}  // namespace mgm::harness

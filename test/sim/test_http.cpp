// HTTP server + client over the Network seam: the same handler code answers over the simulated loopback
// network (virtual clock, exact instants, faults) and over real TCP sockets (system clock).
#include <catch2/catch.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/clock/sim_loop.h"
#include "sim/clock/system_clock.h"
#include "sim/clock/virtual_clock.h"
#include "sim/trace/log.h"
#include "sim/core/rng.h"
#include "sim/http/client.h"
#include "sim/http/router.h"
#include "sim/http/server.h"
#include "sim/network/loopback_network.h"
#include "sim/network/tcp_network.h"
#include "sim/trace/trace.h"

using namespace mgm;
using namespace mgm::http;
using namespace std::chrono_literals;
using sim::ByteStream;
using sim::ErrorCode;
using sim::Instant;

namespace {

const Instant kStart = Instant::from_unix_seconds(1775304000);  // 2026-04-04T12:00:00Z

// Either network with its clock and a way to run until something happened.
struct NetHarness {
    virtual ~NetHarness() = default;
    virtual sim::Network& network() = 0;
    virtual sim::Scheduler& scheduler() = 0;
    virtual const sim::Clock& clock() = 0;
    virtual std::string listen_address() = 0;
    virtual bool run_until(const std::function<bool()>& done) = 0;
    sim::Trace trace;
};

struct LoopbackHarness final : NetHarness {
    LoopbackHarness() {
        trace.set_clock(&virtual_clock);
        trace.set_keep_lines(true);
        trace.set_record_timers(false);
    }
    sim::Network& network() override { return loopback; }
    sim::Scheduler& scheduler() override { return virtual_clock; }
    const sim::Clock& clock() override { return virtual_clock; }
    std::string listen_address() override { return "127.0.0.1:8080"; }
    bool run_until(const std::function<bool()>& done) override {
        return loop.run_until(done, virtual_clock.now() + 24h);
    }

    boost::asio::io_context io;
    sim::VirtualClock virtual_clock{kStart};
    sim::LoopbackNetwork loopback{io, virtual_clock, sim::Rng(11), &trace};
    sim::SimLoop loop{io, virtual_clock};
};

struct TcpHarness final : NetHarness {
    TcpHarness() {
        trace.set_clock(&system_clock);
        trace.set_keep_lines(true);
    }
    sim::Network& network() override { return tcp; }
    sim::Scheduler& scheduler() override { return system_clock; }
    const sim::Clock& clock() override { return system_clock; }
    std::string listen_address() override { return "127.0.0.1:0"; }
    bool run_until(const std::function<bool()>& done) override {
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            io.restart();
            io.run_one_for(20ms);
        }
        return done();
    }

    boost::asio::io_context io;
    sim::SystemClock system_clock{io};
    sim::TcpNetwork tcp{io};
};

// The service under test: plain route handlers that know nothing of sockets or modes.
Router make_router(sim::Scheduler& scheduler) {
    Router router;
    router.add_sync("GET", "/api/hello/{name}", [](const Request& request, const Params& params) {
        return Response::json(
            200, "{\"hello\":\"" + params.at("name") + "\",\"x\":\"" + request.query_param("x").value_or("") + "\"}");
    });
    router.add_sync("POST", "/api/echo", [](const Request& request, const Params&) {
        Response response = Response::text(201, request.body);
        response.headers.set("X-Path", request.path);
        response.headers.set("X-Query", request.query);
        response.headers.set("X-Remote", request.remote_address);
        response.headers.set("X-Custom-Seen", request.headers.get("x-custom").value_or("(none)"));
        return response;
    });
    router.add("GET", "/api/slow", [&scheduler](const Request&, const Params&, Respond respond) {
        scheduler.after(3s, "test.slow", [respond] { respond(Response::text(200, "late")); });
    });
    router.add_sync("GET", "/api/throw",
                    [](const Request&, const Params&) -> Response { throw std::runtime_error("handler bug"); });
    return router;
}

// A server with the router above and a client, over whichever network the harness provides.
struct HttpFixture {
    explicit HttpFixture(NetHarness& harness, ServerOptions options = {})
        : harness(harness),
          router(make_router(harness.scheduler())),
          server(
              harness.network(), harness.scheduler(), harness.listen_address(),
              [this](const Request& request, std::function<void(Response)> respond) {
                  ++handler_calls;
                  router.dispatch(request, respond);
              },
              with_actor(options), &harness.trace, &log),
          client(harness.network(), harness.scheduler(), "driver", &harness.trace, "driver") {
        log.set_level(sim::LogLevel::info);
        log.set_sink([this](const std::string& line) { log_lines.push_back(line); });
        REQUIRE_FALSE(server.start());
    }

    static ServerOptions with_actor(ServerOptions options) {
        options.actor = "svc";
        return options;
    }

    ClientResult send(Request request, ClientOptions options = {}) {
        std::optional<ClientResult> result;
        client.send(server.address(), std::move(request), options, [&](ClientResult r) {
            REQUIRE_FALSE(result.has_value());  // exactly once
            result = std::move(r);
            finished_at = harness.clock().now();
        });
        REQUIRE(harness.run_until([&] { return result.has_value(); }));
        return *result;
    }

    ClientResult get(std::string target, ClientOptions options = {}) {
        Request request;
        request.method = "GET";
        request.target = std::move(target);
        return send(std::move(request), options);
    }

    // Writes raw bytes on a fresh connection and returns everything read until the server closes.
    std::string raw_exchange(const std::string& bytes) {
        std::unique_ptr<ByteStream> stream;
        bool closed = false;
        std::string received;
        auto buffer = std::make_shared<std::array<char, 4096>>();
        std::function<void()> read_more = [&] {
            stream->async_read_some(buffer->data(), buffer->size(), [&, buffer](ErrorCode ec, std::size_t n) {
                if (ec) {
                    closed = true;
                    return;
                }
                received.append(buffer->data(), n);
                read_more();
            });
        };
        harness.network().connect("driver", server.address(), [&](ErrorCode ec, std::unique_ptr<ByteStream> s) {
            REQUIRE_FALSE(ec);
            stream = std::move(s);
            stream->async_write_some(bytes.data(), bytes.size(), [](ErrorCode, std::size_t) {});
            read_more();
        });
        REQUIRE(harness.run_until([&] { return closed; }));
        return received;
    }

    NetHarness& harness;
    sim::Log log;
    std::vector<std::string> log_lines;
    Router router;
    int handler_calls = 0;
    Server server;
    Client client;
    Instant finished_at;
};

bool trace_has(const sim::Trace& trace, const std::string& fragment) {
    for (const auto& line : trace.lines())
        if (line.find(fragment) != std::string::npos) return true;
    return false;
}

// The identical exchange, whichever network carries it.
void exercise_round_trip(NetHarness& harness) {
    HttpFixture fx(harness);

    ClientResult hello = fx.get("/api/hello/Etoehero?x=a%20b");
    REQUIRE(hello.ok());
    CHECK(hello.attempts == 1);
    CHECK(hello.response->status == 200);
    CHECK(hello.response->body == "{\"hello\":\"Etoehero\",\"x\":\"a b\"}");
    CHECK(hello.response->headers.get("Content-Type") == "application/json; charset=utf-8");
    CHECK(hello.response->headers.get("Content-Length") == std::to_string(hello.response->body.size()));
    CHECK(hello.response->headers.get("Server") == "Kestrel");

    Request post;
    post.method = "POST";
    post.target = "/api/%65cho?q=1&r=%2F";
    post.headers.add("X-Custom", "yes");
    post.headers.add("Content-Type", "text/plain");
    post.body = "payload with\r\nnewlines";
    ClientResult echo = fx.send(post);
    REQUIRE(echo.ok());
    CHECK(echo.response->status == 201);
    CHECK(echo.response->body == "payload with\r\nnewlines");
    CHECK(echo.response->headers.get("X-Path") == "/api/echo");  // percent-decoded path
    CHECK(echo.response->headers.get("X-Query") == "q=1&r=%2F");  // raw query
    CHECK(echo.response->headers.get("X-Custom-Seen") == "yes");
    std::string remote = echo.response->headers.get("X-Remote").value_or("");
    CHECK(remote.rfind("127.0.0.1:", 0) == 0);
    CHECK(remote != "127.0.0.1:");

    CHECK(fx.server.requests_served() == 2);
    CHECK(trace_has(harness.trace, "\"actor\":\"svc\",\"kind\":\"http\",\"method\":\"GET\",\"seq\""));
    CHECK(trace_has(harness.trace, "\"status\":201,\"t\""));
    CHECK(trace_has(harness.trace, "\"target\":\"/api/%65cho?q=1&r=%2F\""));
    CHECK(trace_has(harness.trace, "\"actor\":\"driver\",\"kind\":\"http.out\""));
    REQUIRE(fx.log_lines.size() == 2);
    CHECK(fx.log_lines[0].find("svc") != std::string::npos);
    CHECK(fx.log_lines[0].find("GET /api/hello/Etoehero?x=a%20b -> 200") != std::string::npos);
}

void exercise_protocol_errors(NetHarness& harness) {
    ServerOptions options;
    options.body_limit_bytes = 10;
    options.header_limit_bytes = 1024;
    HttpFixture fx(harness, options);

    Request big;
    big.method = "POST";
    big.target = "/api/echo";
    big.body = std::string(11, 'x');
    ClientResult too_large = fx.send(big);
    REQUIRE(too_large.ok());
    CHECK(too_large.response->status == 413);
    CHECK(too_large.response->body.empty());

    Request small = big;
    small.body = std::string(10, 'x');
    CHECK(fx.send(small).response->status == 201);

    Request huge_headers;
    huge_headers.method = "GET";
    huge_headers.target = "/api/hello/a";
    huge_headers.headers.add("X-Filler", std::string(2000, 'h'));
    ClientResult too_many_headers = fx.send(huge_headers);
    REQUIRE(too_many_headers.ok());
    CHECK(too_many_headers.response->status == 431);

    std::string malformed = fx.raw_exchange("THIS IS NOT HTTP\r\n\r\n");
    CHECK(malformed.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(malformed.find("Connection: close\r\n") != std::string::npos);
    CHECK(fx.handler_calls == 1);  // only the 10-byte body reached the handler

    // "Expect: 100-continue" gets the interim answer, then the real one for the body that follows.
    std::string continued = fx.raw_exchange(
        "POST /api/echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n"
        "Connection: close\r\n\r\nbody");
    CHECK(continued.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n", 0) == 0);
    CHECK(continued.size() >= 4);
    CHECK(continued.substr(continued.size() - 4) == "body");
}

}  // namespace

TEST_CASE("one HTTP request/response through identical handler code over loopback and over TCP", "[http]") {
    SECTION("loopback network, virtual clock") {
        LoopbackHarness harness;
        exercise_round_trip(harness);
        CHECK(harness.virtual_clock.now() == kStart);  // a perfect network takes no simulated time
    }
    SECTION("TCP on 127.0.0.1, system clock") {
        TcpHarness harness;
        exercise_round_trip(harness);
    }
}

TEST_CASE("413 for an oversized body, 431 for oversized headers, 400 for a malformed request line", "[http]") {
    SECTION("loopback") {
        LoopbackHarness harness;
        exercise_protocol_errors(harness);
    }
    SECTION("tcp") {
        TcpHarness harness;
        exercise_protocol_errors(harness);
    }
}

TEST_CASE("configured latency delays the exchange by exactly that simulated time and no wall time", "[http]") {
    LoopbackHarness harness;
    sim::LinkFaults faults;
    faults.latency_min = faults.latency_max = 10min;
    harness.loopback.set_default_faults(faults);
    ServerOptions slow_clients_welcome;  // the request arrives 10 min after the connection: beyond 30 s
    slow_clients_welcome.request_headers_timeout = 1h;
    HttpFixture fx(harness, slow_clients_welcome);

    auto wall_start = std::chrono::steady_clock::now();
    ClientOptions options;
    options.timeout = 2h;
    ClientResult result = fx.get("/api/hello/x", options);
    auto wall = std::chrono::steady_clock::now() - wall_start;
    INFO(result.describe());
    REQUIRE(result.ok());
    // connect (one latency) + request bytes (one) + response bytes (one)
    CHECK(fx.finished_at == kStart + 30min);
    CHECK(wall < 2s);
}

TEST_CASE("a partition makes the request time out at the exact simulated instant - healing restores it", "[http]") {
    LoopbackHarness harness;
    HttpFixture fx(harness);
    harness.loopback.partition("driver", "127.0.0.1:8080");

    ClientOptions options;
    options.timeout = 5s;
    ClientResult lost = fx.get("/api/hello/x", options);
    CHECK_FALSE(lost.ok());
    CHECK(lost.timed_out);
    CHECK(lost.describe() == "timeout");
    CHECK(fx.finished_at == kStart + 5s);
    CHECK(fx.handler_calls == 0);
    CHECK(trace_has(harness.trace, "\"error\":\"timeout\""));

    SECTION("retries each wait a full timeout, after the retry delay") {
        options.max_attempts = 3;
        options.retry_delay = 1s;
        ClientResult retried = fx.get("/api/hello/x", options);
        CHECK(retried.timed_out);
        CHECK(retried.attempts == 3);
        CHECK(fx.finished_at == kStart + 5s + 3 * 5s + 2 * 1s);
    }
    SECTION("heal") {
        harness.loopback.heal("driver", "127.0.0.1:8080");
        ClientResult healed = fx.get("/api/hello/x", options);
        REQUIRE(healed.ok());
        CHECK(healed.response->status == 200);
        CHECK(fx.finished_at == kStart + 5s);
    }
    SECTION("a partition on an open connection loses the response; the timeout fires") {
        harness.loopback.heal_all();
        sim::LinkFaults faults;
        faults.latency_min = faults.latency_max = 1s;
        harness.loopback.set_default_faults(faults);
        // Partition after the request reached the server (t+7s), before the response arrives (t+8s).
        harness.scheduler().at(kStart + 5s + 2500ms, "test.partition",
                               [&] { harness.loopback.partition("127.0.0.1:8080", "driver"); });
        ClientResult cut = fx.get("/api/hello/x", options);
        CHECK(cut.timed_out);
        CHECK(fx.handler_calls == 1);
        CHECK(fx.finished_at == kStart + 10s);
    }
}

TEST_CASE("byte-split delivery (1 byte per event) still parses requests and responses", "[http]") {
    LoopbackHarness harness;
    sim::LinkFaults faults;
    faults.split_max_bytes = 1;
    harness.loopback.set_default_faults(faults);
    HttpFixture fx(harness);
    Request post;
    post.method = "POST";
    post.target = "/api/echo";
    post.body = "split into single bytes";
    ClientResult result = fx.send(post);
    INFO(result.describe());
    REQUIRE(result.ok());
    CHECK(result.response->status == 201);
    CHECK(result.response->body == "split into single bytes");
}

TEST_CASE("connection refused and connection reset surface as transport errors, retried per options", "[http]") {
    LoopbackHarness harness;
    HttpFixture fx(harness);

    SECTION("nothing listens") {
        std::optional<ClientResult> result;
        Request request;
        request.method = "GET";
        request.target = "/";
        ClientOptions options;
        options.max_attempts = 2;
        fx.client.send("127.0.0.1:9999", request, options, [&](ClientResult r) { result = std::move(r); });
        REQUIRE(harness.run_until([&] { return result.has_value(); }));
        CHECK(result->error == boost::asio::error::connection_refused);
        CHECK(result->describe() == "connection refused");
        CHECK(result->attempts == 2);
        CHECK_FALSE(result->timed_out);
    }
    SECTION("refusal fault") {
        sim::LinkFaults faults;
        faults.connect_refuse_probability = 1.0;
        harness.loopback.set_default_faults(faults);
        ClientResult result = fx.get("/api/hello/x");
        CHECK(result.describe() == "connection refused");
        CHECK(fx.handler_calls == 0);
    }
    SECTION("reset fault") {
        sim::LinkFaults faults;
        faults.reset_probability = 1.0;
        harness.loopback.set_default_faults(faults);
        ClientOptions options;
        options.max_attempts = 3;
        ClientResult result = fx.get("/api/hello/x", options);
        CHECK(result.error == boost::asio::error::connection_reset);
        CHECK(result.describe() == "connection reset");
        CHECK(result.attempts == 3);
        CHECK(trace_has(harness.trace, "\"event\":\"reset\""));
    }
    SECTION("a retry succeeds once the fault is gone") {
        sim::LinkFaults faults;
        faults.connect_refuse_probability = 1.0;
        harness.loopback.set_default_faults(faults);
        harness.scheduler().after(500ms, "test.fix", [&] { harness.loopback.set_default_faults({}); });
        ClientOptions options;
        options.max_attempts = 2;
        options.retry_delay = 1s;
        ClientResult result = fx.get("/api/hello/x", options);
        REQUIRE(result.ok());
        CHECK(result.attempts == 2);
        CHECK(fx.finished_at == kStart + 1s);
    }
}

TEST_CASE("404 and 405 + Allow come from the Router behind the server", "[http]") {
    LoopbackHarness harness;
    HttpFixture fx(harness);
    ClientResult missing = fx.get("/api/nothing-here");
    REQUIRE(missing.ok());
    CHECK(missing.response->status == 404);
    CHECK(missing.response->body.empty());
    CHECK(missing.response->headers.get("Content-Length") == "0");

    Request wrong_method;
    wrong_method.method = "DELETE";
    wrong_method.target = "/api/echo";
    ClientResult not_allowed = fx.send(wrong_method);
    REQUIRE(not_allowed.ok());
    CHECK(not_allowed.response->status == 405);
    CHECK(not_allowed.response->headers.get("Allow") == "POST");
}

TEST_CASE("keep-alive: two requests on one connection, then the idle timeout closes it", "[http]") {
    LoopbackHarness harness;
    ServerOptions options;
    options.idle_timeout = 130s;
    HttpFixture fx(harness, options);
    std::string both = fx.raw_exchange(
        "POST /api/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nfirst"
        "POST /api/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nsecond");
    // Both answered on the one connection, in order, and the connection then idled out.
    auto first = both.find("\r\n\r\nfirst");
    auto second = both.find("\r\n\r\nsecond");
    CHECK(first != std::string::npos);
    CHECK(second != std::string::npos);
    CHECK(first < second);
    CHECK(both.find("Connection: close") == std::string::npos);
    CHECK(fx.server.requests_served() == 2);
    CHECK(harness.virtual_clock.now() == kStart + 130s);
    // Same remote (same connection) seen by both requests.
    auto remote_at = [&](std::size_t from) {
        auto at = both.find("X-Remote: ", from);
        return both.substr(at, both.find("\r\n", at) - at);
    };
    CHECK(remote_at(0) == remote_at(first + 1));
}

TEST_CASE("a fresh connection that sends nothing is closed after the request headers timeout", "[http]") {
    LoopbackHarness harness;
    ServerOptions options;
    options.request_headers_timeout = 30s;
    HttpFixture fx(harness, options);
    CHECK(fx.raw_exchange("").empty());
    CHECK(harness.virtual_clock.now() == kStart + 30s);
    CHECK(fx.raw_exchange("GET /api/hello/x HTTP/1.1\r\nHo").empty());  // a partial request: same
    CHECK(harness.virtual_clock.now() == kStart + 60s);
}

TEST_CASE("a handler may respond later, after a Scheduler delay", "[http]") {
    LoopbackHarness harness;
    HttpFixture fx(harness);
    ClientResult result = fx.get("/api/slow");
    INFO(result.describe());
    REQUIRE(result.ok());
    CHECK(result.response->body == "late");
    CHECK(fx.finished_at == kStart + 3s);
}

TEST_CASE("a handler that throws gives 500 with an empty body and the server keeps serving", "[http]") {
    LoopbackHarness harness;
    HttpFixture fx(harness);
    ClientResult failed = fx.get("/api/throw");
    REQUIRE(failed.ok());
    CHECK(failed.response->status == 500);
    CHECK(failed.response->body.empty());
    CHECK(fx.get("/api/hello/again").response->status == 200);
}

TEST_CASE("send_url splits an absolute URL - a stopped server refuses", "[http]") {
    LoopbackHarness harness;
    HttpFixture fx(harness);
    std::optional<ClientResult> result;
    Request request;
    request.method = "GET";
    fx.client.send_url("http://127.0.0.1:8080/api/hello/u?x=1", request, {}, [&](ClientResult r) { result = r; });
    REQUIRE(harness.run_until([&] { return result.has_value(); }));
    REQUIRE(result->ok());
    CHECK(result->response->body == "{\"hello\":\"u\",\"x\":\"1\"}");

    fx.server.stop();
    CHECK(fx.get("/api/hello/x").describe() == "connection refused");
}

TEST_CASE("the same seed over a faulty network replays the same trace digest", "[http]") {
    auto run = [] {
        LoopbackHarness harness;
        sim::LinkFaults faults;
        faults.latency_min = 1ms;
        faults.latency_max = 2s;
        faults.split_max_bytes = 9;
        faults.reset_probability = 0.1;
        harness.loopback.set_default_faults(faults);
        HttpFixture fx(harness);
        ClientOptions options;
        options.max_attempts = 3;
        options.timeout = 10s;
        std::string outcomes;
        for (int i = 0; i < 15; ++i)
            outcomes += std::to_string(fx.get("/api/hello/n" + std::to_string(i), options).attempts) + ",";
        return outcomes + harness.trace.digest_hex();
    };
    CHECK(run() == run());
}

TEST_CASE("stopping a server closes its open keep-alive connections", "[http]") {
    LoopbackHarness harness;
    HttpFixture fx(harness);
    std::unique_ptr<ByteStream> stream;
    std::optional<ErrorCode> last_read;
    std::string received;
    auto buffer = std::make_shared<std::array<char, 4096>>();
    std::function<void()> read_more = [&] {
        stream->async_read_some(buffer->data(), buffer->size(), [&, buffer](ErrorCode ec, std::size_t n) {
            if (ec) {
                last_read = ec;
                return;
            }
            received.append(buffer->data(), n);
            read_more();
        });
    };
    harness.network().connect("driver", fx.server.address(), [&](ErrorCode ec, std::unique_ptr<ByteStream> s) {
        REQUIRE_FALSE(ec);
        stream = std::move(s);
        static const std::string request = "GET /api/hello/k HTTP/1.1\r\nHost: a\r\n\r\n";
        stream->async_write_some(request.data(), request.size(), [](ErrorCode, std::size_t) {});
        read_more();
    });
    REQUIRE(harness.run_until([&] { return received.find("\"hello\":\"k\"") != std::string::npos; }));
    harness.loop.drain();
    CHECK_FALSE(last_read);  // keep-alive: still open
    fx.server.stop();
    REQUIRE(harness.run_until([&] { return last_read.has_value(); }));
    CHECK(*last_read == boost::asio::error::eof);
    CHECK(harness.virtual_clock.now() == kStart);  // closed by stop(), not by the idle timeout
}

TEST_CASE("destroying a client with a request in flight never calls back", "[http]") {
    LoopbackHarness harness;
    sim::LinkFaults faults;
    faults.latency_min = faults.latency_max = 1s;
    harness.loopback.set_default_faults(faults);
    HttpFixture fx(harness);
    bool called = false;
    {
        Client doomed(harness.network(), harness.scheduler(), "driver");
        Request request;
        request.method = "GET";
        request.target = "/api/hello/x";
        doomed.send(fx.server.address(), request, {}, [&](ClientResult) { called = true; });
        harness.loop.run_for(1500ms);  // connected, request on the wire
    }
    harness.loop.run_until_idle();
    CHECK_FALSE(called);
    CHECK(fx.get("/api/hello/y").ok());  // the server is unharmed
}

// dotnet/aspnetcore Kestrel: HttpProtocol.OnOriginFormTarget decodes the path and then applies
// PathNormalizer.RemoveDotSegments (RFC 3986 5.2.4); OnAbsoluteFormTarget routes an absolute-form target by
// its path.
TEST_CASE("request targets: dot segments removed after decoding, absolute-form reduced to its path (Kestrel)",
          "[http]") {
    using mgm::http::origin_form_target;
    using mgm::http::remove_dot_segments;
    CHECK(remove_dot_segments("/api/version") == "/api/version");
    CHECK(remove_dot_segments("/api/./version") == "/api/version");
    CHECK(remove_dot_segments("/api/x/../version") == "/api/version");
    CHECK(remove_dot_segments("/../../api/version") == "/api/version");
    CHECK(remove_dot_segments("/api/version/.") == "/api/version/");
    CHECK(remove_dot_segments("/api/version/x/..") == "/api/version/");
    CHECK(remove_dot_segments("/api/.../version") == "/api/.../version");
    CHECK(remove_dot_segments("/api/.x/version") == "/api/.x/version");
    CHECK(remove_dot_segments("/api/version.json") == "/api/version.json");
    CHECK(origin_form_target("http://127.0.0.1:8080/api/version?a=1") == "/api/version?a=1");
    CHECK(origin_form_target("HTTP://host/api/version") == "/api/version");
    CHECK(origin_form_target("https://host") == "/");
    CHECK(origin_form_target("/api/version") == "/api/version");
}

TEST_CASE("request targets reach the router normalised: %2E%2E and absolute-form over loopback", "[http]") {
    LoopbackHarness harness;
    HttpFixture fixture(harness);
    const auto hello = [&](const std::string& target) {
        ClientResult result = fixture.get(target);
        REQUIRE(result.ok());
        return *result.response;
    };
    CHECK(hello("/api/x/%2E%2E/hello/ann?x=1").body == R"({"hello":"ann","x":"1"})");
    CHECK(hello("/api/./hello/./bob").body == R"({"hello":"bob","x":""})");
    CHECK(hello("http://svc.example/api/hello/cy?x=2").body == R"({"hello":"cy","x":"2"})");
    CHECK(hello("/api/x%2F..%2Fhello/dan").status == 404);  // an encoded '/' is not a segment boundary
}

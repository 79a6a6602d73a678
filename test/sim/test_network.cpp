// The Network seam at the byte level: the loopback network's timing, ordering and faults on simulated
// time, and the TCP network's real sockets behind the same ByteStream interface.
#include <catch2/catch.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/clock/sim_loop.h"
#include "sim/clock/virtual_clock.h"
#include "sim/core/rng.h"
#include "sim/network/any_stream.h"
#include "sim/network/loopback_network.h"
#include "sim/network/tcp_network.h"
#include "sim/trace/trace.h"

using namespace mgm::sim;
using namespace std::chrono_literals;

namespace {

const Instant kStart = Instant::from_unix_seconds(1775304000);  // 2026-04-04T12:00:00Z
const std::string kServer = "127.0.0.1:8080";

// A simulated world with one listener at kServer that keeps every accepted stream.
struct LoopbackWorld {
    explicit LoopbackWorld(std::uint64_t seed = 7) : network(io, clock, Rng(seed), &trace) {
        trace.set_clock(&clock);
        trace.set_keep_lines(true);
        trace.set_record_timers(false);
        REQUIRE_FALSE(
            network.listen(kServer, [this](std::unique_ptr<ByteStream> s) { accepted.push_back(std::move(s)); }));
    }

    // Connects "driver" -> kServer and runs until the connection completes (or fails).
    std::unique_ptr<ByteStream> connect(const std::string& from = "driver") {
        std::optional<ErrorCode> result;
        std::unique_ptr<ByteStream> stream;
        network.connect(from, kServer, [&](ErrorCode ec, std::unique_ptr<ByteStream> s) {
            result = ec;
            stream = std::move(s);
        });
        loop.run_until([&] { return result.has_value(); }, clock.now() + 1h);
        REQUIRE(result.has_value());
        REQUIRE_FALSE(*result);
        return stream;
    }

    boost::asio::io_context io;
    Trace trace;
    VirtualClock clock{kStart};
    LoopbackNetwork network;
    SimLoop loop{io, clock};
    std::vector<std::unique_ptr<ByteStream>> accepted;
};

// Reads from `stream` until eof/error, appending everything; records the first error.
struct Reader {
    std::string received;
    std::vector<std::size_t> chunk_sizes;
    std::optional<ErrorCode> final_error;
    std::vector<Instant> arrival_times;
    char buffer[4096];

    void start(ByteStream& stream, const Clock& clock) {
        stream.async_read_some(buffer, sizeof buffer, [this, &stream, &clock](ErrorCode ec, std::size_t n) {
            if (ec) {
                final_error = ec;
                return;
            }
            received.append(buffer, n);
            chunk_sizes.push_back(n);
            arrival_times.push_back(clock.now());
            start(stream, clock);
        });
    }
};

void write_all(ByteStream& stream, const std::string& text) {
    auto data = std::make_shared<std::string>(text);
    stream.async_write_some(data->data(), data->size(), [data](ErrorCode ec, std::size_t n) {
        REQUIRE_FALSE(ec);
        REQUIRE(n == data->size());  // the loopback accepts whole writes
    });
}

// Whether code holding a network of type N can call N::io() (reach the Asio event loop).
template <typename N>
concept ExposesEventLoop = requires(N& network) {
    network.io();
};

}  // namespace

TEST_CASE("business code holding the Network seam cannot reach the Asio event loop", "[network]") {
    CHECK_FALSE(ExposesEventLoop<Network>);
    CHECK_FALSE(ExposesEventLoop<LoopbackNetwork>);
    CHECK_FALSE(ExposesEventLoop<TcpNetwork>);
    // The HTTP floor's way in (any_stream.h, which business code may not include) gives the loop itself.
    boost::asio::io_context io;
    VirtualClock clock(kStart);
    LoopbackNetwork loopback(io, clock, Rng(1));
    TcpNetwork tcp(io);
    CHECK(&NetworkLoop::of(loopback) == &io);
    CHECK(&NetworkLoop::of(tcp) == &io);
}

TEST_CASE("loopback: bytes written on one end arrive in order on the other, client gets an ephemeral port",
          "[network]") {
    LoopbackWorld world;
    auto client = world.connect();
    REQUIRE(world.accepted.size() == 1);
    auto& server = *world.accepted[0];
    CHECK(client->local_address() == "127.0.0.1:49152");
    CHECK(client->remote_address() == kServer);
    CHECK(server.local_address() == kServer);
    CHECK(server.remote_address() == "127.0.0.1:49152");
    CHECK(world.connect()->local_address() == "127.0.0.1:49153");

    Reader reader;
    reader.start(server, world.clock);
    write_all(*client, "hello ");
    write_all(*client, "world");
    world.loop.run_until_idle();
    CHECK(reader.received == "hello world");
    CHECK(world.clock.now() == kStart);  // a perfect network costs no simulated time
}

TEST_CASE("loopback: completions never run inside the initiating call", "[network]") {
    LoopbackWorld world;
    bool connect_done = false;
    world.network.connect("driver", kServer, [&](ErrorCode, std::unique_ptr<ByteStream>) { connect_done = true; });
    CHECK_FALSE(connect_done);
    world.loop.run_until_idle();
    CHECK(connect_done);

    auto client = world.connect();
    bool write_done = false;
    client->async_write_some("x", 1, [&](ErrorCode, std::size_t) { write_done = true; });
    CHECK_FALSE(write_done);
    world.loop.drain();
    CHECK(write_done);

    // Data already waiting: the read still completes later, from the loop.
    char c = 0;
    bool read_done = false;
    world.accepted.back()->async_read_some(&c, 1, [&](ErrorCode ec, std::size_t n) { read_done = !ec && n == 1; });
    CHECK_FALSE(read_done);
    world.loop.drain();
    CHECK(read_done);
    CHECK(c == 'x');
}

TEST_CASE("loopback: a fixed latency delays connect and each delivery by exactly that simulated time", "[network]") {
    LoopbackWorld world;
    LinkFaults faults;
    faults.latency_min = faults.latency_max = 250ms;
    world.network.set_default_faults(faults);

    auto client = world.connect();
    CHECK(world.clock.now() == kStart + 250ms);

    Reader reader;
    reader.start(*world.accepted[0], world.clock);
    write_all(*client, "ping");
    world.loop.run_until_idle();
    REQUIRE(reader.arrival_times.size() == 1);
    CHECK(reader.arrival_times[0] == kStart + 500ms);
}

TEST_CASE("loopback: random latency and byte splitting never reorder bytes", "[network]") {
    LoopbackWorld world(42);
    LinkFaults faults;
    faults.latency_min = 1ms;
    faults.latency_max = 50ms;
    faults.split_max_bytes = 7;
    world.network.set_default_faults(faults);
    auto client = world.connect();

    Reader reader;
    reader.start(*world.accepted[0], world.clock);
    std::string expected;
    for (int i = 0; i < 40; ++i) {
        std::string piece = "<" + std::to_string(i) + ":abcdefghijklmnopqrstuvwxyz>";
        expected += piece;
        write_all(*client, piece);
    }
    world.loop.run_until_idle();
    CHECK(reader.received == expected);
    CHECK(reader.chunk_sizes.size() > 40);  // the writes really were split into separate deliveries
    for (std::size_t i = 1; i < reader.arrival_times.size(); ++i)
        CHECK(reader.arrival_times[i - 1] <= reader.arrival_times[i]);
}

TEST_CASE("loopback: split_max_bytes = 1 delivers one byte per event", "[network]") {
    LoopbackWorld world;
    LinkFaults faults;
    faults.split_max_bytes = 1;
    world.network.set_default_faults(faults);
    auto client = world.connect();
    Reader reader;
    reader.start(*world.accepted[0], world.clock);
    write_all(*client, "abcdef");
    world.loop.run_until_idle();
    CHECK(reader.received == "abcdef");
    CHECK(reader.chunk_sizes == std::vector<std::size_t>(6, 1));
}

TEST_CASE("loopback: close gives the peer eof after the data, and the closer's pending read is aborted", "[network]") {
    LoopbackWorld world;
    auto client = world.connect();
    auto& server = *world.accepted[0];

    Reader server_reader;
    server_reader.start(server, world.clock);
    Reader client_reader;
    client_reader.start(*client, world.clock);
    write_all(*client, "last words");
    client->close();
    CHECK_FALSE(client->is_open());
    world.loop.run_until_idle();
    CHECK(server_reader.received == "last words");
    REQUIRE(server_reader.final_error);
    CHECK(*server_reader.final_error == boost::asio::error::eof);
    REQUIRE(client_reader.final_error);
    CHECK(*client_reader.final_error == boost::asio::error::operation_aborted);

    // Reading after close: aborted, not a hang.
    std::optional<ErrorCode> late;
    char c;
    client->async_read_some(&c, 1, [&](ErrorCode ec, std::size_t) { late = ec; });
    world.loop.run_until_idle();
    REQUIRE(late);
    CHECK(*late == boost::asio::error::operation_aborted);
}

TEST_CASE("loopback: destroying a stream closes it (the peer sees eof)", "[network]") {
    LoopbackWorld world;
    auto client = world.connect();
    Reader reader;
    reader.start(*world.accepted[0], world.clock);
    client.reset();
    world.loop.run_until_idle();
    REQUIRE(reader.final_error);
    CHECK(*reader.final_error == boost::asio::error::eof);
}

TEST_CASE("loopback: nothing listening means connection_refused", "[network]") {
    LoopbackWorld world;
    std::optional<ErrorCode> result;
    world.network.connect("driver", "127.0.0.1:9999", [&](ErrorCode ec, std::unique_ptr<ByteStream> s) {
        result = ec;
        CHECK_FALSE(s);
    });
    world.loop.run_until_idle();
    REQUIRE(result);
    CHECK(*result == boost::asio::error::connection_refused);

    world.network.stop_listening(kServer);
    result.reset();
    world.network.connect("driver", kServer, [&](ErrorCode ec, std::unique_ptr<ByteStream>) { result = ec; });
    world.loop.run_until_idle();
    REQUIRE(result);
    CHECK(*result == boost::asio::error::connection_refused);
}

TEST_CASE("loopback: refusal and reset faults are drawn from the rng and written to the trace", "[network]") {
    LoopbackWorld world;
    LinkFaults refuse;
    refuse.connect_refuse_probability = 1.0;
    world.network.set_link_faults("driver", kServer, refuse);
    std::optional<ErrorCode> result;
    world.network.connect("driver", kServer, [&](ErrorCode ec, std::unique_ptr<ByteStream>) { result = ec; });
    world.loop.run_until_idle();
    REQUIRE(result);
    CHECK(*result == boost::asio::error::connection_refused);
    CHECK(world.accepted.empty());

    // Another client on the same server is unaffected: faults are per link.
    auto other = world.connect("127.0.0.1:9054");
    CHECK(other);

    world.network.clear_link_faults();
    auto client = world.connect();
    LinkFaults reset;
    reset.reset_probability = 1.0;
    world.network.set_default_faults(reset);
    Reader server_reader;
    server_reader.start(*world.accepted.back(), world.clock);
    std::optional<ErrorCode> write_result;
    client->async_write_some("data", 4, [&](ErrorCode ec, std::size_t) { write_result = ec; });
    world.loop.run_until_idle();
    REQUIRE(write_result);
    CHECK(*write_result == boost::asio::error::connection_reset);
    CHECK(server_reader.received.empty());
    REQUIRE(server_reader.final_error);
    CHECK(*server_reader.final_error == boost::asio::error::connection_reset);

    std::string all;
    for (const auto& line : world.trace.lines()) all += line + "\n";
    CHECK(all.find("\"event\":\"connect_refused\"") != std::string::npos);
    CHECK(all.find("\"event\":\"reset\"") != std::string::npos);
    CHECK(all.find("\"actor\":\"net\"") != std::string::npos);
}

TEST_CASE("loopback: a partition loses bytes both ways and hangs new connects - heal restores", "[network]") {
    LoopbackWorld world;
    auto client = world.connect();
    auto& server = *world.accepted[0];
    Reader server_reader;
    server_reader.start(server, world.clock);
    Reader client_reader;
    client_reader.start(*client, world.clock);

    world.network.partition("driver", kServer);
    CHECK(world.network.is_partitioned(kServer, "driver"));  // either order names the same link
    write_all(*client, "lost");
    write_all(server, "also lost");
    bool connected = false;
    world.network.connect("driver", kServer, [&](ErrorCode, std::unique_ptr<ByteStream>) { connected = true; });
    world.loop.run_for(1h);
    CHECK(server_reader.received.empty());
    CHECK(client_reader.received.empty());
    CHECK_FALSE(connected);
    CHECK(client->is_open());  // existing connections stay "open"

    world.network.heal("driver", kServer);
    CHECK_FALSE(world.network.is_partitioned("driver", kServer));
    write_all(*client, "back");
    world.loop.run_until_idle();
    CHECK(server_reader.received == "back");
    CHECK(world.connect());
}

TEST_CASE("loopback: the same seed replays the same fault draws (same trace digest)", "[network]") {
    auto run = [](std::uint64_t seed) {
        LoopbackWorld world(seed);
        LinkFaults faults;
        faults.latency_min = 1ms;
        faults.latency_max = 900ms;
        faults.split_max_bytes = 5;
        faults.reset_probability = 0.05;
        world.network.set_default_faults(faults);
        std::vector<std::string> outcome;
        std::vector<std::unique_ptr<Reader>> readers;  // outlive their streams' last completions
        for (int i = 0; i < 20; ++i) {
            auto client = world.connect();
            auto& reader = *readers.emplace_back(std::make_unique<Reader>());
            reader.start(*world.accepted.back(), world.clock);
            write_all(*client, "message number " + std::to_string(i));
            world.loop.run_until_idle();
            outcome.push_back(format_iso8601(world.clock.now()) + " " + std::to_string(reader.chunk_sizes.size()));
        }
        return std::make_pair(outcome, world.trace.digest_hex());
    };
    auto first = run(1234);
    CHECK(first == run(1234));
    CHECK(first.first != run(99).first);
}

TEST_CASE("tcp: real sockets behind the same ByteStream interface, port 0 resolved", "[network][tcp]") {
    boost::asio::io_context io;
    TcpNetwork network(io);
    std::vector<std::unique_ptr<ByteStream>> accepted;
    REQUIRE_FALSE(
        network.listen("127.0.0.1:0", [&](std::unique_ptr<ByteStream> s) { accepted.push_back(std::move(s)); }));
    std::string bound = network.bound_address("127.0.0.1:0");
    REQUIRE(bound.rfind("127.0.0.1:", 0) == 0);
    REQUIRE(bound != "127.0.0.1:0");
    // A second listener on the same bound port fails instead of silently sharing it.
    CHECK(network.listen(bound, [](std::unique_ptr<ByteStream>) {}));

    std::unique_ptr<ByteStream> client;
    network.connect("driver", bound, [&](ErrorCode ec, std::unique_ptr<ByteStream> s) {
        REQUIRE_FALSE(ec);
        client = std::move(s);
    });
    auto run_until = [&](const std::function<bool()>& done) {
        auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            io.restart();
            io.run_one_for(10ms);
        }
        return done();
    };
    REQUIRE(run_until([&] { return client && accepted.size() == 1; }));
    CHECK(client->remote_address() == bound);
    CHECK(accepted[0]->remote_address() == client->local_address());

    Reader reader;
    VirtualClock unused_clock(kStart);  // Reader stamps arrivals; the time is irrelevant here
    reader.start(*accepted[0], unused_clock);
    write_all(*client, "over tcp");
    client->close();
    REQUIRE(run_until([&] { return reader.final_error.has_value(); }));
    CHECK(reader.received == "over tcp");
    CHECK(*reader.final_error == boost::asio::error::eof);

    network.stop_listening("127.0.0.1:0");
    std::optional<ErrorCode> refused;
    network.connect("driver", bound, [&](ErrorCode ec, std::unique_ptr<ByteStream>) { refused = ec; });
    REQUIRE(run_until([&] { return refused.has_value(); }));
    CHECK(*refused == boost::asio::error::connection_refused);
}

// Slow clients over real sockets (docs/RELIABILITY.md §5): a client that trickles header bytes is cut off
// after the server's request-headers timeout, while another client on the same EBS is served promptly.
// The World runs in real mode on ephemeral ports with its io_context on a background thread; the clients
// are plain blocking POSIX sockets on the test thread (test code, so wall time and threads are fine here).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "harness/world/world.h"

using namespace mgm;
using Wall = std::chrono::steady_clock;

namespace {

// The World's services served on a background thread until destruction.
struct BackgroundWorld {
    harness::World world;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
    std::thread runner;

    explicit BackgroundWorld(harness::WorldConfig config)
        : world(std::move(config)),
          work(boost::asio::make_work_guard(world.io())),
          runner([this] { world.io().run(); }) {}
    ~BackgroundWorld() {
        boost::asio::post(world.io(), [this] {
            world.stop();
            work.reset();
        });
        runner.join();
    }
};

int connect_to(const std::string& address) {
    const auto colon = address.rfind(':');
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
    inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    return fd;
}

// True when the peer has closed (readable with EOF, or reset).
bool peer_closed(int fd, int wait_ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, wait_ms) <= 0) return false;
    char c;
    const ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

// One full GET; returns the status line or nullopt on a timeout.
std::optional<std::string> get_status_line(const std::string& address, const std::string& path, int timeout_ms) {
    const int fd = connect_to(address);
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + address + "\r\nConnection: close\r\n\r\n";
    REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    std::string response;
    const auto deadline = Wall::now() + std::chrono::milliseconds(timeout_ms);
    while (response.find("\r\n") == std::string::npos && Wall::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        char buffer[512];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        response.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    const auto eol = response.find("\r\n");
    if (eol == std::string::npos) return std::nullopt;
    return response.substr(0, eol);
}

}  // namespace

TEST_CASE("a slowloris client is cut off at the headers timeout while others are served (real sockets)",
          "[security][slowloris][real]") {
    std::signal(SIGPIPE, SIG_IGN);
    harness::WorldConfig config;
    config.mode = harness::WorldMode::real;
    for (auto& address : config.addresses) address = "127.0.0.1:0";
    config.request_headers_timeout = std::chrono::milliseconds(1000);
    BackgroundWorld bg(config);
    const std::string ebs = bg.world.address(harness::Service::ebs);

    // The slow client: a request line, then one header byte every 100 ms, never finishing the headers.
    const int slow = connect_to(ebs);
    const auto started = Wall::now();
    const std::string line = "GET /api/version HTTP/1.1\r\nHost: x\r\n";
    REQUIRE(::send(slow, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size()));

    std::optional<Wall::duration> cut_after;
    std::optional<Wall::duration> other_latency;
    std::optional<std::string> other_status;
    const std::string trickle =
        "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for (std::size_t i = 0; i < 60 && !cut_after; ++i) {
        if (peer_closed(slow, 100)) {
            cut_after = Wall::now() - started;
            break;
        }
        const char byte = trickle[i % trickle.size()];
        if (::send(slow, &byte, 1, MSG_NOSIGNAL) != 1) {
            cut_after = Wall::now() - started;
            break;
        }
        if (i == 3) {
            // Meanwhile another client gets its answer at once.
            const auto t0 = Wall::now();
            other_status = get_status_line(ebs, "/api/version", 2000);
            other_latency = Wall::now() - t0;
        }
    }
    ::close(slow);

    REQUIRE(other_status);
    CHECK(*other_status == "HTTP/1.1 200 OK");
    CHECK(*other_latency < std::chrono::milliseconds(500));
    REQUIRE(cut_after);
    CHECK(*cut_after >= std::chrono::milliseconds(900));
    CHECK(*cut_after < std::chrono::milliseconds(3000));

    // A client that connects and sends nothing is also closed after the timeout.
    const int idle = connect_to(ebs);
    const auto idle_start = Wall::now();
    bool closed = false;
    while (!closed && Wall::now() - idle_start < std::chrono::seconds(4)) closed = peer_closed(idle, 50);
    ::close(idle);
    CHECK(closed);
    CHECK(Wall::now() - idle_start >= std::chrono::milliseconds(900));
}

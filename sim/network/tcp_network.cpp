// Real sockets on 127.0.0.1 (real-socket mode) behind the Network seam; Asio does the I/O.
#include "sim/network/tcp_network.h"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace mgm::sim {

namespace {

using boost::asio::ip::tcp;

// "127.0.0.1:8080" -> endpoint; nullopt when the text is not "<ipv4|ipv6>:<port>".
std::optional<tcp::endpoint> parse_endpoint(const std::string& address) {
    auto colon = address.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string host = address.substr(0, colon);
    if (host == "localhost") host = "127.0.0.1";
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    unsigned port = 0;
    const char* first = address.data() + colon + 1;
    const char* last = address.data() + address.size();
    auto [ptr, ec] = std::from_chars(first, last, port);
    if (ec != std::errc() || ptr != last || first == last || port > 65535) return std::nullopt;
    ErrorCode parse_error;
    auto ip = boost::asio::ip::make_address(host, parse_error);
    if (parse_error) return std::nullopt;
    return tcp::endpoint(ip, static_cast<unsigned short>(port));
}

std::string format_endpoint(const tcp::endpoint& endpoint) {
    auto ip = endpoint.address();
    std::string host = ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

// The network's current output barrier, shared with its streams (a stream may outlive the network).
struct BarrierSlot {
    OutputBarrier* barrier = nullptr;
    std::function<void(const std::string&)> warn;  // the network's warning sink (shared the same way)
};

// Out of descriptors (or kernel memory) for a new socket: the pending connection stays queued, so an
// immediate retry fails again at once and spins a core.
bool is_resource_exhaustion(const ErrorCode& ec) {
    return ec == boost::asio::error::no_descriptors || ec == std::errc::too_many_files_open_in_system ||
           ec == boost::asio::error::no_buffer_space || ec == boost::asio::error::no_memory;
}

// How long the accept loop pauses after running out of descriptors; connections already open keep being
// served meanwhile, and one that ends frees a descriptor for the next accept.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);

// A connected socket as a ByteStream. Addresses are captured at creation (they are gone after close).
class TcpStream final : public ByteStream {
public:
    TcpStream(tcp::socket socket, std::shared_ptr<const BarrierSlot> barrier)
        : socket_(std::move(socket)), barrier_(std::move(barrier)) {
        ErrorCode ec;
        auto local = socket_.local_endpoint(ec);
        if (!ec) local_address_ = format_endpoint(local);
        auto remote = socket_.remote_endpoint(ec);
        if (!ec) remote_address_ = format_endpoint(remote);
        socket_.set_option(tcp::no_delay(true), ec);  // small HTTP exchanges: no Nagle delay
    }
    ~TcpStream() override { close(); }

    void async_read_some(char* data, std::size_t size, Completion done) override {
        socket_.async_read_some(boost::asio::buffer(data, size), std::move(done));
    }
    void async_write_some(const char* data, std::size_t size, Completion done) override {
        if (!barrier_->barrier) {
            socket_.async_write_some(boost::asio::buffer(data, size), std::move(done));
            return;
        }
        // The caller keeps the buffer and, through `done`, itself (and so this stream) alive until `done` runs.
        auto shared_done = std::make_shared<Completion>(std::move(done));
        barrier_->barrier->when_durable(
            [this, data, size, shared_done] {
                socket_.async_write_some(boost::asio::buffer(data, size), std::move(*shared_done));
            },
            [this, shared_done] {
                boost::asio::post(socket_.get_executor(),
                                  [done = std::move(*shared_done)] { done(boost::asio::error::operation_aborted, 0); });
            });
    }
    void close() override {
        if (!socket_.is_open()) return;
        ErrorCode ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }
    bool is_open() const override { return socket_.is_open(); }
    std::string local_address() const override { return local_address_; }
    std::string remote_address() const override { return remote_address_; }

private:
    tcp::socket socket_;
    std::shared_ptr<const BarrierSlot> barrier_;
    std::string local_address_;
    std::string remote_address_;
};

// One listening socket and its accept loop. Shared with pending accepts so closing is safe.
struct TcpListener : std::enable_shared_from_this<TcpListener> {
    TcpListener(boost::asio::io_context& io, Network::AcceptHandler on_accept,
                std::shared_ptr<const BarrierSlot> barrier)
        : acceptor(io), backoff(io), on_accept(std::move(on_accept)), barrier(std::move(barrier)) {}

    tcp::acceptor acceptor;
    boost::asio::steady_timer backoff;
    Network::AcceptHandler on_accept;
    std::shared_ptr<const BarrierSlot> barrier;
    std::string bound;
    bool exhausted = false;  // in an out-of-descriptors episode (logged once)
    std::uint64_t exhausted_count = 0;

    void accept_next() {
        acceptor.async_accept([self = shared_from_this()](ErrorCode ec, tcp::socket socket) {
            if (!self->acceptor.is_open()) return;
            if (ec == boost::asio::error::operation_aborted) return;
            if (is_resource_exhaustion(ec)) {
                ++self->exhausted_count;
                if (!self->exhausted && self->barrier->warn)
                    self->barrier->warn("accept on " + self->bound + " failed: " + ec.message() +
                                        "; pausing new connections (retry every 100 ms), open ones keep being served");
                self->exhausted = true;
                self->backoff.expires_after(kAcceptBackoff);
                self->backoff.async_wait([self](ErrorCode wait_ec) {
                    if (!wait_ec && self->acceptor.is_open()) self->accept_next();
                });
                return;
            }
            if (!ec) {
                if (self->exhausted && self->barrier->warn)
                    self->barrier->warn("accepting on " + self->bound + " again after " +
                                        std::to_string(self->exhausted_count) + " failed accepts");
                self->exhausted = false;
                self->exhausted_count = 0;
                self->on_accept(std::make_unique<TcpStream>(std::move(socket), self->barrier));
            }
            // Other transient errors (an aborted handshake) must not end the loop.
            self->accept_next();
        });
    }
    void close() {
        ErrorCode ignored;
        acceptor.close(ignored);
        backoff.cancel();
    }
};

}  // namespace

struct TcpNetwork::Impl {
    std::map<std::string, std::shared_ptr<TcpListener>> listeners;  // by requested address
    std::shared_ptr<BarrierSlot> barrier = std::make_shared<BarrierSlot>();
};

TcpNetwork::TcpNetwork(boost::asio::io_context& io) : io_(io), impl_(std::make_unique<Impl>()) {}

TcpNetwork::~TcpNetwork() {
    for (auto& [address, listener] : impl_->listeners) listener->close();
}

ErrorCode TcpNetwork::listen(const std::string& address, AcceptHandler on_accept) {
    if (impl_->listeners.count(address)) return boost::asio::error::address_in_use;
    auto endpoint = parse_endpoint(address);
    if (!endpoint) return boost::asio::error::invalid_argument;
    auto listener = std::make_shared<TcpListener>(io_, std::move(on_accept), impl_->barrier);
    ErrorCode ec;
    listener->acceptor.open(endpoint->protocol(), ec);
    if (!ec) listener->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) listener->acceptor.bind(*endpoint, ec);
    if (!ec) listener->acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec) {
        listener->close();
        return ec;
    }
    listener->bound = format_endpoint(listener->acceptor.local_endpoint());
    listener->accept_next();
    impl_->listeners.emplace(address, std::move(listener));
    return {};
}

std::string TcpNetwork::bound_address(const std::string& requested) const {
    auto it = impl_->listeners.find(requested);
    return it != impl_->listeners.end() ? it->second->bound : requested;
}

void TcpNetwork::stop_listening(const std::string& address) {
    auto it = impl_->listeners.find(address);
    if (it == impl_->listeners.end()) return;
    it->second->close();
    impl_->listeners.erase(it);
}

void TcpNetwork::connect(const std::string& from, const std::string& to, ConnectHandler done) {
    auto endpoint = parse_endpoint(to);
    if (!endpoint) {
        boost::asio::post(io_, [done = std::move(done)] { done(boost::asio::error::invalid_argument, nullptr); });
        return;
    }
    auto socket = std::make_shared<tcp::socket>(io_);
    socket->async_connect(*endpoint, [socket, barrier = impl_->barrier, done = std::move(done)](ErrorCode ec) {
        if (ec) {
            done(ec, nullptr);
            return;
        }
        done(ErrorCode{}, std::make_unique<TcpStream>(std::move(*socket), barrier));
    });
}

void TcpNetwork::set_output_barrier(OutputBarrier* barrier) { impl_->barrier->barrier = barrier; }

void TcpNetwork::set_warning_sink(std::function<void(const std::string&)> sink) {
    impl_->barrier->warn = std::move(sink);
}

}  // namespace mgm::sim

// In-memory network: byte pipes whose deliveries are events on the Scheduler (simulated time), with
// latency, byte-splitting, refusals, resets and partitions drawn from one seeded Rng.
#include "sim/network/loopback_network.h"

#include <algorithm>
#include <deque>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "sim/trace/trace.h"

namespace mgm::sim {

namespace {

std::pair<std::string, std::string> unordered_key(const std::string& a, const std::string& b) {
    return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
}

// What travels through one direction of a connection, in order.
struct Packet {
    enum class Kind { data, fin, rst } kind = Kind::data;
    std::string bytes;
    bool arrived = false;  // its delivery time has come; handed over once every earlier packet was
};

}  // namespace

struct LoopbackNetwork::Impl {
    Impl(boost::asio::io_context& io, Scheduler& scheduler, Rng rng, Trace* trace)
        : io(io), scheduler(scheduler), rng(std::move(rng)), trace(trace) {}

    boost::asio::io_context& io;
    Scheduler& scheduler;
    Rng rng;
    Trace* trace;
    std::map<std::string, AcceptHandler> listeners;
    LinkFaults default_faults;
    std::map<std::pair<std::string, std::string>, LinkFaults> link_faults;  // key: unordered pair
    std::set<std::pair<std::string, std::string>> partitions;  // key: unordered pair
    std::uint32_t next_ephemeral_port = kFirstEphemeralPort;
    FaultsFired fired;

    static constexpr std::uint32_t kFirstEphemeralPort = 49152;

    // Both run several times per write; most runs have no per-link faults and no partition, so the key
    // (two string copies) is made only when there is something to look up.
    const LinkFaults& faults(const std::string& a, const std::string& b) const {
        if (link_faults.empty()) return default_faults;
        auto it = link_faults.find(unordered_key(a, b));
        return it != link_faults.end() ? it->second : default_faults;
    }
    bool partitioned(const std::string& a, const std::string& b) const {
        return !partitions.empty() && partitions.count(unordered_key(a, b)) > 0;
    }
    // Draws only when the range is non-trivial (a fixed latency is exact and consumes no randomness).
    Duration draw_latency(const LinkFaults& f) {
        if (f.latency_max <= f.latency_min) return f.latency_min;
        return Duration{rng.uniform_range(f.latency_min.count(), f.latency_max.count())};
    }
    // Always one draw (Rng::chance's rule), so turning a probability on never shifts the other draws.
    bool draw(double probability) { return rng.chance(probability); }

    std::string allocate_client_address() {
        std::uint32_t port = next_ephemeral_port++;
        if (next_ephemeral_port > 65535) next_ephemeral_port = kFirstEphemeralPort;
        return "127.0.0.1:" + std::to_string(port);
    }

    void record(std::string_view event, const std::string& from, const std::string& to) {
        if (trace) trace->record("net", "net", nlohmann::json{{"event", event}, {"from", from}, {"to", to}});
    }

    // Runs `fn` after `delay`: a posted handler when the delay is zero (cheap, and still after the
    // initiating call), a Scheduler timer otherwise (simulated time).
    void after(Duration delay, const char* label, std::function<void()> fn) {
        if (delay.count() <= 0) {
            boost::asio::post(io, std::move(fn));
        } else {
            scheduler.after(delay, label, std::move(fn));
        }
    }
};

namespace {

// One connection: two ends (0 = client, 1 = server), each with what has arrived for it and the
// packets still travelling towards it.
struct Connection : std::enable_shared_from_this<Connection> {
    struct End {
        std::string inbox;  // arrived, not yet read
        std::size_t inbox_offset = 0;
        bool peer_finished = false;  // FIN arrived: reads return eof once the inbox is empty
        bool reset = false;  // RST arrived or this end reset: reads/writes fail
        bool closed = false;  // closed locally
        // The one outstanding read.
        char* read_data = nullptr;
        std::size_t read_size = 0;
        ByteStream::Completion read_done;
        bool read_completion_posted = false;
        // Packets in flight towards this end, oldest first; `first_sequence` numbers the front.
        std::deque<Packet> in_flight;
        std::uint64_t first_sequence = 0;
        bool pump_posted = false;

        std::size_t available() const { return inbox.size() - inbox_offset; }
    };

    Connection(boost::asio::io_context& io, std::weak_ptr<LoopbackNetwork::Impl> network, std::string from,
               std::string to, std::string client_address)
        : io(io),
          network(std::move(network)),
          from(std::move(from)),
          to(std::move(to)),
          client_address(std::move(client_address)) {}

    boost::asio::io_context& io;
    std::weak_ptr<LoopbackNetwork::Impl> network;
    std::string from;  // link names used for faults and partitions
    std::string to;  // the listening address
    std::string client_address;  // "127.0.0.1:<ephemeral>"
    End ends[2];

    void post_completion(ByteStream::Completion done, ErrorCode ec, std::size_t n) {
        boost::asio::post(io, [done = std::move(done), ec, n] { done(ec, n); });
    }

    void read(int side, char* data, std::size_t size, ByteStream::Completion done) {
        End& end = ends[side];
        if (end.read_done) {
            post_completion(std::move(done), boost::asio::error::in_progress, 0);
            return;
        }
        end.read_data = data;
        end.read_size = size;
        end.read_done = std::move(done);
        kick_read(side);
    }

    // Schedules completion of the pending read once there is something to report.
    void kick_read(int side) {
        End& end = ends[side];
        if (!end.read_done || end.read_completion_posted) return;
        if (end.available() == 0 && !end.peer_finished && !end.reset && !end.closed) return;
        end.read_completion_posted = true;
        boost::asio::post(io, [self = shared_from_this(), side] { self->complete_read(side); });
    }

    void complete_read(int side) {
        End& end = ends[side];
        end.read_completion_posted = false;
        if (!end.read_done) return;
        auto done = std::move(end.read_done);
        end.read_done = nullptr;
        if (end.closed) {
            done(boost::asio::error::operation_aborted, 0);
        } else if (end.reset) {
            done(boost::asio::error::connection_reset, 0);
        } else if (end.available() > 0) {
            std::size_t n = std::min(end.read_size, end.available());
            std::copy_n(end.inbox.data() + end.inbox_offset, n, end.read_data);
            end.inbox_offset += n;
            if (end.inbox_offset == end.inbox.size()) {
                end.inbox.clear();
                end.inbox_offset = 0;
            }
            done(ErrorCode{}, n);
        } else if (end.peer_finished) {
            done(boost::asio::error::eof, 0);
        } else {
            end.read_done = std::move(done);  // nothing to report after all; keep waiting
        }
    }

    void write(int side, const char* data, std::size_t size, ByteStream::Completion done) {
        End& end = ends[side];
        if (end.closed) {
            post_completion(std::move(done), boost::asio::error::bad_descriptor, 0);
            return;
        }
        if (end.reset) {
            post_completion(std::move(done), boost::asio::error::connection_reset, 0);
            return;
        }
        auto net = network.lock();
        if (!net) {
            post_completion(std::move(done), boost::asio::error::operation_aborted, 0);
            return;
        }
        const LinkFaults& faults = net->faults(from, to);
        if (net->draw(faults.reset_probability)) {
            net->record("reset", from, to);
            ++net->fired.resets;
            end.reset = true;
            kick_read(side);
            send(*net, 1 - side, Packet{Packet::Kind::rst, {}});
            post_completion(std::move(done), boost::asio::error::connection_reset, 0);
            return;
        }
        if (net->partitioned(from, to)) {  // lost on the wire; the sender cannot tell
            ++net->fired.writes_lost;
            post_completion(std::move(done), ErrorCode{}, size);
            return;
        }
        std::size_t offset = 0;
        while (offset < size) {
            std::size_t chunk = size - offset;
            if (faults.split_max_bytes > 0) {
                std::size_t limit = std::min(chunk, faults.split_max_bytes);
                chunk = limit == 1
                            ? 1
                            : static_cast<std::size_t>(net->rng.uniform_range(1, static_cast<std::int64_t>(limit)));
            }
            send(*net, 1 - side, Packet{Packet::Kind::data, std::string(data + offset, chunk)});
            offset += chunk;
        }
        if (faults.split_max_bytes > 0 && size > faults.split_max_bytes) ++net->fired.writes_split;
        post_completion(std::move(done), ErrorCode{}, size);
    }

    // Puts a packet on the wire towards `side`. It arrives after its own latency but is handed over
    // only after every earlier packet, i.e. at max(previous delivery, now + latency): order is kept.
    void send(LoopbackNetwork::Impl& net, int side, Packet packet) {
        End& end = ends[side];
        std::uint64_t sequence = end.first_sequence + end.in_flight.size();
        end.in_flight.push_back(std::move(packet));
        Duration latency = net.draw_latency(net.faults(from, to));
        if (latency.count() <= 0) {
            end.in_flight.back().arrived = true;  // no travel time: only waits for the packets before it
            schedule_pump(side);
            return;
        }
        ++net.fired.packets_delayed;
        net.scheduler.after(latency, "net.deliver", [self = shared_from_this(), side, sequence] {
            End& end = self->ends[side];
            end.in_flight[sequence - end.first_sequence].arrived = true;
            self->schedule_pump(side);
        });
    }

    void schedule_pump(int side) {
        End& end = ends[side];
        if (end.pump_posted) return;
        end.pump_posted = true;
        boost::asio::post(io, [self = shared_from_this(), side] { self->pump(side); });
    }

    // Hands over ONE arrived packet per event, so a reader sees every split chunk as its own read
    // (its completion is queued before the next chunk is handed over).
    void pump(int side) {
        End& end = ends[side];
        end.pump_posted = false;
        if (end.in_flight.empty() || !end.in_flight.front().arrived) return;
        Packet packet = std::move(end.in_flight.front());
        end.in_flight.pop_front();
        ++end.first_sequence;
        auto net = network.lock();
        bool lost = !net || net->partitioned(from, to);  // a partition also eats bytes already in flight
        if (lost && net) ++net->fired.packets_lost;
        if (!lost && !end.closed) {
            switch (packet.kind) {
            case Packet::Kind::data:
                if (!end.reset && !end.peer_finished) {
                    if (end.inbox.empty()) end.inbox = std::move(packet.bytes);  // the usual case: no copy
                    else end.inbox.append(packet.bytes);
                }
                break;
            case Packet::Kind::fin: end.peer_finished = true; break;
            case Packet::Kind::rst: end.reset = true; break;
            }
            kick_read(side);
        }
        if (!end.in_flight.empty() && end.in_flight.front().arrived) schedule_pump(side);
    }

    void close(int side) {
        End& end = ends[side];
        if (end.closed) return;
        end.closed = true;
        end.inbox.clear();
        end.inbox_offset = 0;
        kick_read(side);  // a pending read completes with operation_aborted
        if (end.reset) return;
        auto net = network.lock();
        if (!net || net->partitioned(from, to)) return;
        send(*net, 1 - side, Packet{Packet::Kind::fin, {}});
    }
};

// One end of a Connection as the ByteStream the rest of the code sees. Destroying it closes it.
class LoopbackStream final : public ByteStream {
public:
    LoopbackStream(std::shared_ptr<Connection> connection, int side)
        : connection_(std::move(connection)), side_(side) {}
    ~LoopbackStream() override { connection_->close(side_); }

    void async_read_some(char* data, std::size_t size, Completion done) override {
        connection_->read(side_, data, size, std::move(done));
    }
    void async_write_some(const char* data, std::size_t size, Completion done) override {
        connection_->write(side_, data, size, std::move(done));
    }
    void close() override { connection_->close(side_); }
    bool is_open() const override { return !connection_->ends[side_].closed; }
    std::string local_address() const override { return side_ == 0 ? connection_->client_address : connection_->to; }
    std::string remote_address() const override { return side_ == 0 ? connection_->to : connection_->client_address; }

private:
    std::shared_ptr<Connection> connection_;
    int side_;
};

}  // namespace

LoopbackNetwork::LoopbackNetwork(boost::asio::io_context& io, Scheduler& scheduler, Rng rng, Trace* trace)
    : io_(io), impl_(std::make_shared<Impl>(io, scheduler, std::move(rng), trace)) {}

LoopbackNetwork::~LoopbackNetwork() = default;

ErrorCode LoopbackNetwork::listen(const std::string& address, AcceptHandler on_accept) {
    if (impl_->listeners.count(address)) return boost::asio::error::address_in_use;
    impl_->listeners.emplace(address, std::move(on_accept));
    return {};
}

void LoopbackNetwork::stop_listening(const std::string& address) { impl_->listeners.erase(address); }

void LoopbackNetwork::connect(const std::string& from, const std::string& to, ConnectHandler done) {
    Impl& net = *impl_;
    if (net.partitioned(from, to)) {  // the SYN is lost: the caller's own timeout has to fire
        net.record("connect_lost", from, to);
        ++net.fired.connects_lost;
        return;
    }
    const LinkFaults& faults = net.faults(from, to);
    Duration latency = net.draw_latency(faults);
    if (net.draw(faults.connect_refuse_probability)) {
        net.record("connect_refused", from, to);
        ++net.fired.connects_refused;
        net.after(latency, "net.connect",
                  [done = std::move(done)] { done(boost::asio::error::connection_refused, nullptr); });
        return;
    }
    std::weak_ptr<Impl> weak = impl_;
    net.after(latency, "net.connect", [weak, from, to, done = std::move(done)] {
        auto net = weak.lock();
        if (!net) {
            done(boost::asio::error::operation_aborted, nullptr);
            return;
        }
        if (net->partitioned(from, to)) {  // partitioned while the SYN travelled
            net->record("connect_lost", from, to);
            ++net->fired.connects_lost;
            return;
        }
        auto listener = net->listeners.find(to);
        if (listener == net->listeners.end()) {
            done(boost::asio::error::connection_refused, nullptr);
            return;
        }
        AcceptHandler accept = listener->second;  // a copy: the acceptor may stop listening
        auto connection = std::make_shared<Connection>(net->io, weak, from, to, net->allocate_client_address());
        accept(std::make_unique<LoopbackStream>(connection, 1));
        done(ErrorCode{}, std::make_unique<LoopbackStream>(connection, 0));
    });
}

namespace {

// A link's fault knobs as a detail line (timeline bands): all zero means the link is perfect again.
// a = b = "*": the default of every link.
void note_faults(Trace* trace, const std::string& a, const std::string& b, const LinkFaults& f) {
    if (trace == nullptr || !trace->detail()) return;
    trace->note("net", "net.faults",
                nlohmann::json{{"a", a},
                               {"b", b},
                               {"latency_min_ms", static_cast<double>(f.latency_min.count()) / 1e4},
                               {"latency_max_ms", static_cast<double>(f.latency_max.count()) / 1e4},
                               {"refuse", f.connect_refuse_probability},
                               {"reset", f.reset_probability},
                               {"split", f.split_max_bytes}});
}

}  // namespace

void LoopbackNetwork::set_default_faults(const LinkFaults& faults) {
    impl_->default_faults = faults;
    note_faults(impl_->trace, "*", "*", faults);
}

void LoopbackNetwork::set_link_faults(const std::string& a, const std::string& b, const LinkFaults& faults) {
    impl_->link_faults[unordered_key(a, b)] = faults;
    note_faults(impl_->trace, a, b, faults);
}

void LoopbackNetwork::clear_link_faults() {
    for (const auto& [key, faults] : impl_->link_faults)
        if (faults.latency_max.count() > 0 || faults.latency_min.count() > 0 || faults.connect_refuse_probability > 0 ||
            faults.reset_probability > 0 || faults.split_max_bytes > 0)
            note_faults(impl_->trace, key.first, key.second, LinkFaults{});
    impl_->link_faults.clear();
}

void LoopbackNetwork::partition(const std::string& a, const std::string& b) {
    if (impl_->partitions.insert(unordered_key(a, b)).second) impl_->record("partition", a, b);
}

void LoopbackNetwork::heal(const std::string& a, const std::string& b) {
    if (impl_->partitions.erase(unordered_key(a, b)) > 0) impl_->record("heal", a, b);
}

void LoopbackNetwork::heal_all() {
    for (const auto& [a, b] : impl_->partitions) impl_->record("heal", a, b);
    impl_->partitions.clear();
}

bool LoopbackNetwork::is_partitioned(const std::string& a, const std::string& b) const {
    return impl_->partitioned(a, b);
}

const FaultsFired& LoopbackNetwork::faults_fired() const { return impl_->fired; }

}  // namespace mgm::sim

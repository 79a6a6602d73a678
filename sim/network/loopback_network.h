// In-memory network on the virtual clock: latency, refusals, resets, partitions and byte-splitting,
// all drawn from a seeded Rng so a seed replays the same faults.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "sim/clock/clock.h"
#include "sim/core/rng.h"
#include "sim/network/network.h"

namespace mgm::sim {

class Trace;

// Fault knobs for a link (or the default for all links). Zero values mean "perfect network".
struct LinkFaults {
    Duration latency_min{0};  // one-way delivery delay, drawn uniformly in [min, max]
    Duration latency_max{0};
    double connect_refuse_probability = 0;  // connect() fails with connection_refused
    double reset_probability = 0;  // per write: the connection is reset instead of delivering
    std::size_t split_max_bytes = 0;  // >0: each write is delivered in random chunks of 1..N bytes
};

// How often each fault actually struck (a drawn fault mix may never touch a request): sweeps report it
// per run, so a run that "passed under faults" shows whether any fault fired at all.
struct FaultsFired {
    std::uint64_t connects_refused = 0;
    std::uint64_t connects_lost = 0;  // SYN lost in a partition
    std::uint64_t resets = 0;  // a write reset its connection
    std::uint64_t writes_lost = 0;  // written into a partition
    std::uint64_t packets_lost = 0;  // in flight when a partition began
    std::uint64_t writes_split = 0;  // delivered as more than one chunk
    std::uint64_t packets_delayed = 0;  // latency above zero
};

class LoopbackNetwork final : public Network {
public:
    LoopbackNetwork(boost::asio::io_context& io, Scheduler& scheduler, Rng rng, Trace* trace = nullptr);
    ~LoopbackNetwork() override;

    ErrorCode listen(const std::string& address, AcceptHandler on_accept) override;
    std::string bound_address(const std::string& requested) const override { return requested; }
    void stop_listening(const std::string& address) override;
    void connect(const std::string& from, const std::string& to, ConnectHandler done) override;

    void set_default_faults(const LinkFaults& faults);
    // Faults for traffic between `a` and `b` (either direction); overrides the default.
    void set_link_faults(const std::string& a, const std::string& b, const LinkFaults& faults);
    void clear_link_faults();
    // While partitioned, bytes between a and b are silently lost and new connections hang
    // (they never complete; the caller's timeout fires). Existing connections stay "open".
    void partition(const std::string& a, const std::string& b);
    void heal(const std::string& a, const std::string& b);
    void heal_all();
    bool is_partitioned(const std::string& a, const std::string& b) const;
    const FaultsFired& faults_fired() const;

    struct Impl;

private:
    boost::asio::io_context& io() override { return io_; }
    boost::asio::io_context& io_;
    std::shared_ptr<Impl> impl_;
};

}  // namespace mgm::sim

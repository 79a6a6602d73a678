// The real twin of VirtualClock: wall-clock UTC and Asio steady timers (real-socket mode only).
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "sim/clock/clock.h"

namespace boost::asio {
class io_context;
}

namespace mgm::sim {

class SystemClock final : public Clock, public Scheduler {
public:
    explicit SystemClock(boost::asio::io_context& io);
    ~SystemClock() override;

    Instant now() const override;
    TimerHandle at(Instant when, std::string label, std::function<void()> fn) override;
    TimerHandle after(Duration delay, std::string label, std::function<void()> fn) override;
    bool cancel(TimerHandle handle) override;

private:
    struct Timer;
    boost::asio::io_context& io_;
    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, std::shared_ptr<Timer>> timers_;
};

// A seed for real-socket mode (entropy). Simulation always uses an explicit seed.
std::uint64_t entropy_seed();

}  // namespace mgm::sim

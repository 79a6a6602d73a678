// Where simulated time advances: drain ready I/O handlers, then step the VirtualClock one deadline.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include "sim/clock/virtual_clock.h"

namespace boost::asio {
class io_context;
}

namespace mgm::sim {

// Thrown when the loop detects an endless zero-delay loop instead of hanging.
class SimulationStuck : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SimLoopOptions {
    // Consecutive timer fires without now() moving forward before run_* reports SimulationStuck.
    std::uint64_t zero_delay_fire_limit = 1'000'000;
    // io_context handlers run in one drain before SimulationStuck (endless post() loops).
    std::uint64_t ready_handler_limit = 10'000'000;
};

class SimLoop {
public:
    SimLoop(boost::asio::io_context& io, VirtualClock& clock, SimLoopOptions options = {});

    // Runs every ready handler (io_context::poll until it returns 0). Returns the number run.
    std::size_t drain();
    // One step: drain; then fire the earliest timer (if its deadline <= limit) and drain again.
    // Returns false when nothing was due up to `limit`.
    bool step(Instant limit);
    // Runs events up to and including `t`; afterwards now() == t (the clock is moved there).
    void run_until(Instant t);
    void run_for(Duration d);
    // Runs until no handler is ready and no timer is pending. Guarded against endless loops.
    void run_until_idle();
    // Runs until pred() is true (checked after every step) or `limit` is reached. Returns pred().
    bool run_until(const std::function<bool()>& pred, Instant limit);

    // Called before each timer fires with its deadline (debugger break-at support, progress).
    void set_before_fire(std::function<void(Instant)> hook) { before_fire_ = std::move(hook); }
    // Called after every simulated event: each ready I/O handler run and each timer fired (invariant
    // checks). May throw; the exception leaves the loop call that ran the event.
    void set_after_event(std::function<void()> hook) { after_event_ = std::move(hook); }

    VirtualClock& clock() { return clock_; }
    boost::asio::io_context& io() { return io_; }

private:
    // step() without its first drain: for the steps of one run_* call after the first, whose previous
    // step ended with a drain and nothing ran since (an empty drain still locks the io_context's mutex).
    bool step_drained(Instant limit);

    boost::asio::io_context& io_;
    VirtualClock& clock_;
    SimLoopOptions options_;
    std::function<void(Instant)> before_fire_;
    std::function<void()> after_event_;
    std::uint64_t zero_delay_fires_ = 0;
};

}  // namespace mgm::sim

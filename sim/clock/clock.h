// The Clock + Scheduler seam. Business code (backend/, fakes/) reads time and schedules work only here.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sim/core/time.h"

namespace mgm::sim {

// Current UTC time. In simulation now() only changes between events, inside the run loop.
class Clock {
public:
    virtual ~Clock() = default;
    virtual Instant now() const = 0;
};

// Identifies one scheduled callback. id 0 = "nothing scheduled".
struct TimerHandle {
    std::uint64_t id = 0;
    explicit operator bool() const { return id != 0; }
};

// Runs callbacks at simulated (or real) instants. Callbacks due at the same instant run in the order
// they were scheduled (FIFO). A callback never runs inside at()/after(); always later, from the loop.
class Scheduler {
public:
    virtual ~Scheduler() = default;
    // `label` names the timer in the trace ("roulette.tick", "http.client.timeout"); keep it stable.
    virtual TimerHandle at(Instant when, std::string label, std::function<void()> fn) = 0;
    virtual TimerHandle after(Duration delay, std::string label, std::function<void()> fn) = 0;
    // Returns true if the timer was pending and will now never run. Cancelling twice is harmless.
    virtual bool cancel(TimerHandle handle) = 0;
};

}  // namespace mgm::sim

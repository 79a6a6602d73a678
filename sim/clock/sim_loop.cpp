// The discrete-event loop: run every ready io_context handler, then step the VirtualClock by exactly one
// timer, and repeat. Single-threaded; the only place simulated time advances.
#include "sim/clock/sim_loop.h"

#include <limits>

#include <boost/asio/io_context.hpp>

namespace mgm::sim {
namespace {
constexpr Instant kEndOfTime{std::numeric_limits<std::int64_t>::max()};
}

SimLoop::SimLoop(boost::asio::io_context& io, VirtualClock& clock, SimLoopOptions options)
    : io_(io), clock_(clock), options_(options) {}

std::size_t SimLoop::drain() {
    std::size_t ran = 0;
    for (;;) {
        // io_context stops itself when it runs out of work; later post()s need a restart to run.
        if (io_.stopped()) io_.restart();
        // poll_one (not poll) so an endless post() loop is caught by the limit instead of hanging here.
        if (io_.poll_one() == 0) break;
        if (after_event_) after_event_();
        if (++ran > options_.ready_handler_limit)
            throw SimulationStuck("simulation stuck: more than " + std::to_string(options_.ready_handler_limit) +
                                  " ready I/O handlers ran without the queue emptying at simulated time " +
                                  format_iso8601(clock_.now()) + " (an endless post() loop?)");
    }
    return ran;
}

bool SimLoop::step(Instant limit) {
    drain();
    return step_drained(limit);
}

bool SimLoop::step_drained(Instant limit) {
    const std::optional<Instant> deadline = clock_.next_deadline();
    if (!deadline || *deadline > limit) return false;

    if (*deadline > clock_.now()) {
        zero_delay_fires_ = 0;
    } else if (++zero_delay_fires_ > options_.zero_delay_fire_limit) {
        throw SimulationStuck("simulation stuck: " + std::to_string(options_.zero_delay_fire_limit) +
                              " timers fired without simulated time moving past " + format_iso8601(clock_.now()) +
                              "; next timer: '" + clock_.next_label().value_or("?") +
                              "' (a zero-delay timer that reschedules itself?)");
    }
    if (before_fire_) before_fire_(*deadline);
    clock_.fire_next();
    if (after_event_) after_event_();
    drain();
    return true;
}

void SimLoop::run_until(Instant t) {
    if (step(t))
        while (step_drained(t)) {}
    clock_.advance_to(t);
}

void SimLoop::run_for(Duration d) { run_until(clock_.now() + d); }

void SimLoop::run_until_idle() {
    if (step(kEndOfTime))
        while (step_drained(kEndOfTime)) {}
}

bool SimLoop::run_until(const std::function<bool()>& pred, Instant limit) {
    drain();
    if (pred()) return true;
    while (step(limit)) {
        if (pred()) return true;
    }
    clock_.advance_to(limit);
    return pred();
}

}  // namespace mgm::sim

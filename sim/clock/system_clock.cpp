// Real-socket mode: wall-clock UTC from std::chrono::system_clock and Asio steady timers. The one place
// (with sim/network/tcp_*) allowed to read real time and real entropy.
#include "sim/clock/system_clock.h"

#include <random>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace mgm::sim {

// One pending real timer; kept alive by its completion handler so destroying the clock is safe.
struct SystemClock::Timer {
    explicit Timer(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::string label;
    std::function<void()> fn;
    bool cancelled = false;
};

SystemClock::SystemClock(boost::asio::io_context& io) : io_(io) {}

SystemClock::~SystemClock() {
    for (auto& [id, timer] : timers_) {
        timer->cancelled = true;
        timer->timer.cancel();
    }
}

Instant SystemClock::now() const {
    return Instant{std::chrono::duration_cast<Duration>(std::chrono::system_clock::now().time_since_epoch()).count()};
}

TimerHandle SystemClock::at(Instant when, std::string label, std::function<void()> fn) {
    // Wall-clock deadlines are turned into a steady-clock delay, so a wall-clock jump does not stretch it.
    return after(when - now(), std::move(label), std::move(fn));
}

TimerHandle SystemClock::after(Duration delay, std::string label, std::function<void()> fn) {
    const std::uint64_t id = next_id_++;
    auto timer = std::make_shared<Timer>(io_);
    timer->label = std::move(label);
    timer->fn = std::move(fn);
    timers_.emplace(id, timer);
    auto fire = [this, id, timer] {
        if (timer->cancelled) return;  // cancelled: `this` may already be gone
        timers_.erase(id);
        auto fn = std::move(timer->fn);
        fn();
    };
    if (delay <= Duration::zero()) {
        // Due now (e.g. the group commit's end-of-pass flush): a posted handler runs after the handlers already
        // queued, without arming the reactor's timerfd (a syscall per event-loop pass).
        boost::asio::post(io_, std::move(fire));
    } else {
        timer->timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay));
        timer->timer.async_wait([fire = std::move(fire)](const boost::system::error_code& error) {
            if (!error) fire();
        });
    }
    return TimerHandle{id};
}

bool SystemClock::cancel(TimerHandle handle) {
    auto found = timers_.find(handle.id);
    if (found == timers_.end()) return false;
    found->second->cancelled = true;
    found->second->timer.cancel();
    timers_.erase(found);
    return true;
}

std::uint64_t entropy_seed() {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace mgm::sim

// VirtualClock: a binary heap of (deadline, tie_key, sequence); time moves only when fire_next() steps it.
#include "sim/clock/virtual_clock.h"

#include <stdexcept>
#include <utility>

#include "sim/trace/trace.h"

namespace mgm::sim {

// priority_queue keeps the "largest" on top, so "later" means lower priority: earliest deadline first,
// then the tie key (FIFO: 0 for everyone), then insertion sequence.
bool VirtualClock::Later::operator()(const Entry& a, const Entry& b) const {
    if (a.deadline != b.deadline) return a.deadline > b.deadline;
    if (a.tie_key != b.tie_key) return a.tie_key > b.tie_key;
    return a.sequence > b.sequence;
}

VirtualClock::VirtualClock(Instant start, Trace* trace) : now_(start), trace_(trace) {}

TimerHandle VirtualClock::at(Instant when, std::string label, std::function<void()> fn) {
    const std::uint64_t sequence = next_sequence_++;
    // A deadline in the past fires "now" (after what is already due now): time never runs backwards.
    const Instant deadline = when < now_ ? now_ : when;
    const std::uint64_t tie_key = tie_breaker_ ? tie_breaker_(sequence) : 0;
    heap_.push(Entry{deadline, tie_key, sequence, std::move(label), std::move(fn)});
    live_.insert(sequence);
    return TimerHandle{sequence};
}

TimerHandle VirtualClock::after(Duration delay, std::string label, std::function<void()> fn) {
    return at(now_ + delay, std::move(label), std::move(fn));
}

bool VirtualClock::cancel(TimerHandle handle) {
    // The heap entry stays until it reaches the top (lazy deletion); membership in live_ decides.
    return handle.id != 0 && live_.erase(handle.id) > 0;
}

void VirtualClock::drop_cancelled_top() {
    while (!heap_.empty() && live_.count(heap_.top().sequence) == 0) heap_.pop();
}

std::optional<Instant> VirtualClock::next_deadline() {
    drop_cancelled_top();
    if (heap_.empty()) return std::nullopt;
    return heap_.top().deadline;
}

std::optional<std::string> VirtualClock::next_label() {
    drop_cancelled_top();
    if (heap_.empty()) return std::nullopt;
    return heap_.top().label;
}

bool VirtualClock::fire_next() {
    drop_cancelled_top();
    if (heap_.empty()) return false;
    // Moving out of top() is safe: pop() only compares the integer keys, which a move leaves intact.
    Entry entry = std::move(const_cast<Entry&>(heap_.top()));
    heap_.pop();
    live_.erase(entry.sequence);
    if (entry.deadline > now_) now_ = entry.deadline;
    ++fired_count_;
    if (trace_ != nullptr) trace_->timer_fired(entry.label);
    entry.fn();
    return true;
}

void VirtualClock::advance_to(Instant t) {
    if (t <= now_) return;  // never backwards; a no-op rather than an error keeps run_until(t) simple
    if (auto next = next_deadline(); next && t > *next)
        throw std::logic_error("VirtualClock::advance_to(" + format_iso8601(t) + ") would skip the timer '" +
                               heap_.top().label + "' due at " + format_iso8601(*next));
    now_ = t;
}

void VirtualClock::set_tie_breaker(std::function<std::uint64_t(std::uint64_t sequence)> key) {
    // Only timers scheduled from now on get the new key; install before anything is scheduled.
    tie_breaker_ = std::move(key);
}

}  // namespace mgm::sim

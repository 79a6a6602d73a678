// VirtualClock: a binary heap of (deadline, tie_key, sequence); time moves only when fire_next() steps it.
#include "sim/clock/virtual_clock.h"

#include <stdexcept>
#include <utility>

#include "sim/trace/trace.h"

namespace mgm::sim {

// Earliest deadline first, then the tie key (FIFO: 0 for everyone), then insertion sequence.
bool VirtualClock::earlier(const Key& a, const Key& b) {
    if (a.deadline != b.deadline) return a.deadline < b.deadline;
    if (a.tie_key != b.tie_key) return a.tie_key < b.tie_key;
    return a.sequence < b.sequence;
}

void VirtualClock::heap_push(const Key& key) {
    std::size_t hole = heap_.size();
    heap_.push_back(key);
    while (hole > 0) {
        const std::size_t parent = (hole - 1) / 4;
        if (!earlier(key, heap_[parent])) break;
        heap_[hole] = heap_[parent];
        hole = parent;
    }
    heap_[hole] = key;
}

void VirtualClock::heap_pop() {
    const Key last = heap_.back();
    heap_.pop_back();
    const std::size_t size = heap_.size();
    if (size == 0) return;
    // Sift the former last element down from the root, always following the earliest child.
    std::size_t hole = 0;
    for (;;) {
        const std::size_t first_child = hole * 4 + 1;
        if (first_child >= size) break;
        const std::size_t end_child = first_child + 4 < size ? first_child + 4 : size;
        std::size_t best = first_child;
        for (std::size_t child = first_child + 1; child < end_child; ++child)
            if (earlier(heap_[child], heap_[best])) best = child;
        if (!earlier(heap_[best], last)) break;
        heap_[hole] = heap_[best];
        hole = best;
    }
    heap_[hole] = last;
}

VirtualClock::VirtualClock(Instant start, Trace* trace) : now_(start), trace_(trace) {}

TimerHandle VirtualClock::at(Instant when, std::string label, std::function<void()> fn) {
    std::uint32_t slot;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        if (slots_.size() >= 0xffff'fffeu) throw std::length_error("VirtualClock: too many pending timers");
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
    }
    Slot& entry = slots_[slot];
    entry.label = std::move(label);
    entry.fn = std::move(fn);
    entry.pending = true;
    ++pending_count_;

    const std::uint64_t sequence = next_sequence_++;
    // A deadline in the past fires "now" (after what is already due now): time never runs backwards.
    const Instant deadline = when < now_ ? now_ : when;
    const std::uint64_t tie_key = tie_breaker_ ? tie_breaker_(sequence) : 0;
    heap_push(Key{deadline, tie_key, sequence, slot});
    return TimerHandle{(static_cast<std::uint64_t>(entry.generation) << 32) | (slot + 1u)};
}

TimerHandle VirtualClock::after(Duration delay, std::string label, std::function<void()> fn) {
    return at(now_ + delay, std::move(label), std::move(fn));
}

bool VirtualClock::cancel(TimerHandle handle) {
    const std::uint64_t low = handle.id & 0xffff'ffffu;
    if (low == 0 || low > slots_.size()) return false;
    Slot& entry = slots_[low - 1];
    if (!entry.pending || entry.generation != static_cast<std::uint32_t>(handle.id >> 32)) return false;
    // The heap key stays until it reaches the top (lazy deletion); the callback is released now.
    entry.pending = false;
    entry.fn = nullptr;
    --pending_count_;
    ++cancelled_in_heap_;
    return true;
}

void VirtualClock::release_slot(std::uint32_t slot) {
    Slot& entry = slots_[slot];
    entry.pending = false;
    entry.fn = nullptr;
    entry.label.clear();
    ++entry.generation;  // handles to the old timer no longer match
    free_slots_.push_back(slot);
}

void VirtualClock::drop_cancelled_top() {
    // Checking the slot is a cache miss on big heaps; skip it when nothing was cancelled.
    while (cancelled_in_heap_ > 0 && !heap_.empty() && !slots_[heap_.front().slot].pending) {
        const std::uint32_t slot = heap_.front().slot;
        heap_pop();
        release_slot(slot);
        --cancelled_in_heap_;
    }
}

std::optional<Instant> VirtualClock::next_deadline() {
    drop_cancelled_top();
    if (heap_.empty()) return std::nullopt;
    return heap_.front().deadline;
}

std::optional<std::string> VirtualClock::next_label() {
    drop_cancelled_top();
    if (heap_.empty()) return std::nullopt;
    return slots_[heap_.front().slot].label;
}

bool VirtualClock::fire_next() {
    drop_cancelled_top();
    if (heap_.empty()) return false;
    const Key key = heap_.front();
    heap_pop();
    // Take the callback out before running it: it may schedule timers (and so reallocate slots_).
    Slot& entry = slots_[key.slot];
    std::function<void()> fn = std::move(entry.fn);
    std::string label = std::move(entry.label);
    --pending_count_;
    release_slot(key.slot);

    if (key.deadline > now_) now_ = key.deadline;
    ++fired_count_;
    if (trace_ != nullptr) trace_->timer_fired(label);
    fn();
    return true;
}

void VirtualClock::advance_to(Instant t) {
    if (t <= now_) return;  // never backwards; a no-op rather than an error keeps run_until(t) simple
    if (auto next = next_deadline(); next && t > *next)
        throw std::logic_error("VirtualClock::advance_to(" + format_iso8601(t) + ") would skip the timer '" +
                               next_label().value_or("?") + "' due at " + format_iso8601(*next));
    now_ = t;
}

void VirtualClock::set_tie_breaker(std::function<std::uint64_t(std::uint64_t sequence)> key) {
    // Only timers scheduled from now on get the new key; install before anything is scheduled.
    tie_breaker_ = std::move(key);
}

}  // namespace mgm::sim

// The simulated twin of the system clock: a (deadline, sequence) heap that only moves when stepped.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/clock/clock.h"

namespace mgm::sim {

class Trace;

class VirtualClock final : public Clock, public Scheduler {
public:
    explicit VirtualClock(Instant start, Trace* trace = nullptr);

    Instant now() const override { return now_; }
    TimerHandle at(Instant when, std::string label, std::function<void()> fn) override;
    TimerHandle after(Duration delay, std::string label, std::function<void()> fn) override;
    bool cancel(TimerHandle handle) override;

    // Earliest pending (not cancelled) deadline, if any.
    std::optional<Instant> next_deadline();
    std::size_t pending_count() const { return pending_count_; }
    // Label of the earliest pending timer (diagnostics: SimulationStuck names the looping timer).
    std::optional<std::string> next_label();
    // Timers fired so far (progress reports, benchmarks).
    std::uint64_t fired_count() const { return fired_count_; }

    // Pops the earliest timer, sets now() to its deadline (never backwards), runs it. False if none.
    // Exactly one timer per call: several timers due "at once" are stepped one by one.
    bool fire_next();

    // Moves now() forward without firing anything; only allowed up to the next deadline.
    void advance_to(Instant t);

    // Tie-break among timers with equal deadlines: FIFO by default. A sweep may install a permutation
    // (seeded) to explore other legal orders; the key is mixed into the heap order, not the sequence.
    void set_tie_breaker(std::function<std::uint64_t(std::uint64_t sequence)> key);

private:
    // Heap entries stay small (32 bytes) so sifting is cache-friendly; the callback lives in a slot.
    struct Key {
        Instant deadline;
        std::uint64_t tie_key;
        std::uint64_t sequence;
        std::uint32_t slot;
    };
    static bool earlier(const Key& a, const Key& b);
    // One scheduled callback. A slot is recycled only after its heap key is popped, so a key never
    // points at someone else's timer; `generation` makes stale handles harmless after recycling.
    struct Slot {
        std::string label;
        std::function<void()> fn;
        std::uint32_t generation = 0;
        bool pending = false;
    };
    void drop_cancelled_top();
    void release_slot(std::uint32_t slot);
    // A 4-ary min-heap on heap_: half the depth of a binary heap, and the 4 children share cache lines.
    void heap_push(const Key& key);
    void heap_pop();

    Instant now_;
    Trace* trace_;
    std::uint64_t next_sequence_ = 1;
    std::uint64_t fired_count_ = 0;
    std::size_t pending_count_ = 0;
    std::size_t cancelled_in_heap_ = 0;  // keys whose timer was cancelled but not yet popped
    std::vector<Key> heap_;  // heap_[0] is the earliest
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::function<std::uint64_t(std::uint64_t)> tie_breaker_;
};

}  // namespace mgm::sim

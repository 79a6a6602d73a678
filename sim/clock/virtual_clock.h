// The simulated twin of the system clock: a (deadline, sequence) heap that only moves when stepped.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <unordered_set>
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
    std::size_t pending_count() const { return live_.size(); }
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
    struct Entry {
        Instant deadline;
        std::uint64_t tie_key;
        std::uint64_t sequence;
        std::string label;
        std::function<void()> fn;
    };
    struct Later {
        bool operator()(const Entry& a, const Entry& b) const;
    };
    void drop_cancelled_top();

    Instant now_;
    Trace* trace_;
    std::uint64_t next_sequence_ = 1;
    std::uint64_t fired_count_ = 0;
    std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
    std::unordered_set<std::uint64_t> live_;  // sequences still pending; membership only, never iterated
    std::function<std::uint64_t(std::uint64_t)> tie_breaker_;
};

}  // namespace mgm::sim

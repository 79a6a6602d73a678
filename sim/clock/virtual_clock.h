// The simulated twin of the system clock: a (deadline, sequence) heap that only moves when stepped.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/clock/clock.h"

namespace mgm::sim {

class VirtualClock final : public Clock, public Scheduler {
public:
    // Called with the timer's label just before each timer runs. The clock sits below the trace, so it
    // does not record anything itself: the World connects this to Trace::timer_fired (Trace::timer_hook).
    using FireHook = std::function<void(std::string_view label)>;

    explicit VirtualClock(Instant start, FireHook on_fire = {});
    void set_fire_hook(FireHook on_fire) { on_fire_ = std::move(on_fire); }

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
    // (seeded) to explore other legal orders; the key is mixed into the queue order, not the sequence.
    void set_tie_breaker(std::function<std::uint64_t(std::uint64_t sequence)> key);

    // Test hook: jump the FIFO rank counter so the (rare) 32-bit rank renumbering can be exercised.
    void skip_ranks_for_testing(std::uint64_t count) { next_rank_ += count; }

private:
    // order = (rank << 32) | slot. rank is the FIFO insertion rank (renumbered before it overflows 32
    // bits) or, with a tie breaker, the low 32 bits of its key (full ties then compare sequences).
    struct Key {
        Instant deadline;
        std::uint64_t order;
        std::uint32_t slot() const { return static_cast<std::uint32_t>(order); }
    };
    bool earlier(const Key& a, const Key& b) const;
    // One scheduled callback. A slot is recycled only after its key leaves the queue, so a key never
    // points at someone else's timer; `generation` makes stale handles harmless after recycling.
    struct Slot {
        std::string label;
        std::function<void()> fn;
        std::uint64_t sequence = 0;
        std::uint32_t generation = 0;
        bool pending = false;
    };
    void drop_cancelled_front();
    void release_slot(std::uint32_t slot);

    // The timer queue is a radix heap: deadlines never precede the last one taken out (time only moves
    // forward), so keys are bucketed by the highest bit in which they differ from it. Buckets are
    // scanned sequentially, which beats a binary heap's cache misses by far on large queues.
    // Bucket 0 holds the keys due exactly at `queue_last_`, sorted by tie order, read from a head index.
    // Peeking (next_deadline) may move queue_last_ beyond now(); keys scheduled after that but before
    // queue_last_ go to `early_`, a small binary heap that always comes first (its keys are smaller).
    static constexpr int kBucketCount = 65;
    void queue_push(const Key& key);
    // Makes bucket 0 non-empty if anything is queued; false when the queue is empty.
    bool queue_settle();
    const Key& queue_front() const { return early_.empty() ? buckets_[0][bucket0_head_] : early_.front(); }
    void queue_pop_front();
    int bucket_of(Instant deadline) const;
    void renumber_ranks();

    Instant now_;
    FireHook on_fire_;
    std::uint64_t next_sequence_ = 1;
    std::uint64_t next_rank_ = 0;
    std::uint64_t fired_count_ = 0;
    std::size_t pending_count_ = 0;
    std::size_t cancelled_in_queue_ = 0;  // keys whose timer was cancelled but that are still queued
    std::size_t queued_count_ = 0;  // keys in all buckets (pending + cancelled), early_ excluded
    Instant queue_last_;
    std::vector<Key> buckets_[kBucketCount];
    std::uint64_t occupied_ = 0;  // bit b-1 set: buckets_[b] (b >= 1) may be non-empty; found without a scan
    std::size_t bucket0_head_ = 0;
    std::vector<Key> early_;
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::function<std::uint64_t(std::uint64_t)> tie_breaker_;
};

}  // namespace mgm::sim

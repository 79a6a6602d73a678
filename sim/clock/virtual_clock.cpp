// VirtualClock: a radix heap of (deadline, tie order) keys; time moves only when fire_next() steps it.
#include "sim/clock/virtual_clock.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <utility>

namespace mgm::sim {
namespace {

constexpr std::uint64_t kRankLimit = std::uint64_t{1} << 32;

// Order-preserving map of signed ticks onto unsigned integers (instants before 1970 stay sortable).
constexpr std::uint64_t radix(Instant t) { return static_cast<std::uint64_t>(t.ticks) ^ (std::uint64_t{1} << 63); }

}  // namespace

// Earliest deadline first, then the FIFO rank (or the tie breaker's key), then insertion sequence.
inline bool VirtualClock::earlier(const Key& a, const Key& b) const {
    if (a.deadline != b.deadline) return a.deadline < b.deadline;
    if ((a.order >> 32) != (b.order >> 32) || !tie_breaker_) [[likely]]
        return a.order < b.order;
    return slots_[a.slot()].sequence < slots_[b.slot()].sequence;  // equal tie keys: fall back to FIFO
}

VirtualClock::VirtualClock(Instant start, FireHook on_fire)
    : now_(start), on_fire_(std::move(on_fire)), queue_last_(start) {}

// ---- the radix heap ----------------------------------------------------------------------------------

int VirtualClock::bucket_of(Instant deadline) const {
    const std::uint64_t diff = radix(deadline) ^ radix(queue_last_);
    return diff == 0 ? 0 : 64 - std::countl_zero(diff);
}

void VirtualClock::queue_push(const Key& key) {
    if (key.deadline < queue_last_) {
        // Only after a peek moved queue_last_ past now(); everything in the buckets is later than key.
        early_.push_back(key);
        std::push_heap(early_.begin(), early_.end(), [this](const Key& a, const Key& b) { return earlier(b, a); });
        return;
    }
    ++queued_count_;
    const int bucket = bucket_of(key.deadline);
    std::vector<Key>& target = buckets_[bucket];
    if (bucket != 0) {
        occupied_ |= std::uint64_t{1} << (bucket - 1);
        target.push_back(key);
        return;
    }
    if (target.size() == bucket0_head_ || earlier(target.back(), key)) {
        target.push_back(key);  // FIFO ranks only grow, so bucket 0 usually stays sorted by appending
        return;
    }
    // A tie-breaker key that sorts before some already due now: insert in place.
    auto first = target.begin() + static_cast<std::ptrdiff_t>(bucket0_head_);
    target.insert(
        std::upper_bound(first, target.end(), key, [this](const Key& a, const Key& b) { return earlier(a, b); }), key);
}

bool VirtualClock::queue_settle() {
    if (!early_.empty() || bucket0_head_ < buckets_[0].size()) return true;
    buckets_[0].clear();
    bucket0_head_ = 0;
    if (queued_count_ == 0) return false;
    const int source = 1 + std::countr_zero(occupied_);
    std::vector<Key>& from = buckets_[source];
    occupied_ &= occupied_ - 1;  // `from` is emptied below; its keys all move to lower buckets
    // The smallest deadline in the first non-empty bucket becomes the new reference point; every key
    // of that bucket now differs from it in a lower bit, so each moves to a strictly lower bucket.
    Instant smallest = from.front().deadline;
    for (const Key& key : from) smallest = std::min(smallest, key.deadline);
    queue_last_ = smallest;
    for (const Key& key : from) {
        const int bucket = bucket_of(key.deadline);
        if (bucket != 0) occupied_ |= std::uint64_t{1} << (bucket - 1);
        buckets_[bucket].push_back(key);
    }
    from.clear();
    if (buckets_[0].size() > 1)
        std::sort(buckets_[0].begin(), buckets_[0].end(), [this](const Key& a, const Key& b) { return earlier(a, b); });
    return true;
}

void VirtualClock::queue_pop_front() {
    if (!early_.empty()) {
        std::pop_heap(early_.begin(), early_.end(), [this](const Key& a, const Key& b) { return earlier(b, a); });
        early_.pop_back();
        return;
    }
    ++bucket0_head_;
    --queued_count_;
}

void VirtualClock::renumber_ranks() {
    // Ranks become 0..n-1 in the current order, so timers scheduled afterwards still come after them
    // on ties. Only bucket 0 needs its order kept; the other buckets are unordered anyway.
    std::vector<Key*> keys;
    keys.reserve(queued_count_ + early_.size());
    for (Key& key : early_) keys.push_back(&key);
    for (std::size_t i = bucket0_head_; i < buckets_[0].size(); ++i) keys.push_back(&buckets_[0][i]);
    for (int b = 1; b < kBucketCount; ++b)
        for (Key& key : buckets_[b]) keys.push_back(&key);
    std::sort(keys.begin(), keys.end(), [this](const Key* a, const Key* b) { return earlier(*a, *b); });
    for (std::size_t i = 0; i < keys.size(); ++i)
        keys[i]->order = (static_cast<std::uint64_t>(i) << 32) | keys[i]->slot();
    next_rank_ = keys.size();
    std::make_heap(early_.begin(), early_.end(), [this](const Key& a, const Key& b) { return earlier(b, a); });
}

// ---- scheduling -----------------------------------------------------------------------------------------

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
    entry.sequence = next_sequence_++;
    ++pending_count_;

    std::uint64_t rank;
    if (tie_breaker_) {
        rank = tie_breaker_(entry.sequence) & 0xffff'ffffu;
    } else {
        if (next_rank_ >= kRankLimit) renumber_ranks();
        rank = next_rank_++;
    }
    // A deadline in the past fires "now" (after what is already due now): time never runs backwards.
    const Instant deadline = when < now_ ? now_ : when;
    queue_push(Key{deadline, (rank << 32) | slot});
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
    // The key stays queued until it reaches the front (lazy deletion); the callback is released now.
    entry.pending = false;
    entry.fn = nullptr;
    --pending_count_;
    ++cancelled_in_queue_;
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

void VirtualClock::drop_cancelled_front() {
    // Checking the slot costs a cache miss on big queues; skip it when nothing was cancelled.
    while (cancelled_in_queue_ > 0 && queue_settle() && !slots_[queue_front().slot()].pending) {
        const std::uint32_t slot = queue_front().slot();
        queue_pop_front();
        release_slot(slot);
        --cancelled_in_queue_;
    }
}

std::optional<Instant> VirtualClock::next_deadline() {
    drop_cancelled_front();
    if (!queue_settle()) return std::nullopt;
    return queue_front().deadline;
}

std::optional<std::string> VirtualClock::next_label() {
    drop_cancelled_front();
    if (!queue_settle()) return std::nullopt;
    return slots_[queue_front().slot()].label;
}

bool VirtualClock::fire_next() {
    drop_cancelled_front();
    if (!queue_settle()) return false;
    const Key key = queue_front();
    queue_pop_front();
    // Take the callback out before running it: it may schedule timers (and so reallocate slots_).
    Slot& entry = slots_[key.slot()];
    std::function<void()> fn = std::move(entry.fn);
    std::string label = std::move(entry.label);
    --pending_count_;
    release_slot(key.slot());

    if (key.deadline > now_) now_ = key.deadline;
    ++fired_count_;
    if (on_fire_) on_fire_(label);
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
    // FIFO ranks and tie keys cannot be compared with each other, so switching needs an empty queue.
    if (pending_count_ > 0)
        throw std::logic_error("VirtualClock::set_tie_breaker: install it before scheduling any timer");
    while (queue_settle()) {  // only cancelled keys are left
        const std::uint32_t slot = queue_front().slot();
        queue_pop_front();
        release_slot(slot);
    }
    cancelled_in_queue_ = 0;
    tie_breaker_ = std::move(key);
}

}  // namespace mgm::sim

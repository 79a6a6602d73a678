// Trace recorder: every HTTP exchange, timer fire and named domain event, with simulated time and a
// sequence number. Canonical JSONL (sorted keys) and a running SHA-256 digest of exactly those lines.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mgm::sim {

class Clock;

class Trace {
public:
    Trace();
    ~Trace();
    Trace(const Trace&) = delete;
    Trace& operator=(const Trace&) = delete;

    // Time source for records (set once the clock exists).
    void set_clock(const Clock* clock) { clock_ = clock; }
    // Keep every line in memory (for --trace FILE and failure reports). The digest is always kept.
    void set_keep_lines(bool keep) { keep_lines_ = keep; }
    // Skip timer-fire records (benchmarks); HTTP and domain events are always recorded.
    void set_record_timers(bool on) { record_timers_ = on; }
    // Off: record/event/timer_fired do nothing (no digest, no listeners). For `mgm-sim serve`, where nothing
    // reads the trace and wall-clock timing makes its digest meaningless; building and hashing a canonical
    // line per HTTP exchange is a large share of an EventSub message's cost (docs/BENCHMARKS.md).
    void set_enabled(bool on) { enabled_ = on; }
    bool enabled() const { return enabled_; }

    // kind: "timer", "http", "event", ... ; actor: "ebs", "helix", "desktop", "net", ...
    void record(std::string_view actor, std::string_view kind, const nlohmann::json& fields);
    void timer_fired(std::string_view label);
    // timer_fired as a callback, for the VirtualClock's fire hook (the clock is a floor below the trace).
    std::function<void(std::string_view label)> timer_hook() {
        return [this](std::string_view label) { timer_fired(label); };
    }
    // A named domain event ("payout.created", "roulette.candidate_selected", ...).
    void event(std::string_view actor, std::string_view name, const nlohmann::json& fields);

    // Subscribers see each record as it is written (scenario waits on domain events, invariants).
    using Listener = std::function<void(const nlohmann::json& record)>;
    struct ListenerTable;
    // A listener is called for as long as its Subscription lives. Whoever subscribes with `this` keeps the
    // Subscription as a member, so records written while a World is torn down (pending handlers complete
    // in World::stop) never reach an object that is already gone. Safe to destroy after the Trace.
    class Subscription {
    public:
        Subscription() = default;
        Subscription(Subscription&& other) noexcept;
        Subscription& operator=(Subscription&& other) noexcept;
        ~Subscription();
        void reset();  // unsubscribes now

    private:
        friend class Trace;
        Subscription(std::weak_ptr<ListenerTable> table, std::uint64_t id) : table_(std::move(table)), id_(id) {}
        std::weak_ptr<ListenerTable> table_;
        std::uint64_t id_ = 0;
    };
    [[nodiscard]] Subscription add_listener(Listener listener);

    std::uint64_t size() const { return sequence_; }
    // Lowercase hex SHA-256 over all lines written so far (each line + '\n').
    std::string digest_hex() const;
    const std::vector<std::string>& lines() const { return lines_; }
    void write_jsonl(std::ostream& out) const;

private:
    struct Hasher;
    const Clock* clock_ = nullptr;
    bool enabled_ = true;
    bool keep_lines_ = false;
    bool record_timers_ = true;
    std::uint64_t sequence_ = 0;
    std::unique_ptr<Hasher> hasher_;
    std::vector<std::string> lines_;
    std::shared_ptr<ListenerTable> listeners_;
};

}  // namespace mgm::sim

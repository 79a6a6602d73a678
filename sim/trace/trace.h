// Trace recorder: every HTTP exchange, timer fire and named domain event, with simulated time and a
// sequence number. Canonical JSONL (sorted keys) and a running SHA-256 digest of exactly those lines.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/core/time.h"

namespace mgm::sim {

class Clock;

// A field of a record written without a JSON object (Trace::record_fields): text or an integer.
struct TraceField {
    TraceField(std::string_view key, std::string_view text) : key(key), text(text) {}
    TraceField(std::string_view key, const char* text) : key(key), text(text) {}
    TraceField(std::string_view key, const std::string& text) : key(key), text(text) {}
    TraceField(std::string_view key, std::int64_t number) : key(key), number(number), is_number(true) {}
    TraceField(std::string_view key, int number) : key(key), number(number), is_number(true) {}
    std::string_view key;
    std::string_view text;
    std::int64_t number = 0;
    bool is_number = false;
};

// One record as listeners see it while it is written: views into the trace's own buffers, valid only during
// the call (copy what you keep). Nothing is copied into a JSON object unless a listener asks (to_json()).
struct TraceRecord {
    std::string_view actor;
    std::string_view kind;  // "http", "event", "timer", ...
    std::string_view name;  // the event name when `named` (a record written by Trace::event)
    bool named = false;
    std::uint64_t seq = 0;
    std::string_view t;     // ISO-8601 simulated time
    std::string_view line;  // the canonical line (no newline): what --trace writes and the digest covers
    const nlohmann::json* fields = nullptr;  // the caller's fields (an event's without its name), if given as JSON
    std::span<const TraceField> flat;        // ... or as TraceFields (Trace::record_fields)
    std::string_view label;                  // a timer's label
    bool timer = false;

    // A top-level string field of the record's fields, or empty (envelope keys are the members above).
    std::string_view text(std::string_view key) const;
    // The whole record as one object (envelope keys win over same-named fields), as the line encodes it.
    nlohmann::json to_json() const;
};

class Trace {
public:
    Trace();
    ~Trace();
    Trace(const Trace&) = delete;
    Trace& operator=(const Trace&) = delete;

    // Time source for records (set once the clock exists).
    void set_clock(const Clock* clock) { clock_ = clock; }
    // Keep every line in memory (tests, failure reports). The digest is always kept.
    void set_keep_lines(bool keep) { keep_lines_ = keep; }
    // Also write each line (+ '\n') to `out` as it is recorded (--trace FILE: the file grows with the run,
    // memory does not). Null: no sink. `out` must outlive the records written to it.
    void set_sink(std::ostream* out) { sink_ = out; }
    // Skip timer-fire records (benchmarks); HTTP and domain events are always recorded.
    void set_record_timers(bool on) { record_timers_ = on; }
    // Off: record/event/timer_fired do nothing (no digest, no listeners). For `mgm-sim serve`, where nothing
    // reads the trace and wall-clock timing makes its digest meaningless; building and hashing a canonical
    // line per HTTP exchange is a large share of an EventSub message's cost (docs/BENCHMARKS.md).
    void set_enabled(bool on) { enabled_ = on; }
    bool enabled() const { return enabled_; }
    // Detail lines (off by default; on for --trace-detail, --html, --perfetto and sweep artifacts): note()
    // writes them. A detail line has the envelope {actor, kind, t, after: the seq of the record before it} and
    // no seq of its own, goes to the sink and the kept lines only, and is neither hashed nor shown to
    // listeners: a run's digest, record numbers and behaviour are the same with or without them.
    void set_detail(bool on) { detail_ = on && enabled_; }
    bool detail() const { return detail_ && enabled_; }
    // A detail line ("http.detail": an exchange's headers and bodies; "net.faults": a link's fault knobs).
    // Does nothing unless detail() is on.
    void note(std::string_view actor, std::string_view kind, const nlohmann::json& fields);
    // The clock's now (the epoch without a clock): when a detail line needs a second instant.
    Instant now() const;

    // kind: "timer", "http", "event", ... ; actor: "ebs", "helix", "desktop", "net", ...
    void record(std::string_view actor, std::string_view kind, const nlohmann::json& fields);
    // The same record from plain fields (distinct keys), without building a JSON object: the per-exchange
    // records of the HTTP client and server.
    void record_fields(std::string_view actor, std::string_view kind, std::initializer_list<TraceField> fields);
    void timer_fired(std::string_view label);
    // timer_fired as a callback, for the VirtualClock's fire hook (the clock is a floor below the trace).
    std::function<void(std::string_view label)> timer_hook() {
        return [this](std::string_view label) { timer_fired(label); };
    }
    // A named domain event ("payout.created", "roulette.candidate_selected", ...).
    void event(std::string_view actor, std::string_view name, const nlohmann::json& fields);

    // Subscribers see each record as it is written (scenario waits on domain events, invariants). A
    // RecordListener gets the cheap view; a Listener gets the record built as a JSON object (convenient, but
    // that object is made for every record while such a listener is subscribed).
    using RecordListener = std::function<void(const TraceRecord& record)>;
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
    [[nodiscard]] Subscription add_record_listener(RecordListener listener);
    [[nodiscard]] Subscription add_listener(Listener listener);

    std::uint64_t size() const { return sequence_; }
    // Lowercase hex SHA-256 over all lines written so far (each line + '\n').
    std::string digest_hex() const;
    const std::vector<std::string>& lines() const { return lines_; }
    void write_jsonl(std::ostream& out) const;

private:
    struct Hasher;
    // Writes one record: the envelope, an event's "name" or a timer's "label", the fields (null: none).
    enum class Extra { none, name, label };
    void write(std::string_view actor, std::string_view kind, Extra extra, std::string_view extra_text,
               const nlohmann::json* fields, std::span<const TraceField> flat = {});
    // Hashes, writes, keeps and dispatches `line` (which ends in '\n'; listeners see it without).
    void publish(std::string& line, std::string_view actor, std::string_view kind, Extra extra,
                 std::string_view extra_text, std::uint64_t seq, std::string_view t, const nlohmann::json* fields,
                 std::span<const TraceField> flat);
    std::string_view time_text();  // the clock's now, formatted once per distinct instant

    const Clock* clock_ = nullptr;
    std::ostream* sink_ = nullptr;
    std::string line_;  // reused for every record
    char time_text_[kIso8601MaxLength];
    std::size_t time_text_length_ = 0;
    Instant time_text_at_{};
    bool time_text_valid_ = false;
    int dispatching_ = 0;  // listeners running
    bool enabled_ = true;
    bool detail_ = false;
    bool keep_lines_ = false;
    bool record_timers_ = true;
    std::uint64_t sequence_ = 0;
    std::unique_ptr<Hasher> hasher_;
    std::vector<std::string> lines_;
    std::shared_ptr<ListenerTable> listeners_;
};

}  // namespace mgm::sim

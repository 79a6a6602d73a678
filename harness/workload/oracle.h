// The workload oracle: a model of the EBS's rules written from docs/CONTRACT.md (pool membership and names,
// the cycle and its candidate, payouts and their transitions, the gold cap, rate-limit windows, chat dedup,
// gifts) that predicts the answer to every request a workload sends, and checks the EBS's domain events
// against the same rules.
//
// How it knows when the EBS acted: it listens to the World's trace. Background work (a cycle opening, the
// draw, expiry, gift timeouts) is learned from the domain events and checked against the rules (right time,
// right candidate for the pool's order, ...). A request is evaluated against the model at the instant the EBS
// processed it (its first domain event or the EBS's record of the exchange), which removes any doubt about
// what happened first. A request whose answer a fault swallowed stays indeterminate until the trace settles
// it: if the EBS recorded it, the model applies it as evaluated; if not, it never took effect. See
// docs/WORKLOADS.md ("The oracle").
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/workload/coverage.h"
#include "sim/core/time.h"
#include "sim/http/client.h"
#include "sim/trace/trace.h"

namespace mgm::harness::workload {

enum class OpKind {
    chat,  // !twgold through the EventSub mock
    claim,  // POST /api/payouts/claim
    state,  // GET /api/roulette/state
    pool_me,  // GET /api/pool/me
    my_last,  // GET /api/payouts/my-last
    pending,  // GET /api/payouts/pending (Desktop)
    verify,  // POST /api/roulette/verify-candidate (Desktop)
    accept,  // POST /api/payouts/{id}/confirm-acceptance (Desktop)
    patch,  // PATCH /api/payouts/{id}/status (Desktop)
    gift_create,  // POST /api/gift-requests (viewer)
    gift_list,  // GET /api/gift-requests?streamerId= (Desktop)
    gift_select,  // POST /api/gift-requests/{id}/select-item (Desktop)
    gift_confirm,  // POST /api/gift-requests/{id}/confirm (Desktop)
    e2e,  // POST /api/e2e/prepare-pending-payout (Desktop key)
};
const char* to_string(OpKind kind);

// One request as the workload means it (the oracle's input), plus what the oracle predicted for it.
struct Op {
    OpKind kind = OpKind::state;
    std::string method;
    std::string target;  // as sent to the EBS (chat: the EBS's webhook path)
    std::string user;  // viewer id (viewer routes, chat, e2e)
    std::string display;
    std::string name;  // character name sent
    std::string message_id;  // chat
    bool subscriber = true;  // chat badge
    std::string request_id;  // claim enrollmentRequestId
    std::string payout_id;
    std::string gift_id;
    std::string cycle_id;  // verify
    bool online = true;  // verify
    bool confirmed = true;  // gift confirm
    int to_status = 0;  // patch: 0 Pending, 1 InProgress, 2 Sent, 3 Failed, 4 Cancelled
    std::string streamer;
    // Viewer routes: the Extension token as sent (CONTRACT.md §3). `token_fault`: "" a token signed with the
    // extension key, "missing" (no Authorization header), "bad_signature" (another key). The times are the
    // token's `exp` / `nbf` (whole seconds); `wrong_audience`: `aud` is not the configured client id.
    std::string token_fault;
    std::optional<sim::Instant> token_expires;
    std::optional<sim::Instant> token_not_before;
    bool token_wrong_audience = false;
    // Chat: how the delivery was made (CONTRACT.md §5.2). "" signed as Twitch does; "bad_signature" and
    // "missing_header" (posted to the EBS directly, as a forger would); "stale" (signed, with a timestamp
    // minutes to hours old: Twitch redelivering, or a replay); "reused_id" (a new message under an earlier
    // delivery's Twitch-Eventsub-Message-Id).
    std::string delivery_fault;
    std::optional<sim::Instant> delivery_timestamp;  // the Twitch-Eventsub-Message-Timestamp sent
    sim::Instant sent_at;
    std::uint64_t number = 0;  // 1, 2, ... in the run

    // Filled by the oracle.
    bool evaluated = false;  // the EBS processed it (the model applied it)
    bool ebs_answered = false;  // the EBS recorded its answer (status in ebs_status)
    int ebs_status = 0;
    bool finished = false;  // the client has its outcome
    bool settled = false;  // the client got an answer
    sim::Instant evaluated_at;
    std::vector<int> statuses;  // acceptable statuses (usually one)
    nlohmann::json body;  // subset the body must match (null = not checked)
    bool empty_body = false;
    std::vector<std::string> ids;  // list routes: the ids in order
    bool check_ids = false;
    bool any_answer = false;  // the model cannot tell (documented cases): any answer is accepted
    std::string note;  // why (for the report)
    std::vector<nlohmann::json> events;  // domain events the op caused, as seen
    std::optional<std::string> www_authenticate;  // predicted 401: the challenge header's start
    bool rate_limited = false;  // predicted 429
    bool rate_limit_uncertain = false;
    std::string helix_result;  // patch Sent: "announced", "failed", "escaped", "skipped"
    int helix_failed_attempts = 0;
};

// CONTRACT.md §3: whether the EBS accepts a viewer's token at `now`; empty when it does, else why not
// ("missing", "bad_signature", "audience", "not_yet_valid", "expired"). `exp` and `nbf` get 5 minutes of
// clock skew each way (a token is refused only once now - 5 min is past exp, or nbf is past now + 5 min);
// the audience counts only when `audience_checked` (Twitch:ExtensionClientId set, D7).
std::string jwt_refusal(const Op& op, sim::Instant now, bool audience_checked);

// CONTRACT.md §5.2 and FIDELITY.md (EventSub timestamp): the status the EBS answers a delivery with before it
// reads the body: 401 for a missing header or a wrong signature (when a secret is set), 403 for a timestamp
// more than 10 minutes from now when Mgm:EventSubEnforceFreshness is on; 0 when the body is processed.
int eventsub_refusal(const Op& op, sim::Instant now, bool secret_set, bool freshness_enforced);

// A failed check: what was asked, what the model predicted, what came back, and when.
struct OracleFailure {
    std::string what;  // one line
    std::string detail;  // multi-line
    sim::Instant at;
};

class Oracle {
public:
    struct Options {
        sim::Instant ebs_start;  // the rate limiter's heartbeat grid starts here
        std::string streamer;  // the gift queue's streamer
        std::set<std::string> subscribers;  // who Helix says subscribes (gifts)
        bool helix_configured = true;  // broadcaster token and ids set (announcements and gift checks)
        bool claim_subscriber_gate = false;  // Mgm:DevSkipSubscriberCheck false: every claim is 403
        bool jwt_audience_checked = false;  // Twitch:ExtensionClientId set (D7)
        bool eventsub_secret_set = true;  // Twitch:EventSubSecret set: deliveries are verified
        bool eventsub_freshness = false;  // Mgm:EventSubEnforceFreshness (ours, opt-in)
    };
    Oracle(sim::Trace& trace, const sim::Clock& clock, Options options, Coverage& coverage);

    // The workload is about to send `op` (it must stay alive until finish()).
    void begin(std::shared_ptr<Op> op);
    // The client's outcome. Checks the answer against the prediction (a fault may have swallowed it: then the
    // op stays indeterminate until the trace settles it). `via_mock`: the answer came from the EventSub mock.
    void finish(const std::shared_ptr<Op>& op, const http::ClientResult& result, bool via_mock = false);

    // Faults may make the EBS's own outgoing calls fail (the gift subscriber check): set while faults are on.
    void set_faults_active(bool on) { faults_active_ = on; }

    bool failed() const { return failure_.has_value(); }
    const std::optional<OracleFailure>& failure() const { return failure_; }

    // ----- the model, read by the actors (what a real client would know) and the liveness checks --------
    struct Member {
        std::string user;
        std::string display;
        std::string name;
    };
    struct Payout {
        std::string id;
        std::string user;
        std::string name;
        std::string cycle;
        int status = 0;
        sim::Instant created;
        bool announced = false;
        bool accepted = false;
        int announcements = 0;
        int helix_failures = 0;  // attempts failed in the Sent request
        bool three_failures = false;
    };
    struct Cycle {
        std::string id;
        sim::Instant start;
        bool pool_was_empty = true;
        std::string candidate_user;
        std::string candidate_name;
        std::optional<sim::Instant> drawn_at;
        bool consumed = false;
        sim::Instant deadline;
    };
    struct Gift {
        std::string id;
        std::string viewer;
        std::string name;
        int state = 0;  // 0 Pending 1 SelectingItem 2 ItemSelected 3 WaitingConfirmation 4 Completed 5 Failed
        std::optional<sim::Instant> timeout_at;
        std::string reason;
        sim::Instant created;
    };
    const std::vector<Member>& pool() const { return pool_; }
    const std::vector<Payout>& payouts() const { return payouts_; }
    const std::optional<Cycle>& cycle() const { return cycle_; }
    const std::vector<Gift>& gifts() const { return gifts_; }
    const Payout* payout(const std::string& id) const;
    const Member* member(const std::string& user) const;
    int sent_count(const std::string& user) const;
    bool has_active_payout(const std::string& user) const;
    // Cycle ids whose candidate was drawn, in order (the Desktop's D13 source), with the draw time.
    struct Draw {
        std::string cycle;
        std::string user;
        std::string name;
        sim::Instant at;
    };
    const std::vector<Draw>& draws() const { return draws_; }
    // Boundaries at which a cycle opened, with the pool size then.
    struct Opening {
        sim::Instant start;
        std::string cycle;
        bool pool_was_empty;
    };
    const std::vector<Opening>& openings() const { return openings_; }
    // The first instant in [from, until] at which the model's pool had members (nullopt: empty throughout).
    std::optional<sim::Instant> first_nonempty(sim::Instant from, sim::Instant until) const;
    // Cycles whose candidate the E2E harness route forced (no draw follows).
    bool forced(const std::string& cycle) const { return forced_.count(cycle) > 0; }
    std::uint64_t trace_records() const { return records_; }
    std::uint64_t indeterminate() const { return indeterminate_; }

private:
    void on_record(const nlohmann::json& record);
    void on_event(const std::string& name, const nlohmann::json& fields);
    void on_ebs_http(const nlohmann::json& record);
    // `ebs_status`: the EBS's recorded status when evaluating at its record (0 when evaluating at an event).
    void evaluate(Op& op, sim::Instant now, int ebs_status = 0);
    void check_op_events(Op& op);
    void check_answer(Op& op, const http::ClientResult& result, bool via_mock);
    void fail(const std::string& what, const std::string& detail);
    std::string describe_op(const Op& op) const;
    static std::string partition_key(const Op& op);
    std::shared_ptr<Op> op_for_event(const std::string& name, const nlohmann::json& fields);

    // Rules.
    static bool valid_name(const std::string& name);
    bool name_taken_by_other(const std::string& name, const std::string& user) const;
    void enroll(const std::string& user, const std::string& display, const std::string& name);
    Payout* payout_mut(const std::string& id);
    Gift* gift_mut(const std::string& id);
    std::optional<std::size_t> promote_next(sim::Instant now);  // index of the promoted gift
    nlohmann::json payout_json(const Payout& p) const;
    std::string phase_at(sim::Instant now) const;

    // Rate limiting (CONTRACT.md §4): one partition per viewer and one for the Desktop.
    struct Partition {
        bool exists = false;
        sim::Instant window;  // last refill (or creation)
        int used = 0;
        sim::Instant last_request;
        bool uncertain = false;
        bool limited_seen = false;  // a 429 came; the next success counts as recovery
    };
    // Brings a partition up to `t` (refills and drops at heartbeats); returns false when the state is unknown.
    void advance_partition(Partition& p, sim::Instant t) const;
    sim::Instant next_heartbeat_at_or_after(sim::Instant t) const;

    sim::Trace& trace_;
    const sim::Clock& clock_;
    Options options_;
    Coverage& coverage_;
    bool faults_active_ = false;

    std::vector<Member> pool_;
    std::map<std::string, std::pair<std::string, std::string>> enrollments_;  // request id -> (user, name)
    std::set<std::string> chat_dedup_;
    std::vector<Payout> payouts_;  // by creation
    std::optional<Cycle> cycle_;
    std::vector<Gift> gifts_;  // by creation
    std::set<std::string> gift_used_;  // viewer ids (one streamer)
    std::map<std::string, Partition> partitions_;
    std::vector<Draw> draws_;
    std::vector<Opening> openings_;
    std::set<std::string> forced_;
    std::vector<std::pair<sim::Instant, bool>> pool_history_;  // when the pool became non-empty (true) / empty
    void note_pool();

    std::map<std::uint64_t, std::vector<Gift>> gift_undo_;  // gift create op -> the queue before it
    std::deque<std::shared_ptr<Op>> open_;  // sent, not yet evaluated or not yet answered
    std::vector<nlohmann::json> loose_events_;  // op events seen before their op's EBS record
    std::optional<OracleFailure> failure_;
    std::uint64_t records_ = 0;
    std::uint64_t indeterminate_ = 0;
    std::deque<std::string> tail_;
    sim::Trace::Subscription subscription_;  // last
};

}  // namespace mgm::harness::workload

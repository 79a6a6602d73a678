// The workload oracle (see oracle.h): the EBS's rules as docs/CONTRACT.md states them, checked against every
// answer and every domain event of a workload run.
#include "harness/workload/oracle.h"

#include <algorithm>
#include <sstream>

#include "harness/scenario/json_match.h"
#include "sim/clock/clock.h"

namespace mgm::harness::workload {

using nlohmann::json;

namespace {

constexpr sim::Duration kSecond = std::chrono::seconds(1);
constexpr std::int64_t kGridTicks = 300LL * 10'000'000;
constexpr int kGold = 1000;
constexpr int kGoldCap = 10000;
constexpr int kPermits = 5;
const char* const kStatusNames[] = {"Pending", "InProgress", "Sent", "Failed", "Cancelled", "Expired"};
const char* const kGiftStateNames[] = {"Pending",   "SelectingItem", "ItemSelected",
                                       "WaitingConfirmation", "Completed", "Failed"};

sim::Instant floor5(sim::Instant t) { return sim::Instant{t.ticks - ((t.ticks % kGridTicks) + kGridTicks) % kGridTicks}; }

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_active(int status) { return status == 0 || status == 1; }

// CONTRACT.md §5.8: the PATCH moves allowed.
bool allowed_move(int from, int to) {
    if (from == 0) return to == 1 || to == 4 || to == 3;
    if (from == 1) return to == 2 || to == 4 || to == 3 || to == 0;
    return false;
}

std::string hex32(const std::string& uuid) {
    std::string out;
    for (char c : uuid)
        if (c != '-') out += c;
    return out;
}

std::string iso(sim::Instant t) { return sim::format_iso8601(t); }

constexpr sim::Duration kJwtClockSkew = std::chrono::minutes(5);
constexpr sim::Duration kEventSubMaxAge = std::chrono::minutes(10);

bool viewer_route(OpKind kind) {
    return kind == OpKind::claim || kind == OpKind::state || kind == OpKind::pool_me || kind == OpKind::my_last ||
           kind == OpKind::gift_create;
}

// A request the EBS refused before its handler (authentication, EventSub verification): nothing may change.
bool refused_early(const Op& op) { return op.note.rfind("token refused", 0) == 0 || op.note.rfind("delivery refused", 0) == 0; }

}  // namespace

std::string jwt_refusal(const Op& op, sim::Instant now, bool audience_checked) {
    if (op.token_fault == "missing") return "missing";
    if (op.token_fault == "bad_signature") return "bad_signature";
    if (!op.token_expires) return "no_expiry";  // exp is required
    if (op.token_not_before && *op.token_not_before > now + kJwtClockSkew) return "not_yet_valid";
    if (*op.token_expires < now - kJwtClockSkew) return "expired";
    if (audience_checked && op.token_wrong_audience) return "audience";
    return {};
}

int eventsub_refusal(const Op& op, sim::Instant now, bool secret_set, bool freshness_enforced) {
    if (secret_set && (op.delivery_fault == "bad_signature" || op.delivery_fault == "missing_header")) return 401;
    if (freshness_enforced) {
        if (!op.delivery_timestamp) return 403;  // missing or unparsable counts as stale
        const sim::Duration age = now > *op.delivery_timestamp ? now - *op.delivery_timestamp
                                                                : *op.delivery_timestamp - now;
        if (age > kEventSubMaxAge) return 403;
    }
    return 0;
}

const char* to_string(OpKind kind) {
    switch (kind) {
    case OpKind::chat: return "chat";
    case OpKind::claim: return "claim";
    case OpKind::state: return "roulette/state";
    case OpKind::pool_me: return "pool/me";
    case OpKind::my_last: return "my-last";
    case OpKind::pending: return "pending";
    case OpKind::verify: return "verify-candidate";
    case OpKind::accept: return "confirm-acceptance";
    case OpKind::patch: return "patch-status";
    case OpKind::gift_create: return "gift-create";
    case OpKind::gift_list: return "gift-list";
    case OpKind::gift_select: return "gift-select";
    case OpKind::gift_confirm: return "gift-confirm";
    case OpKind::e2e: return "e2e-prepare";
    }
    return "?";
}

Oracle::Oracle(sim::Trace& trace, const sim::Clock& clock, Options options, Coverage& coverage)
    : trace_(trace), clock_(clock), options_(std::move(options)), coverage_(coverage) {
    pool_history_.push_back({options_.ebs_start, false});
    subscription_ = trace_.add_listener([this](const json& record) { on_record(record); });
}

void Oracle::note_pool() {
    if (pool_history_.back().second != !pool_.empty()) pool_history_.push_back({clock_.now(), !pool_.empty()});
}

std::optional<sim::Instant> Oracle::first_nonempty(sim::Instant from, sim::Instant until) const {
    bool at_from = false;  // the state at `from`: the last change at or before it
    for (const auto& [at, has] : pool_history_)
        if (at <= from) at_from = has;
    if (at_from) return from;
    for (const auto& [at, has] : pool_history_)
        if (at > from && at <= until && has) return at;
    return std::nullopt;
}

// ----- the model's queries ---------------------------------------------------------------------------------

const Oracle::Payout* Oracle::payout(const std::string& id) const {
    for (const auto& p : payouts_)
        if (p.id == id) return &p;
    return nullptr;
}
Oracle::Payout* Oracle::payout_mut(const std::string& id) { return const_cast<Payout*>(payout(id)); }

Oracle::Gift* Oracle::gift_mut(const std::string& id) {
    for (auto& g : gifts_)
        if (g.id == id) return &g;
    return nullptr;
}

const Oracle::Member* Oracle::member(const std::string& user) const {
    for (const auto& m : pool_)
        if (m.user == user) return &m;
    return nullptr;
}

int Oracle::sent_count(const std::string& user) const {
    int n = 0;
    for (const auto& p : payouts_) n += p.user == user && p.status == 2;
    return n;
}

bool Oracle::has_active_payout(const std::string& user) const {
    for (const auto& p : payouts_)
        if (p.user == user && is_active(p.status)) return true;
    return false;
}

// CONTRACT.md §5.6: after trimming, 2-12 characters of one token, letters only. The workload sends names of
// ASCII letters (valid) or with a digit / of the wrong length (invalid), never white space or other scripts.
bool Oracle::valid_name(const std::string& name) {
    if (name.size() < 2 || name.size() > 12) return false;
    for (unsigned char c : name)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
    return true;
}

bool Oracle::name_taken_by_other(const std::string& name, const std::string& user) const {
    for (const auto& m : pool_)
        if (m.name == name && m.user != user) return true;  // ordinal, case-sensitive (D4)
    return false;
}

// A (re-)enrollment replaces the viewer's row: removed, then appended at the end of the pool.
void Oracle::enroll(const std::string& user, const std::string& display, const std::string& name) {
    pool_.erase(std::remove_if(pool_.begin(), pool_.end(), [&](const Member& m) { return m.user == user; }),
                pool_.end());
    pool_.push_back({user, display, name});
    note_pool();
}

std::optional<std::size_t> Oracle::promote_next(sim::Instant now) {
    for (const auto& g : gifts_)
        if (g.state == 1 || g.state == 3) return std::nullopt;
    for (std::size_t i = 0; i < gifts_.size(); ++i) {
        if (gifts_[i].state != 0) continue;
        gifts_[i].state = 1;
        gifts_[i].timeout_at = now + std::chrono::seconds(60);
        return i;
    }
    return std::nullopt;
}

json Oracle::payout_json(const Payout& p) const {
    return json{{"id", p.id},
                {"twitchUserId", p.user},
                {"characterName", p.name},
                {"goldAmount", kGold},
                {"enrollmentRequestId", "spin:" + hex32(p.cycle)},
                {"status", kStatusNames[p.status]},
                {"isRewardSentAnnouncedToChat", p.announced}};
}

// CONTRACT.md §6.2, against the stored cycle (which the model follows through the cycle events).
std::string Oracle::phase_at(sim::Instant now) const {
    if (!cycle_ || cycle_->pool_was_empty || pool_.empty()) return "idle";
    const sim::Instant select = cycle_->start + std::chrono::seconds(240);
    if (now < select) return "collecting";
    if (!cycle_->drawn_at) return "completed";
    if (now < select + std::chrono::seconds(30)) return "spinning";
    if (now < cycle_->start + std::chrono::seconds(300)) return "verification";
    if (now < cycle_->deadline) return "verification";
    return "completed";
}

// ----- rate limiting (CONTRACT.md §4) ----------------------------------------------------------------------

sim::Instant Oracle::next_heartbeat_at_or_after(sim::Instant t) const {
    const std::int64_t period = 100 * 10'000;  // 100 ms
    const std::int64_t since = t.ticks - options_.ebs_start.ticks;
    if (since <= 0) return options_.ebs_start;
    const std::int64_t k = (since + period - 1) / period;
    return sim::Instant{options_.ebs_start.ticks + k * period};
}

void Oracle::advance_partition(Partition& p, sim::Instant t) const {
    if (p.uncertain && t - p.last_request > std::chrono::milliseconds(70'300)) {
        p.exists = false;  // certainly dropped: refilled and idle for more than 10 s, whatever happened
        p.uncertain = false;
    }
    while (p.exists && !p.uncertain) {
        if (p.used == 0 && next_heartbeat_at_or_after(p.window + std::chrono::seconds(10) + sim::kTick) <= t) {
            p.exists = false;
            return;
        }
        const sim::Instant refill = next_heartbeat_at_or_after(p.window + std::chrono::seconds(60));
        if (refill > t) return;
        p.window = refill;
        p.used = 0;
    }
}

// ----- evaluation ------------------------------------------------------------------------------------------

void Oracle::begin(std::shared_ptr<Op> op) { open_.push_back(std::move(op)); }

void Oracle::evaluate(Op& op, sim::Instant now, int ebs_status) {
    op.evaluated = true;
    op.evaluated_at = now;
    auto expect = [&op](int status, json body = nullptr) {
        op.statuses = {status};
        op.body = std::move(body);
    };
    auto error = [&](int status, const char* code) { expect(status, json{{"code", code}}); };

    // §3: a viewer route checks the token first: a refused one gets 401 with an empty body and a Bearer
    // challenge (with error="invalid_token" when a token was sent), takes no permit (§4), changes nothing.
    if (viewer_route(op.kind)) {
        const std::string refusal = jwt_refusal(op, now, options_.jwt_audience_checked);
        if (!refusal.empty()) {
            op.note = "token refused: " + refusal;
            op.empty_body = true;
            op.www_authenticate = op.token_fault == "missing" ? "Bearer" : "Bearer error=\"invalid_token\"";
            coverage_.reach("jwt_refused_" + refusal);
            return expect(401);
        }
        if (*op.token_expires < now) coverage_.reach("jwt_accepted_in_skew");  // expired, within the skew
        if (op.token_not_before && *op.token_not_before > now) coverage_.reach("jwt_accepted_early");
        if (op.token_wrong_audience) coverage_.reach("jwt_audience_unchecked");  // no client id configured
    }

    // §4: every route but the EventSub webhook takes a permit from its partition first.
    if (op.kind != OpKind::chat) {
        Partition& p = partitions_[partition_key(op)];
        // The EBS takes the permit when the request arrives; for a route that waits on Helix before its first
        // event (gift create) the arrival is somewhere in [sent, now]: if the verdict differs across that span
        // the partition's count is unknown until it is certainly dropped.
        auto limited_at = [&](sim::Instant t, Partition copy) {
            advance_partition(copy, t);
            return copy.exists && !copy.uncertain && copy.used >= kPermits;
        };
        bool uncertain = p.uncertain;
        if (op.kind == OpKind::gift_create && limited_at(op.sent_at, p) != limited_at(now, p)) uncertain = true;
        // The same doubt covers the window's start when this request opens or refills the partition: the EBS
        // started it at the arrival, not at the first event.
        if (op.kind == OpKind::gift_create && op.sent_at != now) {
            Partition at_sent = p;
            advance_partition(at_sent, op.sent_at);
            Partition at_now = p;
            advance_partition(at_now, now);
            if (!at_sent.exists || !at_now.exists || at_sent.window != at_now.window) uncertain = true;
        }
        advance_partition(p, now);
        if (!p.exists) {
            p = Partition{};
            p.exists = true;
            p.window = now;
        }
        if (uncertain || p.uncertain) {
            // The model cannot tell: the EBS's verdict decides (a request with domain events passed the limiter).
            p.uncertain = true;
            op.rate_limit_uncertain = true;
            if (ebs_status == 429) {
                op.rate_limited = true;
                p.last_request = now;
                expect(429);
                op.empty_body = true;
                return;
            }
        } else if (p.used >= kPermits) {
            op.rate_limited = true;
            p.last_request = now;
            expect(429);
            op.empty_body = true;
            return;
        } else {
            ++p.used;
        }
        p.last_request = now;
    }

    switch (op.kind) {
    case OpKind::chat: {
        // §5.2: the signature (and, opted in, the timestamp) is checked before the body is read; a refused
        // delivery answers ProblemDetails and changes nothing.
        if (const int refused = eventsub_refusal(op, now, options_.eventsub_secret_set, options_.eventsub_freshness)) {
            op.note = "delivery refused: " + (refused == 401 ? op.delivery_fault : std::string("stale"));
            coverage_.reach(refused == 401 ? "eventsub_" + op.delivery_fault + "_refused" : "eventsub_stale_refused");
            return expect(refused, json{{"status", refused}});
        }
        if (op.delivery_fault == "stale") coverage_.reach("eventsub_stale_accepted");
        if (op.delivery_fault == "reused_id") coverage_.reach("eventsub_reused_id_accepted");
        expect(200);
        std::string result;
        const Member* before = member(op.user);
        if (chat_dedup_.count(op.message_id)) result = "ignored_duplicate_message";
        else if (!op.subscriber) result = "ignored_not_subscriber";
        else if (!valid_name(op.name)) result = "ignored_invalid_name";
        else if (has_active_payout(op.user)) result = "ignored_active_payout";
        else if ((sent_count(op.user) + 1) * kGold > kGoldCap) result = "ignored_lifetime_cap";
        else if (name_taken_by_other(op.name, op.user)) result = "ignored_name_taken";
        else {
            result = "enrolled";
            if (before && before->name != op.name) coverage_.reach("rename");
            if (!before && sent_count(op.user) > 0) coverage_.reach("re_enroll_after_sent");
            enroll(op.user, op.display, op.name);
            chat_dedup_.insert(op.message_id);
        }
        op.note = result;
        if (result == "ignored_duplicate_message") coverage_.reach("duplicate_delivery");
        if (result == "ignored_name_taken") coverage_.reach("name_taken");
        if (result == "ignored_not_subscriber") coverage_.reach("not_subscriber");
        if (result == "ignored_invalid_name") coverage_.reach("invalid_name");
        if (result == "ignored_active_payout") coverage_.reach("active_payout_blocks_win");
        return;
    }
    case OpKind::claim: {
        if (!valid_name(op.name)) {
            coverage_.reach("invalid_name");
            return error(400, "invalid_character_name");
        }
        if (options_.claim_subscriber_gate) return error(403, "not_subscriber");
        auto it = enrollments_.find(op.request_id);
        if (it != enrollments_.end()) {
            if (it->second.first != op.user) return error(409, "duplicate_enrollment");
            coverage_.reach("claim_idempotent");
            return expect(200, json{{"characterName", it->second.second}, {"enrollmentRequestId", op.request_id}});
        }
        if (has_active_payout(op.user)) {
            coverage_.reach("active_payout_blocks_win");
            return error(409, "active_payout_exists");
        }
        if ((sent_count(op.user) + 1) * kGold > kGoldCap) return error(409, "lifetime_cap_reached");
        if (name_taken_by_other(op.name, op.user)) {
            coverage_.reach("name_taken");
            return error(409, "character_name_taken_in_pool");
        }
        const Member* before = member(op.user);
        if (before && before->name != op.name) coverage_.reach("rename");
        enroll(op.user, op.display, op.name);
        enrollments_[op.request_id] = {op.user, op.name};
        op.note = "enrolled";
        return expect(201, json{{"characterName", op.name}, {"enrollmentRequestId", op.request_id}});
    }
    case OpKind::state: {
        const std::string phase = phase_at(now);
        const sim::Instant next = floor5(now) + std::chrono::seconds(300);
        expect(200, json{{"spinIntervalSeconds", 300},
                         {"poolParticipantCount", pool_.size()},
                         {"spinPhase", phase},
                         {"currentSpinCycleId", phase == "idle" ? json(nullptr) : json(cycle_->id)},
                         {"nextSpinAt", iso(next)},
                         {"serverNow", iso(now)}});
        return;
    }
    case OpKind::pool_me: {
        const Member* m = member(op.user);
        return expect(200, json{{"isEnrolled", m != nullptr}, {"characterName", m ? json(m->name) : json(nullptr)}});
    }
    case OpKind::my_last: {
        const Payout* last = nullptr;
        for (const auto& p : payouts_)
            if (p.user == op.user) last = &p;  // by creation order = createdAt order
        if (!last) return expect(404, json{{"status", 404}});
        return expect(200, payout_json(*last));
    }
    case OpKind::pending: {
        json list = json::array();
        op.check_ids = true;
        op.ids.clear();
        for (const auto& p : payouts_)
            if (p.status == 0) {
                op.ids.push_back(p.id);
                list.push_back(payout_json(p));
            }
        return expect(200, list);
    }
    case OpKind::verify:
    case OpKind::e2e: {
        std::string name = op.name;
        std::string cycle_id = op.cycle_id;
        if (op.kind == OpKind::e2e) {
            const Member* m = member(op.user);
            if (!m) return expect(400, json{{"error", "Viewer is not in the pool; run enrollment first."}});
            if (!cycle_) {  // the harness needs a cycle to force: the model cannot say what it does without one
                op.any_answer = true;
                op.note = "no cycle yet";
                return;
            }
            // §5.11: the viewer becomes the cycle's candidate as if drawn now, the cycle counts as non-empty and
            // open for reports for an hour (until the next boundary replaces it); the synchronizer then has no
            // draw left to do for this cycle.
            name = m->name;
            cycle_id = cycle_->id;
            cycle_->candidate_user = m->user;
            cycle_->candidate_name = m->name;
            cycle_->consumed = false;
            cycle_->pool_was_empty = false;
            cycle_->drawn_at = now;
            cycle_->deadline = now + std::chrono::hours(1);
            forced_.insert(cycle_->id);
            coverage_.reach("e2e_forced");
        } else if (!valid_name(name)) {
            return error(400, "invalid_character_name");
        }
        if (!cycle_ || cycle_->id != cycle_id) {
            coverage_.reach("late_report_out_of_sequence");
            return expect(400, json{{"code", "out_of_sequence"}, {"message", "spinCycleId does not match active cycle."}});
        }
        if (now > cycle_->deadline) return error(400, "out_of_sequence");
        if (cycle_->consumed) {
            op.note = "consumed";
            return expect(200);
        }
        if (!op.online) {
            cycle_->consumed = true;
            op.note = "offline";
            coverage_.reach("offline_candidate");
            return expect(200);
        }
        if (cycle_->candidate_user.empty())
            return expect(400, json{{"code", "out_of_sequence"}, {"message", "No candidate for this cycle."}});
        if (name != cycle_->candidate_name)
            return expect(400,
                          json{{"code", "out_of_sequence"}, {"message", "characterName does not match server candidate."}});
        if (has_active_payout(cycle_->candidate_user)) {
            coverage_.reach("active_payout_blocks_win");
            return error(409, "active_payout_exists");
        }
        cycle_->consumed = true;
        Payout p;
        p.user = cycle_->candidate_user;
        p.name = cycle_->candidate_name;
        p.cycle = cycle_->id;
        p.created = now;
        payouts_.push_back(p);  // id filled from payout.created
        op.note = "payout";
        if (op.kind == OpKind::e2e) return expect(200, json{{"characterName", name}});
        return expect(200);
    }
    case OpKind::accept: {
        Payout* p = payout_mut(op.payout_id);
        if (!p) return error(404, "not_found");
        if (p->name != op.name) return error(400, "invalid_character_name");
        p->accepted = true;
        op.empty_body = true;
        return expect(200);
    }
    case OpKind::patch: {
        Payout* p = payout_mut(op.payout_id);
        if (!p) return error(404, "not_found");
        if (!allowed_move(p->status, op.to_status)) {
            op.note = std::string("refused ") + kStatusNames[p->status] + " -> " + kStatusNames[op.to_status];
            return expect(409, json{{"code", "terminal_status_change_not_allowed"}});
        }
        if (p->status == 1 && op.to_status == 0) coverage_.reach("requeue");
        if (op.to_status == 4) coverage_.reach("cancelled");
        if (op.to_status == 3) coverage_.reach("failed");
        p->status = op.to_status;
        if (op.to_status == 2) {
            pool_.erase(std::remove_if(pool_.begin(), pool_.end(), [&](const Member& m) { return m.user == p->user; }),
                        pool_.end());
            note_pool();
            op.note = "sent";  // the answer depends on the Helix attempts, settled when the EBS answers
        }
        return expect(200, payout_json(*p));
    }
    case OpKind::gift_create: {
        if (!valid_name(op.name)) return error(400, "invalid_character_name");
        const bool subscriber = options_.helix_configured && options_.subscribers.count(op.user);
        // The subscriber check asks Helix; while faults are on that call may fail, which reads as "not
        // subscribed" (CONTRACT.md §6.7): then 403 is also right for a subscriber, and nothing changes.
        if (faults_active_ && subscriber) op.statuses.push_back(403);
        auto with_403 = [&](int status, const char* code) {
            error(status, code);
            if (faults_active_ && subscriber) op.statuses.push_back(403);
        };
        if (!subscriber) return error(403, "not_subscriber");
        if (gift_used_.count(op.user)) return with_403(409, "gift_already_used");
        for (const auto& g : gifts_)
            if (g.viewer == op.user && g.state <= 3) return with_403(409, "gift_request_active");
        gift_undo_[op.number] = gifts_;
        Gift g;
        g.viewer = op.user;
        g.name = op.name;
        g.created = now;
        gifts_.push_back(g);  // id filled from gift.created
        const auto promoted = promote_next(now);
        const Gift& shown = promoted ? gifts_[*promoted] : gifts_.back();
        const bool older = promoted && *promoted + 1 != gifts_.size();
        op.note = older ? "promoted older" : "created";
        expect(201, older ? json{{"id", shown.id}, {"state", kGiftStateNames[shown.state]}}
                          : json{{"state", kGiftStateNames[shown.state]}});
        if (faults_active_) op.statuses.push_back(403);
        return;
    }
    case OpKind::gift_list: {
        json list = json::array();
        op.check_ids = true;
        op.ids.clear();
        for (const auto& g : gifts_)
            if (g.state <= 3) {
                op.ids.push_back(g.id);
                list.push_back(json{{"id", g.id},
                                    {"viewerId", g.viewer},
                                    {"characterName", g.name},
                                    {"streamerId", options_.streamer},
                                    {"state", kGiftStateNames[g.state]}});
            }
        return expect(200, list);
    }
    case OpKind::gift_select: {
        Gift* g = gift_mut(op.gift_id);
        if (!g) return error(404, "not_found");
        if (g->state != 1) return error(409, "invalid_state");
        g->state = 3;
        g->timeout_at = now + std::chrono::minutes(5);
        return expect(200, json{{"id", g->id}, {"state", "WaitingConfirmation"}});
    }
    case OpKind::gift_confirm: {
        Gift* g = gift_mut(op.gift_id);
        if (!g) return error(404, "not_found");
        if (g->state != 3) return error(409, "invalid_state");
        g->state = op.confirmed ? 4 : 5;
        g->timeout_at.reset();
        if (op.confirmed) {
            gift_used_.insert(g->viewer);
            coverage_.reach("gift_completed");
        } else {
            g->reason = "receiver_declined";
            coverage_.reach("gift_declined");
        }
        const std::string id = g->id;
        const std::string state = kGiftStateNames[g->state];
        promote_next(now);
        return expect(200, json{{"id", id}, {"state", state}});
    }
    }
}

// Which open op a domain event belongs to (nullptr: a worker's event, or nobody's).
std::shared_ptr<Op> Oracle::op_for_event(const std::string& name, const json& f) {
    for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
        Op& op = **it;
        if (name == "pool.enrolled" || name == "pool.chat_ignored") {
            if (op.kind == OpKind::chat && op.message_id == str(f, "messageId")) return *it;
            if (op.kind == OpKind::claim && op.request_id == str(f, "enrollmentRequestId")) return *it;
        } else if (name == "payout.created" || name == "roulette.cycle_consumed") {
            if (op.kind == OpKind::verify || op.kind == OpKind::e2e) return *it;
        } else if (name == "e2e.spin_forced") {
            if (op.kind == OpKind::e2e) return *it;
        } else if (name == "payout.status_changed" || name.rfind("helix.", 0) == 0 || name == "pool.removed") {
            if (op.kind == OpKind::patch && (op.payout_id == str(f, "payoutId") || name == "pool.removed")) return *it;
        } else if (name == "payout.accepted") {
            if (op.kind == OpKind::accept && op.payout_id == str(f, "payoutId")) return *it;
        } else if (name == "gift.created") {
            if (op.kind == OpKind::gift_create && op.user == str(f, "viewerId")) return *it;
        }
    }
    return nullptr;
}

void Oracle::on_record(const json& record) {
    ++records_;
    if (failure_) return;
    const std::string kind = str(record, "kind");
    const std::string actor = str(record, "actor");
    if (kind == "event" || kind == "http") {
        tail_.push_back(record.dump(-1, ' ', false, json::error_handler_t::replace));
        if (tail_.size() > 12) tail_.pop_front();
    }
    if (kind == "net") {  // the other faults are counted by the network itself (scenario::faults_fired)
        if (str(record, "event") == "partition") coverage_.fired("partitions");
        return;
    }
    if (actor != "ebs") return;
    if (kind == "event") on_event(str(record, "name"), record);
    else if (kind == "http") on_ebs_http(record);
}

void Oracle::on_event(const std::string& name, const json& f) {
    const sim::Instant now = clock_.now();
    // Background work: checked against the rules, then applied.
    if (name == "roulette.cycle_created" || name == "roulette.rollover") {
        const sim::Instant start = floor5(now);
        if (str(f, "cycleStart") != iso(start) || now - start > kSecond)
            return fail("a cycle opened off the grid", "event " + f.dump() + " at " + iso(now) +
                                                           ": cycles open at the first synchronizer tick (every "
                                                           "second) at or after each 5-minute boundary");
        const bool empty = f.value("poolWasEmpty", false);
        if (empty != pool_.empty() || f.value("poolSize", -1) != static_cast<int>(pool_.size()))
            return fail("cycle opened with a pool the model does not have",
                        "event " + f.dump() + "\n  model pool: " + std::to_string(pool_.size()) + " members");
        cycle_ = Cycle{str(f, "spinCycleId"), start, empty, {}, {}, std::nullopt, false,
                       start + std::chrono::seconds(330)};
        openings_.push_back({start, cycle_->id, empty});
        if (empty) coverage_.reach("empty_pool_idle_cycle");
        return;
    }
    if (name == "roulette.candidate_selected") {
        if (!cycle_ || cycle_->id != str(f, "spinCycleId") || cycle_->pool_was_empty)
            return fail("a candidate was drawn for a cycle that may not draw", "event " + f.dump());
        // Due at the first tick (every second) at or after boundary + 240 s at which the pool has members.
        const auto due = first_nonempty(cycle_->start + std::chrono::seconds(240), now);
        if (!due || now < *due || now - *due > kSecond)
            return fail("the draw happened at the wrong time",
                        "event " + f.dump() + " at " + iso(now) + "; the draw is due at " +
                            (due ? iso(*due) : std::string("no time (the pool was empty)")) +
                            " (the first tick at or after boundary + 240 s with members in the pool)");
        const auto index = f.value("index", static_cast<std::size_t>(-1));
        if (f.value("poolSize", static_cast<std::size_t>(0)) != pool_.size() || index >= pool_.size() ||
            pool_[index].user != str(f, "twitchUserId") || pool_[index].name != str(f, "characterName")) {
            std::string model;
            for (const auto& m : pool_) model += " " + m.user + "=" + m.name;
            return fail("the drawn candidate is not the model's pool member at that index",
                        "event " + f.dump() + "\n  model pool (in order):" + model);
        }
        cycle_->candidate_user = str(f, "twitchUserId");
        cycle_->candidate_name = str(f, "characterName");
        cycle_->drawn_at = now;
        draws_.push_back({cycle_->id, cycle_->candidate_user, cycle_->candidate_name, now});
        return;
    }
    if (name == "payout.expired") {
        Payout* p = payout_mut(str(f, "payoutId"));
        if (!p || !is_active(p->status))
            return fail("a payout expired that the model does not hold as active", "event " + f.dump());
        if (now < p->created + std::chrono::hours(24) || now > p->created + std::chrono::hours(25) + kSecond)
            return fail("a payout expired outside [createdAt + 24 h, createdAt + 25 h]",
                        "event " + f.dump() + " at " + iso(now) + ", created " + iso(p->created));
        p->status = 5;
        coverage_.reach("payout_expired");
        return;
    }
    if (name == "gift.timed_out") {
        Gift* g = gift_mut(str(f, "giftId"));
        const std::string reason = str(f, "reason");
        if (!g || !(g->state == 1 || g->state == 3) || !g->timeout_at)
            return fail("a gift request timed out that the model does not hold as waiting", "event " + f.dump());
        const std::string expected = g->state == 1 ? "selection_timeout" : "confirmation_timeout";
        if (reason != expected || now <= *g->timeout_at || now > *g->timeout_at + std::chrono::seconds(5) + kSecond)
            return fail("a gift request timed out at the wrong time or with the wrong reason",
                        "event " + f.dump() + " at " + iso(now) + "; model: timeout at " + iso(*g->timeout_at) +
                            ", reason " + expected + " (checked every 5 s, strictly after)");
        g->state = 5;
        g->reason = reason;
        g->timeout_at.reset();
        coverage_.reach(reason == "selection_timeout" ? "gift_selection_timeout" : "gift_confirmation_timeout");
        promote_next(now);
        return;
    }
    static const std::set<std::string> kIgnored = {"payout.expiration_sweep", "gift.state_changed",
                                                   "gift.item_selected", "gift.usage_recorded"};
    if (kIgnored.count(name)) return;

    // A request's own event: evaluate the request now (if its EBS record has not come yet), then keep the event.
    std::shared_ptr<Op> op = op_for_event(name, f);
    if (!op) return fail("a domain event no request explains", "event " + name + " " + f.dump());
    if (!op->evaluated) evaluate(*op, now);
    op->events.push_back(json{{"name", name}, {"fields", f}});
    if (name == "payout.created") {
        for (auto it = payouts_.rbegin(); it != payouts_.rend(); ++it)
            if (it->id.empty()) {
                if (it->user != str(f, "twitchUserId"))
                    return fail("payout.created for another viewer than the cycle's candidate", "event " + f.dump());
                it->id = str(f, "payoutId");
                break;
            }
    } else if (name == "gift.created") {
        for (auto it = gifts_.rbegin(); it != gifts_.rend(); ++it)
            if (it->id.empty()) {
                it->id = str(f, "giftId");
                break;
            }
    } else if (name == "helix.announce_attempt") {
        const std::string result = str(f, "result");
        if (result != "success") {
            ++op->helix_failed_attempts;
            if (Payout* p = payout_mut(op->payout_id)) ++p->helix_failures;
        }
    } else if (name == "helix.announced") {
        if (Payout* p = payout_mut(op->payout_id)) {
            p->announced = true;
            ++p->announcements;
        }
        op->helix_result = "announced";
        if (op->helix_failed_attempts > 0) coverage_.reach("helix_retry_then_success");
    } else if (name == "helix.announce_failed") {
        op->helix_result = f.value("escaped", false) ? "escaped" : "failed";
        if (Payout* p = payout_mut(op->payout_id)) p->three_failures = true;
        coverage_.reach("helix_three_failures");
    } else if (name == "helix.announce_skipped") {
        op->helix_result = "skipped";
    }
}

void Oracle::on_ebs_http(const json& record) {
    const std::string method = str(record, "method");
    const std::string target = str(record, "target");
    const sim::Instant now = clock_.now();
    // Which request this answer is for (the record has no identity): one whose domain events the EBS recorded
    // at this very instant (a synchronous handler); else the request in flight; else one whose handler started
    // earlier and is finishing now (it waited on Helix); else one a fault left unanswered, newest first.
    auto matches = [&](const std::shared_ptr<Op>& o) {
        return !o->ebs_answered && o->method == method && o->target == target;
    };
    std::shared_ptr<Op> op;
    for (auto& o : open_)
        if (!op && matches(o) && o->evaluated && o->evaluated_at == now && !o->events.empty()) op = o;
    for (auto it = open_.rbegin(); !op && it != open_.rend(); ++it)
        if (matches(*it) && !(*it)->finished) op = *it;
    for (auto& o : open_)
        if (!op && matches(o) && o->evaluated) op = o;
    for (auto it = open_.rbegin(); !op && it != open_.rend(); ++it)
        if (matches(*it)) op = *it;
    if (!op) return fail("the EBS answered a request no actor sent", "record " + record.dump());
    const int status = record.value("status", 0);
    if (!op->evaluated) evaluate(*op, now, status);
    // A Sent commit's answer depends on the Helix attempts (CONTRACT.md §5.8, D1).
    if (op->kind == OpKind::patch && op->note == "sent") {
        if (options_.helix_configured && op->helix_result.empty())
            return fail("PATCH Sent answered without a Helix outcome", describe_op(*op));
        if (op->helix_result == "escaped") {
            op->statuses = {500};
            op->body = nullptr;
            op->empty_body = true;
            coverage_.reach("sent_answer_500_d1");
        } else if (op->body.is_object()) {
            op->body["isRewardSentAnnouncedToChat"] = op->helix_result == "announced";
        }
    }
    if (!op->any_answer && std::find(op->statuses.begin(), op->statuses.end(), status) == op->statuses.end()) {
        std::ostringstream detail;
        detail << describe_op(*op) << "\n  the EBS answered HTTP " << status;
        return fail("the EBS's answer differs from the model's", detail.str());
    }
    if (op->kind == OpKind::gift_create && status == 403 && (op->note == "created" || op->note == "promoted older")) {
        gifts_ = gift_undo_[op->number];  // the Helix check failed under faults: nothing was created
        op->note = "not subscribed (Helix check failed)";
    }
    gift_undo_.erase(op->number);
    op->ebs_answered = true;
    op->ebs_status = status;
    check_op_events(*op);
}

void Oracle::check_op_events(Op& op) {
    auto has = [&op](const char* name, const char* key = nullptr, const std::string& value = {}) {
        for (const auto& e : op.events)
            if (e.value("name", "") == name && (!key || str(e["fields"], key) == value)) return true;
        return false;
    };
    std::string problem;
    if (op.rate_limited || refused_early(op)) {
        if (!op.events.empty()) problem = "a " + std::string(op.rate_limited ? "rate-limited" : "refused") +
                                          " request changed state";
    } else if (op.kind == OpKind::chat) {
        if (op.note == "enrolled" && !has("pool.enrolled")) problem = "the model enrolls the viewer; no pool.enrolled";
        if (op.note != "enrolled" && has("pool.enrolled")) problem = "the EBS enrolled; the model says " + op.note;
        if (op.note != "enrolled" && !has("pool.chat_ignored", "reason", op.note))
            problem = "the model ignores the message (" + op.note + "); the EBS's reason differs";
    } else if (op.kind == OpKind::claim) {
        if ((op.note == "enrolled") != has("pool.enrolled")) problem = "enrollment by claim differs from the model";
    } else if (op.kind == OpKind::verify || op.kind == OpKind::e2e) {
        if ((op.note == "payout") != has("payout.created")) problem = "payout creation differs from the model";
        if ((op.note == "offline") != has("roulette.cycle_consumed")) problem = "offline consumption differs";
    } else if (op.kind == OpKind::gift_create) {
        if (has("gift.created") != (op.note == "created" || op.note == "promoted older"))
            problem = "gift creation differs from the model";
    }
    if (!problem.empty()) {
        std::string events;
        for (const auto& e : op.events) events += "\n    " + e.dump();
        fail("the EBS's effects differ from the model's", describe_op(op) + "\n  " + problem + "; events:" + events);
    }
}

// ----- answers ---------------------------------------------------------------------------------------------

void Oracle::finish(const std::shared_ptr<Op>& op, const http::ClientResult& result, bool via_mock) {
    if (!failure_) check_answer(*op, result, via_mock);
    op->finished = true;
    op->settled = result.ok();
    // An unanswered op the EBS has not recorded stays open a while: its handler may still be running (one that
    // waits on Helix finishes after the client gave up). After that it never took effect.
    const sim::Instant now = clock_.now();
    open_.erase(std::remove_if(open_.begin(), open_.end(),
                               [&](const std::shared_ptr<Op>& o) {
                                   return o->finished && (o->ebs_answered || o->settled ||
                                                          now - o->sent_at > std::chrono::minutes(3));
                               }),
                open_.end());
}

std::string Oracle::partition_key(const Op& op) {
    switch (op.kind) {
    case OpKind::pending:
    case OpKind::verify:
    case OpKind::accept:
    case OpKind::patch:
    case OpKind::gift_list:
    case OpKind::gift_select:
    case OpKind::gift_confirm:
    case OpKind::e2e: return "desktop";
    default: return "user:" + op.user;
    }
}

void Oracle::check_answer(Op& op, const http::ClientResult& result, bool via_mock) {
    if (!result.ok()) {
        if (!op.evaluated) {
            ++indeterminate_;
            coverage_.reach("indeterminate_request");
            if (op.kind == OpKind::patch && op.to_status == 2) coverage_.reach("partition_during_sent");
        } else if (op.kind == OpKind::patch && op.to_status == 2) {
            coverage_.reach("partition_during_sent");
        }
        return;
    }
    const http::Response& r = *result.response;
    if (via_mock && r.status == 500) {
        coverage_.reach("eventsub_mock_500");
        return;  // the mock could not reach the EBS (or lost its answer): CONTRACT.md §8
    }
    if (!op.evaluated) {
        if (op.kind == OpKind::chat && via_mock) return;  // the mock answered without the EBS (not a notification)
        return fail("an answer the EBS never recorded", describe_op(op) + "\n  actual: HTTP " +
                                                            std::to_string(r.status) + " " + r.body.substr(0, 300));
    }
    if (r.status == 429) {
        coverage_.reach("rate_limited_429");
        partitions_[partition_key(op)].limited_seen = true;
    }
    if (op.any_answer) return;
    if (op.rate_limit_uncertain && r.status == 429) return;
    std::string why;
    if (std::find(op.statuses.begin(), op.statuses.end(), r.status) == op.statuses.end()) {
        why = "status";
    } else if (r.status == op.statuses.front() && r.status != 403) {
        if (op.empty_body && !r.body.empty()) why = "body should be empty";
        if (why.empty() && op.www_authenticate) {
            const std::string challenge = r.headers.get("WWW-Authenticate").value_or("(none)");
            if (challenge.rfind(*op.www_authenticate, 0) != 0 ||
                (*op.www_authenticate == "Bearer" && challenge != "Bearer"))
                why = "WWW-Authenticate is '" + challenge + "'";
        }
        json body;
        if (why.empty() && (op.body.is_object() || op.body.is_array() || op.check_ids)) {
            body = json::parse(r.body, nullptr, false);
            if (body.is_discarded()) why = "body is not JSON";
        }
        std::string where;
        if (why.empty() && op.check_ids) {
            std::vector<std::string> ids;
            if (body.is_array())
                for (const auto& item : body) ids.push_back(str(item, "id"));
            if (ids != op.ids) why = "list differs (ids in order)";
        }
        if (why.empty() && (op.body.is_object() || op.body.is_array()) &&
            !scenario::json_subset_match(op.body, body, &where))
            why = "body differs at " + where;
    }
    if (!why.empty()) {
        std::string ids;
        for (const auto& id : op.ids) ids += " " + id;
        return fail("answer differs from the model (" + why + ")",
                    describe_op(op) + (op.check_ids ? "\n  predicted ids:" + ids : std::string()) +
                        "\n  actual: HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 600));
    }
    if (r.status < 400) {
        auto it = partitions_.find(partition_key(op));
        if (it != partitions_.end() && it->second.limited_seen) {
            it->second.limited_seen = false;
            coverage_.reach("rate_limit_recovered");
        }
    }
}

std::string Oracle::describe_op(const Op& op) const {
    std::ostringstream out;
    out << "request #" << op.number << " (" << to_string(op.kind) << "): " << op.method << " " << op.target;
    if (!op.user.empty()) out << " user=" << op.user;
    if (!op.name.empty()) out << " name=" << op.name;
    if (!op.message_id.empty()) out << " message=" << op.message_id << (op.subscriber ? "" : " (no badge)");
    if (!op.request_id.empty()) out << " enrollmentRequestId=" << op.request_id;
    if (!op.payout_id.empty()) out << " payout=" << op.payout_id;
    if (!op.gift_id.empty()) out << " gift=" << op.gift_id;
    if (op.kind == OpKind::verify) out << " cycle=" << op.cycle_id << " online=" << (op.online ? "true" : "false");
    if (op.kind == OpKind::patch) out << " status=" << kStatusNames[op.to_status];
    if (viewer_route(op.kind)) {
        out << " token=" << (op.token_fault.empty() ? "signed" : op.token_fault);
        if (op.token_not_before) out << " nbf=" << iso(*op.token_not_before);
        if (op.token_expires) out << " exp=" << iso(*op.token_expires);
        if (op.token_wrong_audience) out << " (another audience)";
    }
    if (!op.delivery_fault.empty()) out << " delivery=" << op.delivery_fault;
    if (op.delivery_timestamp && op.kind == OpKind::chat) out << " timestamp=" << iso(*op.delivery_timestamp);
    out << "\n  sent at " << iso(op.sent_at);
    if (op.evaluated) {
        out << ", processed by the EBS at " << iso(op.evaluated_at) << "\n  predicted: HTTP";
        for (int s : op.statuses) out << " " << s;
        if (!op.body.is_null()) out << " " << op.body.dump();
        if (op.empty_body) out << " (empty body)";
        if (!op.note.empty()) out << " [" << op.note << "]";
        if (op.rate_limited) out << " [rate limited]";
        if (op.www_authenticate) out << " WWW-Authenticate: " << *op.www_authenticate << "...";
    } else {
        out << ", not (yet) processed by the EBS";
    }
    return out.str();
}

void Oracle::fail(const std::string& what, const std::string& detail) {
    if (failure_) return;
    std::string text = "oracle: " + what + "\n  " + detail + "\n  simulated time: " + iso(clock_.now()) +
                       "\n  recent EBS records:";
    for (const auto& line : tail_) text += "\n    " + line;
    failure_ = OracleFailure{what, text, clock_.now()};
}

}  // namespace mgm::harness::workload

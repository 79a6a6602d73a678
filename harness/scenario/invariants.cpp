// Invariant checks over the EBS store and the trace's domain events (see invariants.h).
#include "harness/scenario/invariants.h"

#include <algorithm>
#include <sstream>

#include "backend/domain/records.h"
#include "backend/ebs.h"
#include "backend/domain/store.h"
#include "sim/clock/clock.h"
#include "sim/clock/sim_loop.h"
#include "sim/trace/trace.h"
#include "harness/world/world.h"

namespace mgm::harness::scenario {

using backend::PayoutStatus;
using nlohmann::json;

const char* to_string(Invariant invariant) {
    switch (invariant) {
    case Invariant::one_active_payout_per_viewer: return "one_active_payout_per_viewer";
    case Invariant::sent_gold_cap: return "sent_gold_cap";
    case Invariant::one_announcement_per_payout: return "one_announcement_per_payout";
    case Invariant::unique_pool_names: return "unique_pool_names";
    case Invariant::sent_viewer_left_pool: return "sent_viewer_left_pool";
    case Invariant::payout_created_by_verify_rules: return "payout_created_by_verify_rules";
    case Invariant::terminal_status_is_final: return "terminal_status_is_final";
    }
    return "?";
}

InvariantViolation::InvariantViolation(Invariant invariant, sim::Instant at, std::string detail, std::string report)
    : std::runtime_error(std::move(report)), invariant_(invariant), at_(at), detail_(std::move(detail)) {}

namespace {

bool is_terminal(int status) {
    const auto s = static_cast<PayoutStatus>(status);
    return s == PayoutStatus::Sent || s == PayoutStatus::Failed || s == PayoutStatus::Cancelled ||
           s == PayoutStatus::Expired;
}

bool is_active(PayoutStatus s) { return s == PayoutStatus::Pending || s == PayoutStatus::InProgress; }

std::string field(const sim::TraceRecord& record, std::string_view key) { return std::string(record.text(key)); }

}  // namespace

InvariantChecker::InvariantChecker(const backend::Store& store, sim::Trace& trace, const sim::Clock& clock)
    : store_(store), clock_(clock) {
    subscription_ = trace.add_record_listener([this](const sim::TraceRecord& record) { on_record(record); });
}

std::unique_ptr<InvariantChecker> InvariantChecker::attach(harness::World& world) {
    auto checker = std::make_unique<InvariantChecker>(world.ebs().store(), world.trace(), world.clock());
    InvariantChecker* raw = checker.get();
    world.loop().set_after_event([raw] { raw->check(); });
    return checker;
}

void InvariantChecker::on_record(const sim::TraceRecord& record) {
    tail_[records_seen_ % kTraceTail].assign(record.line);
    ++records_seen_;
    // Anything the EBS serves or records may have changed its store; timers that change state emit events.
    if (record.actor == "ebs" || record.kind == "event") dirty_ = true;
    if (record.kind == "event" && record.actor == "ebs") on_event(record);
}

// The verify-candidate rules as the trace tells them: a cycle's candidate is drawn (or forced by the
// harness, which also reopens the cycle), and at most one payout.created or offline consumption follows.
void InvariantChecker::on_event(const sim::TraceRecord& fields) {
    const std::string_view name = fields.name;
    const std::string cycle = field(fields, "spinCycleId");
    if (name == "roulette.cycle_created" || name == "roulette.rollover") {
        cycles_[cycle] = CycleModel{};
    } else if (name == "roulette.candidate_selected") {
        cycles_[cycle].candidate_user = field(fields, "twitchUserId");
    } else if (name == "e2e.spin_forced") {
        cycles_[cycle] = CycleModel{field(fields, "twitchUserId"), false};
    } else if (name == "roulette.cycle_consumed") {
        cycles_[cycle].consumed = true;
    } else if (name == "payout.created") {
        const std::string payout = field(fields, "payoutId");
        const std::string user = field(fields, "twitchUserId");
        auto it = cycles_.find(cycle);
        if (it == cycles_.end() || it->second.candidate_user.empty()) {
            pending_.emplace_back(Invariant::payout_created_by_verify_rules,
                                  "payout " + payout + " created for cycle " + cycle + " which has no drawn candidate");
        } else if (it->second.candidate_user != user) {
            pending_.emplace_back(Invariant::payout_created_by_verify_rules,
                                  "payout " + payout + " created for viewer " + user + " but cycle " + cycle +
                                      "'s candidate is " + it->second.candidate_user);
        } else if (it->second.consumed) {
            pending_.emplace_back(Invariant::payout_created_by_verify_rules,
                                  "payout " + payout + " created for cycle " + cycle +
                                      " after the cycle already produced a payout or was consumed");
        }
        if (it != cycles_.end()) it->second.consumed = true;
        created_payouts_.insert(payout);
    } else if (name == "pool.enrolled") {
        enrolled_via_[field(fields, "twitchUserId")] = field(fields, "source");
    } else if (name == "helix.announced") {
        const std::string payout = field(fields, "payoutId");
        if (++announcements_[payout] > 1)
            pending_.emplace_back(
                Invariant::one_announcement_per_payout,
                "payout " + payout + " announced in chat " + std::to_string(announcements_[payout]) + " times");
    }
}

void InvariantChecker::check() {
    if (!dirty_) return;
    check_now();
}

void InvariantChecker::check_now() {
    dirty_ = false;
    ++checks_run_;
    if (!pending_.empty()) {
        auto [invariant, detail] = pending_.front();
        pending_.clear();
        fail(invariant, detail);
    }
    check_payouts_and_pool();
}

void InvariantChecker::check_payouts_and_pool() {
    const std::vector<backend::Payout> payouts = store_.list_payouts();
    const std::vector<backend::PoolMember> pool = store_.list_pool();

    // Terminal states are final; a payout that just became Sent has taken its viewer out of the pool.
    sent_users_to_check_.clear();
    for (const auto& p : payouts) {
        const std::string id = p.id.str();
        const int status = static_cast<int>(p.status);
        auto [it, inserted] = last_status_.emplace(id, status);
        if (!inserted && it->second != status) {
            if (is_terminal(it->second))
                fail(Invariant::terminal_status_is_final,
                     "payout " + id + " left terminal status " +
                         backend::to_string(static_cast<PayoutStatus>(it->second)) + " for " +
                         backend::to_string(p.status));
            if (p.status == PayoutStatus::Sent) sent_users_to_check_.push_back(p.twitch_user_id);
            it->second = status;
        } else if (inserted && p.status == PayoutStatus::Sent) {
            sent_users_to_check_.push_back(p.twitch_user_id);
        }
    }

    // Per viewer: active count and Sent gold.
    std::map<std::string, std::pair<int, std::int64_t>> per_user;  // user -> (active, sent gold)
    for (const auto& p : payouts) {
        auto& [active, sent] = per_user[p.twitch_user_id];
        if (is_active(p.status) && ++active > 1)
            fail(Invariant::one_active_payout_per_viewer, "viewer " + p.twitch_user_id + " has " +
                                                              std::to_string(active) +
                                                              " active (Pending/InProgress) payouts");
        if (p.status == PayoutStatus::Sent) {
            sent += p.gold_amount;
            if (sent > backend::kLifetimeSentGoldCap)
                fail(Invariant::sent_gold_cap, "viewer " + p.twitch_user_id + " has " + std::to_string(sent) +
                                                   " gold Sent (cap " + std::to_string(backend::kLifetimeSentGoldCap) +
                                                   ")");
        }
    }

    std::map<std::string, const backend::PoolMember*> by_name;
    std::set<std::string> pool_users;
    for (const auto& m : pool) {
        pool_users.insert(m.twitch_user_id);
        auto [it, inserted] = by_name.emplace(m.character_name, &m);
        if (inserted || it->second->twitch_user_id == m.twitch_user_id) continue;
        const std::string detail = "character name \"" + m.character_name + "\" is held by viewers " +
                                   it->second->twitch_user_id + " and " + m.twitch_user_id;
        // Decision D4 (matched): the claim checks uniqueness on the untrimmed name, so the later row can only
        // be a duplicate when it came through the claim route. Chat, or no enrollment at all, is a violation.
        auto via = enrolled_via_.find(m.twitch_user_id);
        if (via == enrolled_via_.end() || via->second != "claim") fail(Invariant::unique_pool_names, detail);
        if (known_duplicate_names_.insert(m.character_name + '\n' + m.twitch_user_id).second)
            known_deviations_.push_back("D4 (claim name check on the untrimmed name): " + detail);
    }
    for (const auto& user : sent_users_to_check_)
        if (pool_users.count(user))
            fail(Invariant::sent_viewer_left_pool,
                 "viewer " + user + " is still in the pool after their payout was committed as Sent");

    // Every stored payout was announced by payout.created (the only path is verify-candidate).
    for (const auto& p : payouts)
        if (!created_payouts_.count(p.id.str()))
            fail(Invariant::payout_created_by_verify_rules,
                 "payout " + p.id.str() + " of viewer " + p.twitch_user_id +
                     " is in the store without a payout.created from verify-candidate");
}

void InvariantChecker::fail(Invariant invariant, const std::string& detail) {
    if (on_violation_) on_violation_(invariant, detail);
    const sim::Instant now = clock_.now();
    std::ostringstream report;
    report << "invariant violated: " << to_string(invariant) << "\n"
           << "  " << detail << "\n"
           << "  simulated time: " << sim::format_iso8601(now) << "\n"
           << "  trace so far: " << records_seen_ << " records; the last " << std::min<std::uint64_t>(records_seen_, kTraceTail)
           << ":\n";
    for (std::uint64_t i = records_seen_ > kTraceTail ? records_seen_ - kTraceTail : 0; i < records_seen_; ++i)
        report << "    " << tail_[i % kTraceTail] << "\n";
    throw InvariantViolation(invariant, now, detail, report.str());
}

}  // namespace mgm::harness::scenario

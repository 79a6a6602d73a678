#include "backend/domain/roulette.h"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "backend/domain/character_name.h"

namespace mgm::backend {

namespace {

SpinState fresh_cycle(sim::Instant cycle_start, const sim::Uuid& id, bool pool_empty) {
    SpinState s;
    s.cycle_start = cycle_start;
    s.spin_cycle_id = id;
    s.verification_deadline = cycle_start + kVerificationDeadline;
    s.pool_was_empty_at_cycle_start = pool_empty;
    return s;
}

}  // namespace

sim::Instant floor_to_5_minutes(sim::Instant t) {
    const std::int64_t interval = kRouletteInterval.count();
    // Floor division: '/' truncates toward zero, which would round instants before 1970 up.
    std::int64_t cycles = t.ticks / interval;
    if (t.ticks % interval != 0 && t.ticks < 0) --cycles;
    return sim::Instant{cycles * interval};
}

sim::Instant next_5_minute_boundary(sim::Instant t) { return floor_to_5_minutes(t) + kRouletteInterval; }

sim::Instant next_phase_start(sim::Instant t, SpinPhase phase) {
    sim::Duration offset{};
    switch (phase) {
    case SpinPhase::collecting: return next_5_minute_boundary(t);
    case SpinPhase::spinning: offset = kSpinningStarts; break;
    case SpinPhase::verification: offset = kVerificationStarts; break;
    case SpinPhase::idle:
    case SpinPhase::completed:
        throw std::invalid_argument(std::string("next_phase_start: phase \"") + to_string(phase) +
                                    "\" has no fixed start on the grid");
    }
    const sim::Instant candidate = floor_to_5_minutes(t) + offset;
    return candidate > t ? candidate : candidate + kRouletteInterval;
}

sim::Instant next_phase_start(sim::Instant t) {
    return std::min({next_phase_start(t, SpinPhase::collecting), next_phase_start(t, SpinPhase::spinning),
                     next_phase_start(t, SpinPhase::verification)});
}

const char* to_string(SpinPhase phase) {
    switch (phase) {
    case SpinPhase::idle: return "idle";
    case SpinPhase::collecting: return "collecting";
    case SpinPhase::spinning: return "spinning";
    case SpinPhase::verification: return "verification";
    case SpinPhase::completed: return "completed";
    }
    return "idle";
}

SpinPhase resolve_spin_phase(sim::Instant now, std::size_t pool_size, const SpinState& spin) {
    if (spin.pool_was_empty_at_cycle_start || pool_size == 0) return SpinPhase::idle;
    const sim::Instant t_select = spin.cycle_start + kCollectingWindow;
    const sim::Instant t_verify_start = t_select + kSpinningWindow;
    const sim::Instant t_cycle_end = spin.cycle_start + kRouletteInterval;
    if (now < t_select) return SpinPhase::collecting;
    if (!spin.candidate_selected_at) return SpinPhase::completed;
    if (now < t_verify_start) return SpinPhase::spinning;
    if (now < t_cycle_end) return SpinPhase::verification;
    if (now < spin.verification_deadline) return SpinPhase::verification;
    return SpinPhase::completed;
}

TickResult RouletteService::tick() {
    const sim::Instant now = ctx_.clock.now();
    const sim::Instant cycle_start = floor_to_5_minutes(now);
    // Most ticks (one per second) change nothing: decided from the spin state alone, without a transaction
    // (a write transaction per simulated second dominated idle simulations: docs/BENCHMARKS.md).
    auto nothing_to_do = [&](const std::optional<SpinState>& spin) {
        return spin && spin->cycle_start == cycle_start &&
               (spin->pool_was_empty_at_cycle_start || spin->candidate_selected_at || now < cycle_start + kCollectingWindow);
    };
    if (nothing_to_do(ctx_.store.load_spin())) return TickResult::unchanged;
    nlohmann::json event;
    const char* event_name = nullptr;
    const TickResult result = ctx_.store.transact([&]() -> TickResult {
        // The pool is read only (decision D3: the tick never writes it), and only when this tick can change
        // something: reading ~1,000 members each second dominated long simulations (docs/BENCHMARKS.md).
        auto spin = ctx_.store.load_spin();
        if (!spin || spin->cycle_start != cycle_start) {
            const bool created = !spin.has_value();
            const std::int64_t pool_size = ctx_.store.pool_size();
            SpinState next = fresh_cycle(cycle_start, rng_.uuid_v4(), pool_size == 0);
            ctx_.store.save_spin(next);
            event_name = created ? "roulette.cycle_created" : "roulette.rollover";
            event = {{"cycleStart", sim::format_iso8601(cycle_start)},
                     {"spinCycleId", next.spin_cycle_id.str()},
                     {"poolWasEmpty", next.pool_was_empty_at_cycle_start},
                     {"poolSize", pool_size}};
            if (!created) event["previousSpinCycleId"] = spin->spin_cycle_id.str();
            return created ? TickResult::created : TickResult::rolled_over;
        }
        if (nothing_to_do(spin)) return TickResult::unchanged;
        // The draw needs the pool's size and one member: the store answers both without reading every row.
        const std::int64_t pool_size = ctx_.store.pool_size();
        if (pool_size > 0) {
            const auto index = rng_.uniform(static_cast<std::uint64_t>(pool_size));
            const auto member = ctx_.store.pool_member_at(static_cast<std::int64_t>(index));
            if (!member) throw std::logic_error("roulette draw: no pool member at a drawn index");
            const PoolMember& m = *member;
            spin->candidate_twitch_user_id = m.twitch_user_id;
            spin->candidate_character_name = m.character_name;
            spin->candidate_twitch_display_name = m.twitch_display_name;
            spin->candidate_selected_at = now;
            ctx_.store.save_spin(*spin);
            event_name = "roulette.candidate_selected";
            event = {{"spinCycleId", spin->spin_cycle_id.str()},
                     {"twitchUserId", m.twitch_user_id},
                     {"characterName", m.character_name},
                     {"index", index},
                     {"poolSize", pool_size}};
            return TickResult::candidate_selected;
        }
        return TickResult::unchanged;
    });
    if (event_name) ctx_.trace.event(kEbsActor, event_name, event);
    return result;
}

RouletteStateView RouletteService::state() const {
    const sim::Instant now = ctx_.clock.now();
    RouletteStateView view;
    view.server_now = now;
    view.next_spin_at = next_5_minute_boundary(now);
    view.pool_participant_count = ctx_.store.pool_size();
    const auto spin = ctx_.store.load_spin();
    if (!spin) {
        view.spin_phase = SpinPhase::idle;
        return view;
    }
    view.spin_phase = resolve_spin_phase(now, static_cast<std::size_t>(view.pool_participant_count), *spin);
    if (view.spin_phase != SpinPhase::idle) view.current_spin_cycle_id = spin->spin_cycle_id;
    return view;
}

Outcome<Done> RouletteService::verify_candidate(const VerifyCandidateRequest& request) {
    const sim::Instant now = ctx_.clock.now();
    return ctx_.store.transact([&] { return verify_in_transaction(request, now); });
}

Outcome<Done> RouletteService::verify_in_transaction(const VerifyCandidateRequest& r, sim::Instant now) {
    if (r.schema_version != 1) return errors::invalid_payload_schema();
    if (!is_valid_character_name(r.character_name)) return errors::invalid_character_name();
    auto spin = ctx_.store.load_spin();
    if (!spin || spin->spin_cycle_id != r.spin_cycle_id) return errors::out_of_sequence_cycle();
    if (now > spin->verification_deadline) return errors::out_of_sequence_window();
    if (spin->payout_created_for_cycle) return Done{};
    if (!r.online) {
        // D5 (matched): an offline report consumes the cycle before any name or candidate check.
        spin->payout_created_for_cycle = true;
        ctx_.store.save_spin(*spin);
        ctx_.trace.event(kEbsActor, "roulette.cycle_consumed",
                         {{"spinCycleId", spin->spin_cycle_id.str()}, {"online", false}});
        return Done{};
    }
    if (!spin->candidate_character_name || *spin->candidate_character_name != r.character_name)
        return errors::out_of_sequence_name();
    if (!spin->candidate_twitch_user_id || spin->candidate_twitch_user_id->empty())
        return errors::out_of_sequence_no_candidate();
    if (ctx_.store.has_active_payout(*spin->candidate_twitch_user_id)) return errors::active_payout_exists_winner();

    Payout p;
    p.id = rng_.uuid_v4();
    p.twitch_user_id = *spin->candidate_twitch_user_id;
    p.twitch_display_name = spin->candidate_twitch_display_name.value_or("");
    p.character_name = *spin->candidate_character_name;
    p.gold_amount = kPayoutGoldAmount;
    p.enrollment_request_id = "spin:" + spin->spin_cycle_id.hex32();
    p.status = PayoutStatus::Pending;
    p.created_at = now;
    p.spin_cycle_id = spin->spin_cycle_id;
    ctx_.store.insert_payout(p);
    const nlohmann::json created = {{"id", p.id.str()},
                                    {"twitchUserId", p.twitch_user_id},
                                    {"twitchDisplayName", p.twitch_display_name},
                                    {"characterName", p.character_name},
                                    {"goldAmount", p.gold_amount},
                                    {"enrollmentRequestId", p.enrollment_request_id},
                                    {"status", to_string(p.status)},
                                    {"createdAtUtc", sim::format_iso8601(now)},
                                    {"spinCycleId", spin->spin_cycle_id.str()}};
    ctx_.store.append_event(p.id.str(), "PayoutCreated", created.dump(), now);
    spin->payout_created_for_cycle = true;
    ctx_.store.save_spin(*spin);
    ctx_.trace.event(kEbsActor, "payout.created",
                     {{"payoutId", p.id.str()},
                      {"twitchUserId", p.twitch_user_id},
                      {"characterName", p.character_name},
                      {"spinCycleId", spin->spin_cycle_id.str()},
                      {"enrollmentRequestId", p.enrollment_request_id}});
    return Done{};
}

bool RouletteService::harness_enabled() const { return ctx_.config.is_development() && ctx_.config.enable_e2e_harness; }

PrepareOutcome RouletteService::prepare_pending_payout(const std::string& twitch_user_id) {
    if (is_blank(twitch_user_id)) return HarnessError{400, "twitchUserId is required."};
    const std::string user = trim_dotnet(twitch_user_id);
    const sim::Instant now = ctx_.clock.now();
    return ctx_.store.transact([&]() -> PrepareOutcome {
        const auto member = ctx_.store.find_pool_member(user);
        if (!member) return HarnessError{400, "Viewer is not in the pool; run enrollment first."};
        auto spin = ctx_.store.load_spin();
        if (!spin) { spin = fresh_cycle(floor_to_5_minutes(now), rng_.uuid_v4(), false); }
        spin->pool_was_empty_at_cycle_start = false;
        spin->payout_created_for_cycle = false;
        spin->candidate_twitch_user_id = member->twitch_user_id;
        spin->candidate_character_name = member->character_name;
        spin->candidate_twitch_display_name = member->twitch_display_name;
        spin->candidate_selected_at = now;
        spin->verification_deadline = now + std::chrono::hours(1);
        ctx_.store.save_spin(*spin);
        ctx_.trace.event(kEbsActor, "e2e.spin_forced",
                         {{"spinCycleId", spin->spin_cycle_id.str()}, {"twitchUserId", member->twitch_user_id}});

        VerifyCandidateRequest verify;
        verify.schema_version = 1;
        verify.spin_cycle_id = spin->spin_cycle_id;
        verify.character_name = member->character_name;
        verify.online = true;
        verify.captured_at = now;
        auto verified = verify_in_transaction(verify, now);
        if (!verified) return verified.error();

        const auto payout = ctx_.store.latest_pending_payout_for_user(member->twitch_user_id);
        if (!payout) return HarnessError{500, "verify-candidate succeeded but no Pending payout found."};
        return E2ePrepared{payout->id, member->character_name};
    });
}

}  // namespace mgm::backend

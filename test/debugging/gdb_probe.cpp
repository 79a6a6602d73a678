// gdb_probe: the harness's types holding known values, for the pretty-printer test (test_gdb.py stops in
// probe_stop and prints the caller's locals), then an invariant violation seen through --break-on-invariant's
// machinery (the test stops in mgm_break_here). Compiled without optimisation so every local is visible.
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>

#include "backend/domain/records.h"
#include "backend/domain/roulette.h"
#include "backend/domain/store.h"
#include "backend/ebs.h"
#include "harness/scenario/breakpoints.h"
#include "harness/scenario/invariants.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"
#include "sim/clock/sim_loop.h"
#include "sim/core/time.h"
#include "sim/core/uuid.h"
#include "sim/http/message.h"

extern "C" __attribute__((noinline)) void probe_stop() { asm volatile("" ::: "memory"); }

int main() {
    using namespace mgm;
    const sim::Instant instant = *sim::parse_iso8601("2026-04-04T12:09:00Z");
    const sim::Instant fractional = *sim::parse_iso8601("2026-04-04T12:00:41.75Z");
    const sim::Duration duration = std::chrono::seconds(270);
    const sim::Duration long_duration = std::chrono::hours(25) + std::chrono::milliseconds(1500);
    const sim::Duration tick = sim::kTick;
    const sim::Uuid uuid = *sim::Uuid::parse_hyphenated("a3721f6c-29ea-4a50-b1e5-7dbe021aee6f");
    const backend::PayoutStatus status = backend::PayoutStatus::InProgress;
    const backend::SpinPhase phase = backend::SpinPhase::verification;
    backend::SpinState spin;
    spin.cycle_start = *sim::parse_iso8601("2026-04-04T12:05:00Z");
    spin.spin_cycle_id = uuid;
    spin.candidate_twitch_user_id = "viewer-etoe";
    spin.candidate_character_name = "Etoehero";
    spin.candidate_selected_at = instant;
    spin.verification_deadline = *sim::parse_iso8601("2026-04-04T12:10:00Z");
    backend::SpinState empty_spin;
    backend::Payout payout;
    payout.id = *sim::Uuid::parse_hyphenated("6a840fe8-ddbf-4bec-bb19-a4eb16d824af");
    payout.twitch_user_id = "viewer-etoe";
    payout.character_name = "Etoehero";
    payout.status = backend::PayoutStatus::Sent;
    payout.created_at = instant;
    payout.is_reward_sent_announced_to_chat = true;
    const backend::PoolMember member{"viewer-norinn", "Norinn", "Norinn", 3};
    const std::optional<sim::Instant> no_instant;
    http::Request request;
    request.method = "POST";
    request.target = "/api/roulette/verify-candidate";
    request.body = R"({"schemaVersion":1})";
    const http::Response response = http::Response::json(409, R"({"code":"out_of_sequence"})");
    backend::RouletteStateView state;
    state.spin_phase = backend::SpinPhase::collecting;
    state.server_now = instant;
    state.next_spin_at = spin.verification_deadline;
    state.pool_participant_count = 2;
    probe_stop();

    // An invariant violation: two active payouts for one viewer, reported after the next simulated event.
    auto world = std::make_unique<harness::World>(harness::WorldConfig{});
    auto checker = harness::scenario::InvariantChecker::attach(*world);
    harness::scenario::BreakOptions options;
    options.on_invariant = true;
    harness::scenario::Breakpoints breakpoints(options, world->trace(), world->clock(), &std::cerr);
    checker->set_on_violation([&breakpoints](harness::scenario::Invariant invariant, const std::string& detail) {
        breakpoints.invariant_violated(invariant, detail);
    });
    world->loop().run_for(std::chrono::seconds(2));
    for (auto s : {backend::PayoutStatus::Pending, backend::PayoutStatus::InProgress}) {
        backend::Payout p = payout;
        p.id = sim::Uuid{};
        p.id.bytes[15] = static_cast<std::uint8_t>(s) + 1;
        p.status = s;
        world->ebs().store().insert_payout(p);
    }
    int code = 1;
    try {
        world->driver().get(world->url(harness::Service::ebs) + "/api/version");
    } catch (const harness::scenario::InvariantViolation& v) {
        std::cout << "violation reported: " << v.detail() << "\n";
        code = breakpoints.hits().size() == 1 ? 0 : 1;
    }
    world->loop().set_after_event(nullptr);
    return code + (status == backend::PayoutStatus::InProgress && phase == backend::SpinPhase::verification &&
                           duration.count() > 0 && long_duration.count() > 0 && tick.count() == 1 &&
                           fractional > instant - std::chrono::hours(1) && !no_instant && member.seq == 3 && request.body.size() + response.body.size() > 0 && state.pool_participant_count == 2 &&
                           empty_spin.spin_cycle_id.is_nil()
                       ? 0
                       : 2);
}

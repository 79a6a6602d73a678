// Time steps: advance (to an instant, by a duration, to the next roulette phase) and wait (run until a
// condition or domain event holds, within a simulated-time limit).
#include <functional>
#include <set>

#include "backend/domain/roulette.h"
#include "fakes/mock_helix_api.h"
#include "harness/scenario/run_context.h"
#include "harness/scenario/step_validation.h"
#include "harness/scenario/steps.h"
#include "harness/scenario/time_expr.h"
#include "harness/world/world.h"
#include "sim/clock/sim_loop.h"

namespace mgm::harness::scenario {

using nlohmann::json;

namespace {

// Runs the simulation up to `target` (every event due at or before it fires).
void advance_to(RunContext& run, sim::Instant target) {
    if (target < run.now())
        throw StepFailure("cannot move the clock backwards: target " + sim::format_iso8601(target) + " is " +
                          format_duration(run.now() - target) + " before now");
    run.world->loop().run_until(target);
}

// Next start of a roulette phase strictly after now (collecting = the boundary, spinning = cycle+240 s,
// verification = cycle+270 s; "next" = the earliest of them), as the domain defines the cycle.
sim::Instant next_phase_instant(const RunContext& run, const std::string& phase) {
    if (phase == "spinning") return backend::next_phase_start(run.now(), backend::SpinPhase::spinning);
    if (phase == "verification") return backend::next_phase_start(run.now(), backend::SpinPhase::verification);
    if (phase == "collecting" || phase == "boundary")
        return backend::next_phase_start(run.now(), backend::SpinPhase::collecting);
    return backend::next_phase_start(run.now());
}

}  // namespace

// ----- advance -------------------------------------------------------------------------------------------

void validate_advance(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"advance", "note"});
    if (v.is_string()) {
        const std::string text = v.get<std::string>();
        if (text != "next_phase" && !has_variable(v) && !parse_duration(text) && !parse_instant_shape(text))
            ctx.fail(vp, "advance: \"" + text + "\" is neither a duration, an instant nor \"next_phase\"");
        return;
    }
    require_keys(ctx, vp, v, {"to", "by", "to_phase", "offset"});
    int modes = v.contains("to") + v.contains("by") + v.contains("to_phase");
    if (modes != 1) ctx.fail(vp, "advance needs exactly one of to, by, to_phase");
    if (v.contains("to")) require_instant(ctx, vp + "/to", v["to"], "to");
    if (v.contains("by")) require_duration(ctx, vp + "/by", v["by"], "by");
    if (v.contains("offset")) require_duration(ctx, vp + "/offset", v["offset"], "offset");
    if (v.contains("to_phase")) {
        static const std::set<std::string> phases = {"collecting", "spinning", "verification", "boundary", "next"};
        if (!v["to_phase"].is_string() || !phases.count(v["to_phase"].get<std::string>()))
            ctx.fail(vp + "/to_phase", "to_phase must be one of collecting, spinning, verification, boundary, next");
    }
}

void run_advance(RunContext& run, const Step&, const json& step) {
    const json& spec = step["advance"];
    sim::Instant target;
    if (spec.is_string()) {
        const std::string text = spec.get<std::string>();
        if (text == "next_phase") target = next_phase_instant(run, "next");
        else if (auto d = parse_duration(text)) target = run.now() + *d;
        else target = run.instant(spec, "advance");
    } else {
        if (spec.contains("to")) target = run.instant(spec["to"], "advance.to");
        else if (spec.contains("by")) target = run.now() + run.duration(spec["by"], "advance.by");
        else target = next_phase_instant(run, spec["to_phase"].get<std::string>());
        if (spec.contains("offset")) target += run.duration(spec["offset"], "advance.offset");
    }
    advance_to(run, target);
}

// ----- wait ----------------------------------------------------------------------------------------------

void validate_wait(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"wait", "within", "capture", "note"});
    require_keys(ctx, vp, v, {"event", "where", "new", "payout", "status", "helix_requests", "pool", "phase"});
    int conditions = v.contains("event") + v.contains("payout") + v.contains("helix_requests") + v.contains("pool") +
                     v.contains("phase");
    if (conditions != 1) ctx.fail(vp, "wait needs exactly one of event, payout, helix_requests, pool, phase");
    if (v.contains("payout") && !v.contains("status")) ctx.fail(vp, "wait for a payout needs \"status\"");
    if (v.contains("pool")) validate_pool_check(ctx, vp + "/pool", v["pool"]);
    if ((v.contains("where") || v.contains("new")) && !v.contains("event"))
        ctx.fail(vp, "where/new only apply to an event wait");
    if (spec.contains("within")) require_duration(ctx, pointer + "/within", spec["within"], "within");
    if (spec.contains("capture")) validate_capture(ctx, pointer + "/capture", spec["capture"]);
}

namespace {

// What a wait waits for: whether it holds now, what was wanted and what there is (for the failure).
struct WaitCondition {
    std::function<bool()> holds;
    std::function<std::string()> actual;
    std::string wanted;
};

WaitCondition wait_condition(RunContext& run, const json& spec, std::size_t first_event) {
    WaitCondition c;
    if (spec.contains("event")) {
        const std::string name = spec["event"].get<std::string>();
        const json where = spec.value("where", json());
        c.wanted = "event " + name + (where.is_null() ? "" : " matching " + where.dump());
        c.holds = [=, &run] { return find_event(run, name, where, first_event).has_value(); };
        c.actual = [=, &run] {
            std::string seen;
            for (std::size_t i = first_event; i < run.events.size(); ++i)
                if (run.events[i].value("name", "") == name) seen += "\n    " + run.events[i].dump();
            return seen.empty() ? "no " + name + " event was recorded" : "recorded " + name + " events:" + seen;
        };
    } else if (spec.contains("payout")) {
        const std::string id = spec["payout"].get<std::string>();
        const std::string status = spec["status"].get<std::string>();
        c.wanted = "payout " + id + " in status " + status;
        c.holds = [=, &run] {
            auto p = find_payout(run, id);
            return p && backend::to_string(p->status) == status;
        };
        c.actual = [=, &run] {
            auto p = find_payout(run, id);
            return p ? "payout is " + backend::to_string(p->status) : std::string("no such payout");
        };
    } else if (spec.contains("helix_requests")) {
        const auto count = spec["helix_requests"].get<std::uint64_t>();
        c.wanted = "at least " + std::to_string(count) + " Helix requests";
        c.holds = [=, &run] { return run.world->helix().request_count() >= count; };
        c.actual = [&run] { return std::to_string(run.world->helix().request_count()) + " Helix requests"; };
    } else if (spec.contains("pool")) {
        const json check = spec["pool"];
        c.wanted = "pool " + check.dump();
        c.holds = [=, &run] { return !pool_mismatch(run, check).has_value(); };
        c.actual = [=, &run] { return pool_mismatch(run, check).value_or("matches"); };
    } else {
        const std::string phase = spec["phase"].get<std::string>();
        c.wanted = "spinPhase " + phase;
        c.holds = [=, &run] { return current_phase(run) == phase; };
        c.actual = [&run] { return "spinPhase is " + current_phase(run); };
    }
    return c;
}

}  // namespace

void run_wait(RunContext& run, const Step&, const json& step) {
    const json& spec = step["wait"];
    const sim::Duration within =
        step.contains("within") ? run.duration(step["within"], "within") : sim::Duration(std::chrono::minutes(10));
    const sim::Instant limit = run.now() + within;
    const std::size_t first_event = spec.value("new", false) ? run.events.size() : 0;
    const WaitCondition condition = wait_condition(run, spec, first_event);
    bool ok = condition.holds() || run.world->loop().run_until(condition.holds, limit);
    if (!ok)
        throw StepFailure("waited " + format_duration(within) + " (until " + sim::format_iso8601(limit) + ") for " +
                          condition.wanted + "\n  actual: " + condition.actual());
    if (step.contains("capture")) {
        if (!spec.contains("event")) throw StepFailure("capture after a wait only works with an event wait");
        auto event = find_event(run, spec["event"].get<std::string>(), spec.value("where", json()), first_event);
        capture_from(run, step["capture"], *event, "the event");
    }
}

}  // namespace mgm::harness::scenario

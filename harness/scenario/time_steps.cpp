// Time steps: advance (to an instant, by a duration, to the next roulette phase) and wait (run until a
// condition or domain event holds, within a simulated-time limit).
#include <functional>
#include <set>

#include "backend/domain/roulette.h"
#include "fakes/mock_helix_api.h"
#include "harness/scenario/json_match.h"
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

void run_advance(RunContext& run, const Step& current, const json& step) {
    const json& spec = step["advance"];
    sim::Instant target;
    std::string phase;  // the roulette phase asked for, if any
    if (spec.is_string()) {
        const std::string text = spec.get<std::string>();
        if (text == "next_phase") phase = "next";
        if (text == "next_phase") target = next_phase_instant(run, "next");
        else if (auto d = parse_duration(text)) target = run.now() + *d;
        else target = run.instant(spec, "advance");
    } else {
        if (spec.contains("to")) target = run.instant(spec["to"], "advance.to");
        else if (spec.contains("by")) target = run.now() + run.duration(spec["by"], "advance.by");
        else target = next_phase_instant(run, phase = spec["to_phase"].get<std::string>());
        if (spec.contains("offset")) target += run.duration(spec["offset"], "advance.offset");
    }
    advance_to(run, target);
    if (!phase.empty()) {
        run.last_phase_advance = "step " + current.path + " advanced to phase \"" + phase + "\"";
        run.last_phase_advance_at = run.now();
        if (run.options.progress) {
            if (auto hint = idle_cycle_hint(run))
                *run.options.progress << "[" << sim::format_iso8601(run.now()) << "]   note: " << *hint << "\n";
        }
    }
}

// ----- wait ----------------------------------------------------------------------------------------------

void validate_wait(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"wait", "within", "capture", "note"});
    require_keys(ctx, vp, v, {"event", "where", "new", "since", "payout", "status", "helix_requests", "pool", "phase"});
    if (v.contains("event")) require_event_name(ctx, vp + "/event", v["event"]);
    require_types(ctx, vp, v,
                  {{"where", JsonKind::object},
                   {"new", JsonKind::boolean},
                   {"payout", JsonKind::string},
                   {"status", JsonKind::string},
                   {"helix_requests", JsonKind::count},
                   {"phase", JsonKind::string}});
    if (v.contains("since")) {
        if (!v["since"].is_string() || !parse_event_window(v["since"].get<std::string>()))
            ctx.fail(vp + "/since", "since must be one of " + std::string(kEventWindowNames));
        if (v.contains("new")) ctx.fail(vp, "use since or new, not both (new: true = since \"step\")");
    }
    int conditions = v.contains("event") + v.contains("payout") + v.contains("helix_requests") + v.contains("pool") +
                     v.contains("phase");
    if (conditions != 1) ctx.fail(vp, "wait needs exactly one of event, payout, helix_requests, pool, phase");
    if (v.contains("payout") && !v.contains("status")) ctx.fail(vp, "wait for a payout needs \"status\"");
    if (v.contains("pool")) validate_pool_check(ctx, vp + "/pool", v["pool"]);
    if ((v.contains("where") || v.contains("new") || v.contains("since")) && !v.contains("event"))
        ctx.fail(vp, "where/new/since only apply to an event wait");
    if (spec.contains("within")) require_duration(ctx, pointer + "/within", spec["within"], "within");
    if (spec.contains("capture")) validate_capture(ctx, pointer + "/capture", spec["capture"]);
}

std::optional<EventWindow> parse_event_window(const std::string& name) {
    if (name == "step") return EventWindow::step;
    if (name == "previous_step") return EventWindow::previous_step;
    if (name == "cycle") return EventWindow::cycle;
    if (name == "start") return EventWindow::start;
    return std::nullopt;
}

EventWindowStart event_window_start(const RunContext& run, EventWindow window) {
    EventWindowStart start;
    switch (window) {
    case EventWindow::step:
        start.first_event = run.step_first_event;
        start.description = "since this step began (" + sim::format_iso8601(run.step_started_at) + ")";
        break;
    case EventWindow::previous_step:
        start.first_event = run.previous_step_first_event;
        start.description =
            "since the previous step began (" + sim::format_iso8601(run.previous_step_started_at) + ")";
        break;
    case EventWindow::cycle: {
        const sim::Instant cycle = backend::floor_to_5_minutes(run.now());
        std::size_t first = run.events.size();
        while (first > 0) {
            auto t = sim::parse_iso8601(run.events[first - 1].value("t", ""));
            if (!t || *t < cycle) break;
            --first;
        }
        start.first_event = first;
        start.description = "in this cycle (since " + sim::format_iso8601(cycle) + ")";
        break;
    }
    case EventWindow::start:
        start.first_event = 0;
        start.description = "since the scenario began";
        break;
    }
    return start;
}

namespace {

// What a wait waits for: whether it holds now, what was wanted and what there is (for the failure).
struct WaitCondition {
    std::function<bool()> holds;
    std::function<std::string()> actual;
    std::string wanted;
};

// "12:14:00Z, seq 1044" for messages.
std::string event_stamp(const json& e) { return e.value("t", "?") + ", seq " + std::to_string(e.value("seq", 0)); }

// Why no event counted: none in the window (and the newest one before it), or those in it did not match.
std::string event_wait_actual(const RunContext& run, const std::string& name, const json& where,
                              const EventWindowStart& window) {
    std::string out;
    std::vector<const json*> inside;
    const json* before = nullptr;
    for (std::size_t i = 0; i < run.events.size(); ++i) {
        const json& e = run.events[i];
        if (e.value("name", "") != name) continue;
        if (i >= window.first_event) inside.push_back(&e);
        else before = &e;
    }
    if (inside.empty()) {
        out = "no " + name + " event " + window.description;
        if (before)
            out += "\n  newest earlier: " + event_stamp(*before) + " - recorded before the window, so it did not count" +
                   " (\"since\": \"cycle\" or \"start\" widens it): " + truncate(before->dump(), 300);
        else out += "\n  none was recorded earlier either";
        return out;
    }
    out = std::to_string(inside.size()) + " " + name + " event(s) " + window.description + ", none matching where:";
    std::size_t shown = 0;
    for (auto it = inside.rbegin(); it != inside.rend() && shown < 5; ++it, ++shown) {
        std::string at, why;
        json_subset_match(where, **it, &at, &why);
        out += "\n    " + event_stamp(**it) + ": at " + at + ": " + why;
    }
    return out;
}

WaitCondition wait_condition(RunContext& run, const json& spec, const EventWindowStart& window) {
    WaitCondition c;
    const std::size_t first_event = window.first_event;
    if (spec.contains("event")) {
        const std::string name = spec["event"].get<std::string>();
        const json where = spec.value("where", json());
        c.wanted = "event " + name + (where.is_null() ? "" : " matching " + where.dump());
        c.holds = [=, &run] { return find_event(run, name, where, first_event).has_value(); };
        c.actual = [=, &run] { return event_wait_actual(run, name, where, window); };
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
        const auto count = static_cast<std::uint64_t>(integer_value(spec["helix_requests"], "wait.helix_requests"));
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
    EventWindow window = EventWindow::previous_step;
    if (spec.contains("since")) window = *parse_event_window(spec["since"].get<std::string>());
    else if (spec.contains("new")) window = spec["new"].get<bool>() ? EventWindow::step : EventWindow::start;
    const EventWindowStart start = event_window_start(run, window);
    const WaitCondition condition = wait_condition(run, spec, start);
    bool ok = condition.holds() || run.world->loop().run_until(condition.holds, limit);
    if (!ok)
        throw StepFailure("waited " + format_duration(within) + " (until " + sim::format_iso8601(limit) + ") for " +
                          condition.wanted + "\n  actual: " + condition.actual());
    if (step.contains("capture")) {
        if (!spec.contains("event")) throw StepFailure("capture after a wait only works with an event wait");
        auto event = find_event(run, spec["event"].get<std::string>(), spec.value("where", json()), start.first_event);
        capture_from(run, step["capture"], *event, "the event");
    }
}

}  // namespace mgm::harness::scenario

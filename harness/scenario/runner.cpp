// The runner: the step loop, the control verbs (set, repeat, log), and run_scenario, which turns how a run
// ended into a RunResult. Each verb's own work is in the file of its concern (see verbs.cpp).
#include "harness/scenario/runner.h"

#include "harness/scenario/invariants.h"
#include "harness/scenario/json_match.h"
#include "harness/scenario/report.h"
#include "harness/scenario/run_context.h"
#include "harness/scenario/step_validation.h"
#include "harness/scenario/steps.h"
#include "harness/scenario/time_expr.h"
#include "harness/scenario/verbs.h"
#include "harness/world/world.h"
#include "sim/clock/sim_loop.h"
#include "sim/trace/trace.h"

namespace mgm::harness::scenario {

using nlohmann::json;

namespace {

void run_step(RunContext& run, const Step& step) {
    run.current = &step;
    run.current_spec = json();
    ++run.steps_run;
    run.previous_step_first_event = run.step_first_event;
    run.previous_step_started_at = run.step_started_at;
    run.step_first_event = run.events.size();
    run.step_started_at = run.now();
    if (run.world)
        run.world->trace().record(
            "scenario", "step",
            json{{"step", step.path}, {"line", step.line}, {"verb", std::string(step_kind_name(step.kind))}});
    const Verb& v = verb(step.kind);
    // The step as it runs: its variables' values, shown in the step log and the failure report.
    const json spec = v.substitution == Substitution::whole_step ? run.substitute(step.spec) : step.spec;
    run.current_spec = spec;
    if (run.options.progress) {
        *run.options.progress << "[" << sim::format_iso8601(run.now()) << "] " << run.scenario.name << " step "
                              << step.path << " (line " << step.line;
        for (const auto& pass : run.repeat_passes) *run.options.progress << ", " << pass.var << "=" << pass.pass;
        *run.options.progress << "): " << step.summary(spec) << "\n";
    }
    // A portable file has no simulation-only verb (checked at load); this keeps a hand-built Scenario honest.
    if (v.reach == Reach::simulation_only) run.require_simulation(std::string(v.name).c_str());
    v.execute(run, step, spec);
}

}  // namespace

void run_steps(RunContext& run, const std::vector<Step>& steps) {
    for (const Step& step : steps) run_step(run, step);
}

// ----- set -----------------------------------------------------------------------------------------------

void validate_set(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"set", "note"});
    require_type(ctx, vp, v, v.is_object(), "set must map variable names to values");
    for (auto it = v.begin(); it != v.end(); ++it) require_assignable(ctx, vp + "/" + it.key(), it.key());
}

void run_set(RunContext& run, const Step&, const json& spec) {
    for (auto it = spec["set"].begin(); it != spec["set"].end(); ++it)
        run.set_variable(it.key(), json_to_variable_text(it.value()));
}

// ----- repeat --------------------------------------------------------------------------------------------

void validate_repeat(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"repeat", "var", "steps", "note"}, {"steps"});
    require_type(ctx, vp, v, v.is_number_integer() && v.get<int>() >= 0, "repeat must be a count (>= 0)");
    if (spec.contains("var")) {
        require_type(ctx, pointer + "/var", spec["var"], spec["var"].is_string(), "var must be a name");
        require_assignable(ctx, pointer + "/var", spec["var"].get<std::string>());
    }
    step.children = parse_steps(ctx, spec["steps"], pointer + "/steps", step.path);
}

// `spec` is the step as written: the nested steps substitute their variables as each of them runs.
void run_repeat(RunContext& run, const Step& step, const json& spec) {
    const int times = spec["repeat"].get<int>();
    const std::string counter = spec.value("var", "i");
    // Left in place when a nested step fails, so the report says which pass it was.
    run.repeat_passes.push_back({counter, 0, times});
    for (int i = 1; i <= times; ++i) {
        run.repeat_passes.back().pass = i;
        run.set_variable(counter, std::to_string(i));
        run_steps(run, step.children);
        run.current = &step;
        run.current_spec = spec;
    }
    run.repeat_passes.pop_back();
}

// ----- until ---------------------------------------------------------------------------------------------

void validate_until(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"until", "tries", "every", "within", "note"});
    require_type(ctx, vp, v, v.is_object(),
                 "until must be one step, e.g. {\"http\": \"GET /api/pool/me\", \"expect\": {\"status\": 200}}");
    require_types(ctx, pointer, spec, {{"tries", JsonKind::count}});
    if (spec.contains("every")) require_duration(ctx, pointer + "/every", spec["every"], "every");
    if (spec.contains("within")) require_duration(ctx, pointer + "/within", spec["within"], "within");
    step.children.push_back(parse_nested_step(ctx, v, vp, 1, step.path));
    const StepKind inner = step.children.front().kind;
    if (inner == StepKind::until || inner == StepKind::repeat)
        ctx.fail(vp, "until retries one plain step, not a " + std::string(step_kind_name(inner)));
}

// Runs the nested step; while it fails (a StepFailure - invariant violations and errors still end the run),
// lets `every` of simulated time pass and tries again, up to `tries` runs and within `within`.
void run_until(RunContext& run, const Step& step, const json& spec) {
    const std::int64_t tries = spec.contains("tries") ? integer_value(run.substitute(spec["tries"]), "tries") : 10;
    const sim::Duration every =
        spec.contains("every") ? run.duration(spec["every"], "every") : sim::Duration(std::chrono::seconds(1));
    const sim::Instant began = run.now();
    std::optional<sim::Instant> limit;
    if (spec.contains("within")) limit = began + run.duration(spec["within"], "within");
    for (std::int64_t attempt = 1;; ++attempt) {
        try {
            run_steps(run, step.children);
            run.current = &step;
            run.current_spec = spec;
            return;
        } catch (const StepFailure& failure) {
            const std::string last = failure.what();
            const std::string child_path = step.children.front().path;
            run.current = &step;
            run.current_spec = spec;
            const bool out_of_time = limit && run.now() + every > *limit;
            if (attempt >= tries || out_of_time)
                throw StepFailure("until: step " + child_path + " did not hold after " + std::to_string(attempt) +
                                  " tries over " + format_duration(run.now() - began) + " (budget: " +
                                  std::to_string(tries) + " tries, every " + format_duration(every) +
                                  (limit ? ", within " + format_duration(*limit - began) : std::string()) +
                                  ")\n  last failure: " + last);
            run.world->loop().run_until(run.now() + every);
        }
    }
}

// ----- log -----------------------------------------------------------------------------------------------

void validate_log(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"log", "note"});
    require_type(ctx, vp, v, v.is_string(), "log must be a string");
}

void run_log(RunContext& run, const Step&, const json& spec) {
    if (run.options.progress)
        *run.options.progress << "[" << sim::format_iso8601(run.now()) << "]   " << spec["log"].get<std::string>()
                              << "\n";
}

// ----- a run ---------------------------------------------------------------------------------------------

RunResult run_scenario(const Scenario& scenario, const RunOptions& given) {
    // A file with its own fault mix replays it on every run (sweep, ctest, shrink alike).
    RunOptions options = given;
    if (scenario.fault_mix && options.target == Target::simulation) install_fault_mix(options, *scenario.fault_mix);
    RunContext run(scenario, options);
    RunResult result;
    result.scenario_name = scenario.name;
    result.file = scenario.file;
    result.seed = run.seed;
    result.started_at = run.now();
    if (options.target == Target::real && !scenario.portable) {
        result.failure =
            "  this scenario controls the simulated clock or reads simulation-only state; only files "
            "marked \"portable\": true run with --target real";
        result.ended_at = run.now();
        return finish(run, result);
    }
    if (options.target == Target::real && !scenario.config.empty()) {
        result.failure =
            "  \"config\" overrides cannot be applied to services that are already running; "
            "portable scenarios must not set config";
        result.ended_at = run.now();
        return finish(run, result);
    }
    try {
        run_steps(run, scenario.steps);
        if (run.invariants) run.invariants->check_now();
        result.passed = true;
    } catch (const InvariantViolation& violation) {
        result.failure = invariant_report(run, violation.what());
        result.failure_kind = FailureKind::invariant;
    } catch (const StepFailure& failure) {
        result.failure = step_failure_report(run, failure.what());
        result.failure_kind = FailureKind::step;
    } catch (const std::exception& e) {
        result.failure = internal_error_report(run, e.what());
        result.failure_kind = FailureKind::internal;
    }
    result.ended_at = run.now();
    if (scenario.fault_mix && scenario.fault_mix->any() && !scenario.strict &&
        result.failure_kind == FailureKind::step) {
        // Judged like a sweep: the mix legitimately changes HTTP answers; invariants held.
        result.passed = true;
        result.tolerated = std::move(result.failure);
        result.failure.clear();
        result.failure_kind = FailureKind::none;
    }
    return finish(run, result);
}

}  // namespace mgm::harness::scenario

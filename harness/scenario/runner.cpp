// The runner: the step loop, the control verbs (set, repeat, log), and run_scenario, which turns how a run
// ended into a RunResult. Each verb's own work is in the file of its concern (see verbs.cpp).
#include "harness/scenario/runner.h"

#include "harness/scenario/invariants.h"
#include "harness/scenario/json_match.h"
#include "harness/scenario/report.h"
#include "harness/scenario/run_context.h"
#include "harness/scenario/step_validation.h"
#include "harness/scenario/steps.h"
#include "harness/scenario/verbs.h"
#include "harness/world/world.h"
#include "sim/trace/trace.h"

namespace mgm::harness::scenario {

using nlohmann::json;

namespace {

void run_step(RunContext& run, const Step& step) {
    run.current = &step;
    ++run.steps_run;
    if (run.world)
        run.world->trace().record(
            "scenario", "step",
            json{{"step", step.path}, {"line", step.line}, {"verb", std::string(step_kind_name(step.kind))}});
    if (run.options.progress)
        *run.options.progress << "[" << sim::format_iso8601(run.now()) << "] " << run.scenario.name << " step "
                              << step.path << " (line " << step.line << "): " << step.summary() << "\n";
    const Verb& v = verb(step.kind);
    // A portable file has no simulation-only verb (checked at load); this keeps a hand-built Scenario honest.
    if (v.reach == Reach::simulation_only) run.require_simulation(std::string(v.name).c_str());
    if (v.substitution == Substitution::whole_step) v.execute(run, step, run.substitute(step.spec));
    else v.execute(run, step, step.spec);
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
    for (int i = 1; i <= times; ++i) {
        run.set_variable(counter, std::to_string(i));
        run_steps(run, step.children);
        run.current = &step;
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

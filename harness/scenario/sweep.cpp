// Seed sweeps (see sweep.h): draw a seed's fault mix, apply it to a fresh World, classify the outcome.
#include "harness/scenario/sweep.h"

#include <cstdio>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "fakes/mock_helix_api.h"
#include "sim/clock/clock.h"
#include "sim/core/rng.h"
#include "sim/network/loopback_network.h"
#include "harness/world/world.h"

namespace mgm::harness::scenario {

Counts faults_fired(harness::World& world) {
    const sim::FaultsFired& f = world.loopback().faults_fired();
    Counts counts{{"connects_refused", f.connects_refused}, {"connects_lost", f.connects_lost},
                  {"resets", f.resets},
                  {"writes_lost", f.writes_lost},
                  {"packets_lost", f.packets_lost},
                  {"writes_split", f.writes_split},
                  {"packets_delayed", f.packets_delayed}};
    if (world.runs(harness::Service::helix)) counts["helix_failures"] = world.helix().failures_injected();
    for (auto it = counts.begin(); it != counts.end();) it = it->second == 0 ? counts.erase(it) : std::next(it);
    return counts;
}

const char* to_string(Verdict verdict) {
    switch (verdict) {
    case Verdict::pass: return "pass";
    case Verdict::tolerated: return "tolerated";
    case Verdict::fail: return "FAIL";
    }
    return "?";
}

SeedOutcome run_seed(const Scenario& scenario, std::uint64_t seed, const SweepOptions& options) {
    SeedOutcome outcome;
    outcome.seed = seed;
    // A file that carries its own fault mix (a materialised failing run) replays exactly that mix.
    if (scenario.fault_mix) outcome.faults = *scenario.fault_mix;
    else if (options.faults) outcome.faults = draw_fault_mix(seed);
    const FaultMix& mix = outcome.faults;

    RunOptions run;
    run.seed = seed;
    run.check_invariants = true;
    run.log_level = sim::LogLevel::off;  // faults make the services log warnings by the hundred
    run.configure_world = [&options](harness::WorldConfig& config) {
        config.store_recycler = options.store_recycler;
        config.trace_sink = options.trace_sink;
        config.trace_detail = options.trace_detail;
    };
    if (mix.any()) {
        if (!scenario.fault_mix) install_fault_mix(run, mix);  // run_scenario installs a file's own mix
        run.on_finish = [&outcome](harness::World& world) { outcome.faults_fired = faults_fired(world); };
    }
    outcome.result = run_scenario(scenario, run);
    outcome.verdict = judge(outcome.result, mix, options.strict || scenario.strict);
    return outcome;
}

Verdict judge(const RunResult& r, const FaultMix& mix, bool strict) {
    if (r.passed) return r.tolerated.empty() ? Verdict::pass : Verdict::tolerated;
    if (r.failure_kind == FailureKind::step && mix.any() && !strict) return Verdict::tolerated;
    return Verdict::fail;
}

std::string reproduce_command(const std::string& file, std::uint64_t seed, const SweepOptions& options) {
    std::string command = "mgm-sim sweep " + file + " --seeds " + std::to_string(seed) + ".." + std::to_string(seed);
    if (options.faults) command += " --faults random";
    if (options.strict) command += " --strict";
    return command;
}

}  // namespace mgm::harness::scenario

namespace mgm::harness::scenario {

Verdict parse_verdict(const std::string& text) {
    for (Verdict v : {Verdict::pass, Verdict::tolerated, Verdict::fail})
        if (text == to_string(v)) return v;
    throw std::runtime_error("unknown verdict \"" + text + "\"");
}

RunRecord make_record(const std::string& file, const std::string& name, const SeedOutcome& outcome,
                      const SweepOptions& options) {
    RunRecord record;
    record.file = file;
    record.name = name;
    record.seed = outcome.seed;
    record.verdict = outcome.verdict;
    const RunResult& r = outcome.result;
    switch (r.failure_kind) {
    case FailureKind::none: break;
    case FailureKind::step: record.failure_kind = "step"; break;
    case FailureKind::invariant: record.failure_kind = "invariant"; break;
    case FailureKind::internal: record.failure_kind = "internal"; break;
    }
    if (outcome.verdict != Verdict::pass) record.failure = r.failure.empty() ? r.tolerated : r.failure;
    record.digest = r.digest;
    record.fault_mix = outcome.faults.describe();
    record.faults_fired = outcome.faults_fired;
    record.points = outcome.points;
    record.trace_records = r.trace_records;
    record.invariant_checks = r.invariant_checks;
    record.known_deviations = r.known_deviations;
    record.reproduce = reproduce_command(file, outcome.seed, options);
    return record;
}

nlohmann::json to_json(const RunRecord& r) {
    nlohmann::json j{{"file", r.file},
                     {"name", r.name},
                     {"seed", r.seed},
                     {"run", r.run},
                     {"verdict", to_string(r.verdict)},
                     {"digest", r.digest},
                     {"fault_mix", r.fault_mix},
                     {"faults_fired", r.faults_fired},
                     {"points", r.points},
                     {"trace_records", r.trace_records},
                     {"invariant_checks", r.invariant_checks},
                     {"reproduce", r.reproduce}};
    if (!r.shard.empty()) j["shard"] = r.shard;
    if (!r.failure_kind.empty()) j["failure_kind"] = r.failure_kind;
    if (!r.failure.empty()) j["failure"] = r.failure;
    if (!r.known_deviations.empty()) j["known_deviations"] = r.known_deviations;
    if (r.recheck) j["recheck"] = true;
    return j;  // `seconds` stays out: records of one seed must be byte-identical whatever the machine
}

std::string to_line(const RunRecord& record) {
    return to_json(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

RunRecord record_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::runtime_error("a run record is a JSON object");
    auto field = [&j](const char* name) -> const nlohmann::json& {
        auto it = j.find(name);
        if (it == j.end()) throw std::runtime_error(std::string("run record without \"") + name + "\"");
        return *it;
    };
    try {
        RunRecord r;
        r.file = field("file").get<std::string>();
        r.name = j.value("name", r.file);
        r.seed = field("seed").get<std::uint64_t>();
        r.run = j.value("run", std::uint64_t{0});
        r.shard = j.value("shard", "");
        r.verdict = parse_verdict(field("verdict").get<std::string>());
        r.digest = j.value("digest", "");
        r.failure_kind = j.value("failure_kind", "");
        r.failure = j.value("failure", "");
        r.fault_mix = j.value("fault_mix", "");
        r.faults_fired = j.value("faults_fired", Counts{});
        r.points = j.value("points", Counts{});
        r.trace_records = j.value("trace_records", std::uint64_t{0});
        r.invariant_checks = j.value("invariant_checks", std::uint64_t{0});
        r.known_deviations = j.value("known_deviations", std::vector<std::string>{});
        r.reproduce = j.value("reproduce", "");
        r.recheck = j.value("recheck", false);
        r.seconds = j.value("seconds", 0.0);
        return r;
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("run record with a field of the wrong type: ") + e.what());
    }
}

}  // namespace mgm::harness::scenario

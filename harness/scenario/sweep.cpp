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

namespace {

std::uint64_t mix64(std::uint64_t x) {  // splitmix64 finaliser: a seeded permutation-like key per timer
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::string ms(sim::Duration d) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3gms", static_cast<double>(d.count()) / 10'000.0);
    return buffer;
}

std::string seconds(sim::Duration d) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3gs", static_cast<double>(d.count()) / 10'000'000.0);
    return buffer;
}

std::string percent(double p) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2g%%", p * 100);
    return buffer;
}

// Endpoints a partition may cut: the scenario's own client and the services' links to each other.
const std::pair<const char*, const char*> kPartitionPairs[] = {
    {"ebs", "helix"}, {"desktop", "ebs"}, {"eventsub", "ebs"}, {"driver", "ebs"}, {"driver", "desktop"},
};

// The seed's network faults (every link's default, timed partitions) and Helix failures, on the built World
// before the first step.
void apply_fault_mix(harness::World& world, const FaultMix& mix) {
    sim::LinkFaults faults;
    faults.latency_min = mix.latency_min;
    faults.latency_max = mix.latency_max;
    faults.reset_probability = mix.reset_probability;
    faults.connect_refuse_probability = mix.refuse_probability;
    faults.split_max_bytes = mix.split_max_bytes;
    world.loopback().set_default_faults(faults);
    const sim::Instant start = world.clock().now();
    for (const auto& p : mix.partitions) {
        auto endpoint = [&world](const std::string& name) {
            auto service = harness::parse_service(name);
            return service && world.runs(*service) ? world.address(*service) : name;
        };
        const std::string a = endpoint(p.a), b = endpoint(p.b);
        sim::LoopbackNetwork* net = &world.loopback();
        world.scheduler().at(start + p.at, "sweep.partition", [net, a, b] { net->partition(a, b); });
        world.scheduler().at(start + p.at + p.length, "sweep.heal", [net, a, b] { net->heal(a, b); });
    }
    if (mix.helix_fail_next > 0 && world.runs(harness::Service::helix))
        world.helix().fail_next(mix.helix_fail_next, mix.helix_fail_status, mix.helix_fail_drop);
}

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

}  // namespace

bool FaultMix::any() const {
    return shuffle_same_instant || latency_max.count() > 0 || reset_probability > 0 || refuse_probability > 0 ||
           split_max_bytes > 0 || !partitions.empty() || helix_fail_next > 0;
}

std::string FaultMix::describe() const {
    if (!any()) return "no faults";
    std::ostringstream out;
    const char* sep = "";
    auto item = [&](const std::string& text) {
        out << sep << text;
        sep = ", ";
    };
    if (shuffle_same_instant) item("same-instant order shuffled");
    if (latency_max.count() > 0) item("latency " + ms(latency_min) + "-" + ms(latency_max));
    if (reset_probability > 0) item("drop " + percent(reset_probability) + " of writes");
    if (refuse_probability > 0) item("refuse " + percent(refuse_probability) + " of connects");
    if (split_max_bytes > 0) item("split writes into 1.." + std::to_string(split_max_bytes) + " bytes");
    for (const auto& p : partitions)
        item("partition " + p.a + "<->" + p.b + " at +" + seconds(p.at) + " for " + seconds(p.length));
    if (helix_fail_next > 0)
        item("helix fails next " + std::to_string(helix_fail_next) +
             (helix_fail_drop ? " (dropped)" : " (HTTP " + std::to_string(helix_fail_status) + ")"));
    return out.str();
}

FaultMix draw_fault_mix(std::uint64_t seed) {
    sim::Rng rng = sim::Rng(seed).derive("sweep.faults");
    FaultMix mix;
    auto ticks = [](double seconds) { return sim::Duration{static_cast<std::int64_t>(seconds * 10'000'000)}; };
    mix.shuffle_same_instant = rng.chance(0.5);
    mix.tie_salt = rng.next_u64();
    if (rng.chance(0.6)) {
        mix.latency_min = ticks(rng.unit() * 0.005);
        mix.latency_max = mix.latency_min + ticks(rng.unit() * 0.2);
    }
    if (rng.chance(0.3)) mix.reset_probability = rng.unit() * 0.02;
    if (rng.chance(0.3)) mix.refuse_probability = rng.unit() * 0.05;
    if (rng.chance(0.25)) mix.split_max_bytes = static_cast<std::size_t>(rng.uniform_range(1, 64));
    if (rng.chance(0.3)) {
        const auto count = rng.uniform_range(1, 2);
        for (std::int64_t i = 0; i < count; ++i) {
            const auto& pair = kPartitionPairs[rng.uniform(std::size(kPartitionPairs))];
            mix.partitions.push_back({pair.first, pair.second, ticks(rng.unit() * 900), ticks(1 + rng.unit() * 29)});
        }
    }
    if (rng.chance(0.3)) {
        mix.helix_fail_next = static_cast<int>(rng.uniform_range(1, 3));
        mix.helix_fail_drop = rng.chance(0.3);
        mix.helix_fail_status = rng.chance(0.5) ? 500 : 503;
    }
    return mix;
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
    if (options.faults) outcome.faults = draw_fault_mix(seed);
    const FaultMix& mix = outcome.faults;

    RunOptions run;
    run.seed = seed;
    run.check_invariants = true;
    run.log_level = sim::LogLevel::off;  // faults make the services log warnings by the hundred
    run.configure_world = [&mix, &options](harness::WorldConfig& config) {
        config.store_recycler = options.store_recycler;
        if (options.faults && mix.shuffle_same_instant) {
            const std::uint64_t salt = mix.tie_salt;
            config.timer_tie_breaker = [salt](std::uint64_t sequence) { return mix64(sequence ^ salt); };
        }
    };
    if (options.faults) {
        run.on_world = [&mix](harness::World& world) { apply_fault_mix(world, mix); };
        run.on_finish = [&outcome](harness::World& world) { outcome.faults_fired = faults_fired(world); };
    }
    outcome.result = run_scenario(scenario, run);
    const RunResult& r = outcome.result;
    if (r.passed) outcome.verdict = Verdict::pass;
    else if (r.failure_kind == FailureKind::step && options.faults && mix.any() && !options.strict)
        outcome.verdict = Verdict::tolerated;
    else outcome.verdict = Verdict::fail;
    return outcome;
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
    if (outcome.verdict != Verdict::pass) record.failure = r.failure;
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
    return j;
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
        return r;
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("run record with a field of the wrong type: ") + e.what());
    }
}

}  // namespace mgm::harness::scenario

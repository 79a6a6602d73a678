#include "harness/scenario/fault_mix.h"

#include <cstdio>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "fakes/mock_helix_api.h"
#include "harness/scenario/runner.h"
#include "harness/scenario/time_expr.h"
#include "harness/world/world.h"
#include "sim/clock/clock.h"
#include "sim/core/rng.h"
#include "sim/network/loopback_network.h"

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

}  // namespace

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

std::function<std::uint64_t(std::uint64_t)> fault_tie_breaker(const FaultMix& mix) {
    const std::uint64_t salt = mix.tie_salt;
    return [salt](std::uint64_t sequence) { return mix64(sequence ^ salt); };
}

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

bool FaultMix::operator==(const FaultMix& o) const { return to_json(*this) == to_json(o); }

nlohmann::json to_json(const FaultMix& mix) {
    nlohmann::json j = nlohmann::json::object();
    if (mix.shuffle_same_instant) {
        char salt[19];
        std::snprintf(salt, sizeof salt, "0x%016llx", static_cast<unsigned long long>(mix.tie_salt));
        j["shuffle_same_instant"] = salt;
    }
    if (mix.latency_max.count() > 0)
        j["latency"] = {{"min", format_duration(mix.latency_min)}, {"max", format_duration(mix.latency_max)}};
    if (mix.reset_probability > 0) j["drop"] = mix.reset_probability;
    if (mix.refuse_probability > 0) j["refuse"] = mix.refuse_probability;
    if (mix.split_max_bytes > 0) j["split"] = mix.split_max_bytes;
    for (const auto& p : mix.partitions)
        j["partitions"].push_back(
            {{"between", {p.a, p.b}}, {"at", "+" + format_duration(p.at)}, {"for", format_duration(p.length)}});
    if (mix.helix_fail_next > 0)
        j["helix_fail"] = {{"next", mix.helix_fail_next}, {"status", mix.helix_fail_status}, {"drop", mix.helix_fail_drop}};
    return j;
}

FaultMix fault_mix_from_json(const nlohmann::json& j) {
    auto bad = [](const std::string& field, const std::string& what) {
        throw std::invalid_argument("fault_mix." + field + ": " + what);
    };
    if (!j.is_object()) bad("", "must be an object");
    static const char* kKeys[] = {"shuffle_same_instant", "latency", "drop", "refuse", "split", "partitions",
                                  "helix_fail"};
    for (auto it = j.begin(); it != j.end(); ++it)
        if (std::find_if(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return it.key() == k; }) ==
            std::end(kKeys))
            bad(it.key(), "unknown key (known: shuffle_same_instant, latency, drop, refuse, split, partitions, helix_fail)");
    auto duration = [&bad](const nlohmann::json& v, const std::string& field) {
        if (!v.is_string()) bad(field, "must be a duration such as \"52ms\"");
        std::string text = v.get<std::string>();
        if (!text.empty() && text[0] == '+') text.erase(0, 1);
        auto d = parse_duration(text);
        if (!d || d->count() < 0) bad(field, "cannot read duration \"" + v.get<std::string>() + "\"");
        return *d;
    };
    auto probability = [&bad](const nlohmann::json& v, const std::string& field) {
        if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) bad(field, "must be a probability 0..1");
        return v.get<double>();
    };
    FaultMix mix;
    if (j.contains("shuffle_same_instant")) {
        const auto& v = j["shuffle_same_instant"];
        if (!v.is_string()) bad("shuffle_same_instant", "must be the tie salt as hex text (\"0x1f...\")");
        try {
            std::size_t used = 0;
            mix.tie_salt = std::stoull(v.get<std::string>(), &used, 16);
            if (used != v.get<std::string>().size()) throw std::invalid_argument("trailing text");
        } catch (const std::exception&) {
            bad("shuffle_same_instant", "cannot read the tie salt \"" + v.get<std::string>() + "\"");
        }
        mix.shuffle_same_instant = true;
    }
    if (j.contains("latency")) {
        const auto& v = j["latency"];
        if (!v.is_object() || !v.contains("min")) bad("latency", "must be {\"min\": DURATION, \"max\": DURATION}");
        mix.latency_min = duration(v["min"], "latency.min");
        mix.latency_max = v.contains("max") ? duration(v["max"], "latency.max") : mix.latency_min;
        if (mix.latency_max < mix.latency_min) bad("latency", "max is below min");
    }
    if (j.contains("drop")) mix.reset_probability = probability(j["drop"], "drop");
    if (j.contains("refuse")) mix.refuse_probability = probability(j["refuse"], "refuse");
    if (j.contains("split")) {
        if (!j["split"].is_number_unsigned() || j["split"].get<std::size_t>() == 0) bad("split", "must be a byte count >= 1");
        mix.split_max_bytes = j["split"].get<std::size_t>();
    }
    if (j.contains("partitions")) {
        if (!j["partitions"].is_array()) bad("partitions", "must be a list");
        for (std::size_t i = 0; i < j["partitions"].size(); ++i) {
            const auto& p = j["partitions"][i];
            const std::string field = "partitions[" + std::to_string(i) + "]";
            if (!p.is_object() || !p.contains("between") || !p["between"].is_array() || p["between"].size() != 2 ||
                !p["between"][0].is_string() || !p["between"][1].is_string() || !p.contains("at") || !p.contains("for"))
                bad(field, "must be {\"between\": [A, B], \"at\": \"+DURATION\", \"for\": DURATION}");
            mix.partitions.push_back({p["between"][0].get<std::string>(), p["between"][1].get<std::string>(),
                                      duration(p["at"], field + ".at"), duration(p["for"], field + ".for")});
        }
    }
    if (j.contains("helix_fail")) {
        const auto& v = j["helix_fail"];
        if (!v.is_object() || !v.contains("next") || !v["next"].is_number_integer())
            bad("helix_fail", "must be {\"next\": N, \"status\"?: 500, \"drop\"?: false}");
        mix.helix_fail_next = v["next"].get<int>();
        if (v.contains("status")) {
            if (!v["status"].is_number_integer()) bad("helix_fail.status", "must be an HTTP status");
            mix.helix_fail_status = v["status"].get<int>();
        }
        if (v.contains("drop")) {
            if (!v["drop"].is_boolean()) bad("helix_fail.drop", "must be true/false");
            mix.helix_fail_drop = v["drop"].get<bool>();
        }
    }
    return mix;
}

void install_fault_mix(RunOptions& run, const FaultMix& mix) {
    auto configure = run.configure_world;
    run.configure_world = [configure, mix](harness::WorldConfig& config) {
        if (configure) configure(config);
        if (mix.shuffle_same_instant) {
            config.timer_tie_breaker = fault_tie_breaker(mix);
        }
    };
    auto on_world = run.on_world;
    run.on_world = [on_world, mix](harness::World& world) {
        if (on_world) on_world(world);
        apply_fault_mix(world, mix);
    };
}

}  // namespace mgm::harness::scenario

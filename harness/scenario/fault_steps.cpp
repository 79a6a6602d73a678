// Fault steps: network faults on the loopback network between two services for a time span, and
// MockHelixApi failing its next calls.
#include <functional>
#include <set>

#include "harness/scenario/run_context.h"
#include "harness/scenario/step_validation.h"
#include "harness/scenario/steps.h"
#include "harness/world/world.h"
#include "sim/network/loopback_network.h"

namespace mgm::harness::scenario {

using nlohmann::json;

// ----- fault ---------------------------------------------------------------------------------------------

void validate_fault(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"fault", "between", "for", "min", "max", "probability", "bytes", "note"});
    static const std::set<std::string> kinds = {"partition", "latency", "drop", "refuse", "split", "heal"};
    if (!v.is_string() || !kinds.count(v.get<std::string>()))
        ctx.fail(vp, "fault must be one of partition, latency, drop, refuse, split, heal");
    if (v != "heal") {
        if (!spec.contains("between") || !spec["between"].is_array() || spec["between"].size() != 2)
            ctx.fail(pointer, "fault needs \"between\": [\"ebs\", \"helix\"] (two services or addresses)");
    }
    if (spec.contains("between") && spec["between"].is_array())
        for (std::size_t i = 0; i < spec["between"].size(); ++i)
            require_kind(ctx, pointer + "/between/" + std::to_string(i), spec["between"][i], JsonKind::string);
    require_types(ctx, pointer, spec, {{"probability", JsonKind::number}, {"bytes", JsonKind::count}});
    if (spec.contains("for")) require_duration(ctx, pointer + "/for", spec["for"], "for");
    if (spec.contains("min")) require_duration(ctx, pointer + "/min", spec["min"], "min");
    if (spec.contains("max")) require_duration(ctx, pointer + "/max", spec["max"], "max");
    if (v == "latency" && !spec.contains("min"))
        ctx.fail(pointer, "a latency fault needs \"min\" (and optionally \"max\")");
}

void run_fault(RunContext& run, const Step&, const json& step) {
    sim::LoopbackNetwork& net = run.world->loopback();
    const std::string kind = step["fault"].get<std::string>();
    if (kind == "heal") {
        net.heal_all();
        net.clear_link_faults();
        return;
    }
    auto endpoint = [&run](const json& v) {
        const std::string name = v.get<std::string>();
        return name == "driver" ? name : run.address_of(name);
    };
    const std::string a = endpoint(step["between"][0]);
    const std::string b = endpoint(step["between"][1]);
    std::function<void()> undo;
    if (kind == "partition") {
        net.partition(a, b);
        undo = [&net, a, b] { net.heal(a, b); };
    } else {
        sim::LinkFaults faults;
        if (kind == "latency") {
            faults.latency_min = run.duration(step["min"], "min");
            faults.latency_max = step.contains("max") ? run.duration(step["max"], "max") : faults.latency_min;
        } else if (kind == "drop") {
            faults.reset_probability = number_value(step.value("probability", json(1.0)), "probability");
        } else if (kind == "refuse") {
            faults.connect_refuse_probability = number_value(step.value("probability", json(1.0)), "probability");
        } else if (kind == "split") {
            faults.split_max_bytes = static_cast<std::size_t>(integer_value(step.value("bytes", json(1)), "bytes"));
        }
        net.set_link_faults(a, b, faults);
        undo = [&net, a, b] { net.set_link_faults(a, b, sim::LinkFaults{}); };
    }
    if (step.contains("for")) {
        run.world->scheduler().after(run.duration(step["for"], "for"), "scenario.fault_end." + kind, undo);
    }
}

// ----- helix_fail ----------------------------------------------------------------------------------------

void validate_helix_fail(const StepValidation& s) {
    const auto& [ctx, pointer, spec, vp, v, step] = s;
    require_keys(ctx, pointer, spec, {"helix_fail", "note"});
    require_keys(ctx, vp, v, {"next", "status", "drop"}, {"next"});
    require_types(ctx, vp, v, {{"next", JsonKind::count}, {"status", JsonKind::integer}, {"drop", JsonKind::boolean}});
}

void run_helix_fail(RunContext& run, const Step&, const json& step) {
    const json& spec = step["helix_fail"];
    json body = {{"count", integer_value(spec["next"], "helix_fail.next")},
                 {"status", integer_value(spec.value("status", json(500)), "helix_fail.status")},
                 {"drop", spec.value("drop", false)}};
    http::Headers headers;
    headers.set("Content-Type", "application/json");
    auto result = run.send("helix", "POST", "/fail-next", headers, body.dump());
    if (!result.ok() || result.response->status != 200)
        throw StepFailure("MockHelixApi /fail-next refused: " + describe(result));
}

}  // namespace mgm::harness::scenario

// The timeline views of a run (docs/TIMELINE.md): detail lines leave the digest alone, the model holds every
// exchange with its peer and messages, the Perfetto file is valid trace-event JSON with the expected events,
// and the HTML page is one self-contained file even for a 25 h run.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/scenario/runner.h"
#include "harness/scenario/scenario.h"
#include "harness/timeline/timeline.h"
#include "harness/world/world.h"

namespace {

using nlohmann::json;
namespace scenario = mgm::harness::scenario;
namespace timeline = mgm::harness::timeline;

struct TracedRun {
    scenario::RunResult result;
    std::string jsonl;
};

TracedRun run_traced(const std::string& file, bool detail) {
    const scenario::Scenario s = scenario::load_scenario_file(std::string(MGM_SOURCE_DIR) + "/scenarios/" + file);
    auto sink = std::make_shared<std::stringstream>();
    scenario::RunOptions options;
    options.log_level = mgm::sim::LogLevel::off;
    options.configure_world = [sink, detail](mgm::harness::WorldConfig& config) {
        config.trace_sink = sink.get();
        config.trace_detail = detail;
    };
    TracedRun run;
    run.result = scenario::run_scenario(s, options);
    run.jsonl = sink->str();
    return run;
}

std::vector<json> records_of(const std::string& jsonl, std::string_view kind) {
    std::vector<json> out;
    std::istringstream in(jsonl);
    std::string line;
    while (std::getline(in, line)) {
        json r = json::parse(line);
        if (r["kind"] == kind) out.push_back(std::move(r));
    }
    return out;
}

json model_of(const std::string& jsonl) {
    timeline::TimelineBuilder builder;
    std::istringstream in(jsonl);
    builder.add_stream(in);
    return builder.model();
}

}  // namespace

TEST_CASE("timeline: detail lines change neither the digest nor the records, and carry each exchange's messages") {
    const TracedRun plain = run_traced("natural-cycle.json", false);
    const TracedRun detailed = run_traced("natural-cycle.json", true);
    REQUIRE(plain.result.passed);
    REQUIRE(detailed.result.passed);
    CHECK(detailed.result.digest == plain.result.digest);
    CHECK(detailed.result.trace_records == plain.result.trace_records);
    CHECK(records_of(plain.jsonl, "http.detail").empty());
    // Without the detail lines the two traces are the same bytes.
    std::string stripped;
    std::istringstream in(detailed.jsonl);
    for (std::string line; std::getline(in, line);)
        if (line.find("\"kind\":\"http.detail\"") == std::string::npos) stripped += line + "\n";
    CHECK(stripped == plain.jsonl);

    const auto outs = records_of(detailed.jsonl, "http.out");
    const auto details = records_of(detailed.jsonl, "http.detail");
    REQUIRE(details.size() == outs.size());
    for (std::size_t i = 0; i < outs.size(); ++i) {
        CHECK(details[i]["after"] == outs[i]["seq"]);
        CHECK(details[i]["actor"] == outs[i]["actor"]);
        CHECK(details[i]["request"]["headers"].is_array());
        CHECK(details[i]["response"]["status"] == outs[i]["status"]);
    }
    // The verify-candidate request, body and all.
    const auto verify = std::find_if(outs.begin(), outs.end(), [](const json& r) {
        return r["target"] == "/api/roulette/verify-candidate";
    });
    REQUIRE(verify != outs.end());
    const json& d = details[static_cast<std::size_t>(verify - outs.begin())];
    CHECK(d["to"] == "127.0.0.1:8080");
    CHECK(d["request"]["body"].get<std::string>().find("\"spinCycleId\"") != std::string::npos);
}

TEST_CASE("timeline: the model has one exchange per client record, between the right lanes") {
    const TracedRun run = run_traced("natural-cycle.json", true);
    const json model = model_of(run.jsonl);
    const auto outs = records_of(run.jsonl, "http.out");
    REQUIRE(model["exchanges"].size() == outs.size());
    std::map<std::string, int> links;
    for (const auto& e : model["exchanges"]) {
        links[e["from"].get<std::string>() + ">" + e["to"].get<std::string>()]++;
        CHECK(e.contains("request"));
    }
    CHECK(links["driver>eventsub"] == 3);   // three chat messages through the EventSub mock...
    CHECK(links["eventsub>ebs"] == 3);      // ...each delivered to the EBS
    CHECK(links["ebs>helix"] == 1);         // one announcement
    CHECK(links["driver>jwt"] >= 1);        // viewer tokens
    CHECK(model["payouts"].size() == 1);
    const json& states = model["payouts"][0]["states"];
    CHECK(states.back()[1] == "Sent");
    CHECK(model["cycles"].size() == 1);  // one candidate drawn, at 12:09:00
    CHECK(model["cycles"][0]["t"] == 9 * 60 * 1000.0);
    CHECK(model["failures"].empty());
    // A short run is not compressed.
    REQUIRE(model["segments"].size() == 1);
    CHECK(model["segments"][0]["compressed"] == false);
}

TEST_CASE("timeline: a 25 h run keeps only its busy stretches and stays small") {
    const TracedRun run = run_traced("payout-expiry.json", true);
    REQUIRE(run.result.passed);
    const json model = model_of(run.jsonl);
    double compressed = 0;
    std::uint64_t ticks = 0;
    for (const auto& s : model["segments"])
        if (s["compressed"] == true) {
            compressed += s["b"].get<double>() - s["a"].get<double>();
            ticks += s["ticks"].get<std::uint64_t>();
        }
    CHECK(compressed > 20 * 3600 * 1000.0);  // most of the day is idle ticks and routine draws
    CHECK(ticks > 80000);
    const std::string page = timeline::render_html(model);
    CHECK(page.size() < 300 * 1024);
    CHECK(run.jsonl.size() > 10 * 1024 * 1024);
    // Expired payouts end grey: both payouts of the file expire.
    for (const auto& p : model["payouts"]) CHECK(p["states"].back()[1] == "Expired");
}

TEST_CASE("timeline: the Perfetto file is trace-event JSON with tracks, slices, flows, instants and faults") {
    const TracedRun run = run_traced("network-faults.json", true);
    REQUIRE(run.result.passed);
    const json model = model_of(run.jsonl);
    const json trace = json::parse(timeline::render_perfetto(model));
    REQUIRE(trace.contains("traceEvents"));
    const json& events = trace["traceEvents"];
    std::set<std::string> tracks;
    std::size_t client_slices = 0, fault_slices = 0, instants = 0;
    std::map<std::uint64_t, int> flows;
    for (const auto& e : events) {
        REQUIRE(e.contains("ph"));
        REQUIRE(e.contains("pid"));
        const std::string ph = e["ph"];
        if (ph == "M" && e["name"] == "thread_name") tracks.insert(e["args"]["name"].get<std::string>());
        if (ph != "M") {
            REQUIRE(e["ts"].is_number());
            CHECK(e["ts"].get<double>() >= 0);
        }
        if (ph == "X") {
            CHECK(e["dur"].get<double>() >= 0);
            if (e["cat"] == "http") ++client_slices;
            if (e["cat"] == "fault") ++fault_slices;
        }
        if (ph == "i") ++instants;
        if (ph == "s") flows[e["id"].get<std::uint64_t>()] += 1;
        if (ph == "f") flows[e["id"].get<std::uint64_t>()] += 10;
    }
    for (const char* lane : {"scenario driver", "MockEventSubWebhook", "MockExtensionJwt", "MockHelixApi",
                             "SyntheticDesktop", "EBS", "EBS workers", "network faults"})
        CHECK(tracks.count(lane) == 1);
    CHECK(client_slices == records_of(run.jsonl, "http.out").size());
    CHECK(instants >= records_of(run.jsonl, "event").size());
    CHECK(fault_slices >= 2);  // the driver-EBS latency and the EBS-Helix partition, at least
    REQUIRE(!flows.empty());
    for (const auto& [id, count] : flows) CHECK(count == 11);  // each arrow has its start and its end
    // The partition's slice spans from its start to its heal.
    bool partition = false;
    for (const auto& f : model["faults"])
        if (f["what"] == "partition") {
            partition = true;
            CHECK(((f["a"] == "ebs" && f["b"] == "helix") || (f["a"] == "helix" && f["b"] == "ebs")));
            CHECK(f["t1"].is_number());
        }
    CHECK(partition);
}

TEST_CASE("timeline: a failure line is marked, and bodies cannot end the page's script") {
    std::string jsonl =
        R"({"actor":"scenario","kind":"step","line":3,"seq":1,"step":"1","t":"2026-04-04T12:00:00Z","verb":"http"})"
        "\n"
        R"({"actor":"driver","kind":"http.out","method":"GET","seq":2,"status":200,"t":"2026-04-04T12:00:00Z","target":"/api/x"})"
        "\n"
        R"({"actor":"driver","after":2,"kind":"http.detail","t":"2026-04-04T12:00:00Z","to":"127.0.0.1:9053","sent":"2026-04-04T12:00:00Z","request":{"headers":[],"body":"</script><script>alert(1)</script>","bytes":34},"response":{"headers":[],"body":"","bytes":0,"status":200}})"
        "\n";
    jsonl += timeline::failure_line("2026-04-04T12:00:01Z", "invariant", "pool size went negative") + "\n";
    const json model = model_of(jsonl);
    REQUIRE(model["failures"].size() == 1);
    CHECK(model["failures"][0]["failure"] == "invariant");
    CHECK(model["failures"][0]["t"] == 1000.0);
    CHECK(model["exchanges"][0]["to"] == "helix");  // the detail line's address wins over the path's guess
    const std::string page = timeline::render_html(model);
    std::size_t closes = 0;
    for (auto at = page.find("</script>"); at != std::string::npos; at = page.find("</script>", at + 1)) ++closes;
    CHECK(closes == 2);  // the model's element and the page's own script, nothing from the body
    CHECK(page.find("<script src") == std::string::npos);
    CHECK(page.find("<link") == std::string::npos);

    timeline::TimelineBuilder builder;
    CHECK_THROWS_AS(builder.add_line("{not json"), std::invalid_argument);
    CHECK_THROWS_AS(builder.add_line(R"({"kind":"step"})"), std::invalid_argument);  // no time
}

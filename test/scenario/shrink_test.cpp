// From a failing run to a small regression scenario: fault mixes written out exactly, a materialised run that
// replays to the sweep run's own trace, and a shrinker that keeps the failure while dropping what is not needed.
#include <catch2/catch.hpp>

#include <regex>

#include "harness/scenario/scenario.h"
#include "harness/scenario/shrink.h"
#include "harness/scenario/sweep.h"

using namespace mgm::harness::scenario;
using nlohmann::json;

namespace {

const char* kStory = R"({"steps": [
    {"chat": {"user": "viewer-a", "login": "a", "text": "!twgold Aname"}},
    {"chat": {"user": "viewer-b", "login": "b", "text": "!twgold Bname"}},
    {"http": "GET /api/version", "expect": {"status": 200}},
    {"advance": "30s"},
    {"http": "GET /api/roulette/state", "viewer": "viewer-a", "expect": {"status": 200}},
    {"advance": {"to_phase": "spinning"}},
    {"wait": {"event": "roulette.candidate_selected"}, "within": "1s"},
    {"http": "GET /api/version", "expect": {"status": 201}, "note": "the planted failure"},
    {"http": "GET /api/pool/me", "viewer": "viewer-b", "expect": {"status": 200}}]})";

}  // namespace

TEST_CASE("fault mix: the scenario form is exact - every drawn mix reads back equal", "[scenario][shrink]") {
    for (std::uint64_t seed = 1; seed <= 60; ++seed) {
        const FaultMix mix = draw_fault_mix(seed);
        const FaultMix back = fault_mix_from_json(json::parse(to_json(mix).dump()));
        CHECK(back == mix);
        CHECK(back.describe() == mix.describe());
        CHECK(back.latency_min == mix.latency_min);
        CHECK(back.latency_max == mix.latency_max);
        CHECK(back.reset_probability == mix.reset_probability);
    }
    CHECK_THROWS_WITH(fault_mix_from_json(json{{"latency", {{"min", "fast"}}}}), Catch::Contains("fault_mix.latency.min"));
    CHECK_THROWS_WITH(fault_mix_from_json(json{{"drop", 2}}), Catch::Contains("fault_mix.drop"));
    CHECK_THROWS_WITH(fault_mix_from_json(json{{"flood", true}}), Catch::Contains("unknown key"));
    CHECK_THROWS_AS(parse_scenario(R"({"fault_mix": {"split": 0}, "steps": []})", "x.json"), ScenarioError);
}

TEST_CASE("materialise: the explicit file of a faulted sweep run replays to that run's trace", "[scenario][shrink]") {
    const Scenario story = parse_scenario(kStory, "scenarios/story.json");
    SweepOptions faults;
    faults.faults = true;
    int compared = 0;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        const SeedOutcome outcome = run_seed(story, seed, faults);
        const json explicit_run = materialise(json::parse(kStory), seed, outcome.faults, "", "", "");
        const Scenario replay = parse_scenario(explicit_run.dump(), "scenarios/story-explicit.json");
        RunOptions run;
        run.check_invariants = true;
        run.log_level = mgm::sim::LogLevel::off;
        run.keep_trace = true;
        const RunResult again = run_scenario(replay, run);
        RunOptions original = run;
        original.seed = seed;
        install_fault_mix(original, outcome.faults);
        const RunResult first = run_scenario(story, original);
        REQUIRE(first.digest == outcome.result.digest);  // the sweep's run, with its trace kept
        // The same records in the same order; only the step records' file line differs (the file was rewritten).
        static const std::regex line_field("\"line\":[0-9]+,");
        CHECK(std::regex_replace(again.trace_jsonl, line_field, "") == std::regex_replace(first.trace_jsonl, line_field, ""));
        CHECK(judge(again, outcome.faults, false) == outcome.verdict);
        ++compared;
    }
    CHECK(compared == 8);
}

TEST_CASE("shrink: keeps the same failure and drops the steps and faults it does not need", "[scenario][shrink]") {
    json document = materialise(json::parse(kStory), 3, FaultMix{}, "", "", "");
    document["strict"] = true;  // a fault-free failing expectation: the failure to keep
    // A fault the failure does not need (the story never calls Helix): the shrinker must drop it.
    document["fault_mix"] = {{"helix_fail", {{"next", 1}, {"status", 500}}}};
    // Without a build that lacks the bug, a failed expectation keeps the steps before it (dropping them could
    // make the same expectation fail for a reason that is no bug); faults and the steps after it go.
    const ShrinkResult kept = shrink(document, "scenarios/story.json");
    REQUIRE(kept.reproduced);
    CHECK_THAT(kept.signature, Catch::StartsWith("step: "));
    CHECK(kept.steps_kept);
    CHECK(kept.steps_before == 9);
    CHECK(kept.steps_after == 8);  // the step after the planted failure never ran
    CHECK(kept.faults_after == 0);

    // With one (here: every candidate "passes without the bug"), the steps before it are reduced too.
    ShrinkOptions with_reference;
    int reference_runs = 0;
    with_reference.passes_without_bug = [&reference_runs](const json&) { return ++reference_runs > 0; };
    const ShrinkResult result = shrink(document, "scenarios/story.json", with_reference);
    REQUIRE(result.reproduced);
    CHECK(reference_runs > 0);
    CHECK(result.steps_before == 9);
    CHECK(result.steps_after == 1);  // only the planted failure is needed
    CHECK(result.faults_before == 1);
    CHECK(result.faults_after == 0);
    CHECK_FALSE(result.document.contains("fault_mix"));
    INFO(result.document.dump());
    CHECK(result.document.at("steps").at(0).at("expect").at("status").get<int>() == 201);
    // The shrunk file still fails the same way.
    const RunResult rerun = run_scenario(parse_scenario(result.document.dump(), "shrunk.json"));
    CHECK(failure_signature(rerun) == result.signature);

    // A reference that rejects every reduction keeps the file as it was.
    ShrinkOptions strict_reference;
    strict_reference.passes_without_bug = [](const json&) { return false; };
    CHECK(shrink(document, "scenarios/story.json", strict_reference).steps_after == 9);

    json passing = json::parse(kStory);
    passing["steps"].erase(7);
    CHECK_FALSE(shrink(passing, "scenarios/passing.json").reproduced);
}

TEST_CASE("failure signature: the same failure at another step or time has the same signature", "[scenario][shrink]") {
    RunResult a, b;
    a.failure_kind = b.failure_kind = FailureKind::step;
    a.failure = "  at x.json:12, step 7: http GET /api/version\n  simulated time: 2026-04-04T12:04:00Z\n"
                "  expected status 201, got 200\n";
    b.failure = "  at y.json:3, step 1: http GET /api/version\n  simulated time: 2026-04-04T12:00:00Z\n"
                "  expected status 201, got 200\n";
    CHECK(failure_signature(a) == failure_signature(b));
    b.failure = "  at y.json:3, step 1: http GET /api/version\n  expected status 404, got 200\n";
    CHECK(failure_signature(a) != failure_signature(b));
    RunResult c;
    c.failure_kind = FailureKind::invariant;
    c.failure = "  at x.json:9, step 4\n  invariant violated: sent_viewer_left_pool\n  viewer v is still in the pool\n";
    CHECK(failure_signature(c) == "invariant: sent_viewer_left_pool");
}

TEST_CASE("shrink: waits in a row merge and shorten while the failure stays", "[scenario][shrink]") {
    // A stand-in runner: the "failure" needs the marker step and at least 50 s of waiting before it.
    ShrinkOptions options;
    options.run = [](const json& document) {
        ShrinkRun run;
        std::int64_t waited = 0;
        for (const auto& step : document["steps"]) {
            if (step.contains("advance")) {
                const json& a = step["advance"];
                waited += parse_duration(a.is_string() ? a.get<std::string>() : a["by"].get<std::string>())->count();
            }
            if (step.value("note", "") == "marker" && waited >= 500'000'000) run.signature = "step: marker";
        }
        return run;
    };
    options.passes_without_bug = [](const json&) { return true; };
    const json story = json::parse(R"({"steps": [{"advance": "30s"}, {"advance": "40s"}, {"advance": "20s"},
        {"http": "GET /api/version", "note": "marker"}]})");
    const ShrinkResult result = shrink(story, "waits.json", options);
    REQUIRE(result.reproduced);
    INFO(result.document.dump());
    CHECK(result.steps_after == 2);
    const json& wait = result.document["steps"][0]["advance"];
    const auto length = parse_duration(wait.is_string() ? wait.get<std::string>() : wait["by"].get<std::string>());
    REQUIRE(length);
    CHECK(length->count() >= 500'000'000);
    CHECK(length->count() < 900'000'000);  // shorter than the 90 s it started with
}

TEST_CASE("shrink: an explicit workload run loses whole actors, viewers, quiet gaps and long ids", "[scenario][shrink]") {
    // A stand-in runner: the "failure" needs a viewer's claim with the same request id twice, the second at
    // least 10 minutes after the first and on the same second of the 5-minute grid.
    const json run_file = json::parse(R"({"span": "6h", "seed": 1, "viewers": {"count": 3, "non_subscribers": 1},
        "actions": [
        {"at": "+10s", "by": "viewer-01", "do": "state"},
        {"at": "+1h0m5s", "by": "viewer-02", "do": "claim", "name": "Brakka", "request_id": "req-viewer-02-1"},
        {"at": "+1h2m", "do": "pending"},
        {"at": "+1h3m", "by": "viewer-01", "do": "chat", "name": "Alder", "message_id": "8f0c-long-id"},
        {"at": "+3h0m5s", "by": "viewer-02", "do": "claim", "name": "Brakka", "request_id": "req-viewer-02-1"},
        {"at": "+3h1m", "by": "viewer-03", "do": "my_last"},
        {"at": "+3h1m5s", "by": "viewer-02", "do": "state"},
        {"at": "+3h1m6s", "by": "viewer-02", "do": "state"}]})");
    ShrinkOptions options;
    options.run = [](const json& document) {
        ShrinkRun run;
        std::vector<std::pair<std::int64_t, std::string>> claims;
        for (const auto& a : document["actions"])
            if (a.value("do", "") == "claim")
                claims.push_back({parse_duration(a["at"].get<std::string>().substr(1))->count(), a["request_id"]});
        const std::int64_t cycle = 300LL * 10'000'000;
        if (claims.size() == 2 && claims[0].second == claims[1].second &&
            claims[1].first - claims[0].first >= 6'000'000'000 && claims[0].first % cycle == claims[1].first % cycle)
            run.signature = "oracle | claim";
        return run;
    };
    options.passes_without_bug = [](const json&) { return true; };
    const ShrinkResult result = shrink(run_file, "run.json", options);
    REQUIRE(result.reproduced);
    INFO(result.document.dump());
    CHECK(result.steps_before == 8);
    CHECK(result.steps_after == 2);
    const json& actions = result.document["actions"];
    CHECK(actions[0]["request_id"] == "r1");
    // Only the viewer that acts is left, renumbered (a subscriber: not one of the last, non-subscribing ones).
    CHECK(result.document["viewers"]["count"] == 1);
    CHECK(result.document["viewers"]["non_subscribers"] == 0);
    CHECK(actions[0]["by"] == "viewer-01");
    CHECK(actions[1]["request_id"] == "r1");
    // The gaps closed by whole cycles: the first claim near the start, the second 10-15 minutes later.
    const auto first = parse_duration(actions[0]["at"].get<std::string>().substr(1));
    const auto second = parse_duration(actions[1]["at"].get<std::string>().substr(1));
    CHECK(first->count() < 6'000'000'000);
    CHECK(second->count() - first->count() < 9'000'000'000);
    CHECK(result.document["span"] != "6h");
}

TEST_CASE("shrink: character names become short ones, the same name everywhere, invalid names kept", "[scenario][shrink]") {
    // A real scenario whose planted failure needs the name taken: viewer-b claims the name viewer-a enrolled by
    // chat. The rename must change the chat text and the claim body together, or the claim would succeed.
    const json story = json::parse(R"({"strict": true, "steps": [
        {"chat": {"user": "viewer-a", "login": "a", "text": "!twgold Aldermaster"}},
        {"http": "POST /api/payouts/claim", "viewer": "viewer-b",
         "json": {"characterName": "Aldermaster", "enrollmentRequestId": "req-b-1"},
         "expect": {"status": 201}, "note": "planted: the name is taken, 409"}]})");
    ShrinkOptions options;
    options.passes_without_bug = [](const json&) { return true; };
    const ShrinkResult result = shrink(story, "scenarios/names.json", options);
    REQUIRE(result.reproduced);
    INFO(result.document.dump());
    CHECK(result.steps_after == 2);
    CHECK(result.document.dump().find("Aldermaster") == std::string::npos);
    CHECK(result.document["steps"][0]["chat"]["text"] == "!twgold Na");
    CHECK(result.document["steps"][1]["json"]["characterName"] == "Na");
    const RunResult rerun = run_scenario(parse_scenario(result.document.dump(), "shrunk.json"));
    CHECK(failure_signature(rerun) == result.signature);

    // An explicit workload run (a stand-in runner): the failure needs two viewers using one name and a claim
    // with the deliberately invalid "Bad1Name"; the valid name is simplified, the invalid one stays.
    const json run_file = json::parse(R"({"span": "1h", "seed": 1, "actions": [
        {"at": "+10s", "by": "viewer-01", "do": "chat", "name": "Corwinthal", "message_id": "m1"},
        {"at": "+20s", "by": "viewer-02", "do": "claim", "name": "Corwinthal", "request_id": "r1"},
        {"at": "+30s", "by": "viewer-02", "do": "claim", "name": "Bad1Name", "request_id": "r2"}]})");
    ShrinkOptions stand_in;
    stand_in.run = [](const json& document) {
        ShrinkRun run;
        const json& a = document["actions"];
        if (a.size() == 3 && a[0]["name"] == a[1]["name"] && a[2]["name"] == "Bad1Name") run.signature = "oracle | claim";
        return run;
    };
    stand_in.passes_without_bug = [](const json&) { return true; };
    const ShrinkResult shrunk = shrink(run_file, "run.json", stand_in);
    REQUIRE(shrunk.reproduced);
    INFO(shrunk.document.dump());
    const json& actions = shrunk.document["actions"];
    REQUIRE(actions.size() == 3);
    CHECK(actions[0]["name"] == "Na");
    CHECK(actions[1]["name"] == "Na");
    CHECK(actions[2]["name"] == "Bad1Name");
}

// The runner against a simulated World: expectations, captures, time control and the failure report.
#include <catch2/catch.hpp>

#include <csignal>
#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/scenario/runner.h"
#include "harness/scenario/scenario.h"

using namespace mgm::harness::scenario;

TEST_CASE("a passing scenario captures values and moves simulated time", "[scenario][runner]") {
    Scenario s = parse_scenario(R"({
      "seed": 9,
      "steps": [
        {"http": "GET /api/version", "expect": {"status": 200, "json": {"version": "$nonempty"}}, "capture": {"v": "version"}},
        {"advance": "90s"},
        {"assert": {"now": "start+90s"}},
        {"advance": {"to_phase": "spinning"}},
        {"assert": {"now": "2026-04-04T12:04:00Z"}},
        {"advance": {"to_phase": "boundary", "offset": "-1t"}},
        {"assert": {"now": "2026-04-04T12:04:59.9999999Z"}},
        {"set": {"copy": "${v}"}},
        {"assert": {"vars": {"copy": "${v}"}}}
      ]})",
                                "inline.json");
    RunResult r = run_scenario(s);
    INFO(r.failure);
    CHECK(r.passed);
    CHECK(r.steps_run == 9);
    CHECK(mgm::sim::format_iso8601(r.ended_at) == "2026-04-04T12:04:59.9999999Z");
    CHECK(r.digest.size() == 64);
}

TEST_CASE("a failing step reports file:line, the step, expected vs actual and simulated time", "[scenario][runner]") {
    Scenario s = parse_scenario(
        "{\"steps\": [\n"
        "  {\"advance\": \"2m\"},\n"
        "  {\"http\": \"GET /api/payouts/pending\", \"expect\": {\"status\": 200}}\n"
        "]}",
        "scenarios/example.json");
    RunResult r = run_scenario(s);
    CHECK_FALSE(r.passed);
    CHECK(r.steps_run == 2);
    CHECK_THAT(r.failure, Catch::Contains("at scenarios/example.json:3, step 2: http GET /api/payouts/pending"));
    CHECK_THAT(r.failure, Catch::Contains("simulated time: 2026-04-04T12:02:00Z"));
    CHECK_THAT(r.failure, Catch::Contains("expected status 200, got HTTP 401"));
    CHECK_THAT(format_result(r), Catch::StartsWith("FAIL example (scenarios/example.json) seed 1, 2 steps"));
}

TEST_CASE("a JSON mismatch names the path and both values", "[scenario][runner]") {
    Scenario s = parse_scenario(R"({"steps": [
        {"http": "GET /api/roulette/state", "jwt": {"claims": {"user_id": "u1"}},
         "expect": {"json": {"spinPhase": "spinning"}}}]})",
                                "x.json");
    RunResult r = run_scenario(s);
    CHECK_FALSE(r.passed);
    CHECK_THAT(r.failure, Catch::Contains("body mismatch at /spinPhase: expected \"spinning\", got \"idle\""));
}

TEST_CASE("a different seed changes the run and the same seed replays it", "[scenario][runner]") {
    Scenario s = parse_scenario(R"({"steps": [
        {"chat": {"user": "v1", "text": "!twgold Alpha"}},
        {"chat": {"user": "v2", "text": "!twgold Bravo"}},
        {"chat": {"user": "v3", "text": "!twgold Charlie"}},
        {"advance": "2026-04-04T12:09:01Z"}]})",
                                "seeded.json");
    RunOptions a, b;
    a.seed = 1;
    b.seed = 2;
    RunResult r1 = run_scenario(s, a), r2 = run_scenario(s, b), r1again = run_scenario(s, a);
    CHECK(r1.passed);
    CHECK(r1.digest == r1again.digest);
    CHECK(r1.digest != r2.digest);
}

TEST_CASE("the real target refuses scenarios that need the simulated clock", "[scenario][runner]") {
    Scenario s = parse_scenario(R"({"steps": [{"advance": "1m"}]})", "clocked.json");
    RunOptions real;
    real.target = Target::real;
    RunResult r = run_scenario(s, real);
    CHECK_FALSE(r.passed);
    CHECK_THAT(r.failure, Catch::Contains("only files marked \"portable\": true run with --target real"));
}

TEST_CASE("the real target stops a hand-built portable scenario at its first simulation-only step",
          "[scenario][runner]") {
    // The parser rejects such a file; a Scenario assembled in code reaches the runner's own guard instead of
    // dereferencing a World that the real target does not have.
    Scenario s = parse_scenario(R"({"steps": [{"set": {"a": 1}}, {"advance": "1m"}, {"log": "never"}]})", "hand.json");
    s.portable = true;
    RunOptions real;
    real.target = Target::real;
    RunResult r = run_scenario(s, real);
    CHECK_FALSE(r.passed);
    CHECK(r.failure_kind == FailureKind::step);
    CHECK(r.steps_run == 2);
    CHECK_THAT(r.failure,
               Catch::Contains("step 2: advance 1m") && Catch::Contains("advance needs the simulation target"));
}

namespace {
volatile std::sig_atomic_t g_traps = 0;
extern "C" void count_trap(int) { g_traps = g_traps + 1; }
}  // namespace

TEST_CASE("break-at: --break-at raises SIGTRAP once, before the first event at or after the instant",
          "[scenario][runner]") {
    Scenario s = parse_scenario(R"({"steps": [
        {"advance": "2026-04-04T12:03:59Z"},
        {"set": {"before": "${now}"}},
        {"advance": "2026-04-04T12:05:00Z"}]})",
                                "break.json");
    RunOptions options;
    options.break_at = *mgm::sim::parse_iso8601("2026-04-04T12:04:00Z");
    g_traps = 0;
    auto previous = std::signal(SIGTRAP, count_trap);  // stands in for the debugger
    RunResult r = run_scenario(s, options);
    std::signal(SIGTRAP, previous);
    CHECK(r.passed);
    CHECK(g_traps == 1);

    options.break_at = *mgm::sim::parse_iso8601("2026-04-04T13:00:00Z");
    g_traps = 0;
    previous = std::signal(SIGTRAP, count_trap);
    run_scenario(s, options);
    std::signal(SIGTRAP, previous);
    CHECK(g_traps == 0);
}

TEST_CASE("break flags: --break-at-event and --break-on hit exactly the records they name, without changing the run",
          "[scenario][runner]") {
    Scenario s = parse_scenario(R"({"steps": [
        {"chat": {"user": "viewer-a", "login": "a", "text": "!twgold Alphaone"}},
        {"advance": {"to_phase": "spinning"}},
        {"wait": {"event": "roulette.candidate_selected"}, "within": "1s"}]})",
                                "breaks.json");
    RunOptions plain;
    plain.keep_trace = true;
    const RunResult reference = run_scenario(s, plain);
    REQUIRE(reference.passed);
    std::vector<std::pair<std::uint64_t, std::string>> events;  // (seq, name) of every domain event
    std::string line;
    for (std::istringstream in(reference.trace_jsonl); std::getline(in, line);) {
        const auto record = nlohmann::json::parse(line);
        if (record["kind"] == "event") events.emplace_back(record["seq"].get<std::uint64_t>(), record["name"]);
    }
    REQUIRE(events.size() >= 3);

    RunOptions options;
    options.breaks.at_record = events[1].first;
    options.breaks.on_events = {"roulette.*"};
    const RunResult r = run_scenario(s, options);
    CHECK(r.passed);
    CHECK(r.digest == reference.digest);  // breaking changes nothing in the run
    std::vector<std::string> want;
    for (const auto& [seq, name] : events) {
        if (seq == events[1].first) want.push_back("--break-at-event #" + std::to_string(seq) + " " + name);
        if (name.rfind("roulette.", 0) == 0) want.push_back("--break-on #" + std::to_string(seq) + " " + name);
    }
    std::vector<std::string> got;
    for (const auto& hit : r.break_hits) got.push_back(hit.reason + " #" + std::to_string(hit.record) + " " + hit.event);
    CHECK(got == want);
    for (const auto& hit : r.break_hits) CHECK(hit.detail.find("\"seq\":" + std::to_string(hit.record)) != std::string::npos);
}

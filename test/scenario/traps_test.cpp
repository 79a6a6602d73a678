// Writing scenarios without traps: load-time type checks with file:line and the field, every file's errors
// at once, unknown verbs and event names named, event-wait windows and what a failed wait found, the idle-cycle
// and rate-limit hints, the repeat pass in reports, variables in keys and arithmetic, until, $ne / $oneOf,
// call order, replaying a sweep seed's fault mix, JUnit reports.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "harness/scenario/fault_mix.h"
#include "harness/scenario/json_match.h"
#include "harness/scenario/junit.h"
#include "harness/scenario/runner.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/step_validation.h"
#include "harness/scenario/sweep.h"

using namespace mgm::harness::scenario;
using nlohmann::json;

namespace {

std::string load_error(const std::string& text) {
    try {
        parse_scenario(text, "bad.json");
    } catch (const ScenarioError& e) { return e.what(); }
    return "no error";
}

RunResult run_text(const std::string& text, RunOptions options = {}) {
    return run_scenario(parse_scenario(text, "scenarios/trap.json"), options);
}

}  // namespace

TEST_CASE("traps: a wrongly typed value fails at load with file:line and the field", "[scenario][traps]") {
    CHECK(load_error("{\"steps\": [\n{\"assert\": {\"helix_requests\": {\"count\": \"1\"}}}\n]}") ==
          "bad.json:2: assert.helix_requests.count must be a non-negative integer (or a \"${variable}\"), got the "
          "string \"1\"");
    CHECK(load_error("{\"steps\": [\n{\"wait\": {\"helix_requests\": true}}\n]}") ==
          "bad.json:2: wait.helix_requests must be a non-negative integer (or a \"${variable}\"), got the boolean true");
    CHECK(load_error("{\"steps\": [{\"repeat\": 2, \"steps\": [\n{\"assert\": {\"payouts\": {\"count\": [1]}}}\n]}]}") ==
          "bad.json:2: assert.payouts.count must be a non-negative integer (or a \"${variable}\"), got an array [1]");
    CHECK(load_error("{\"steps\": [\n{\"chat\": {\"user\": 7, \"text\": \"!twgold A\"}}\n]}") ==
          "bad.json:2: chat.user must be a string, got the number 7");
    CHECK(load_error("{\"steps\": [\n{\"helix_fail\": {\"next\": \"two\"}}\n]}")
              .rfind("bad.json:2: helix_fail.next must be a non-negative integer", 0) == 0);
    CHECK(load_error("{\"name\": 3, \"steps\": []}").find("name must be a string") != std::string::npos);
}

TEST_CASE("traps: a variable holding a number works where a count is wanted", "[scenario][traps]") {
    RunResult r = run_text(R"({"steps": [
        {"set": {"n": 0}},
        {"assert": {"helix_requests": {"count": "${n}"}, "payouts": {"count": "${n}"}}},
        {"set": {"n": "x"}},
        {"assert": {"payouts": {"count": "${n}"}}}]})");
    CHECK_FALSE(r.passed);
    CHECK(r.steps_run == 4);
    CHECK_THAT(r.failure, Catch::Contains("payouts.count must be an integer, got \"x\""));
    CHECK(r.failure_kind == FailureKind::step);
}

TEST_CASE("traps: every step's error is reported, and every file's", "[scenario][traps]") {
    const std::string two = load_error("{\"steps\": [\n{\"teleport\": 1},\n{\"log\": \"ok\"},\n{\"asert\": {}}\n]}");
    CHECK_THAT(two, Catch::StartsWith("bad.json:2: unknown verb \"teleport\"; a step needs exactly one of: chat"));
    CHECK_THAT(two, Catch::Contains("\nbad.json:4: unknown verb \"asert\" (did you mean \"assert\"?)"));

    const auto dir = std::filesystem::temp_directory_path() / "mgm-traps-load-all";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "a-bad.json") << "{\"steps\": [{\"wait\": {\"event\": \"payout.create\"}}]}";
    std::ofstream(dir / "b-good.json") << "{\"steps\": [{\"log\": \"fine\"}]}";
    std::ofstream(dir / "c-bad.json") << "{\"steps\": [\n{\"advance\": \"5 parsecs\"}]}";
    LoadedScenarios loaded = load_all_scenario_inputs({dir.string()});
    REQUIRE(loaded.errors.size() == 2);
    CHECK(loaded.scenarios.size() == 1);
    CHECK_THAT(loaded.errors[0].what(),
               Catch::Contains("unknown event \"payout.create\" (did you mean \"payout.created\"?); the EBS records: "));
    CHECK_THAT(loaded.errors[1].what(), Catch::Contains("c-bad.json:2: advance: \"5 parsecs\""));
    std::filesystem::remove_all(dir);
    CHECK_THAT(load_error(R"({"steps": [{"assert": {"events": {"name": "helix.announce"}}}]})"),
               Catch::Contains("unknown event \"helix.announce\""));
}

TEST_CASE("traps: the known event names are exactly the ones the EBS records", "[scenario][traps]") {
    // Every name written where the EBS records a domain event: in a .event(...) call (its name may be on the next
    // line) or assigned to the event_name it records later.
    std::set<std::string> in_sources;
    const std::regex name(R"re("([a-z0-9_]+\.[a-z0-9_]+)")re");
    for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(MGM_SOURCE_DIR) + "/backend")) {
        if (entry.path().extension() != ".cpp") continue;
        std::ifstream in(entry.path());
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (lines[i].find(".event(") == std::string::npos && lines[i].find("event_name = ") == std::string::npos)
                continue;
            const std::string text = lines[i] + (i + 1 < lines.size() && lines[i].find('"') == std::string::npos
                                                     ? lines[i + 1]
                                                     : std::string());
            for (std::sregex_iterator it(text.begin(), text.end(), name), end; it != end; ++it)
                in_sources.insert((*it)[1]);
        }
    }
    const std::set<std::string> known(known_event_names().begin(), known_event_names().end());
    std::string missing, stale;
    for (const auto& n : in_sources)
        if (!known.count(n)) missing += " " + n;
    for (const auto& n : known)
        if (!in_sources.count(n)) stale += " " + n;
    INFO("recorded by backend/ but not in known_event_names() (harness/scenario/step_validation.cpp):" << missing);
    INFO("in known_event_names() but recorded nowhere:" << stale);
    CHECK(in_sources == known);
}

TEST_CASE("traps: event waits take events from a window, a failed one says what it found", "[scenario][traps]") {
    const std::string enrolled_and_spun = R"(
        {"chat": {"user": "v1", "text": "!twgold Alpha"}},
        {"advance": {"to_phase": "spinning"}},)";
    // Default window: since the previous step began - the advance just before produced the event.
    RunResult passed = run_text(R"({"steps": [)" + enrolled_and_spun + R"(
        {"wait": {"event": "roulette.candidate_selected"}, "within": "1s", "capture": {"who": "characterName"}},
        {"assert": {"vars": {"who": "Alpha"}}}]})");
    INFO(passed.failure);
    CHECK(passed.passed);
    // since: step misses it, and the report says why the event did not count.
    RunResult missed = run_text(R"({"steps": [)" + enrolled_and_spun + R"(
        {"wait": {"event": "roulette.candidate_selected", "since": "step"}, "within": "1s"}]})");
    CHECK_FALSE(missed.passed);
    CHECK_THAT(missed.failure, Catch::Contains("no roulette.candidate_selected event since this step began "
                                               "(2026-04-04T12:04:00Z)"));
    CHECK_THAT(missed.failure, Catch::Contains("newest earlier: 2026-04-04T12:04:00Z, seq "));
    CHECK_THAT(missed.failure, Catch::Contains("recorded before the window, so it did not count"));
    // Two steps later the old event no longer counts by default; "cycle" and "start" accept it.
    RunResult stale = run_text(R"({"steps": [)" + enrolled_and_spun + R"(
        {"advance": "5s"},
        {"wait": {"event": "roulette.candidate_selected"}, "within": "1s"}]})");
    CHECK_FALSE(stale.passed);
    CHECK_THAT(stale.failure, Catch::Contains("since the previous step began (2026-04-04T12:04:00Z)"));
    RunResult cycle = run_text(R"({"steps": [)" + enrolled_and_spun + R"(
        {"advance": "5s"},
        {"wait": {"event": "roulette.candidate_selected", "since": "cycle"}, "within": "1s"},
        {"wait": {"event": "roulette.candidate_selected", "new": false}, "within": "1s"}]})");
    INFO(cycle.failure);
    CHECK(cycle.passed);
    // Events in the window that do not match "where" are listed with the reason.
    RunResult unmatched = run_text(R"({"steps": [)" + enrolled_and_spun + R"(
        {"wait": {"event": "roulette.candidate_selected", "where": {"characterName": "Bravo"}}, "within": "1s"}]})");
    CHECK_THAT(unmatched.failure, Catch::Contains("none matching where:") &&
                                      Catch::Contains("at /characterName: expected \"Bravo\", got \"Alpha\""));
    CHECK_THAT(load_error(R"({"steps": [{"wait": {"event": "payout.created", "since": "yesterday"}}]})"),
               Catch::Contains("since must be one of step, previous_step, cycle, start"));
}

TEST_CASE("traps: a wait in an idle cycle says the cycle is idle and why", "[scenario][traps]") {
    RunResult r = run_text(R"({"steps": [
        {"advance": "30s", "note": "the cycle opens with an empty pool"},
        {"chat": {"user": "v1", "text": "!twgold Alpha"}},
        {"advance": {"to_phase": "spinning"}},
        {"wait": {"event": "roulette.candidate_selected"}, "within": "10s"}]})");
    CHECK_FALSE(r.passed);
    CHECK_THAT(r.failure, Catch::Contains("cycle: the cycle that began at 2026-04-04T12:00:00Z is idle: the pool was "
                                          "empty at its start"));
    CHECK_THAT(r.failure, Catch::Contains("step 3 advanced to phase \"spinning\", which landed at "
                                          "2026-04-04T12:04:00Z inside this cycle"));
}

TEST_CASE("traps: a 429 names the rate-limit partition (the Desktop's shared API-key bucket)", "[scenario][traps]") {
    RunResult r = run_text(R"({"steps": [
        {"repeat": 6, "steps": [
          {"http": "GET /api/payouts/pending", "api_key": true, "expect": {"status": 200}}]}]})");
    CHECK_FALSE(r.passed);
    CHECK_THAT(r.failure, Catch::Contains("step 1.1 (i=6 of 6): http GET /api/payouts/pending"));
    CHECK_THAT(r.failure, Catch::Contains("expected status 200, got HTTP 429"));
    CHECK_THAT(r.failure, Catch::Contains("partition \"desktop\": the Desktop's shared API-key bucket"));
}

TEST_CASE("traps: a failure inside repeat says which pass, the report shows variables' values in full",
          "[scenario][traps]") {
    RunResult r = run_text(R"({"steps": [
        {"set": {"long": "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"}},
        {"repeat": 3, "var": "round", "steps": [
          {"assert": {"vars": {"round": "1", "long": "${long}"}}}]}]})");
    CHECK_FALSE(r.passed);
    CHECK_THAT(r.failure, Catch::Contains("step 2.1 (round=2 of 3): assert {\"vars\":{\"long\":\"abcdefghij"));
    CHECK_THAT(r.failure, Catch::Contains("uvwxyz\",\"round\":\"1\"}}\n"));  // not cut at 100 characters
    CHECK_THAT(r.failure, Catch::Contains("    as written: assert {\"vars\":{\"long\":\"${long}\""));
    CHECK_THAT(r.failure, Catch::Contains("expected ${round} = \"1\", got \"2\""));

    std::ostringstream log;
    RunOptions verbose;
    verbose.progress = &log;
    run_text(R"({"steps": [{"set": {"p": "abc"}}, {"log": "payout ${p}"}, {"http": "GET /api/x/${p}"}]})", verbose);
    CHECK_THAT(log.str(), Catch::Contains("step 3 (line 1): http GET /api/x/abc"));
    CHECK_THAT(log.str(), Catch::Contains("payout abc"));
}

TEST_CASE("traps: variables work in keys, and hold numbers with arithmetic", "[scenario][traps]") {
    RunResult r = run_text(R"({"steps": [
        {"repeat": 2, "steps": [
          {"set": {"k${i}": "${i*10+1}"}},
          {"http": "GET /api/version", "capture": {"s${i}": "$status"}}]},
        {"set": {"n": 7}},
        {"set": {"m": "${n - 2 * 3}", "q": "${n / 2}"}},
        {"assert": {"vars": {"k1": "11", "k2": "21", "s1": "200", "s2": "200", "m": "1", "q": "3"}}}]})");
    INFO(r.failure);
    CHECK(r.passed);
    RunResult bad = run_text(R"({"steps": [{"set": {"a": "x"}}, {"set": {"b": "${a+1}"}}]})");
    CHECK_THAT(bad.failure, Catch::Contains("cannot compute ${a+1}: a is \"x\", not an integer"));
}

TEST_CASE("traps: until retries one step within its budget", "[scenario][traps]") {
    RunResult r = run_text(R"({"steps": [
        {"chat": {"user": "v1", "text": "!twgold Alpha"}},
        {"until": {"assert": {"phase": "spinning"}}, "every": "30s", "tries": 20},
        {"assert": {"now": "2026-04-04T12:04:00Z"}}]})");
    INFO(r.failure);
    CHECK(r.passed);
    RunResult out = run_text(R"({"steps": [
        {"until": {"assert": {"phase": "spinning"}}, "every": "10s", "tries": 3}]})");
    CHECK_FALSE(out.passed);
    CHECK_THAT(out.failure, Catch::Contains("until: step 1.1 did not hold after 3 tries over 20s (budget: 3 tries, "
                                            "every 10s)"));
    CHECK_THAT(out.failure, Catch::Contains("last failure: roulette state mismatch at /spinPhase"));
    RunResult budget = run_text(R"({"steps": [
        {"until": {"assert": {"phase": "spinning"}}, "every": "10s", "within": "25s"}]})");
    CHECK_THAT(budget.failure, Catch::Contains("did not hold after 3 tries over 20s (budget: 10 tries, every 10s, "
                                               "within 25s)"));
    CHECK_THAT(load_error(R"({"steps": [{"until": {"repeat": 1, "steps": []}}]})"),
               Catch::Contains("until retries one plain step, not a repeat"));
}

TEST_CASE("traps: $ne and $oneOf matchers", "[scenario][traps]") {
    std::string where, why;
    CHECK(json_subset_match(json::parse(R"({"status": {"$ne": "Pending"}})"), json::parse(R"({"status": "Sent"})")));
    CHECK_FALSE(json_subset_match(json::parse(R"({"status": {"$ne": "Sent"}})"), json::parse(R"({"status": "Sent"})"),
                                  &where, &why));
    CHECK(why == "expected anything but \"Sent\", got \"Sent\"");
    CHECK(json_subset_match(json::parse(R"({"s": {"$oneOf": ["Sent", "InProgress"]}})"), json::parse(R"({"s": "Sent"})")));
    CHECK_FALSE(json_subset_match(json::parse(R"({"s": {"$oneOf": [500, 503]}})"), json::parse(R"({"s": 200})"), &where,
                                  &why));
    CHECK(where == "/s");
    CHECK(why == "expected one of [500,503], got 200");
    RunResult r = run_text(R"({"steps": [{"assert": {"payouts": {"statuses": {"$len": 0}}}}]})");
    INFO(r.failure);
    CHECK(r.passed);
}

TEST_CASE("traps: call_order asserts the order of calls across services", "[scenario][traps]") {
    const std::string calls = R"({"steps": [
        {"http": "GET /api/version"},
        {"http": "GET /requests", "service": "helix"},)";
    RunResult r = run_text(calls + R"({"assert": {"call_order": ["ebs GET /api/*", "helix GET /requests"]}}]})");
    INFO(r.failure);
    CHECK(r.passed);
    RunResult wrong = run_text(calls + R"({"assert": {"call_order": ["helix GET /requests", "ebs GET /api/version"]}}]})");
    CHECK_FALSE(wrong.passed);
    CHECK_THAT(wrong.failure, Catch::Contains("expected a call matching \"ebs GET /api/version\" after \"helix GET "
                                              "/requests\" at 2026-04-04T12:00:00Z, found none"));
    CHECK_THAT(wrong.failure, Catch::Contains("ebs GET /api/version -> 200"));
    CHECK_THAT(load_error(R"({"steps": [{"assert": {"call_order": ["ebs /x", "helix GET /y"]}}]})"),
               Catch::Contains("a call is \"SERVICE METHOD /path\""));
}

TEST_CASE("traps: run replays a sweep seed's exact fault mix", "[scenario][traps]") {
    Scenario s = parse_scenario(R"({"steps": [
        {"advance": "30s"},
        {"chat": {"user": "viewer-etoe", "login": "etoe", "text": "!twgold Etoehero"}},
        {"advance": {"to_phase": "next"}},
        {"http": "GET /api/version"}]})",
                                "scenarios/replay.json");
    SweepOptions sweep;
    sweep.faults = true;
    for (std::uint64_t seed : {3u, 11u}) {
        SeedOutcome outcome = run_seed(s, seed, sweep);
        RunOptions run;
        run.seed = seed;
        run.log_level = mgm::sim::LogLevel::off;
        const FaultMix mix = draw_fault_mix(seed);
        install_fault_mix(run, mix);
        RunResult replay = run_scenario(s, run);
        INFO("seed " << seed << ": " << mix.describe());
        CHECK(replay.digest == outcome.result.digest);
        RunOptions plain;
        plain.seed = seed;
        plain.log_level = mgm::sim::LogLevel::off;
        if (mix.latency_max.count() > 0) CHECK(run_scenario(s, plain).digest != replay.digest);
    }
}

TEST_CASE("traps: --break-at past the end is reported as not reached", "[scenario][traps]") {
    RunOptions options;
    options.break_at = *mgm::sim::parse_iso8601("2026-04-05T00:00:00Z");
    RunResult r = run_text(R"({"steps": [{"advance": "1m"}]})", options);
    CHECK(r.passed);
    CHECK_FALSE(r.break_reached);
}

TEST_CASE("traps: JUnit report: one testcase per run, failure report, reproduce command, digest",
          "[scenario][traps]") {
    RunResult failed = run_text("{\"steps\": [\n{\"http\": \"GET /api/payouts/pending\", \"expect\": {\"status\": 200}}]}");
    RunResult passed = run_text(R"({"name": "ok <&>", "steps": [{"log": "x"}]})");
    std::vector<JunitTestcase> cases = {junit_testcase(failed, "mgm-sim run --seed 1 scenarios/trap.json", 0.25),
                                        junit_testcase(passed, "mgm-sim run --seed 1 scenarios/trap.json", 0.5)};
    const std::string xml = junit_xml("mgm-sim run", cases);
    CHECK_THAT(xml, Catch::StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mgm-sim run\" "
                                      "tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0.750\">"));
    CHECK_THAT(xml, Catch::Contains("<testcase classname=\"scenarios\" name=\"trap\" file=\"scenarios/trap.json\" "
                                    "time=\"0.250\">"));
    CHECK_THAT(xml, Catch::Contains("<failure message=\"scenarios/trap.json:2, step 1: expected status 200, got HTTP "
                                    "401"));
    CHECK_THAT(xml, Catch::Contains("type=\"step\">  at scenarios/trap.json:2, step 1: http GET /api/payouts/pending"));
    CHECK_THAT(xml, Catch::Contains("<property name=\"digest\" value=\"" + failed.digest + "\"/>"));
    CHECK_THAT(xml, Catch::Contains("<system-out>reproduce: mgm-sim run --seed 1 scenarios/trap.json\ntrace digest: " +
                                    passed.digest));
    CHECK_THAT(xml, Catch::Contains("name=\"ok &lt;&amp;&gt;\""));
    CHECK(xml.find("<failure", xml.find("name=\"ok")) == std::string::npos);
}

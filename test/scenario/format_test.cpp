// The scenario file format: durations, instant expressions, JSON matching, parsing and its error lines.
#include <catch2/catch.hpp>

#include "harness/scenario/json_match.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/time_expr.h"

using namespace mgm;
using namespace mgm::harness::scenario;
using nlohmann::json;

namespace {
constexpr std::int64_t kSecond = 10'000'000;
}

TEST_CASE("durations read as scenario authors write them", "[scenario][format]") {
    CHECK(parse_duration("90s")->count() == 90 * kSecond);
    CHECK(parse_duration("1h30m")->count() == 5400 * kSecond);
    CHECK(parse_duration("250ms")->count() == kSecond / 4);
    CHECK(parse_duration("-1t")->count() == -1);
    CHECK(parse_duration("5m-1t")->count() == 300 * kSecond - 1);
    CHECK(parse_duration("24h+1s")->count() == (86'400 + 1) * kSecond);
    CHECK(parse_duration("1.5s")->count() == 15 * kSecond / 10);
    CHECK(parse_duration("30")->count() == 30 * kSecond);
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("5 parsecs"));
    CHECK_FALSE(parse_duration("s"));
    CHECK(format_duration(sim::Duration{300 * kSecond + 1}) == "5m1t");
    CHECK(format_duration(sim::Duration{-1}) == "-1t");
}

TEST_CASE("instant expressions resolve anchors and offsets", "[scenario][format]") {
    const auto noon = *sim::parse_iso8601("2026-04-04T12:00:00Z");
    AnchorLookup lookup = [&](std::string_view name) -> std::optional<sim::Instant> {
        if (name == "cycle") return noon;
        return std::nullopt;
    };
    CHECK(parse_instant("2026-04-04T12:04:00Z", lookup) == noon + std::chrono::minutes(4));
    CHECK(parse_instant("cycle+240s-1t", lookup) == noon + std::chrono::seconds(240) - sim::kTick);
    CHECK(parse_instant("cycle", lookup) == noon);
    CHECK_FALSE(parse_instant("nowhere+1s", lookup));
    CHECK_FALSE(parse_instant("cycle*2", lookup));
}

TEST_CASE("JSON subset matching reports the first difference", "[scenario][format]") {
    json actual = json::parse(R"({"ok":true,"steps":[{"name":"a","statusCode":200},{"name":"b","statusCode":502}],
                                   "id":"2d2b7b2a-1111-2222-3333-444444444444","error":null})");
    std::string where, why;
    CHECK(json_subset_match(json::parse(R"({"ok":true})"), actual));
    CHECK(json_subset_match(json::parse(R"({"id":"$uuid","error":"$null","missing":"$absent"})"), actual));
    CHECK(json_subset_match(json::parse(R"({"steps":{"$len":2}})"), actual));
    CHECK(json_subset_match(json::parse(R"({"steps":{"$contains":{"statusCode":502}}})"), actual));
    CHECK_FALSE(
        json_subset_match(json::parse(R"({"steps":[{"statusCode":200},{"statusCode":200}]})"), actual, &where, &why));
    CHECK(where == "/steps/1/statusCode");
    CHECK(why == "expected 200, got 502");
    CHECK_FALSE(json_subset_match(json::parse(R"({"ok":"$null"})"), actual, &where, &why));
    CHECK(where == "/ok");
}

TEST_CASE("JSON paths: dotted, pointer and whole value", "[scenario][format]") {
    json doc = json::parse(R"({"payoutId":"p1","steps":[{"name":"x"}]})");
    CHECK(json_path_get(doc, "payoutId") == json("p1"));
    CHECK(json_path_get(doc, "steps.0.name") == json("x"));
    CHECK(json_path_get(doc, "/steps/0/name") == json("x"));
    CHECK(json_path_get(doc, "") == doc);
    CHECK_FALSE(json_path_get(doc, "steps.3"));
    CHECK(json_to_variable_text(json("p1")) == "p1");
    CHECK(json_to_variable_text(json(3)) == "3");
}

TEST_CASE("a scenario parses with comments, defaults and step lines", "[scenario][format]") {
    const char* text = R"(// comment before the root
{
  "seed": 7,
  /* block
     comment */
  "config": {"Mgm:ApiKey": "k", "Mgm:EnableE2eHarness": true},
  "steps": [
    {"http": "GET /api/version", "expect": {"status": 200}},
    {"advance": "boundary"},
    {"repeat": 2, "var": "i", "steps": [
      {"log": "round ${i}"}
    ]}
  ]
})";
    Scenario s = parse_scenario(text, "dir/example.json");
    CHECK(s.name == "example");
    CHECK(s.seed == 7);
    CHECK(s.start == kDefaultScenarioStart);
    CHECK(s.config.at("Mgm:EnableE2eHarness") == "true");
    REQUIRE(s.steps.size() == 3);
    CHECK(s.steps[0].kind == StepKind::http);
    CHECK(s.steps[0].line == 8);
    CHECK(s.steps[1].line == 9);
    CHECK(s.steps[2].children.at(0).line == 11);
    CHECK(s.steps[2].children.at(0).path == "3.1");
    CHECK(s.steps[0].summary() == "http GET /api/version");
}

TEST_CASE("malformed steps fail with file and line", "[scenario][format]") {
    auto error_of = [](const char* text) -> std::string {
        try {
            parse_scenario(text, "bad.json");
        } catch (const ScenarioError& e) { return e.what(); }
        return "no error";
    };
    CHECK(error_of("{\"steps\": [\n {\"http\": \"get /x\"}\n]}") ==
          "bad.json:2: http must be \"METHOD /path\" with an upper-case method, got \"get /x\"");
    CHECK(error_of("{\"steps\": [\n {\"advance\": {\"by\": \"5 parsecs\"}}\n]}") ==
          "bad.json:2: by: cannot read duration \"5 parsecs\" (units: d h m s ms us t)");
    CHECK(error_of("{\"steps\": [\n {\"advance\": \"1m\"},\n {\"teleport\": 1}\n]}")
              .rfind("bad.json:3: unknown verb \"teleport\"; a step needs exactly one of", 0) == 0);
    CHECK(error_of("{\"steps\": [\n {\"note\": \"only a note\"}\n]}").rfind("bad.json:2: a step needs exactly one of", 0) ==
          0);
    CHECK(error_of("{\"steps\": [\n {\"http\": \"GET /x\", \"expct\": {}}\n]}")
              .rfind("bad.json:2: unknown key \"expct\"", 0) == 0);
    CHECK(error_of("{\"portable\": true, \"steps\": [\n {\"advance\": \"1m\"}\n]}") ==
          "bad.json:2: step 1 (advance) needs simulation, but the scenario is marked \"portable\": true");
    CHECK(error_of("{\"steps\": [\n {\"http\": \"GET /x\",}\n]}").rfind("bad.json:2: invalid JSON", 0) == 0);
}

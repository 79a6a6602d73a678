// The verb table: every step kind has exactly one row, its validation is what the parser uses, its
// real-socket flag is what the portable check enforces, and docs/SCENARIOS.md documents every verb, every
// assert check and every built-in variable.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "harness/scenario/run_context.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/steps.h"
#include "harness/scenario/verbs.h"

using namespace mgm::harness::scenario;
using nlohmann::json;

namespace {

// A minimal valid step per verb; a verb added to the table without one fails the tests below.
const std::map<std::string, std::string>& verb_examples() {
    static const std::map<std::string, std::string> examples = {
        {"chat", R"({"chat": {"user": "u", "text": "!twgold Name"}})"},
        {"eventsub", R"({"eventsub": {"body": "{}"}})"},
        {"http", R"({"http": "GET /api/version"})"},
        {"desktop", R"({"desktop": {"payout": "p", "character": "c"}})"},
        {"advance", R"({"advance": "1s"})"},
        {"wait", R"({"wait": {"phase": "spinning"}})"},
        {"fault", R"({"fault": "heal"})"},
        {"helix_fail", R"({"helix_fail": {"next": 1}})"},
        {"assert", R"({"assert": {"vars": {"a": "1"}}})"},
        {"set", R"({"set": {"a": 1}})"},
        {"repeat", R"({"repeat": 1, "steps": []})"},
        {"log", R"({"log": "x"})"},
        {"stub", R"({"stub": "127.0.0.1:9055", "routes": []})"},
        {"until", R"({"until": {"http": "GET /api/version", "expect": {"status": 200}}, "tries": 3})"},
    };
    return examples;
}

Scenario parse_one_step(const std::string& step, bool portable) {
    return parse_scenario(
        std::string("{\"portable\": ") + (portable ? "true" : "false") + ", \"steps\": [" + step + "]}", "verbs.json");
}

std::string scenarios_doc() {
    std::ifstream in(std::string(MGM_SOURCE_DIR) + "/docs/SCENARIOS.md");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("every step kind has one row in the verb table, parsed under its own name", "[scenario][verbs]") {
    std::set<std::string_view> names;
    for (int k = 0; k <= static_cast<int>(StepKind::until); ++k) {
        const auto kind = static_cast<StepKind>(k);
        int rows = 0;
        for (const Verb& v : verbs()) rows += v.kind == kind;
        CHECK(rows == 1);
        names.insert(verb(kind).name);
        CHECK(step_kind_name(kind) == verb(kind).name);
    }
    CHECK(names.size() == verbs().size());
    for (const Verb& v : verbs()) {
        const std::string name(v.name);
        INFO(name);
        REQUIRE(verb_examples().count(name) == 1);
        Scenario s = parse_one_step(verb_examples().at(name), false);
        REQUIRE(s.steps.size() == 1);
        CHECK(s.steps[0].kind == v.kind);
        CHECK(s.steps[0].summary().rfind(name, 0) == 0);
    }
}

TEST_CASE("a portable file accepts exactly the steps that run over real sockets", "[scenario][verbs]") {
    for (const Verb& v : verbs()) {
        const std::string name(v.name);
        INFO(name);
        REQUIRE(verb_examples().count(name) == 1);
        const std::string& step = verb_examples().at(name);
        if (v.reach == Reach::real_sockets) CHECK_NOTHROW(parse_one_step(step, true));
        else CHECK_THROWS_WITH(parse_one_step(step, true), Catch::Contains("needs simulation"));
    }
    // An assert is portable unless one of its checks reads the simulation's state.
    CHECK_NOTHROW(
        parse_one_step(R"({"assert": {"phase": "idle", "helix_requests": {"count": 0}, "vars": {"a": 1}}})", true));
    for (const char* check : {R"("pool": {"size": 0})", R"("now": "start")", R"("events": {"name": "payout.created"})",
                              R"("payouts": {"count": 0})", R"("payout": {"id": "x"})", R"("gift": {"id": "x"})",
                              R"("call_order": ["ebs GET /a", "helix GET /b"])"})
        CHECK_THROWS_WITH(parse_one_step(std::string(R"({"assert": {"phase": "idle", )") + check + "}}", true),
                          Catch::Contains("needs simulation"));
}

TEST_CASE("built-in variables cannot be assigned anywhere a scenario names a variable", "[scenario][verbs]") {
    for (const auto& builtin : builtin_variables()) {
        const std::string name(builtin.name);
        INFO(name);
        const std::string message = "\"" + name + "\" is a built-in variable (" + builtin_variable_list() + ")";
        CHECK_THROWS_WITH(parse_one_step("{\"set\": {\"" + name + "\": 1}}", false), Catch::Contains(message));
        CHECK_THROWS_WITH(parse_one_step("{\"http\": \"GET /a\", \"capture\": {\"" + name + "\": \"x\"}}", false),
                          Catch::Contains(message));
        CHECK_THROWS_WITH(parse_one_step("{\"repeat\": 1, \"var\": \"" + name + "\", \"steps\": []}", false),
                          Catch::Contains(message));
        CHECK_THROWS_WITH(parse_scenario("{\"vars\": {\"" + name + "\": 1}, \"steps\": []}", "v.json"),
                          Catch::Contains(message));
    }
    CHECK(builtin_variable_list() == "now, cycle, boundary, start, seed");
}

TEST_CASE("docs/SCENARIOS.md documents every verb, assert check and built-in variable", "[scenario][verbs]") {
    const std::string doc = scenarios_doc();
    REQUIRE_FALSE(doc.empty());
    for (const Verb& v : verbs()) {
        INFO(v.name);
        CHECK(doc.find("| `" + std::string(v.name) + "` |") != std::string::npos);
    }
    for (const std::string& check : assert_check_names()) {
        INFO(check);
        CHECK(doc.find("| `\"" + check + "\"") != std::string::npos);
    }
    for (const auto& builtin : builtin_variables()) {
        INFO(builtin.name);
        CHECK(doc.find("`${" + std::string(builtin.name) + "}`") != std::string::npos);
    }
}

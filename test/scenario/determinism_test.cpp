// Every scenario in scenarios/ replays identically: the same seed twice gives the same trace digest.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "harness/scenario/runner.h"
#include "harness/scenario/scenario.h"

using namespace mgm::harness::scenario;

namespace {

std::filesystem::path scenario_dir() {
    if (const char* env = std::getenv("MGM_SCENARIO_DIR")) return env;
    // test/scenario/determinism_test.cpp -> <repo>/scenarios
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "scenarios";
}

std::vector<std::string> scenario_files() {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(scenario_dir()))
        if (entry.path().extension() == ".json") files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

TEST_CASE("every scenario gives the same digest twice with the same seed", "[scenario][determinism]") {
    const auto files = scenario_files();
    REQUIRE(files.size() >= 19);
    for (const auto& file : files) {
        DYNAMIC_SECTION(std::filesystem::path(file).filename().string()) {
            Scenario scenario = load_scenario_file(file);
            RunOptions quiet;
            quiet.log_level = mgm::sim::LogLevel::off;
            RunResult first = run_scenario(scenario, quiet);
            RunResult second = run_scenario(scenario, quiet);
            INFO(format_result(first));
            CHECK(first.digest.size() == 64);
            CHECK(first.steps_run > 0);
            CHECK(first.digest == second.digest);
            CHECK(first.trace_records == second.trace_records);
        }
    }
}

// Seed sweeps: fault mixes are drawn per seed and replay identically; verdicts separate tolerated
// expectation drift under faults from real failures; the reproduce command names the seed.
#include <catch2/catch.hpp>

#include <set>

#include "harness/scenario/scenario.h"
#include "harness/scenario/sweep.h"

using namespace mgm::harness::scenario;

namespace {

Scenario small_flow() {
    return parse_scenario(R"({"steps": [
        {"advance": "30s"},
        {"chat": {"user": "viewer-etoe", "login": "etoe", "text": "!twgold Etoehero"}},
        {"advance": {"to_phase": "spinning"}},
        {"wait": {"event": "roulette.candidate_selected"}, "within": "1s"},
        {"http": "GET /api/version", "expect": {"status": 200}}]})",
                          "scenarios/small.json");
}

}  // namespace

TEST_CASE("sweep: each seed draws its own fault mix, the same seed the same one", "[scenario][sweep]") {
    std::set<std::string> descriptions;
    int with_faults = 0;
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        FaultMix mix = draw_fault_mix(seed);
        CHECK(mix.describe() == draw_fault_mix(seed).describe());
        descriptions.insert(mix.describe());
        with_faults += mix.any() ? 1 : 0;
    }
    CHECK(descriptions.size() > 30);
    CHECK(with_faults > 30);
}

TEST_CASE("sweep: a seed with faults replays to the same digest and verdict", "[scenario][sweep]") {
    Scenario s = small_flow();
    SweepOptions options;
    options.faults = true;
    for (std::uint64_t seed : {3u, 17u, 40u}) {
        SeedOutcome a = run_seed(s, seed, options);
        SeedOutcome b = run_seed(s, seed, options);
        INFO("seed " << seed << ": " << a.faults.describe() << "\n" << a.result.failure);
        CHECK(a.result.digest == b.result.digest);
        CHECK(a.verdict == b.verdict);
        CHECK(a.verdict != Verdict::fail);
        CHECK(a.result.invariant_checks > 0);
    }
}

TEST_CASE("sweep: without faults an expectation failure fails - with faults it is tolerated unless strict",
          "[scenario][sweep]") {
    Scenario s = parse_scenario(R"({"steps": [{"http": "GET /api/version", "expect": {"status": 418}}]})",
                                "scenarios/teapot.json");
    SweepOptions plain;
    CHECK(run_seed(s, 5, plain).verdict == Verdict::fail);

    SweepOptions faults;
    faults.faults = true;
    std::uint64_t seed = 1;
    while (!draw_fault_mix(seed).any()) ++seed;
    CHECK(run_seed(s, seed, faults).verdict == Verdict::tolerated);
    faults.strict = true;
    CHECK(run_seed(s, seed, faults).verdict == Verdict::fail);
    CHECK(reproduce_command("scenarios/teapot.json", 137, faults) ==
          "mgm-sim sweep scenarios/teapot.json --seeds 137..137 --faults random --strict");
    faults.strict = false;
    CHECK(reproduce_command("scenarios/teapot.json", 137, faults) ==
          "mgm-sim sweep scenarios/teapot.json --seeds 137..137 --faults random");
}

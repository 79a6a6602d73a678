// Seed sweeps: fault mixes are drawn per seed and replay identically; verdicts separate tolerated
// expectation drift under faults from real failures; the reproduce command names the seed.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "harness/scenario/scenario.h"
#include "harness/scenario/sweep.h"
#include "harness/scenario/sweep_report.h"
#include "harness/scenario/worker_pool.h"

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

// ----- spreading sweeps out: worker processes, run records, merging ------------------------------------------


TEST_CASE("sweep workers: every job answers once, and a job that kills its worker is reported as a crash",
          "[scenario][sweep]") {
    std::map<std::size_t, JobResult> results;
    run_in_workers(
        {0, 1, 2, 3, 4, 5}, 2,
        [](std::size_t job) -> std::string {
            if (job == 3) std::abort();  // a run that crashes the process
            return "answer " + std::to_string(job * 10);
        },
        [&](std::size_t job, const JobResult& result) { CHECK(results.emplace(job, result).second); });
    REQUIRE(results.size() == 6);
    for (std::size_t job : {0, 1, 2, 4, 5}) {
        CHECK_FALSE(results[job].crashed);
        CHECK(results[job].output == "answer " + std::to_string(job * 10));
    }
    CHECK(results[3].crashed);
    CHECK(results[3].crash.find("signal " + std::to_string(SIGABRT)) != std::string::npos);
}

TEST_CASE("sweep records: a run record survives its JSON line, a malformed line names the field",
          "[scenario][sweep]") {
    SweepOptions faults;
    faults.faults = true;
    SeedOutcome outcome = run_seed(small_flow(), 7, faults);
    RunRecord record = make_record("scenarios/small.json", "small", outcome, faults);
    record.run = 12;
    record.shard = "2/3";
    record.points["offline_candidate"] = 2;
    const RunRecord back = record_from_json(nlohmann::json::parse(to_json(record).dump()));
    CHECK(back.file == record.file);
    CHECK(back.seed == 7);
    CHECK(back.run == 12);
    CHECK(back.shard == "2/3");
    CHECK(back.verdict == outcome.verdict);
    CHECK(back.digest == outcome.result.digest);
    CHECK(back.fault_mix == draw_fault_mix(7).describe());
    CHECK(back.faults_fired == outcome.faults_fired);
    CHECK(back.points == record.points);
    CHECK(back.reproduce == "mgm-sim sweep scenarios/small.json --seeds 7..7 --faults random");
    CHECK_THROWS_WITH(record_from_json(nlohmann::json{{"file", "x"}, {"verdict", "pass"}}),
                      Catch::Contains("\"seed\""));
    CHECK_THROWS_WITH(record_from_json(nlohmann::json{{"file", "x"}, {"seed", "7"}, {"verdict", "pass"}}),
                      Catch::Contains("wrong type"));
}

TEST_CASE("sweep faults fired: a run reports the faults that struck, not just the ones drawn", "[scenario][sweep]") {
    SweepOptions faults;
    faults.faults = true;
    int runs_with_latency = 0, runs_where_latency_fired = 0;
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
        SeedOutcome outcome = run_seed(small_flow(), seed, faults);
        if (outcome.faults.latency_max.count() > 0) {
            ++runs_with_latency;
            if (outcome.faults_fired.count("packets_delayed")) ++runs_where_latency_fired;
        } else {
            CHECK(outcome.faults_fired.count("packets_delayed") == 0);
        }
        if (!outcome.faults.any()) CHECK(outcome.faults_fired.empty());
    }
    // A drawn latency may never strike (a refused first connect ends the run early), but it does strike in most.
    CHECK(runs_with_latency > 0);
    CHECK(runs_where_latency_fired * 2 > runs_with_latency);
}

namespace {

RunRecord record_of(const std::string& file, std::uint64_t seed, Verdict verdict, const std::string& digest) {
    RunRecord r;
    r.file = file;
    r.name = file;
    r.seed = seed;
    r.run = seed;
    r.verdict = verdict;
    r.digest = digest;
    r.reproduce = "mgm-sim sweep " + file + " --seeds " + std::to_string(seed) + ".." + std::to_string(seed);
    return r;
}

}  // namespace

TEST_CASE("sweep summary: a seed with two digests is a determinism failure, a silent shard is reported",
          "[scenario][sweep]") {
    std::vector<RunRecord> records{record_of("a.json", 1, Verdict::pass, "d1"), record_of("a.json", 2, Verdict::pass, "d2")};
    records[0].shard = "1/2";
    records[1].shard = "1/2";
    RunRecord again = record_of("a.json", 2, Verdict::pass, "d2-other");
    again.recheck = true;
    records.push_back(again);
    records[0].points["rename"] = 3;
    SummaryOptions options;
    options.check_shards = true;
    options.required_points = {"rename", "requeue"};
    std::ostringstream out;
    SweepSummary summary = summarize(records, options, out);
    CHECK(summary.runs == 2);  // the re-run is folded into its original
    CHECK(summary.nondeterministic == 1);
    CHECK(summary.failed == 1);
    CHECK(summary.missing_shards == std::vector<std::string>{"2/2"});
    CHECK(summary.missing_points == std::vector<std::string>{"requeue"});
    CHECK_FALSE(summary.ok());
    const std::string text = out.str();
    CHECK_THAT(text, Catch::Contains("the same seed gave two different traces"));
    CHECK_THAT(text, Catch::Contains("reproduce: mgm-sim sweep a.json --seeds 2..2"));
    CHECK_THAT(text, Catch::Contains("shard 2/2 has no records"));
    CHECK_THAT(text, Catch::Contains("required coverage point 'requeue' was never reached"));
    CHECK_THAT(text, Catch::Contains("rename: 1 runs, 3"));

    std::vector<RunRecord> agreeing{record_of("a.json", 1, Verdict::pass, "d1"), record_of("a.json", 1, Verdict::pass, "d1")};
    agreeing[1].recheck = true;
    std::ostringstream quiet;
    CHECK(summarize(agreeing, SummaryOptions{}, quiet).ok());
}

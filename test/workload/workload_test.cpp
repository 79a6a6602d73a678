// Workloads (docs/WORKLOADS.md): the oracle catches a planted wrong answer, a liveness violation names its
// condition and since when, coverage counts match what the trace shows, runs replay to the same digest, and a
// malformed file is refused with its path.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/workload/workload.h"
#include "sim/core/crypto.h"
#include "sim/http/client.h"

using namespace mgm::harness::workload;
using mgm::harness::scenario::FaultMix;

namespace {

Workload small(const std::string& extra = "") {
    return parse_workload(R"({"seed": 5, "span": "40m", "viewers": {"count": 3, "non_subscribers": 0,
        "actions_per_hour": 20, "mix": {"enroll": 3, "poll": 3, "gift": 0, "burst": 0}}, "e2e": {"per_hour": 0})" +
                              extra + "}",
                          "workloads/small.json");
}

std::vector<nlohmann::json> read_trace(const std::string& path) {
    std::vector<nlohmann::json> records;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
    return records;
}

}  // namespace

TEST_CASE("workload: a small workload passes and replays to the same digest", "[workload]") {
    const Workload w = small();
    const WorkloadOutcome a = run_workload(w, 5, FaultMix{});
    INFO(a.failure);
    REQUIRE(a.verdict == WorkloadVerdict::pass);
    CHECK(a.reached_end);
    CHECK(a.requests > 20);
    CHECK(a.coverage.faults.empty());
    CHECK_FALSE(a.coverage.reached("indeterminate_request"));
    const WorkloadOutcome b = run_workload(w, 5, FaultMix{});
    CHECK(a.digest == b.digest);
    CHECK(a.coverage.points == b.coverage.points);
}

TEST_CASE("workload: the oracle catches a planted wrong answer and reports request, prediction, actual, time",
          "[workload]") {
    WorkloadOptions options;
    // The EBS answers pool/me; the hook flips isEnrolled before the oracle sees the answer.
    options.tamper_answer = [](mgm::http::ClientResult& result) {
        if (!result.ok()) return;
        std::string& body = result.response->body;
        for (const auto& [from, to] : {std::pair<std::string, std::string>{"\"isEnrolled\":false", "\"isEnrolled\":true"},
                                       {"\"isEnrolled\":true", "\"isEnrolled\":false"}}) {
            auto at = body.find(from);
            if (at != std::string::npos) {
                body.replace(at, from.size(), to);
                return;
            }
        }
    };
    const WorkloadOutcome o = run_workload(small(), 5, FaultMix{}, options);
    REQUIRE(o.verdict == WorkloadVerdict::fail);
    CHECK(o.failure_kind == "oracle");
    CHECK_FALSE(o.reached_end);
    CHECK(o.failure.find("answer differs from the model") != std::string::npos);
    CHECK(o.failure.find("GET /api/pool/me") != std::string::npos);
    CHECK(o.failure.find("predicted: HTTP 200") != std::string::npos);
    CHECK(o.failure.find("actual: HTTP 200") != std::string::npos);
    CHECK(o.failure.find("simulated time: 2026-04-04T") != std::string::npos);
    CHECK(o.failure.find("reproduce: mgm-sim workload workloads/small.json --seed 5") != std::string::npos);
}

TEST_CASE("workload: a liveness violation names the condition and since when it has not held", "[workload]") {
    WorkloadOptions options;
    options.start_workers = false;  // no synchronizer: no cycle ever opens
    const WorkloadOutcome o = run_workload(small(), 5, FaultMix{}, options);
    REQUIRE(o.verdict == WorkloadVerdict::fail);
    CHECK(o.failure_kind == "liveness");
    CHECK(o.failure.find("liveness: a cycle opens at every 5-minute boundary") != std::string::npos);
    CHECK(o.failure.find("not held since 2026-04-04T12:05:00Z") != std::string::npos);
}

TEST_CASE("workload: coverage counts match the domain events of the run", "[workload]") {
    // Every chat message is delivered twice: each delivery's twin is a duplicate the EBS ignores.
    const Workload w = small(R"(, "viewers": {"count": 2, "non_subscribers": 0, "actions_per_hour": 12,
        "duplicate_delivery": 1, "mix": {"enroll": 1, "rename": 1, "taken_name": 0, "invalid_name": 0, "claim": 0,
        "poll": 0, "burst": 0, "gift": 0}}, "desktop": {"online": 0.5, "late": 0, "cancel": 0, "fail": 0,
        "requeue": 0, "abandon": 0})");
    WorkloadOptions options;
    const std::string path = "workload_coverage_trace.jsonl";
    options.trace_file = path;
    const WorkloadOutcome o = run_workload(w, 9, FaultMix{}, options);
    INFO(o.failure);
    REQUIRE(o.verdict == WorkloadVerdict::pass);
    // --trace streams the run to the file: exactly the lines the digest covers, one per record.
    {
        std::ifstream in(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(mgm::sim::crypto::to_hex_lower(mgm::sim::crypto::sha256(bytes)) == o.digest);
        CHECK(static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n')) == o.trace_records);
    }
    std::uint64_t duplicates = 0, offline = 0, sent = 0, chats = 0;
    for (const auto& r : read_trace(path)) {
        if (r.value("kind", "") != "event") continue;
        const std::string name = r.value("name", "");
        if (name == "pool.chat_ignored" && r.value("reason", "") == "ignored_duplicate_message") ++duplicates;
        if (name == "roulette.cycle_consumed") ++offline;
        if (name == "payout.status_changed" && r.value("to", "") == "Sent") ++sent;
        if (name == "pool.enrolled" || name == "pool.chat_ignored") ++chats;
    }
    std::remove(path.c_str());
    CHECK(duplicates > 0);
    CHECK(o.coverage.points.at("duplicate_delivery") == duplicates);
    CHECK(duplicates * 2 == chats);
    if (offline > 0) CHECK(o.coverage.points.at("offline_candidate") == offline);
    else CHECK_FALSE(o.coverage.reached("offline_candidate"));
    if (sent > 0) CHECK(o.coverage.points.at("payout_sent") == sent);
    CHECK_FALSE(o.coverage.reached("gift_completed"));
    CHECK_FALSE(o.coverage.reached("name_taken"));
    CHECK(o.coverage.faults.empty());
}

TEST_CASE("workload: a run under random faults goes to its end and reports the faults that fired", "[workload]") {
    const Workload w = small();
    for (std::uint64_t seed : {2, 3}) {
        const FaultMix mix = mgm::harness::scenario::draw_fault_mix(seed);
        const WorkloadOutcome o = run_workload(w, seed, mix);
        INFO(o.failure);
        CHECK(o.verdict == WorkloadVerdict::pass);
        CHECK(o.reached_end);
        if (mix.reset_probability > 0 || mix.refuse_probability > 0) CHECK_FALSE(o.coverage.faults.empty());
    }
}

TEST_CASE("workload: a malformed file is refused with its path", "[workload]") {
    CHECK_THROWS_WITH(parse_workload(R"({"viewers": {"count": 0}})", "w.json"),
                      Catch::Contains("w.json: /viewers/count: must be 1..500"));
    CHECK_THROWS_WITH(parse_workload(R"({"spam": 1})", "w.json"), Catch::Contains("w.json: /spam: unknown key"));
    CHECK_THROWS_WITH(parse_workload(R"({"span": "1h", "heal_after": "2h"})", "w.json"),
                      Catch::Contains("/heal_after: must not exceed span"));
}

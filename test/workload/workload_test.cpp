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

#include "harness/workload/oracle.h"
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

// ----- the clients' mistakes: tokens (CONTRACT.md §3) and EventSub deliveries (§5.2) ------------------------

namespace {

const mgm::sim::Instant kNow = mgm::sim::Instant::from_unix_seconds(1'775'300'000);

Op token(std::optional<std::int64_t> exp_offset_s, std::optional<std::int64_t> nbf_offset_s = std::nullopt) {
    Op op;
    op.kind = OpKind::pool_me;
    if (exp_offset_s) op.token_expires = kNow + std::chrono::seconds(*exp_offset_s);
    if (nbf_offset_s) op.token_not_before = kNow + std::chrono::seconds(*nbf_offset_s);
    return op;
}

Op delivery(const std::string& fault, std::optional<std::int64_t> timestamp_offset_s = 0) {
    Op op;
    op.kind = OpKind::chat;
    op.delivery_fault = fault;
    if (timestamp_offset_s) op.delivery_timestamp = kNow + std::chrono::seconds(*timestamp_offset_s);
    return op;
}

}  // namespace

namespace {

// A run written out explicitly (every action at its instant, the fault mix and its timed parts), loaded back.
Workload explicit_run(const Workload& w, const WorkloadOutcome& recorded) {
    nlohmann::json document = nlohmann::json::parse(R"({"seed": 1, "span": "40m"})");
    document["viewers"] = {{"count", w.viewers}, {"non_subscribers", w.non_subscribers}};
    const nlohmann::json file = materialise_workload(document, recorded, failure_signature(recorded), "test", "");
    CHECK(file.contains("actions"));
    return parse_workload(file.dump(), "explicit.json");
}

Workload busy() {
    return small(R"(, "viewers": {"count": 4, "non_subscribers": 1, "actions_per_hour": 30,
        "mix": {"enroll": 3, "rename": 1, "taken_name": 1, "invalid_name": 1, "claim": 1, "poll": 3, "burst": 0.5,
        "gift": 1}}, "e2e": {"per_hour": 2})");
}

}  // namespace

TEST_CASE("workload oracle: a token is refused only outside the 5-minute clock skew", "[workload]") {
    CHECK(jwt_refusal(token(7200, 0), kNow, false).empty());
    // exp: accepted until now - 5 min is past it (the boundary itself is still accepted).
    CHECK(jwt_refusal(token(-1), kNow, false).empty());
    CHECK(jwt_refusal(token(-299), kNow, false).empty());
    CHECK(jwt_refusal(token(-300), kNow, false).empty());
    CHECK(jwt_refusal(token(-301), kNow, false) == "expired");
    CHECK(jwt_refusal(token(-7200), kNow, false) == "expired");
    // nbf: accepted up to 5 minutes ahead.
    CHECK(jwt_refusal(token(7200, 240), kNow, false).empty());
    CHECK(jwt_refusal(token(7200, 300), kNow, false).empty());
    CHECK(jwt_refusal(token(7200, 301), kNow, false) == "not_yet_valid");
    // exp is required; no token, another key.
    CHECK(jwt_refusal(token(std::nullopt), kNow, false) == "no_expiry");
    Op missing = token(7200);
    missing.token_fault = "missing";
    CHECK(jwt_refusal(missing, kNow, false) == "missing");
    Op forged = token(7200);
    forged.token_fault = "bad_signature";
    CHECK(jwt_refusal(forged, kNow, false) == "bad_signature");
    // The audience counts only when a client id is configured (D7).
    Op other = token(7200, 0);
    other.token_wrong_audience = true;
    CHECK(jwt_refusal(other, kNow, false).empty());
    CHECK(jwt_refusal(other, kNow, true) == "audience");
}

TEST_CASE("workload oracle: an EventSub delivery is refused for its signature, and for its age only when opted in",
          "[workload]") {
    CHECK(eventsub_refusal(delivery(""), kNow, true, false) == 0);
    CHECK(eventsub_refusal(delivery("bad_signature"), kNow, true, false) == 401);
    CHECK(eventsub_refusal(delivery("missing_header"), kNow, true, true) == 401);
    CHECK(eventsub_refusal(delivery("bad_signature"), kNow, false, false) == 0);  // no secret: nothing verified
    // No replay check by default: hours old is processed.
    CHECK(eventsub_refusal(delivery("stale", -3 * 3600), kNow, true, false) == 0);
    // Mgm:EventSubEnforceFreshness: more than 10 minutes from now, either way, is refused with 403.
    CHECK(eventsub_refusal(delivery("stale", -540), kNow, true, true) == 0);
    CHECK(eventsub_refusal(delivery("stale", -600), kNow, true, true) == 0);
    CHECK(eventsub_refusal(delivery("stale", -601), kNow, true, true) == 403);
    CHECK(eventsub_refusal(delivery("stale", 601), kNow, true, true) == 403);
    CHECK(eventsub_refusal(delivery("stale", std::nullopt), kNow, true, true) == 403);
}

namespace {

// Every client mistake often, on a deployment with a client id and the replay window on.
Workload mistaken(bool strict_deployment) {
    return parse_workload(std::string(R"({"seed": 5, "span": "2h", "viewers": {"count": 3, "non_subscribers": 0,
        "actions_per_hour": 30, "mix": {"enroll": 3, "poll": 3, "gift": 0, "burst": 0}}, "e2e": {"per_hour": 0},
        "tokens": {"near_expiry": 0.1, "expired": 0.1, "early": 0.1, "not_yet_valid": 0.1, "bad_signature": 0.1,
                   "missing": 0.1, "wrong_audience": 0.1},
        "eventsub": {"bad_signature": 0.3, "missing_header": 0.3, "stale": 0.4, "reused_id": 0.5})") +
                              (strict_deployment ? R"(, "config": {"Twitch:ExtensionClientId": "mgm-test-client",
        "Mgm:EventSubEnforceFreshness": "true"}})"
                                                 : "}"),
                          "workloads/mistaken.json");
}

}  // namespace

TEST_CASE("workload: clients' token and delivery mistakes get the answers the contract gives", "[workload]") {
    for (bool strict : {false, true}) {
        const std::string path = "workload_mistakes_trace.jsonl";
        WorkloadOptions options;
        options.trace_file = path;
        const WorkloadOutcome o = run_workload(mistaken(strict), 5, FaultMix{}, options);
        INFO(o.failure);
        REQUIRE(o.verdict == WorkloadVerdict::pass);
        for (const char* point : {"jwt_refused_expired", "jwt_accepted_in_skew", "jwt_refused_not_yet_valid",
                                  "jwt_accepted_early", "jwt_refused_bad_signature", "jwt_refused_missing",
                                  "eventsub_bad_signature_refused", "eventsub_missing_header_refused",
                                  "eventsub_reused_id_accepted"}) {
            INFO(point);
            CHECK(o.coverage.reached(point));
        }
        CHECK(o.coverage.reached(strict ? "jwt_refused_audience" : "jwt_audience_unchecked"));
        CHECK(o.coverage.reached("eventsub_stale_accepted"));
        CHECK(o.coverage.reached("eventsub_stale_refused") == strict);
        // Every refusal the oracle counted is a 401 (or 403) the EBS recorded.
        std::uint64_t refused_401 = 0, refused_403 = 0;
        for (const auto& r : read_trace(path))
            if (r.value("kind", "") == "http" && r.value("actor", "") == "ebs") {
                refused_401 += r.value("status", 0) == 401;
                refused_403 += r.value("status", 0) == 403 && r.value("target", "") == "/api/twitch/eventsub";
            }
        std::remove(path.c_str());
        std::uint64_t counted_401 = 0;
        for (const auto& [point, n] : o.coverage.points)
            if (point.rfind("jwt_refused_", 0) == 0 || point == "eventsub_bad_signature_refused" ||
                point == "eventsub_missing_header_refused")
                counted_401 += n;
        CHECK(refused_401 == counted_401);
        CHECK(refused_403 == (strict ? o.coverage.points.at("eventsub_stale_refused") : 0));
    }
}

TEST_CASE("workload oracle: a refused token or delivery answered as accepted is a mismatch", "[workload]") {
    SECTION("a 401 turned into 200") {
        WorkloadOptions options;
        options.tamper_answer = [](mgm::http::ClientResult& result) {
            if (result.ok() && result.response->status == 401) result.response->status = 200;
        };
        const WorkloadOutcome o = run_workload(mistaken(false), 5, FaultMix{}, options);
        REQUIRE(o.verdict == WorkloadVerdict::fail);
        CHECK(o.failure.find("answer differs from the model (status)") != std::string::npos);
        CHECK(o.failure.find("predicted: HTTP 401") != std::string::npos);
    }
    SECTION("a 401 without its Bearer challenge") {
        WorkloadOptions options;
        options.tamper_answer = [](mgm::http::ClientResult& result) {
            if (result.ok() && result.response->status == 401) result.response->headers.remove("WWW-Authenticate");
        };
        const WorkloadOutcome o = run_workload(mistaken(false), 5, FaultMix{}, options);
        REQUIRE(o.verdict == WorkloadVerdict::fail);
        CHECK(o.failure.find("WWW-Authenticate is '(none)'") != std::string::npos);
    }
}

TEST_CASE("workload: mistake chances are checked when the file is read", "[workload]") {
    CHECK_THROWS_WITH(parse_workload(R"({"tokens": {"expired": 0.6, "missing": 0.6}})", "w.json"),
                      Catch::Contains("w.json: /tokens: the chances add up to more than 1"));
    CHECK_THROWS_WITH(parse_workload(R"({"eventsub": {"stale": 2}})", "w.json"),
                      Catch::Contains("/eventsub/stale: must be a number in [0, 1]"));
    CHECK_THROWS_WITH(parse_workload(R"({"tokens": {"typo": 0.1}})", "w.json"),
                      Catch::Contains("/tokens/typo: unknown key"));
}

TEST_CASE("workload: an explicit run replays a faulted run to the same verdict and trace digest", "[workload]") {
    const Workload w = busy();
    WorkloadOptions record;
    record.record = true;
    for (std::uint64_t seed : {1, 2, 3, 4, 6}) {
        const FaultMix mix = mgm::harness::scenario::draw_fault_mix(seed);
        const WorkloadOutcome original = run_workload(w, seed, mix, record);
        INFO("seed " << seed << ": " << original.failure);
        REQUIRE(original.script["actions"].size() > 20);
        const Workload replay = explicit_run(w, original);
        REQUIRE(replay.fault_mix);
        CHECK(*replay.fault_mix == mix);
        const WorkloadOutcome again = run_workload(replay, replay.seed, *replay.fault_mix);
        CHECK(again.verdict == original.verdict);
        CHECK(again.digest == original.digest);
        CHECK(again.requests == original.requests);
    }
}

TEST_CASE("workload: a planted failure reproduces from its explicit run and shrinks to the request that shows it",
          "[workload]") {
    // The planted bug: every pool/me answer says the opposite of the truth (as a wrong EBS rule would).
    WorkloadOptions planted;
    planted.tamper_answer = [](mgm::http::ClientResult& result) {
        if (!result.ok()) return;
        std::string& body = result.response->body;
        auto at = body.find("\"isEnrolled\":false");
        if (at != std::string::npos) body.replace(at, 18, "\"isEnrolled\":true");
    };
    planted.record = true;
    const Workload w = busy();
    const FaultMix mix = mgm::harness::scenario::draw_fault_mix(3);
    const WorkloadOutcome original = run_workload(w, 3, mix, planted);
    REQUIRE(original.verdict == WorkloadVerdict::fail);
    const std::string signature = failure_signature(original);
    CHECK(signature == "oracle | oracle: answer differs from the model (body differs at /isEnrolled) | pool/me");
    const Workload replay = explicit_run(w, original);
    planted.record = false;
    const WorkloadOutcome again = run_workload(replay, replay.seed, *replay.fault_mix, planted);
    CHECK(failure_signature(again) == signature);
    // A liveness failure (no background workers: no cycle opens) reproduces too.
    WorkloadOptions stalled;
    stalled.start_workers = false;
    stalled.record = true;
    const WorkloadOutcome stuck = run_workload(w, 3, mix, stalled);
    REQUIRE(stuck.failure_kind == "liveness");
    stalled.record = false;
    CHECK(failure_signature(run_workload(explicit_run(w, stuck), 3, mix, stalled)) == failure_signature(stuck));

    // Shrunk with the unplanted code as the reference: what is left still fails the same way with the bug and
    // passes without it.
    nlohmann::json document = nlohmann::json::parse(R"({"seed": 1, "span": "40m"})");
    document["viewers"] = {{"count", w.viewers}, {"non_subscribers", w.non_subscribers}};
    const nlohmann::json file = materialise_workload(document, original, signature, "test", "");
    mgm::harness::scenario::ShrinkOptions options;
    options.run = [&planted](const nlohmann::json& candidate) { return run_for_shrink(candidate, "x.json", planted); };
    options.passes_without_bug = [](const nlohmann::json& candidate) {
        return run_for_shrink(candidate, "x.json").signature.empty();
    };
    const auto shrunk = mgm::harness::scenario::shrink(file, "x.json", options);
    REQUIRE(shrunk.reproduced);
    CHECK(shrunk.signature == signature);
    INFO(shrunk.document.dump(1));
    CHECK(shrunk.steps_after < shrunk.steps_before);
    CHECK(shrunk.steps_after <= 2);
    CHECK(shrunk.faults_after == 0);
    CHECK(run_for_shrink(shrunk.document, "x.json", planted).signature == signature);
    CHECK(run_for_shrink(shrunk.document, "x.json").signature.empty());
}

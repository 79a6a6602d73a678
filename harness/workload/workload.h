// Workloads: seeded actors (viewers, an autopilot Desktop, gift requests, the E2E harness route) running
// against a simulated World for hours to days of simulated time, under an optional fault mix, with an oracle
// that predicts every answer (oracle.h), the EBS invariants after every event, liveness checks once the faults
// are healed, and coverage points. The file format and every rule are in docs/WORKLOADS.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/scenario/breakpoints.h"
#include "harness/scenario/shrink.h"
#include "harness/scenario/sweep.h"
#include "harness/workload/coverage.h"
#include "sim/core/settings.h"
#include "sim/core/time.h"

namespace mgm::backend {
class StoreRecycler;
}
namespace mgm::http {
struct ClientResult;
}

namespace mgm::harness::workload {

// A malformed workload file: "file: message".
class WorkloadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Relative weights of what a viewer does when its turn comes (docs/WORKLOADS.md).
struct ViewerMix {
    double enroll = 4;  // !twgold with the viewer's own name (first enrollment or again)
    double rename = 1;  // !twgold with a new name
    double taken_name = 0.6;  // !twgold with another viewer's current name
    double invalid_name = 0.4;  // !twgold with a name breaking the rule
    double claim = 1;  // POST /api/payouts/claim (sometimes repeating an earlier enrollmentRequestId)
    double poll = 5;  // roulette/state, pool/me or my-last
    double burst = 0.3;  // seven roulette/state polls in a row (the rate limit)
    double gift = 0.5;  // POST /api/gift-requests
};

// The mistakes real clients make, as chances (docs/WORKLOADS.md "tokens" and "eventsub").
struct TokenMistakes {  // per viewer request (the Extension's token)
    double near_expiry = 0.02;  // exp within 4 minutes either side of now: accepted (5 minutes of skew)
    double expired = 0.01;  // exp 6 minutes to 3 hours ago: refused
    double early = 0.01;  // nbf up to 4 minutes ahead (the issuer's clock runs ahead): accepted
    double not_yet_valid = 0.005;  // nbf 6 to 60 minutes ahead: refused
    double bad_signature = 0.005;  // signed with another key: refused
    double missing = 0.005;  // no Authorization header: refused
    double wrong_audience = 0.01;  // aud is another extension's client id: refused only when one is configured
};
struct DeliveryMistakes {  // per chat message
    double bad_signature = 0.03;  // a forged copy posted to the EBS directly: wrong secret, tampered body, ...
    double missing_header = 0.02;  // a copy posted directly without one of the three headers
    double stale = 0.04;  // delivered with a timestamp 1 minute to 3 hours away from now
    double reused_id = 0.03;  // delivered under an earlier delivery's Twitch-Eventsub-Message-Id
};

struct Workload {
    std::string name;
    std::string file;
    std::string description;
    std::uint64_t seed = 1;
    sim::Instant start;
    sim::Duration span{std::chrono::hours(6)};
    sim::Duration heal_after{std::chrono::hours(3)};  // faults end at start + heal_after
    sim::Duration liveness_budget{std::chrono::minutes(20)};
    sim::Settings config;  // overrides on the reference CI settings

    int viewers = 8;
    int non_subscribers = 1;  // the last N viewers have no subscriber badge (and are not subscribers for gifts)
    double viewer_actions_per_hour = 6;
    double duplicate_delivery = 0.1;  // chance a chat message is delivered twice (same message id)
    ViewerMix mix;

    sim::Duration desktop_tick{std::chrono::seconds(15)};
    double desktop_online = 0.85;  // the in-game check finds the candidate online
    sim::Duration report_delay_min{std::chrono::seconds(2)};
    sim::Duration report_delay_max{std::chrono::seconds(40)};
    double desktop_late = 0.05;  // the report waits until after the boundary
    double desktop_cancel = 0.04;
    double desktop_fail = 0.04;
    double desktop_requeue = 0.08;  // InProgress -> Pending, picked up again later
    double desktop_abandon = 0.03;  // the Desktop forgets a payout after accepting (expiry takes it)

    double gift_select_timeout = 0.2;  // the Desktop leaves a SelectingItem request to time out
    double gift_confirm_timeout = 0.2;  // ... a WaitingConfirmation request
    double gift_decline = 0.1;
    double e2e_per_hour = 0.3;

    TokenMistakes tokens;
    DeliveryMistakes eventsub;

    // An explicit run (written by `--materialize`, docs/WORKLOADS.md "Explicit runs"): the fault mix as drawn,
    // the fault plan's timed parts in the order they are scheduled, and every actor action at its instant
    // (arrays of JSON objects, validated by parse_workload). With `actions` the run replays them instead of
    // drawing actions from the seed; the oracle, invariants and liveness judge it as any run.
    std::optional<scenario::FaultMix> fault_mix;
    std::optional<nlohmann::json> fault_plan;
    std::optional<nlohmann::json> actions;
};

// Parses a workload file (comments allowed). Throws WorkloadError.
Workload load_workload(const std::string& path);
Workload parse_workload(const std::string& text, const std::string& file);
// A file holding a workload rather than a scenario: it has "span" and no "steps".
bool is_workload_document(const nlohmann::json& root);
bool is_workload_file(const std::string& path);
// The fault mix a run of `workload` uses: the file's own "fault_mix" (an explicit run) if it has one, else the
// seed's random mix with `random`, else none.
scenario::FaultMix workload_fault_mix(const Workload& workload, std::uint64_t seed, bool random);

enum class WorkloadVerdict { pass, fail };

struct WorkloadOutcome {
    WorkloadVerdict verdict = WorkloadVerdict::pass;
    bool reached_end = false;  // the run went the whole span (a failure stops it early)
    std::string failure_kind;  // "oracle", "invariant", "liveness", "stuck", "internal" (empty on pass)
    std::string failure;  // multi-line report
    std::string digest;  // trace SHA-256
    std::uint64_t seed = 0;
    std::uint64_t requests = 0;  // requests the actors sent
    std::uint64_t indeterminate = 0;  // requests a fault left without an answer
    std::uint64_t trace_records = 0;
    sim::Instant started_at;
    sim::Instant ended_at;
    Coverage coverage;
    scenario::FaultMix faults;
    // With WorkloadOptions::record: what the run did, explicitly ({"span", "heal_after", "fault_plan",
    // "actions"}), for materialise_workload.
    nlohmann::json script;
};

struct WorkloadOptions {
    std::shared_ptr<backend::StoreRecycler> store_recycler;
    std::string trace_file;  // write the JSONL trace here (empty = none)
    bool trace_detail = false;  // with detail lines (Trace::note): sweep --artifacts draws the run from them
    std::optional<sim::Duration> span;  // overrides the file's span (and scales heal_after with it)
    scenario::BreakOptions breaks;  // mgm_break_here at a record, an event, an invariant violation
    // Test hooks: alter an answer before the oracle sees it (a planted discrepancy); set the EBS's background
    // workers off (a liveness violation).
    std::function<void(http::ClientResult&)> tamper_answer;
    bool start_workers = true;
    bool record = false;  // fill WorkloadOutcome::script
};

// Runs `workload` with `seed` under `faults` (scenario::draw_fault_mix(seed) for --faults random, a default
// FaultMix for none). Never throws for a failing run (the outcome says why); throws WorkloadError only for a
// World that cannot be built from the file's config.
WorkloadOutcome run_workload(const Workload& workload, std::uint64_t seed, const scenario::FaultMix& faults,
                             const WorkloadOptions& options = {});

// The explicit file of a recorded run (`outcome` from run_workload with options.record): `document` (the
// workload file's JSON) with the run's "seed", "span", "heal_after", "fault_mix", "fault_plan", "actions" and a
// "regression" block (failure signature, the reproduce command, the commit). Replaying it (`mgm-sim run` or
// `mgm-sim workload`) fails the same way; a passing run replays to the same trace digest.
nlohmann::json materialise_workload(const nlohmann::json& document, const WorkloadOutcome& outcome,
                                    const std::string& signature, const std::string& reproduce,
                                    const std::string& commit);
// What makes two failing workload runs fail "the same way": the failure kind and its first line (the oracle's
// check, the liveness condition, the invariant) and the request kind, without numbers, ids or times. "" = pass.
std::string failure_signature(const WorkloadOutcome& outcome);

// One run of an explicit workload document for the shrinker (scenario::ShrinkOptions::run): its seed, its own
// fault mix; a document that does not load is a run that does not fail.
scenario::ShrinkRun run_for_shrink(const nlohmann::json& document, const std::string& file,
                                   const WorkloadOptions& options = {});

// "mgm-sim workload FILE --seed N [--faults random]": the command that replays one run.
std::string reproduce_command(const std::string& file, std::uint64_t seed, bool faults);

// "PASS name seed N: 6h simulated, 1234 requests (3 indeterminate), 12 points, faults fired: reset x3; digest ..."
// and the failure block when it failed.
std::string format_outcome(const Workload& workload, const WorkloadOutcome& outcome);

}  // namespace mgm::harness::workload

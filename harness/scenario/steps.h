// The functions the verb table (verbs.cpp) points at, grouped by the file that defines them, and the
// helpers one concern lends another. Each validate_* runs when the file is loaded (see step_validation.h),
// each run_* when the step runs (see run_context.h); a run_* reports a step that does not hold with
// StepFailure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/domain/records.h"
#include "harness/scenario/scenario.h"
#include "sim/http/client.h"

namespace mgm::backend {
class Store;
}

namespace mgm::harness::scenario {

class RunContext;
struct StepValidation;

using StepSpec = nlohmann::json;

// ----- runner.cpp: the step loop and the control verbs ---------------------------------------------------
void run_steps(RunContext& run, const std::vector<Step>& steps);
void validate_set(const StepValidation& s);
void run_set(RunContext& run, const Step& step, const StepSpec& spec);
void validate_repeat(const StepValidation& s);
void run_repeat(RunContext& run, const Step& step, const StepSpec& spec);
void validate_log(const StepValidation& s);
void run_log(RunContext& run, const Step& step, const StepSpec& spec);

// ----- http_steps.cpp: requests to the services, EventSub deliveries, scripted services ------------------
void validate_chat(const StepValidation& s);
void run_chat(RunContext& run, const Step& step, const StepSpec& spec);
void validate_eventsub(const StepValidation& s);
void run_eventsub(RunContext& run, const Step& step, const StepSpec& spec);
void validate_http(const StepValidation& s);
void run_http(RunContext& run, const Step& step, const StepSpec& spec);
void validate_desktop(const StepValidation& s);
void run_desktop(RunContext& run, const Step& step, const StepSpec& spec);
void validate_stub(const StepValidation& s);
void run_stub(RunContext& run, const Step& step, const StepSpec& spec);
// A token minted here with chosen claims (expired, wrong key, no user_id, ...): the http step's "jwt".
std::string minted_token(RunContext& run, const nlohmann::json& spec);

// ----- time_steps.cpp: moving simulated time --------------------------------------------------------------
void validate_advance(const StepValidation& s);
void run_advance(RunContext& run, const Step& step, const StepSpec& spec);
void validate_wait(const StepValidation& s);
void run_wait(RunContext& run, const Step& step, const StepSpec& spec);
// Which recorded events an event wait may take ("since"): those since this step began, since the previous
// step began (the default: an event the step before produced counts, an older one does not), in the current
// 5-minute cycle, or since the scenario began.
enum class EventWindow { step, previous_step, cycle, start };
inline constexpr const char* kEventWindowNames = "step, previous_step, cycle, start";
std::optional<EventWindow> parse_event_window(const std::string& name);
struct EventWindowStart {
    std::size_t first_event = 0;  // index into RunContext::events
    std::string description;  // "since the previous step began (2026-04-04T12:04:00Z)"
};
EventWindowStart event_window_start(const RunContext& run, EventWindow window);

// ----- fault_steps.cpp: network faults and failing Helix calls --------------------------------------------
void validate_fault(const StepValidation& s);
void run_fault(RunContext& run, const Step& step, const StepSpec& spec);
void validate_helix_fail(const StepValidation& s);
void run_helix_fail(RunContext& run, const Step& step, const StepSpec& spec);

// ----- checks.cpp: assertions, response expectations, captures, and the state they read ------------------
void validate_assert(const StepValidation& s);
void run_assert(RunContext& run, const Step& step, const StepSpec& spec);
bool assert_needs_simulation(const StepSpec& spec);  // any of its checks reads simulation-only state
std::vector<std::string> assert_check_names();  // in the order they run
// `expect` against a response (or a transport failure).
void check_expect(const nlohmann::json& expect, const http::ClientResult& result);
// Variables from a JSON value (`what` names it in messages) or from a response ("$status", "$body", paths).
void capture_from(RunContext& run, const nlohmann::json& capture, const nlohmann::json& source,
                  const std::string& what);
void capture_response(RunContext& run, const nlohmann::json& capture, const http::ClientResult& result);
const backend::Store& store(RunContext& run);  // the World's EBS store (simulation only)
std::string current_phase(RunContext& run);  // "idle" or the spin phase now, from the store
// The newest recorded domain event named `name` matching `where` (null: any), at or after `from_index`.
std::optional<nlohmann::json> find_event(const RunContext& run, const std::string& name, const nlohmann::json& where,
                                         std::size_t from_index);
// nullopt when the pool matches `check`; otherwise why not.
std::optional<std::string> pool_mismatch(RunContext& run, const nlohmann::json& check);
std::optional<backend::Payout> find_payout(RunContext& run, const std::string& id);
// Why the roulette cycle now has no spinning or verification phase, when it has none (an empty pool at its
// start, or no cycle yet); nullopt when the cycle is live. Simulation only.
std::optional<std::string> idle_cycle_hint(const RunContext& run);
// For a 429 from the EBS: which rate-limit partition the request fell in and why; nullopt for other results.
std::optional<std::string> rate_limit_hint(const http::ClientResult& result, const std::string& partition);

// ----- runner.cpp: fault-tolerant steps -------------------------------------------------------------------
void validate_until(const StepValidation& s);
void run_until(RunContext& run, const Step& step, const StepSpec& spec);

}  // namespace mgm::harness::scenario

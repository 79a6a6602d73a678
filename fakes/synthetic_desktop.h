// SyntheticDesktop (CI port 9054): replays the Desktop's payout calls against the EBS
// (confirm-acceptance, PATCH InProgress, PATCH Sent) and reports them. Reference surface: /health,
// POST /run-sequence (200 / 400 / 500 / 502), GET /last-run. Extensions (docs/REAL_SOCKET_MODE.md):
// POST /run-pending runs the same sequence for a Pending payout it finds via GET /api/payouts/pending, and
// GET /runs lists every run with per-step timing.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/seams.h"
#include "fakes/bounded_log.h"
#include "sim/core/settings.h"
#include "sim/http/message.h"
#include "sim/http/router.h"
#include "sim/network/ci_ports.h"

namespace mgm::http {
class Client;
}

namespace mgm::fakes {

struct SyntheticDesktopConfig {
    std::string backend_base_url = sim::ci::url(sim::ci::kEbsPort);  // SyntheticDesktop:BackendBaseUrl
    std::string api_key;  // Mgm:ApiKey (required per run, else 500)
    sim::Duration request_timeout = std::chrono::seconds(100);  // plain HttpClient default
    std::string self_address = sim::ci::address(sim::ci::kSyntheticDesktopPort);  // as the webhook mock's
    // SyntheticDesktop:MaxRecordedRuns: the newest N runs are kept (GET /runs), older ones dropped and counted.
    std::size_t max_recorded_runs = 1000;

    static SyntheticDesktopConfig from_settings(const sim::Settings& settings);
};

// One backend call of a run. name/status_code/body_snippet are the reference's fields; the timing is ours.
struct DesktopStep {
    std::string name;  // "POST confirm-acceptance", "PATCH status InProgress", "PATCH status Sent"
    int status_code = 0;  // 0 when no response arrived (transport error, timeout)
    std::string body_snippet;  // the full response body (the reference's name notwithstanding)
    sim::Instant started_at;
    sim::Duration elapsed{0};
};

// The reference's LastRunState plus our run bookkeeping.
struct DesktopRun {
    bool ok = false;
    std::vector<DesktopStep> steps;
    std::optional<std::string> error;
    std::optional<sim::Instant> completed_at;
    // Extension fields (only in GET /runs).
    std::uint64_t sequence = 0;
    std::string payout_id;
    std::string character_name;
    sim::Instant started_at;
};

class SyntheticDesktop {
public:
    SyntheticDesktop(SyntheticDesktopConfig config, sim::Seams seams);
    ~SyntheticDesktop();

    void handle(const http::Request& request, std::function<void(http::Response)> respond);
    // For http::ServerOptions::route_body_limit: /run-sequence and /run-pending take small bodies (16 KiB).
    static std::optional<std::size_t> route_body_limit(std::string_view method, std::string_view path);

    const SyntheticDesktopConfig& config() const { return config_; }
    // What GET /last-run reports (initially ok=false, no steps, null error and time).
    const DesktopRun& last_run() const { return last_run_; }
    // The newest runs that reached the backend calls or failed validation (at most max_recorded_runs),
    // oldest first (extension); dropped_runs() counts the older ones no longer kept.
    const std::deque<DesktopRun>& runs() const { return runs_.entries(); }
    std::uint64_t dropped_runs() const { return runs_.dropped(); }

    // Runs the three-call sequence for a payout, as POST /run-sequence does after validation; `done`
    // gets the final state. Only one run at a time is meaningful (as in the reference, runs may overlap).
    void run_sequence(std::string payout_id, std::string character_name, std::function<void(const DesktopRun&)> done);

private:
    struct RunContext;
    void run_sequence_route(const http::Request& request, http::Respond respond);
    void run_pending_route(const http::Request& request, http::Respond respond);
    void next_step(std::shared_ptr<RunContext> run);
    void finish(std::shared_ptr<RunContext> run, std::optional<std::string> error);
    void record_failed_validation(std::string error);

    SyntheticDesktopConfig config_;
    sim::Seams seams_;
    http::Router router_;
    std::unique_ptr<http::Client> client_;
    DesktopRun last_run_;
    BoundedLog<DesktopRun> runs_;
    std::uint64_t next_sequence_ = 1;  // given when a run starts (runs may overlap)
};

// Serialises a run the way GET /last-run does: {"ok","steps":[{"name","statusCode","bodySnippet"}],"error","completedAtUtc"}.
std::string last_run_json(const DesktopRun& run);

}  // namespace mgm::fakes

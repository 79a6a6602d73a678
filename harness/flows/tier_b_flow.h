// The reference CI's Tier A + Tier B choreography as one flow over a Driver, with exact checks at every
// step (stricter than the reference's scripts: Helix headers, broadcaster_id and "recorded exactly once").
// The same code runs in the Catch2 simulation test, the real-socket test and `mgm-sim e2e`.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "sim/core/time.h"

namespace mgm::harness {

class Driver;
class World;

struct TierBFlowOptions {
    std::string ebs_url = "http://127.0.0.1:8080";
    std::string eventsub_url = "http://127.0.0.1:9051";
    std::string jwt_url = "http://127.0.0.1:9052";
    std::string helix_url = "http://127.0.0.1:9053";
    std::string desktop_url = "http://127.0.0.1:9054";

    std::string eventsub_secret = "e2e-ci-eventsub-secret";
    std::string api_key = "ci-desktop-api-key";
    std::string twitch_user_id = "e2e-viewer-1";
    std::string twitch_login = "e2eviewer1";
    std::string character_name = "Etoehero";
    std::string jwt_display_name = "E2EViewer";
    std::string broadcaster_user_id = "e2e-ci-broadcaster";
    std::string broadcaster_access_token = "e2e-ci-broadcast-token";
    std::string helix_client_id = "e2e-ci-helix-client";

    // Seeds the EventSub message id (uuid v4). Real runs pass entropy.
    std::uint64_t message_id_seed = 1;
    sim::Duration request_timeout = std::chrono::seconds(120);
    // Check "exactly one Helix POST" through the MockHelixApi extension route GET /requests. Turn off when
    // the Helix mock in front is the reference one (it has no such route).
    bool check_helix_request_count = true;
};

// CI defaults with the URLs of a World's services (resolved ports).
TierBFlowOptions flow_options_for(World& world);

struct FlowStep {
    std::string name;
    bool ok = false;
    std::string detail;  // what was checked, or why it failed (names the failing component)
    sim::Duration elapsed{0};  // on the driver's clock
};

struct FlowReport {
    bool ok = false;
    std::vector<FlowStep> steps;  // up to and including the first failed step
    sim::Duration total{0};
    // "step N <name> failed: ..." or "" when ok.
    std::string failure() const;
    // A table: one line per step with its time, then the total.
    void print(std::ostream& out) const;
};

// Runs: service probes -> signed EventSub "!twgold <name>" via the webhook mock -> token from the JWT mock
// -> GET /api/pool/me enrolled -> prepare-pending-payout -> run-sequence -> Helix last-request exact (message,
// broadcaster_id, sender_id, Authorization, Client-Id) and recorded exactly once -> last-run ok -> pool/me
// not enrolled. Stops at the first failed step. `progress` (optional) gets one line per finished step.
FlowReport run_tier_a_b_flow(Driver& driver, const TierBFlowOptions& options, std::ostream* progress = nullptr);

}  // namespace mgm::harness

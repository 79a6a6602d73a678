// `mgm-sim e2e`: the CI client. Runs the Tier A + Tier B flow (harness/flows/tier_b_flow.h) over real sockets
// against services that are already running (mgm-sim serve, or the reference processes).
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "harness/cli/commands.h"
#include "sim/clock/system_clock.h"
#include "harness/world/driver.h"
#include "harness/flows/tier_b_flow.h"

namespace mgm::harness::cli {

void e2e_help(std::ostream& out) {
    out << "usage: mgm-sim e2e [options]\n\n"
           "Drives the reference CI's Tier A + Tier B choreography over real sockets, checking exact values:\n"
           "  1 probes (EBS root < 500, the four /health bodies)\n"
           "  2 signed EventSub \"!twgold Etoehero\" through MockEventSubWebhook -> 200\n"
           "  3 token from MockExtensionJwt -> GET /api/pool/me enrolled as Etoehero\n"
           "  4 POST /api/e2e/prepare-pending-payout -> payoutId, characterName\n"
           "  5 SyntheticDesktop POST /run-sequence -> ok, 3 steps 200/200/200, payout Sent\n"
           "  6 MockHelixApi /last-request: exact message, broadcaster_id, sender_id, Authorization, Client-Id\n"
           "  7 exactly one Helix POST during Tier B (MockHelixApi extension GET /requests)\n"
           "  8 SyntheticDesktop /last-run ok\n"
           "  9 GET /api/pool/me not enrolled\n"
           "Prints one line per step and a timing table; exit 0 when every step passed, 1 at the first failure.\n\n"
           "options (defaults = the reference CI values):\n"
           "  --backend URL        http://127.0.0.1:8080\n"
           "  --mock-eventsub URL  http://127.0.0.1:9051\n"
           "  --mock-jwt URL       http://127.0.0.1:9052\n"
           "  --mock-helix URL     http://127.0.0.1:9053\n"
           "  --synthetic URL      http://127.0.0.1:9054\n"
           "  --secret S           e2e-ci-eventsub-secret (\"\" sends sha256=unused)\n"
           "  --api-key K          ci-desktop-api-key\n"
           "  --user-id ID         e2e-viewer-1       --login L   e2eviewer1\n"
           "  --character-name N   Etoehero\n"
           "  --broadcaster-id ID  e2e-ci-broadcaster --broadcaster-token T e2e-ci-broadcast-token\n"
           "  --helix-client-id C  e2e-ci-helix-client\n"
           "  --timeout SECONDS    120 per request\n"
           "  --no-helix-count     skip step 7 (a Helix mock without the /requests extension)\n";
}

int e2e_main(int argc, char** argv) {
    harness::TierBFlowOptions o;
    o.message_id_seed = sim::entropy_seed();
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto take = [&](std::string& out) -> bool {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        std::string* target = nullptr;
        if (arg == "--backend") target = &o.ebs_url;
        else if (arg == "--mock-eventsub") target = &o.eventsub_url;
        else if (arg == "--mock-jwt") target = &o.jwt_url;
        else if (arg == "--mock-helix") target = &o.helix_url;
        else if (arg == "--synthetic") target = &o.desktop_url;
        else if (arg == "--secret") target = &o.eventsub_secret;
        else if (arg == "--api-key") target = &o.api_key;
        else if (arg == "--user-id") target = &o.twitch_user_id;
        else if (arg == "--login") target = &o.twitch_login;
        else if (arg == "--character-name") target = &o.character_name;
        else if (arg == "--broadcaster-id") target = &o.broadcaster_user_id;
        else if (arg == "--broadcaster-token") target = &o.broadcaster_access_token;
        else if (arg == "--helix-client-id") target = &o.helix_client_id;
        if (target) {
            if (!take(*target)) {
                std::cerr << "mgm-sim e2e: " << arg << " needs a value\n";
                return 2;
            }
            continue;
        }
        if (arg == "--no-helix-count") {
            o.check_helix_request_count = false;
        } else if (arg == "--timeout") {
            std::string v;
            char* end = nullptr;
            double seconds = take(v) ? std::strtod(v.c_str(), &end) : 0;
            if (v.empty() || *end != '\0' || seconds <= 0) {
                std::cerr << "mgm-sim e2e: --timeout needs a positive number of seconds\n";
                return 2;
            }
            o.request_timeout = std::chrono::duration_cast<sim::Duration>(std::chrono::duration<double>(seconds));
        } else {
            std::cerr << "mgm-sim e2e: unknown option '" << arg << "' (see mgm-sim e2e --help)\n";
            return 2;
        }
    }

    auto driver = harness::RealDriver::standalone();
    std::cout << "mgm-sim e2e: Tier A + Tier B against " << o.ebs_url << ", " << o.eventsub_url << ", " << o.jwt_url
              << ", " << o.helix_url << ", " << o.desktop_url << std::endl;
    harness::FlowReport report = harness::run_tier_a_b_flow(*driver, o, &std::cout);
    std::cout << "\n";
    report.print(std::cout);
    if (!report.ok) {
        std::cerr << "mgm-sim e2e: " << report.failure() << std::endl;
        return 1;
    }
    return 0;
}

}  // namespace mgm::harness::cli

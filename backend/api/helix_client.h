// The EBS's Twitch Helix client over sim/http (docs/CONTRACT.md §6.7): one HTTP attempt per call, 30 s
// timeout on the Scheduler, the reference's headers and bodies. Retries/skip rules live in the domain.
#pragma once

#include <string>
#include <string_view>

#include "backend/config.h"
#include "backend/domain/helix_gateway.h"
#include "sim/http/client.h"

namespace mgm::backend::api {

// Twitch:HelixApiBaseUrl trimmed, trailing '/' removed, one '/' appended; empty -> https://api.twitch.tv/.
std::string helix_base_url(std::string_view configured);

inline constexpr sim::Duration kHelixTimeout = std::chrono::seconds(30);

class HelixHttpClient final : public HelixGateway {
public:
    // Connects from config.self_address, the EBS's own address on the network.
    HelixHttpClient(const EbsConfig& config, sim::Network& network, sim::Scheduler& scheduler, sim::Trace* trace);

    void send_chat_message(const std::string& text, std::function<void(HelixAttemptResult)> done) override;
    void check_user_subscription(const std::string& streamer_id, const std::string& viewer_id,
                                 std::function<void(bool subscribed)> done) override;

    const std::string& base_url() const { return base_url_; }

private:
    http::Request authorized_request(std::string method) const;

    const EbsConfig& config_;
    std::string base_url_;
    http::Client client_;
};

}  // namespace mgm::backend::api

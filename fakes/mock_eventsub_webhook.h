// MockEventSubWebhook (CI port 9051): checks the Twitch EventSub HMAC like the EBS does, then forwards the
// identical body and the three Twitch-Eventsub-Message-* headers to the EBS and relays its answer.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "sim/seams.h"
#include "sim/core/settings.h"
#include "sim/http/message.h"
#include "sim/http/router.h"
#include "sim/network/ci_ports.h"

namespace mgm::http {
class Client;
}

namespace mgm::fakes {

struct MockEventSubWebhookConfig {
    std::string backend_base_url = sim::ci::url(sim::ci::kEbsPort);  // Backend:BaseUrl
    std::string eventsub_secret = "e2e-ci-eventsub-secret";  // Twitch:EventSubSecret (appsettings.json); "" = no HMAC
    sim::Duration forward_timeout = std::chrono::seconds(60);  // the reference's named "Ebs" HttpClient
    // This service's endpoint name for outgoing connections (the World sets it to where the mock listens).
    std::string self_address = sim::ci::address(sim::ci::kEventSubWebhookPort);

    static MockEventSubWebhookConfig from_settings(const sim::Settings& settings);
};

class MockEventSubWebhook {
public:
    MockEventSubWebhook(MockEventSubWebhookConfig config, sim::Seams seams);
    ~MockEventSubWebhook();

    void handle(const http::Request& request, std::function<void(http::Response)> respond);

    const MockEventSubWebhookConfig& config() const { return config_; }
    // Deliveries that passed the HMAC check and were forwarded / were rejected with 401.
    std::uint64_t forwarded_count() const { return forwarded_; }
    std::uint64_t rejected_count() const { return rejected_; }
    // Status the EBS answered on the last forward (0 = none yet, or the forward failed).
    int last_backend_status() const { return last_backend_status_; }

private:
    bool signature_ok(const http::Request& request) const;
    void forward(const http::Request& request, http::Respond respond);

    MockEventSubWebhookConfig config_;
    sim::Seams seams_;
    http::Router router_;
    std::unique_ptr<http::Client> client_;
    std::uint64_t forwarded_ = 0;
    std::uint64_t rejected_ = 0;
    int last_backend_status_ = 0;
};

}  // namespace mgm::fakes

// MockExtensionJwt (CI port 9052): issues the HS256 viewer tokens the EBS accepts, signed with
// Twitch:ExtensionSecret (base64) or the Development key SHA-256("mgm-dev-extension-secret-change-me").
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "sim/seams.h"
#include "sim/core/settings.h"
#include "sim/http/message.h"
#include "sim/http/router.h"

namespace mgm::fakes {

struct MockExtensionJwtConfig {
    std::string extension_secret;  // Twitch:ExtensionSecret (base64; "" = dev key)
    std::string extension_client_id;  // Twitch:ExtensionClientId ("" = no aud claim)
    sim::Duration token_lifetime = std::chrono::hours(2);

    static MockExtensionJwtConfig from_settings(const sim::Settings& settings);
    // The signing key bytes; nullopt for a secret that is not valid base64 (then every /token answers 500,
    // as the reference's Convert.FromBase64String throwing inside the handler does).
    std::optional<std::string> signing_key() const;
};

class MockExtensionJwt {
public:
    MockExtensionJwt(MockExtensionJwtConfig config, sim::Seams seams);

    void handle(const http::Request& request, std::function<void(http::Response)> respond);

    const MockExtensionJwtConfig& config() const { return config_; }
    // The token /token would issue now (tests, scenario steps that skip HTTP). Empty with a bad secret.
    std::string issue(const std::string& user_id, const std::string& display_name) const;
    std::uint64_t issued_count() const { return issued_; }

private:
    MockExtensionJwtConfig config_;
    sim::Seams seams_;
    std::optional<std::string> key_;
    http::Router router_;
    mutable std::uint64_t issued_ = 0;
};

}  // namespace mgm::fakes

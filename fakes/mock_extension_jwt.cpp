#include "fakes/mock_extension_jwt.h"

#include <nlohmann/json.hpp>

#include "sim/core/crypto.h"
#include "sim/core/jwt.h"

namespace mgm::fakes {

namespace {
constexpr const char* kActor = "jwt";
constexpr const char* kDevSecretPhrase = "mgm-dev-extension-secret-change-me";
}  // namespace

MockExtensionJwtConfig MockExtensionJwtConfig::from_settings(const sim::Settings& settings) {
    MockExtensionJwtConfig c;
    c.extension_secret = settings.get_or("Twitch:ExtensionSecret", "");
    c.extension_client_id = settings.get_or("Twitch:ExtensionClientId", "");
    return c;
}

std::optional<std::string> MockExtensionJwtConfig::signing_key() const {
    if (!extension_secret.empty()) return sim::crypto::base64_decode(extension_secret);
    return sim::crypto::sha256(kDevSecretPhrase);
}

MockExtensionJwt::MockExtensionJwt(MockExtensionJwtConfig config, sim::Seams seams)
    : config_(std::move(config)), seams_(seams), key_(config_.signing_key()) {
    if (!key_) seams_.log.error(kActor, "Twitch:ExtensionSecret is not valid base64; /token will answer 500");
    router_.add_sync("GET", "/health", [](const http::Request&, const http::Params&) {
        return http::Response::json(200, R"({"status":"ok","service":"MockExtensionJwt"})");
    });
    router_.add_sync("GET", "/token", [this](const http::Request& request, const http::Params&) {
        // Minimal-API binding: a required string parameter that is absent (or empty) is a 400 with no body.
        auto user_id = request.query_param("userId");
        if (!user_id || user_id->empty()) return http::Response::empty(400);
        if (!key_) return http::Response::empty(500);
        auto display_name = request.query_param("displayName");
        std::string token = issue(*user_id, display_name ? *display_name : *user_id);
        nlohmann::ordered_json body;
        body["access_token"] = token;
        body["token_type"] = "Bearer";
        body["expires_in"] = 7200;
        return http::Response::json(200, body.dump());
    });
}

void MockExtensionJwt::handle(const http::Request& request, std::function<void(http::Response)> respond) {
    router_.dispatch(request, respond);
}

std::string MockExtensionJwt::issue(const std::string& user_id, const std::string& display_name) const {
    if (!key_) return {};
    // .NET's JwtSecurityTokenHandler: the subject's claims (ClaimTypes.Name written as unique_name), then
    // nbf/exp/iat in whole seconds, then aud when a client id is configured.
    std::int64_t now = seams_.clock.now().unix_seconds_floor();
    std::int64_t lifetime = std::chrono::duration_cast<std::chrono::seconds>(config_.token_lifetime).count();
    nlohmann::ordered_json payload;
    payload["user_id"] = user_id;
    payload["unique_name"] = display_name;
    payload["nbf"] = now;
    payload["exp"] = now + lifetime;
    payload["iat"] = now;
    if (!config_.extension_client_id.empty()) payload["aud"] = config_.extension_client_id;
    ++issued_;
    return sim::jwt::encode(payload, *key_);
}

}  // namespace mgm::fakes

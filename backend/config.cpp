#include "backend/config.h"

#include "sim/core/crypto.h"
#include "sim/core/text.h"

namespace mgm::backend {

namespace {

constexpr const char* kDevExtensionSecretSeed = "mgm-dev-extension-secret-change-me";
constexpr std::size_t kMinimumJwtKeyBytes = 16;

}  // namespace

// ASP.NET IsDevelopment(): ordinal case-insensitive comparison, no trimming.
bool EbsConfig::is_development() const { return sim::iequals(environment, "Development"); }

EbsConfig EbsConfig::from_settings(const sim::Settings& s) {
    EbsConfig c;
    // ASP.NET reads ASPNETCORE_ENVIRONMENT first, then DOTNET_ENVIRONMENT; default Production.
    if (auto env = s.get("ASPNETCORE_ENVIRONMENT"); env && !env->empty()) c.environment = *env;
    else if (auto dotnet = s.get("DOTNET_ENVIRONMENT"); dotnet && !dotnet->empty()) c.environment = *dotnet;

    c.api_key = s.get_or("Mgm:ApiKey", "");
    c.dev_skip_subscriber_check = s.get_bool("Mgm:DevSkipSubscriberCheck", false);
    c.enable_e2e_harness = s.get_bool("Mgm:EnableE2eHarness", false);
    c.eventsub_enforce_freshness = s.get_bool("Mgm:EventSubEnforceFreshness", false);
    c.sqlite_path = s.get_or("Mgm:SqlitePath", ":memory:");
    if (c.sqlite_path.empty()) c.sqlite_path = ":memory:";
    c.postgresql_connection = s.get_or("ConnectionStrings:PostgreSQL", "");
    c.postgresql_writer_lock = s.get_bool("Mgm:PostgreSQLWriterLock", true);
    c.extension_client_id = s.get_or("Twitch:ExtensionClientId", "");
    c.extension_secret = s.get_or("Twitch:ExtensionSecret", "");
    c.eventsub_secret = s.get_or("Twitch:EventSubSecret", "");
    c.helix_client_id = s.get_or("Twitch:HelixClientId", "");
    c.helix_api_base_url = s.get_or("Twitch:HelixApiBaseUrl", "");
    c.broadcaster_access_token = s.get_or("Twitch:BroadcasterAccessToken", "");
    c.broadcaster_user_id = s.get_or("Twitch:BroadcasterUserId", "");
    c.version_current = s.get_or("Version:CurrentVersion", "");
    c.version_release_notes_url = s.get("Version:ReleaseNotesUrl");
    c.version_minimum_desktop = s.get("Version:MinimumDesktopVersion");
    c.version_minimum_addon = s.get("Version:MinimumAddonVersion");
    c.version_minimum_extension = s.get("Version:MinimumExtensionVersion");
    return c;
}

std::string EbsConfig::extension_jwt_key() const {
    // The reference tests string.IsNullOrEmpty, then Convert.FromBase64String (which skips whitespace).
    if (!extension_secret.empty()) {
        std::string compact;
        for (char ch : extension_secret)
            if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') compact.push_back(ch);
        auto key = sim::crypto::base64_decode(compact);
        if (!key)
            throw ConfigError(
                "Twitch:ExtensionSecret (env Twitch__ExtensionSecret) is not valid base64 (standard alphabet, padding "
                "required); the EBS cannot verify Extension JWTs and refuses to start.");
        if (key->size() < kMinimumJwtKeyBytes)
            throw ConfigError("Twitch:ExtensionSecret (env Twitch__ExtensionSecret) decodes to " +
                              std::to_string(key->size()) +
                              " bytes; HMAC JWT keys must be at least 16 bytes. "
                              "The EBS refuses to start.");
        return *key;
    }
    if (is_development()) return sim::crypto::sha256(kDevExtensionSecretSeed);
    throw ConfigError(
        "Twitch:ExtensionSecret (env Twitch__ExtensionSecret) is empty and the environment is '" + environment +
        "', not Development: no Extension JWT key can be derived. Set Twitch__ExtensionSecret to the base64 "
        "Extension secret (or ASPNETCORE_ENVIRONMENT=Development for the built-in dev key). The reference would "
        "answer every request with 500 here (decision D10: refuse to start instead).");
}

void EbsConfig::validate() const {
    (void)extension_jwt_key();
    if (is_development()) return;
    // Outside Development, an empty EventSub secret would accept unsigned deliveries (anyone could enroll
    // anyone) and an empty API key would lock the Desktop out. The reference starts and serves that way;
    // like D10, refuse to start instead (docs/FIDELITY.md).
    auto refuse = [&](const char* key, const char* env, const char* why) {
        throw ConfigError(std::string(key) + " (env " + env + ") is empty and the environment is '" + environment +
                          "', not Development: " + why +
                          " The EBS refuses to start (set it, or "
                          "ASPNETCORE_ENVIRONMENT=Development).");
    };
    if (eventsub_secret.empty())
        refuse("Twitch:EventSubSecret", "Twitch__EventSubSecret",
               "EventSub deliveries would be accepted unsigned, so anyone could enroll anyone.");
    if (api_key.empty()) refuse("Mgm:ApiKey", "Mgm__ApiKey", "every Desktop (API-key) route would answer 401.");
}

}  // namespace mgm::backend

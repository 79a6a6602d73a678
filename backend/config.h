// EBS configuration: the reference's keys (docs/CONTRACT.md §9) with their defaults, read from Settings.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "sim/core/time.h"
#include "sim/core/settings.h"
#include "sim/network/ci_ports.h"

namespace mgm::backend {

// Thrown at construction when the EBS cannot run (decision D10: refuse to start with a clear message
// instead of answering every request with 500 as the reference does).
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr sim::Duration kEventSubMaxMessageAge = std::chrono::minutes(10);

struct EbsConfig {
    std::string environment = "Production";  // ASPNETCORE_ENVIRONMENT / DOTNET_ENVIRONMENT
    std::string api_key;  // Mgm:ApiKey
    bool dev_skip_subscriber_check = false;  // Mgm:DevSkipSubscriberCheck
    bool enable_e2e_harness = false;  // Mgm:EnableE2eHarness
    // Mgm:EventSubEnforceFreshness (ours, opt-in): refuse EventSub messages whose timestamp is more than
    // 10 minutes from now (Twitch's replay rule). Off by default: the reference does not check.
    bool eventsub_enforce_freshness = false;
    std::string sqlite_path = ":memory:";  // Mgm:SqlitePath (port-specific)
    std::string postgresql_connection;  // ConnectionStrings:PostgreSQL: set -> PostgreSQL store (serve only)
    // Mgm:PostgreSQLWriterLock (ours, test switch): false drops the writers' advisory lock, so that the
    // two-process race test can show what the lock prevents. Never turn it off otherwise.
    bool postgresql_writer_lock = true;
    std::string extension_client_id;  // Twitch:ExtensionClientId
    std::string extension_secret;  // Twitch:ExtensionSecret (base64)
    std::string eventsub_secret;  // Twitch:EventSubSecret
    std::string helix_client_id;  // Twitch:HelixClientId
    std::string helix_api_base_url;  // Twitch:HelixApiBaseUrl ("" -> https://api.twitch.tv/)
    std::string broadcaster_access_token;  // Twitch:BroadcasterAccessToken
    std::string broadcaster_user_id;  // Twitch:BroadcasterUserId
    std::string version_current;  // Version:CurrentVersion
    std::optional<std::string> version_release_notes_url;  // Version:ReleaseNotesUrl
    std::optional<std::string> version_minimum_desktop;  // Version:MinimumDesktopVersion
    std::optional<std::string> version_minimum_addon;  // Version:MinimumAddonVersion
    std::optional<std::string> version_minimum_extension;  // Version:MinimumExtensionVersion
    // The EBS's own address on the network: the "from" of its outgoing connections (Helix), where the
    // loopback network applies partitions and faults. Not a reference key: the World sets it to where the EBS
    // listens, as it does for the mocks.
    std::string self_address = sim::ci::address(sim::ci::kEbsPort);

    bool is_development() const;
    // Reads every key above (environment names via Settings' "__" mapping). Does not validate.
    static EbsConfig from_settings(const sim::Settings& settings);
    // The JWT signing key bytes: base64-decoded ExtensionSecret, or in Development with no secret
    // SHA-256("mgm-dev-extension-secret-change-me"). Throws ConfigError when neither applies (D10).
    std::string extension_jwt_key() const;
    // Throws ConfigError with a message naming the key when the EBS cannot start.
    void validate() const;
};

}  // namespace mgm::backend

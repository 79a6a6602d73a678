// The reference CI's port map: where the five services listen on 127.0.0.1. The only place C++ writes these
// numbers; the World's host table, the services' default addresses and the tests read them from here. The
// scripts read scripts/ci-ports.sh, which a test keeps equal to this table (docs/REAL_SOCKET_MODE.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mgm::sim::ci {

inline constexpr std::string_view kHost = "127.0.0.1";
inline constexpr std::uint16_t kEbsPort = 8080;  // the EBS ("backend")
inline constexpr std::uint16_t kEventSubWebhookPort = 9051;  // MockEventSubWebhook
inline constexpr std::uint16_t kExtensionJwtPort = 9052;  // MockExtensionJwt
inline constexpr std::uint16_t kHelixApiPort = 9053;  // MockHelixApi
inline constexpr std::uint16_t kSyntheticDesktopPort = 9054;  // SyntheticDesktop

// "127.0.0.1:<port>" and "http://127.0.0.1:<port>".
inline std::string address(std::uint16_t port) { return std::string(kHost) + ":" + std::to_string(port); }
inline std::string url(std::uint16_t port) { return "http://" + address(port); }

}  // namespace mgm::sim::ci

// HS256/384/512 JSON Web Tokens: minting (MockExtensionJwt, tests) and validation with the rules the
// reference EBS's JWT bearer handler applies (docs/CONTRACT.md §3). Time is a parameter, never read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/core/time.h"

namespace mgm::sim::jwt {

enum class Algorithm { hs256, hs384, hs512 };

// "<base64url header>.<base64url payload>.<base64url signature>" with header {"alg":"HS256","typ":"JWT"}.
// The payload is written compactly in its own key order (raw UTF-8).
std::string encode(const nlohmann::ordered_json& payload, std::string_view key, Algorithm algorithm = Algorithm::hs256);

// Claim types after the inbound mapping the reference relies on: "sub"/"nameid" become
// kNameIdentifier, "unique_name" becomes kName; every other claim keeps its JWT name.
inline constexpr std::string_view kNameIdentifier = "NameIdentifier";
inline constexpr std::string_view kName = "Name";

// Claims in payload order (array values give one claim per element), values as text.
struct Claims {
    std::vector<std::pair<std::string, std::string>> items;

    std::optional<std::string> first(std::string_view type) const;
    bool empty() const { return items.empty(); }
};

// Twitch user id the handlers use: claim user_id, else NameIdentifier; nullopt when neither exists.
// (An empty value is returned as is; the routes treat empty like absent.)
std::optional<std::string> twitch_user_id(const Claims& claims);
// Display name: Name (unique_name), else display_name, else the user id.
std::string display_name(const Claims& claims, std::string_view user_id);

struct ValidationParameters {
    std::string key;  // HMAC key bytes (>= 16 bytes, else every token fails)
    std::string audience;  // empty: audience not validated
    Duration clock_skew = std::chrono::minutes(5);
};

struct ValidationResult {
    std::optional<Claims> claims;  // set when the token is valid
    std::string error;  // why not ("The signature is invalid", ...); empty when valid
    bool ok() const { return claims.has_value(); }
};

// Checks shape, algorithm (HS256/384/512 only; "none" and others rejected), signature (constant-time),
// exp (required), nbf (if present), clock skew, and the audience when configured. Issuer is ignored.
ValidationResult validate(std::string_view token, const ValidationParameters& parameters, Instant now);

}  // namespace mgm::sim::jwt

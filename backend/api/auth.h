// The two authentication schemes of the EBS (docs/CONTRACT.md §3): Extension JWT ("Bearer") and the
// Desktop API key (X-MGM-ApiKey). Each yields no result, failure or a principal; the routes decide.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sim/core/time.h"
#include "sim/core/jwt.h"
#include "sim/http/message.h"

namespace mgm::backend::api {

enum class AuthStatus { no_result, failure, success };

// Outcome of the Bearer scheme for one request.
struct BearerOutcome {
    AuthStatus status = AuthStatus::no_result;
    sim::jwt::Claims claims;  // when success
    std::string error_description;  // when failure ("The signature is invalid", ...)
};

// Reads "Authorization: Bearer <jwt>" (scheme word case-insensitive, token trimmed; repeated headers are
// joined with ',' as the framework does, which makes the token invalid) and validates it.
BearerOutcome authenticate_bearer(const http::Request& request, const sim::jwt::ValidationParameters& parameters,
                                  sim::Instant now);

// 401, empty body, "WWW-Authenticate: Bearer" (+ error="invalid_token", error_description when a token failed).
http::Response bearer_challenge(const BearerOutcome& outcome);

// X-MGM-ApiKey: absent -> no_result; empty configured key, wrong value or repeated header -> failure;
// exact (ordinal, constant-time) match -> success (principal "desktop").
AuthStatus authenticate_api_key(const http::Request& request, std::string_view configured_key);

// 401, empty body, no WWW-Authenticate (the ApiKey scheme's challenge).
http::Response api_key_challenge();

inline constexpr std::string_view kDesktopPrincipal = "desktop";

}  // namespace mgm::backend::api

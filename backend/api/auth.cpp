#include "backend/api/auth.h"

#include "sim/core/crypto.h"

namespace mgm::backend::api {

BearerOutcome authenticate_bearer(const http::Request& request, const sim::jwt::ValidationParameters& parameters,
                                  sim::Instant now) {
    BearerOutcome outcome;
    const std::string authorization = request.headers.joined("Authorization").value_or("");
    constexpr std::string_view kScheme = "Bearer ";
    if (authorization.size() < kScheme.size() ||
        !http::iequals(std::string_view(authorization).substr(0, kScheme.size()), kScheme)) {
        return outcome;  // no result: not a bearer request
    }
    const std::string_view token = http::trim_ascii_whitespace(std::string_view(authorization).substr(kScheme.size()));
    if (token.empty()) return outcome;
    auto validated = sim::jwt::validate(token, parameters, now);
    if (!validated.ok()) {
        outcome.status = AuthStatus::failure;
        outcome.error_description = validated.error;
        return outcome;
    }
    outcome.status = AuthStatus::success;
    outcome.claims = std::move(*validated.claims);
    return outcome;
}

http::Response bearer_challenge(const BearerOutcome& outcome) {
    http::Response response = http::Response::empty(401);
    if (outcome.status == AuthStatus::failure) {
        std::string value = "Bearer error=\"invalid_token\"";
        if (!outcome.error_description.empty()) {
            value += ", error_description=\"" + outcome.error_description + "\"";
        }
        response.headers.set("WWW-Authenticate", value);
    } else {
        response.headers.set("WWW-Authenticate", "Bearer");
    }
    return response;
}

AuthStatus authenticate_api_key(const http::Request& request, std::string_view configured_key) {
    const std::size_t count = request.headers.count("X-MGM-ApiKey");
    if (count == 0) return AuthStatus::no_result;
    if (configured_key.empty() || count > 1) return AuthStatus::failure;
    const std::string presented = request.headers.get("X-MGM-ApiKey").value_or("");
    return sim::crypto::constant_time_equals(presented, configured_key) ? AuthStatus::success : AuthStatus::failure;
}

http::Response api_key_challenge() { return http::Response::empty(401); }

}  // namespace mgm::backend::api

// Fuzz target: JWT parsing and validation (sim/core/jwt.h) and the Bearer scheme on a request.
// Byte 0 picks the mode, byte 1 the validation options (audience on/off, algorithm); the rest is:
//   mode 0: a whole token, validated as received (and via "Authorization: Bearer <token>");
//   mode 1: the payload segment's bytes, under a valid HS header, signed with the right key;
//   mode 2: the header segment's bytes, over a valid payload, signed with the right key;
//   mode 3: JSON claims: if they parse as an object, minted with jwt::encode and validated.
// Invariants: no crash; a token signed with the right key is never "The signature is invalid" unless its
// header names no HMAC algorithm; validating the same token twice gives the same answer; a token that
// validates yields claims and authenticates as Bearer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "backend/api/auth.h"
#include "fuzz/ebs_harness.h"
#include "sim/core/crypto.h"
#include "sim/core/jwt.h"

namespace {

using mgm::fuzz::require;
namespace jwt = mgm::sim::jwt;
namespace crypto = mgm::sim::crypto;

constexpr mgm::sim::Instant kNow = mgm::fuzz::kFuzzStart;

std::string sign(std::string_view header_bytes, std::string_view payload_bytes, crypto::HmacAlgorithm algorithm,
                 const std::string& key) {
    const std::string signing_input =
        crypto::base64url_encode(header_bytes) + "." + crypto::base64url_encode(payload_bytes);
    return signing_input + "." + crypto::base64url_encode(crypto::hmac(algorithm, key, signing_input));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2 || size > 16 * 1024) return -1;
    const std::uint8_t mode = data[0] % 4;
    const std::uint8_t options = data[1];
    const std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);

    jwt::ValidationParameters parameters;
    parameters.key = mgm::fuzz::dev_jwt_key();
    if (options & 1) parameters.audience = "fuzz-extension-client-id";
    static constexpr std::pair<const char*, crypto::HmacAlgorithm> kAlgorithms[] = {
        {"HS256", crypto::HmacAlgorithm::sha256},
        {"HS384", crypto::HmacAlgorithm::sha384},
        {"HS512", crypto::HmacAlgorithm::sha512}};
    const auto& [alg_name, alg] = kAlgorithms[(options >> 1) % 3];

    std::string token;
    bool signed_right = false;  // the signature is the right key's HMAC over the token's first two parts
    bool header_names_alg = false;  // ... and the header is ours, naming that algorithm
    switch (mode) {
    case 0: token = rest; break;
    case 1:
        token = sign(std::string(R"({"alg":")") + alg_name + R"(","typ":"JWT"})", rest, alg, parameters.key);
        signed_right = header_names_alg = true;
        break;
    case 2:
        token = sign(rest, R"({"user_id":"3001","exp":4102444800})", alg, parameters.key);
        signed_right = true;
        break;
    case 3: {
        const auto claims = nlohmann::ordered_json::parse(rest, nullptr, false);
        if (claims.is_discarded() || !claims.is_object()) return 0;
        token = jwt::encode(claims, parameters.key);
        signed_right = header_names_alg = true;
        break;
    }
    }

    const jwt::ValidationResult first = jwt::validate(token, parameters, kNow);
    const jwt::ValidationResult second = jwt::validate(token, parameters, kNow);
    require(first.ok() == second.ok() && first.error == second.error, "validation is a pure function");
    require(first.ok() != !first.error.empty(), "a result is either claims or an error");
    if (signed_right && header_names_alg) {
        require(first.error != "The signature is invalid", "the right key's signature is accepted");
    }

    mgm::http::Request request;
    request.method = "GET";
    request.target = "/api/pool/me";
    request.path = request.target;
    request.headers.add("Authorization", "Bearer " + token);
    const auto outcome = mgm::backend::api::authenticate_bearer(request, parameters, kNow);
    // Header values are trimmed by the scheme, so a token with outer whitespace may differ; compare only
    // tokens without it.
    const bool plain = !token.empty() && token.find_first_of(" \t\r\n,") == std::string::npos;
    if (plain) {
        require((outcome.status == mgm::backend::api::AuthStatus::success) == first.ok(),
                "the Bearer scheme agrees with jwt::validate");
    }
    if (outcome.status != mgm::backend::api::AuthStatus::success) {
        const auto challenge = mgm::backend::api::bearer_challenge(outcome);
        require(challenge.status == 401, "a failed Bearer outcome challenges with 401");
    }
    if (first.ok()) {
        (void)jwt::twitch_user_id(*first.claims);
        (void)jwt::display_name(*first.claims, "x");
    }
    return 0;
}

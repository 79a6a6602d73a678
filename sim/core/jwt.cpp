#include "sim/core/jwt.h"

#include <cstdio>
#include <limits>

#include "sim/core/crypto.h"
#include "sim/core/json_depth.h"

namespace mgm::sim::jwt {

namespace {

std::string_view algorithm_name(Algorithm algorithm) {
    switch (algorithm) {
    case Algorithm::hs256: return "HS256";
    case Algorithm::hs384: return "HS384";
    case Algorithm::hs512: return "HS512";
    }
    return "HS256";
}

std::optional<crypto::HmacAlgorithm> parse_algorithm(std::string_view name) {
    if (name == "HS256") return crypto::HmacAlgorithm::sha256;
    if (name == "HS384") return crypto::HmacAlgorithm::sha384;
    if (name == "HS512") return crypto::HmacAlgorithm::sha512;
    return std::nullopt;
}

crypto::HmacAlgorithm to_hmac(Algorithm algorithm) {
    switch (algorithm) {
    case Algorithm::hs256: return crypto::HmacAlgorithm::sha256;
    case Algorithm::hs384: return crypto::HmacAlgorithm::sha384;
    case Algorithm::hs512: return crypto::HmacAlgorithm::sha512;
    }
    return crypto::HmacAlgorithm::sha256;
}

std::string dump_compact(const nlohmann::ordered_json& value) {
    return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// The inbound claim-type map the reference's bearer handler applies (only the entries that matter here).
std::string mapped_claim_type(const std::string& jwt_name) {
    if (jwt_name == "sub" || jwt_name == "nameid") return std::string(kNameIdentifier);
    if (jwt_name == "unique_name") return std::string(kName);
    return jwt_name;
}

std::string claim_text(const nlohmann::ordered_json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
    return dump_compact(value);
}

Claims claims_from_payload(const nlohmann::ordered_json& payload) {
    Claims claims;
    for (const auto& [name, value] : payload.items()) {
        const std::string type = mapped_claim_type(name);
        if (value.is_null()) continue;
        if (value.is_array()) {
            for (const auto& element : value) {
                if (!element.is_null()) claims.items.emplace_back(type, claim_text(element));
            }
        } else {
            claims.items.emplace_back(type, claim_text(value));
        }
    }
    return claims;
}

// NumericDate (seconds since the epoch; fractions allowed) -> Instant, clamped far in range.
std::optional<Instant> numeric_date(const nlohmann::ordered_json& value) {
    constexpr double kMaxSeconds = 253402300799.0;  // 9999-12-31T23:59:59Z, .NET DateTime.MaxValue
    double seconds = 0;
    if (value.is_number()) {
        seconds = value.get<double>();
    } else if (value.is_string()) {
        const std::string text = value.get<std::string>();
        if (text.empty() || text.size() > 19) return std::nullopt;
        std::size_t i = text[0] == '-' ? 1 : 0;
        if (i == text.size()) return std::nullopt;
        for (std::size_t j = i; j < text.size(); ++j) {
            if (text[j] < '0' || text[j] > '9') return std::nullopt;
        }
        seconds = std::stod(text);
    } else {
        return std::nullopt;
    }
    if (seconds > kMaxSeconds) seconds = kMaxSeconds;
    if (seconds < -kMaxSeconds) seconds = -kMaxSeconds;
    return Instant{static_cast<std::int64_t>(seconds * 10'000'000.0)};
}

// .NET invariant-culture DateTime text ("01/01/2020 00:00:00"), as in the bearer handler's descriptions.
std::string invariant_date_text(Instant t) {
    const std::string iso = format_iso8601(Instant::from_unix_seconds(t.unix_seconds_floor()));
    // iso = "YYYY-MM-DDTHH:MM:SSZ"
    if (iso.size() < 19) return iso;
    return iso.substr(5, 2) + "/" + iso.substr(8, 2) + "/" + iso.substr(0, 4) + " " + iso.substr(11, 8);
}

ValidationResult fail(std::string why) {
    ValidationResult result;
    result.error = std::move(why);
    return result;
}

}  // namespace

std::string encode(const nlohmann::ordered_json& payload, std::string_view key, Algorithm algorithm) {
    nlohmann::ordered_json header;
    header["alg"] = std::string(algorithm_name(algorithm));
    header["typ"] = "JWT";
    std::string signing_input =
        crypto::base64url_encode(dump_compact(header)) + "." + crypto::base64url_encode(dump_compact(payload));
    const std::string signature = crypto::hmac(to_hmac(algorithm), key, signing_input);
    return signing_input + "." + crypto::base64url_encode(signature);
}

std::optional<std::string> Claims::first(std::string_view type) const {
    for (const auto& [name, value] : items) {
        if (name == type) return value;
    }
    return std::nullopt;
}

std::optional<std::string> twitch_user_id(const Claims& claims) {
    if (auto id = claims.first("user_id")) return id;
    return claims.first(kNameIdentifier);
}

std::string display_name(const Claims& claims, std::string_view user_id) {
    if (auto name = claims.first(kName)) return *name;
    if (auto name = claims.first("display_name")) return *name;
    return std::string(user_id);
}

ValidationResult validate(std::string_view token, const ValidationParameters& parameters, Instant now) {
    // Shape: exactly three dot-separated base64url parts (five would be an encrypted JWE: unsupported).
    const std::size_t dot1 = token.find('.');
    if (dot1 == std::string_view::npos) return fail("The token is malformed");
    const std::size_t dot2 = token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return fail("The token is malformed");
    }
    const std::string_view header_part = token.substr(0, dot1);
    const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const std::string_view signature_part = token.substr(dot2 + 1);

    const auto header_bytes = crypto::base64url_decode(header_part);
    const auto payload_bytes = crypto::base64url_decode(payload_part);
    if (!header_bytes || !payload_bytes) return fail("The token is malformed");
    if (!json_nesting_within(*header_bytes) || !json_nesting_within(*payload_bytes))
        return fail("The token is malformed");
    const auto header = nlohmann::ordered_json::parse(*header_bytes, nullptr, false);
    const auto payload = nlohmann::ordered_json::parse(*payload_bytes, nullptr, false);
    if (header.is_discarded() || !header.is_object() || payload.is_discarded() || !payload.is_object()) {
        return fail("The token is malformed");
    }

    // Signature: only HMAC algorithms with a long enough key; "none" and everything else are refused.
    const auto alg_it = header.find("alg");
    if (alg_it == header.end() || !alg_it->is_string()) return fail("The signature is invalid");
    const auto hmac_algorithm = parse_algorithm(alg_it->get<std::string>());
    if (!hmac_algorithm) return fail("The signature is invalid");
    if (parameters.key.size() < 16) return fail("The signature key was not found");
    const auto signature = crypto::base64url_decode(signature_part);
    if (!signature || signature->empty()) return fail("The signature is invalid");
    const std::string expected = crypto::hmac(*hmac_algorithm, parameters.key, token.substr(0, dot2));
    if (!crypto::constant_time_equals(expected, *signature)) return fail("The signature is invalid");

    // Lifetime: exp required; nbf optional; both with the clock skew.
    std::optional<Instant> expires;
    std::optional<Instant> not_before;
    if (auto it = payload.find("exp"); it != payload.end()) expires = numeric_date(*it);
    if (!expires) return fail("The token has no expiration");
    if (auto it = payload.find("nbf"); it != payload.end()) {
        not_before = numeric_date(*it);
        if (!not_before) return fail("The token is malformed");
    }
    if (not_before && *not_before > *expires) {
        return fail("The token is not valid before '" + invariant_date_text(*not_before) + "'");
    }
    if (not_before && *not_before > now + parameters.clock_skew) {
        return fail("The token is not valid before '" + invariant_date_text(*not_before) + "'");
    }
    if (*expires < now - parameters.clock_skew) {
        return fail("The token expired at '" + invariant_date_text(*expires) + "'");
    }

    // Audience: only when one is configured; "aud" may be a string or an array of strings.
    if (!parameters.audience.empty()) {
        bool matched = false;
        std::string seen;
        if (auto it = payload.find("aud"); it != payload.end()) {
            auto consider = [&](const nlohmann::ordered_json& value) {
                if (!value.is_string()) return;
                const std::string text = value.get<std::string>();
                if (!seen.empty()) seen += ", ";
                seen += text;
                if (text == parameters.audience) matched = true;
            };
            if (it->is_array()) {
                for (const auto& element : *it) consider(element);
            } else {
                consider(*it);
            }
        }
        if (!matched) return fail("The audience '" + (seen.empty() ? std::string("(null)") : seen) + "' is invalid");
    }

    ValidationResult result;
    result.claims = claims_from_payload(payload);
    return result;
}

}  // namespace mgm::sim::jwt

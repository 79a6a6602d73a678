// Extension JWT codec: the reference's deterministic vectors (the reference's published JWT test vectors) and the
// rejection paths of docs/CONTRACT.md §3.
#include <catch2/catch.hpp>

#include "sim/core/crypto.h"
#include "sim/core/jwt.h"

using namespace mgm::sim;

namespace {

const std::string kDevKey = crypto::sha256("mgm-dev-extension-secret-change-me");
const Instant kNow = Instant::from_unix_seconds(1775390400);  // 2026-04-05T12:00:00Z

const char* kValid =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJ1c2VyX2lkIjoidmlld2VyLXRjMDE3IiwidW5pcXVlX25hbWUiOiJEaXNwbGF5VGMwMTciLCJuYmYiOjE3NzUzOTA0MDAsImV4cCI6NDEwMjQ0ND"
    "gwMCwiaWF0IjoxNzc1MzkwNDAwLCJhdWQiOiJ0ZXN0LWV4dGVuc2lvbi1jbGllbnQtaWQifQ.CLpibDFkk9_"
    "43phvpxrxUQYk5LVeTpPsOKMusCMArSk";
const char* kExpired =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJ1c2VyX2lkIjoidmlld2VyLXRjMDE3IiwidW5pcXVlX25hbWUiOiJEaXNwbGF5VGMwMTciLCJuYmYiOjE1Nzc4MzMyMDAsImV4cCI6MTU3NzgzNj"
    "gwMCwiaWF0IjoxNTc3ODMzMjAwLCJhdWQiOiJ0ZXN0LWV4dGVuc2lvbi1jbGllbnQtaWQifQ.sNu4xaO_"
    "Tk10cTQvXRrDYxuRjGBJhjGtMW7JRt1ssY0";
const char* kWrongAudience =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJ1c2VyX2lkIjoidmlld2VyLXRjMDE3IiwidW5pcXVlX25hbWUiOiJEaXNwbGF5VGMwMTciLCJuYmYiOjE3NzUzOTA0MDAsImV4cCI6NDEwMjQ0ND"
    "gwMCwiaWF0IjoxNzc1MzkwNDAwLCJhdWQiOiJvdGhlci1jbGllbnQifQ.BC6ApTHCYRi-NgqBNgFkpaChMdlw6wMWfzVbPfq0_2c";
const char* kNoAudience =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJ1c2VyX2lkIjoiZTJlLXZpZXdlci0xIiwidW5pcXVlX25hbWUiOiJFMkVWaWV3ZXIiLCJuYmYiOjE3NzUzOTA0MDAsImV4cCI6NDEwMjQ0NDgwMC"
    "wiaWF0IjoxNzc1MzkwNDAwfQ.Q3RO6doxGWVju5jEQk92kdnCUFwX7AplqkxIWzK6BZw";
const char* kWrongKey =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJ1c2VyX2lkIjoidmlld2VyLXRjMDE3IiwidW5pcXVlX25hbWUiOiJEaXNwbGF5VGMwMTciLCJuYmYiOjE3NzUzOTA0MDAsImV4cCI6NDEwMjQ0ND"
    "gwMCwiaWF0IjoxNzc1MzkwNDAwLCJhdWQiOiJ0ZXN0LWV4dGVuc2lvbi1jbGllbnQtaWQifQ.GPxWw6bEzdtNNG8pstOsHmgYK2JQBJrc00cU_"
    "Du33jU";

jwt::ValidationParameters with_audience(std::string audience) {
    jwt::ValidationParameters p;
    p.key = kDevKey;
    p.audience = std::move(audience);
    return p;
}

}  // namespace

TEST_CASE("jwt: reference vector VALID vector is accepted and maps user id and display name", "[api][jwt]") {
    auto result = jwt::validate(kValid, with_audience("test-extension-client-id"), kNow);
    REQUIRE(result.ok());
    REQUIRE(jwt::twitch_user_id(*result.claims) == std::optional<std::string>("viewer-tc017"));
    REQUIRE(jwt::display_name(*result.claims, "viewer-tc017") == "DisplayTc017");
}

TEST_CASE("jwt: reference vector EXPIRED vector is rejected with the expiry in the description", "[api][jwt]") {
    auto result = jwt::validate(kExpired, with_audience("test-extension-client-id"), kNow);
    REQUIRE_FALSE(result.ok());
    REQUIRE(result.error == "The token expired at '01/01/2020 00:00:00'");
}

TEST_CASE("jwt: reference vector WRONG AUDIENCE rejected only when a client id is configured", "[api][jwt]") {
    REQUIRE_FALSE(jwt::validate(kWrongAudience, with_audience("test-extension-client-id"), kNow).ok());
    REQUIRE(jwt::validate(kWrongAudience, with_audience(""), kNow).ok());
}

TEST_CASE("jwt: reference vector NO AUDIENCE accepted without client id, rejected with one", "[api][jwt]") {
    REQUIRE(jwt::validate(kNoAudience, with_audience(""), kNow).ok());
    auto rejected = jwt::validate(kNoAudience, with_audience("test-extension-client-id"), kNow);
    REQUIRE_FALSE(rejected.ok());
    REQUIRE(rejected.error.find("audience") != std::string::npos);
}

TEST_CASE("jwt: reference vector WRONG KEY vector fails the signature", "[api][jwt]") {
    auto result = jwt::validate(kWrongKey, with_audience("test-extension-client-id"), kNow);
    REQUIRE_FALSE(result.ok());
    REQUIRE(result.error == "The signature is invalid");
}

TEST_CASE("jwt: encode reproduces the reference's deterministic token byte for byte", "[api][jwt]") {
    nlohmann::ordered_json payload;
    payload["user_id"] = "viewer-tc017";
    payload["unique_name"] = "DisplayTc017";
    payload["nbf"] = 1775390400;
    payload["exp"] = 4102444800LL;
    payload["iat"] = 1775390400;
    payload["aud"] = "test-extension-client-id";
    REQUIRE(jwt::encode(payload, kDevKey) == kValid);
}

TEST_CASE("jwt: HS384 and HS512 accepted - alg none and unknown algorithms rejected", "[api][jwt]") {
    nlohmann::ordered_json payload;
    payload["user_id"] = "u1";
    payload["exp"] = kNow.unix_seconds_floor() + 3600;
    REQUIRE(jwt::validate(jwt::encode(payload, kDevKey, jwt::Algorithm::hs384), with_audience(""), kNow).ok());
    REQUIRE(jwt::validate(jwt::encode(payload, kDevKey, jwt::Algorithm::hs512), with_audience(""), kNow).ok());

    const std::string body = crypto::base64url_encode(payload.dump());
    const std::string none = crypto::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + body + ".";
    REQUIRE_FALSE(jwt::validate(none, with_audience(""), kNow).ok());
    // alg none carrying a (valid HS256) signature is still refused.
    const std::string signing = crypto::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + body;
    const std::string none_signed = signing + "." + crypto::base64url_encode(crypto::hmac_sha256(kDevKey, signing));
    REQUIRE_FALSE(jwt::validate(none_signed, with_audience(""), kNow).ok());
    const std::string rs = crypto::base64url_encode(R"({"alg":"RS256","typ":"JWT"})") + "." + body;
    REQUIRE_FALSE(
        jwt::validate(rs + "." + crypto::base64url_encode(crypto::hmac_sha256(kDevKey, rs)), with_audience(""), kNow)
            .ok());
}

TEST_CASE("jwt: exp is required, nbf honoured, 5-minute skew both ways", "[api][jwt]") {
    auto token = [](std::optional<std::int64_t> nbf, std::optional<std::int64_t> exp) {
        nlohmann::ordered_json payload;
        payload["user_id"] = "u1";
        if (nbf) payload["nbf"] = *nbf;
        if (exp) payload["exp"] = *exp;
        return jwt::encode(payload, kDevKey);
    };
    const std::int64_t now = kNow.unix_seconds_floor();
    REQUIRE_FALSE(jwt::validate(token(std::nullopt, std::nullopt), with_audience(""), kNow).ok());
    REQUIRE(jwt::validate(token(std::nullopt, now - 299), with_audience(""), kNow).ok());  // within skew
    REQUIRE(jwt::validate(token(std::nullopt, now - 300), with_audience(""), kNow).ok());  // exactly at skew
    REQUIRE_FALSE(jwt::validate(token(std::nullopt, now - 301), with_audience(""), kNow).ok());
    REQUIRE(jwt::validate(token(now + 300, now + 3600), with_audience(""), kNow).ok());
    REQUIRE_FALSE(jwt::validate(token(now + 301, now + 3600), with_audience(""), kNow).ok());
}

TEST_CASE("jwt: array audience, short keys and malformed tokens", "[api][jwt]") {
    nlohmann::ordered_json payload;
    payload["sub"] = "sub-user";
    payload["exp"] = kNow.unix_seconds_floor() + 60;
    payload["aud"] = {"a", "test-extension-client-id"};
    auto result = jwt::validate(jwt::encode(payload, kDevKey), with_audience("test-extension-client-id"), kNow);
    REQUIRE(result.ok());
    // sub maps to NameIdentifier, which is the user id fallback; display name falls back to the id.
    REQUIRE(jwt::twitch_user_id(*result.claims) == std::optional<std::string>("sub-user"));
    REQUIRE(jwt::display_name(*result.claims, "sub-user") == "sub-user");

    jwt::ValidationParameters short_key;
    short_key.key = "fifteen-bytes!!";
    REQUIRE_FALSE(jwt::validate(jwt::encode(payload, short_key.key), short_key, kNow).ok());

    for (const char* bad : {"", ".", "..", "a.b", "a.b.c.d", "!!!.???.###", "eyJ9.eyJ9.xx"}) {
        REQUIRE_FALSE(jwt::validate(bad, with_audience(""), kNow).ok());
    }
    // Truncated signature.
    std::string truncated = kValid;
    truncated.pop_back();
    REQUIRE_FALSE(jwt::validate(truncated, with_audience("test-extension-client-id"), kNow).ok());
}

TEST_CASE("jwt: display_name claim used when unique_name is absent", "[api][jwt]") {
    nlohmann::ordered_json payload;
    payload["user_id"] = "u9";
    payload["display_name"] = "Shown";
    payload["exp"] = kNow.unix_seconds_floor() + 60;
    auto result = jwt::validate(jwt::encode(payload, kDevKey), with_audience(""), kNow);
    REQUIRE(result.ok());
    REQUIRE(jwt::display_name(*result.claims, "u9") == "Shown");
}

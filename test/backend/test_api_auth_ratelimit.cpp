// API key / Bearer authentication (docs/CONTRACT.md §3, RT-036..RT-039) and the rate limiter (§4).
#include <catch2/catch.hpp>

#include "backend/api/auth.h"
#include "backend/api/rate_limiter.h"
#include "sim/clock/virtual_clock.h"
#include "sim/core/crypto.h"

using namespace mgm;
using namespace mgm::backend::api;

namespace {

http::Request with_header(const char* name, const char* value) {
    http::Request request;
    request.headers.add(name, value);
    return request;
}

}  // namespace

TEST_CASE("RT-036 api key: header missing -> no result", "[api][auth]") {
    REQUIRE(authenticate_api_key(http::Request{}, "configured-secret") == AuthStatus::no_result);
}

TEST_CASE("RT-037 api key: wrong key -> failure", "[api][auth]") {
    REQUIRE(authenticate_api_key(with_header("X-MGM-ApiKey", "wrong"), "configured-secret") == AuthStatus::failure);
    // Case-sensitive value, empty value (GAP-05).
    REQUIRE(authenticate_api_key(with_header("X-MGM-ApiKey", "CONFIGURED-SECRET"), "configured-secret") ==
            AuthStatus::failure);
    REQUIRE(authenticate_api_key(with_header("X-MGM-ApiKey", ""), "configured-secret") == AuthStatus::failure);
}

TEST_CASE("RT-038 api key: matching key -> success - header name case-insensitive", "[api][auth]") {
    REQUIRE(authenticate_api_key(with_header("X-MGM-ApiKey", "configured-secret"), "configured-secret") ==
            AuthStatus::success);
    REQUIRE(authenticate_api_key(with_header("x-mgm-apikey", "configured-secret"), "configured-secret") ==
            AuthStatus::success);
}

TEST_CASE("RT-039 api key: server key not configured -> failure", "[api][auth]") {
    REQUIRE(authenticate_api_key(with_header("X-MGM-ApiKey", "any"), "") == AuthStatus::failure);
}

TEST_CASE("api key: a repeated header counts as a mismatch", "[api][auth]") {
    http::Request request = with_header("X-MGM-ApiKey", "k");
    request.headers.add("X-MGM-ApiKey", "k");
    REQUIRE(authenticate_api_key(request, "k") == AuthStatus::failure);
}

TEST_CASE("bearer: scheme parsing and challenges", "[api][auth]") {
    sim::jwt::ValidationParameters parameters;
    parameters.key = sim::crypto::sha256("mgm-dev-extension-secret-change-me");
    const sim::Instant now = sim::Instant::from_unix_seconds(1775390400);
    nlohmann::ordered_json payload;
    payload["user_id"] = "u1";
    payload["exp"] = 1775390400 + 60;
    const std::string token = sim::jwt::encode(payload, parameters.key);

    REQUIRE(authenticate_bearer(http::Request{}, parameters, now).status == AuthStatus::no_result);
    REQUIRE(authenticate_bearer(with_header("Authorization", "Basic abc"), parameters, now).status ==
            AuthStatus::no_result);
    auto ok = authenticate_bearer(with_header("Authorization", ("bEaReR   " + token + "  ").c_str()), parameters, now);
    REQUIRE(ok.status == AuthStatus::success);
    REQUIRE(ok.claims.first("user_id") == std::optional<std::string>("u1"));

    auto bad = authenticate_bearer(with_header("Authorization", "Bearer not.a.jwt"), parameters, now);
    REQUIRE(bad.status == AuthStatus::failure);
    auto challenge = bearer_challenge(bad);
    REQUIRE(challenge.status == 401);
    REQUIRE(challenge.body.empty());
    REQUIRE(challenge.headers.get("WWW-Authenticate")->rfind("Bearer error=\"invalid_token\"", 0) == 0);
    REQUIRE(bearer_challenge(BearerOutcome{}).headers.get("WWW-Authenticate") == std::optional<std::string>("Bearer"));
    REQUIRE_FALSE(api_key_challenge().headers.get("WWW-Authenticate"));

    // Two Authorization headers are joined with ',' and the token no longer validates.
    http::Request twice = with_header("Authorization", ("Bearer " + token).c_str());
    twice.headers.add("Authorization", ("Bearer " + token).c_str());
    REQUIRE(authenticate_bearer(twice, parameters, now).status == AuthStatus::failure);
}

TEST_CASE("rate limiter: 5 per 60 s fixed window per partition, recovery after the window", "[api][ratelimit]") {
    sim::VirtualClock clock(sim::Instant::from_unix_seconds(1775390400));
    FixedWindowRateLimiter limiter(clock);
    for (int i = 0; i < 5; ++i) REQUIRE(limiter.try_acquire("u1"));
    REQUIRE_FALSE(limiter.try_acquire("u1"));
    REQUIRE(limiter.try_acquire("u2"));  // other partitions unaffected
    clock.advance_to(clock.now() + std::chrono::seconds(59));
    REQUIRE_FALSE(limiter.try_acquire("u1"));
    clock.advance_to(clock.now() + std::chrono::seconds(1));
    for (int i = 0; i < 5; ++i) REQUIRE(limiter.try_acquire("u1"));
    REQUIRE_FALSE(limiter.try_acquire("u1"));
}

// dotnet/runtime System.Threading.RateLimiting: DefaultPartitionedRateLimiter.cs runs a 100 ms heartbeat
// that calls FixedWindowRateLimiter.TryReplenish; ReplenishInternal refills once a window has passed since
// the last replenishment and makes the heartbeat's instant the new window start. So windows follow the
// timer, not the first request after a window ended.
TEST_CASE(
    "rate limiter: FixedWindowRateLimiter replenishes on the partitioned limiter's 100 ms heartbeat, "
    "not at the first request after a window ends",
    "[api][ratelimit]") {
    const sim::Instant origin = sim::Instant::from_unix_seconds(1775390400);
    sim::VirtualClock clock(origin);
    FixedWindowRateLimiter limiter(clock);  // heartbeats at origin + k * 100 ms
    const auto at = [&](std::int64_t ms) { clock.advance_to(origin + std::chrono::milliseconds(ms)); };
    at(30'050);  // the partition's limiter is created here: window 1 = [30.05 s, first heartbeat >= 90.05 s)
    for (int i = 0; i < 5; ++i) REQUIRE(limiter.try_acquire("u1"));
    at(90'050);
    REQUIRE_FALSE(limiter.try_acquire("u1"));  // 60 s after the window began, but no heartbeat yet
    at(90'100);
    REQUIRE(limiter.try_acquire("u1"));  // the 90.1 s heartbeat refilled: window 2 = [90.1 s, 150.1 s)
    at(95'050);  // a paused client resumes: still window 2, not a new window starting now
    for (int i = 0; i < 4; ++i) REQUIRE(limiter.try_acquire("u1"));
    REQUIRE_FALSE(limiter.try_acquire("u1"));
    at(150'000);
    REQUIRE_FALSE(limiter.try_acquire("u1"));
    at(150'100);  // (a window started at the resume, 95.05 s, would still be closed until 155.05 s)
    REQUIRE(limiter.try_acquire("u1"));
}

// DefaultPartitionedRateLimiter.cs: at a heartbeat, a limiter whose IdleDuration (time since all of its
// permits came back, FixedWindowRateLimiter._idleSince) exceeds 10 s is removed; the next request builds a
// new one whose window starts at that request.
TEST_CASE(
    "rate limiter: a partition idle for more than 10 s after refilling is dropped, and the next request "
    "starts a new window",
    "[api][ratelimit]") {
    const sim::Instant origin = sim::Instant::from_unix_seconds(1775390400);
    sim::VirtualClock clock(origin);
    FixedWindowRateLimiter limiter(clock);
    const auto at = [&](std::int64_t ms) { clock.advance_to(origin + std::chrono::milliseconds(ms)); };

    at(50);
    REQUIRE(limiter.try_acquire("kept"));
    REQUIRE(limiter.try_acquire("dropped"));
    // Both refill at the 60.1 s heartbeat (idle from then on); removal at the first heartbeat with an idle
    // time over 10 s: 70.2 s.
    at(70'150);
    REQUIRE(limiter.partition_count() == 2);
    for (int i = 0; i < 5; ++i) REQUIRE(limiter.try_acquire("kept"));  // old limiter, window [60.1, 120.1)
    REQUIRE_FALSE(limiter.try_acquire("kept"));
    at(70'200);
    REQUIRE(limiter.partition_count() == 1);  // "dropped" is gone
    at(70'250);
    for (int i = 0; i < 5; ++i) REQUIRE(limiter.try_acquire("dropped"));  // new limiter, window [70.25, 130.3)
    REQUIRE_FALSE(limiter.try_acquire("dropped"));
    at(120'100);
    REQUIRE(limiter.try_acquire("kept"));
    REQUIRE_FALSE(limiter.try_acquire("dropped"));
    at(130'250);
    REQUIRE_FALSE(limiter.try_acquire("dropped"));  // a window is over, but the next heartbeat is 130.3 s
    at(130'300);
    REQUIRE(limiter.try_acquire("dropped"));
}

TEST_CASE("rate limiter: partition keys and the EventSub exemption", "[api][ratelimit]") {
    sim::jwt::Claims user;
    user.items = {{"NameIdentifier", "sub-1"}, {"user_id", "u1"}};
    REQUIRE(rate_limit_partition(&user, "127.0.0.1:5000") == "u1");
    sim::jwt::Claims desktop;
    desktop.items = {{"NameIdentifier", "desktop"}};
    REQUIRE(rate_limit_partition(&desktop, "127.0.0.1:5000") == "desktop");
    REQUIRE(rate_limit_partition(nullptr, "127.0.0.1:5000") == "127.0.0.1");
    REQUIRE(rate_limit_partition(nullptr, "[::1]:5000") == "::1");
    REQUIRE(rate_limit_partition(nullptr, "") == "anon");

    REQUIRE(is_rate_limit_exempt("/api/twitch/eventsub"));
    REQUIRE(is_rate_limit_exempt("/API/Twitch/EventSub/"));
    REQUIRE(is_rate_limit_exempt("/api/twitch/eventsub/x"));
    REQUIRE_FALSE(is_rate_limit_exempt("/api/twitch/eventsubx"));
    REQUIRE_FALSE(is_rate_limit_exempt("/api/twitch"));
    REQUIRE_FALSE(is_rate_limit_exempt("/"));
}

// The EBS's global rate limiter (ebs-contract.md §3): a fixed window of 5 permits per 60 s per
// partition, no queue, on the injected Clock. Partition = user_id / NameIdentifier / client IP / "anon".
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sim/clock/clock.h"
#include "sim/core/jwt.h"

namespace mgm::backend::api {

class FixedWindowRateLimiter {
public:
    explicit FixedWindowRateLimiter(const sim::Clock& clock, int permits = 5,
                                    sim::Duration window = std::chrono::seconds(60));

    // Takes one permit from `partition`'s window; false when the window is exhausted (-> 429).
    // A partition's window starts at its first request after being idle for a full window.
    bool try_acquire(const std::string& partition);
    std::size_t partition_count() const { return windows_.size(); }

private:
    struct Window {
        sim::Instant started;
        int used = 0;
    };
    void forget_idle_partitions(sim::Instant now);

    const sim::Clock& clock_;
    int permits_;
    sim::Duration window_;
    std::map<std::string, Window> windows_;
    sim::Instant last_sweep_{};
};

// Requests under the "/api/twitch/eventsub" path segment (case-insensitive) are never limited.
bool is_rate_limit_exempt(std::string_view path);

// Partition key: claim user_id, else NameIdentifier ("desktop" for the API key, or JWT sub), else the
// host part of the remote address, else "anon". `claims` is null for anonymous principals.
std::string rate_limit_partition(const sim::jwt::Claims* claims, std::string_view remote_address);

// "127.0.0.1:50123" -> "127.0.0.1", "[::1]:5000" -> "::1"; empty when there is none.
std::string remote_host(std::string_view remote_address);

}  // namespace mgm::backend::api

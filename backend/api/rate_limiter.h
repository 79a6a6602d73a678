// The EBS's global rate limiter: a fixed window of 5 permits per 60 s per partition, no queue, on the
// injected Clock. Partition = user_id / NameIdentifier / client IP / "anon".
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sim/clock/clock.h"
#include "sim/core/jwt.h"

namespace mgm::backend::api {

// The reference's global limiter is `PartitionedRateLimiter.Create` with one
// `RateLimitPartition.GetFixedWindowLimiter` per partition (dotnet/runtime,
// src/libraries/System.Threading.RateLimiting/src/System/Threading/RateLimiting/
// DefaultPartitionedRateLimiter.cs and FixedWindowRateLimiter.cs). Its timing, reproduced here:
// - the partitioned limiter runs a heartbeat every 100 ms from its creation (the EBS's start);
// - a partition's limiter is created at its first request, with full permits, and that instant is its
//   first window start;
// - a heartbeat at least one window after the last replenishment refills the permits and makes the
//   heartbeat's instant the new window start (windows run on the heartbeat, requests or not);
// - a limiter whose permits have all been back for more than 10 s is dropped at a heartbeat; the next
//   request creates a new one (new window start).
// So a client that pauses and resumes inside a live partition keeps the old window grid; one that
// paused ~70 s or more starts a fresh window at its next request. A heartbeat due at the very instant
// of a request runs first. Computed lazily from the clock: no timers, nothing in the trace.
class FixedWindowRateLimiter {
public:
    explicit FixedWindowRateLimiter(const sim::Clock& clock, int permits = 5,
                                    sim::Duration window = std::chrono::seconds(60));

    // Takes one permit from `partition`'s window; false when the window is exhausted (-> 429).
    bool try_acquire(const std::string& partition);
    // Partitions whose limiter still exists at the current instant.
    std::size_t partition_count();

    static constexpr sim::Duration kHeartbeat = std::chrono::milliseconds(100);
    static constexpr sim::Duration kIdleLimit = std::chrono::seconds(10);

private:
    struct Window {
        sim::Instant last_replenished;
        int available = 0;
        std::optional<sim::Instant> idle_since;  // set while every permit is available
    };
    // Applies the heartbeats up to `now`; false when the partition's limiter has been dropped.
    bool catch_up(Window& window, sim::Instant now) const;
    sim::Instant heartbeat_at_or_after(sim::Instant t) const;
    void forget_dropped_partitions(sim::Instant now, bool always = false);

    const sim::Clock& clock_;
    int permits_;
    sim::Duration window_;
    sim::Instant origin_;  // the heartbeat grid: origin_ + k * kHeartbeat, k >= 1
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

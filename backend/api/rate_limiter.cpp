#include "backend/api/rate_limiter.h"

#include "sim/http/message.h"

namespace mgm::backend::api {

FixedWindowRateLimiter::FixedWindowRateLimiter(const sim::Clock& clock, int permits, sim::Duration window)
    : clock_(clock), permits_(permits), window_(window), origin_(clock.now()), last_sweep_(clock.now()) {}

sim::Instant FixedWindowRateLimiter::heartbeat_at_or_after(sim::Instant t) const {
    const std::int64_t step = kHeartbeat.count();
    const std::int64_t since = (t - origin_).count();
    std::int64_t k = since <= 0 ? 1 : (since + step - 1) / step;
    if (k < 1) k = 1;
    return origin_ + sim::Duration(k * step);
}

bool FixedWindowRateLimiter::catch_up(Window& window, sim::Instant now) const {
    for (;;) {
        // One heartbeat checks idleness first (drop), else replenishes when a window has passed.
        const sim::Instant replenish = heartbeat_at_or_after(window.last_replenished + window_);
        if (window.idle_since) {
            // "Idle for more than 10 s": the first heartbeat strictly after idle_since + 10 s.
            const sim::Instant drop = heartbeat_at_or_after(*window.idle_since + kIdleLimit + sim::kTick);
            if (drop <= replenish) return drop > now;
        }
        if (replenish > now) return true;
        window.last_replenished = replenish;
        if (window.available < permits_) {
            window.available = permits_;
            window.idle_since = replenish;
        }
    }
}

bool FixedWindowRateLimiter::try_acquire(const std::string& partition) {
    const sim::Instant now = clock_.now();
    forget_dropped_partitions(now);
    auto it = windows_.find(partition);
    if (it != windows_.end() && !catch_up(it->second, now)) {
        windows_.erase(it);
        it = windows_.end();
    }
    if (it == windows_.end()) it = windows_.emplace(partition, Window{now, permits_, now}).first;
    Window& window = it->second;
    if (window.available <= 0) return false;
    --window.available;
    window.idle_since.reset();
    return true;
}

std::size_t FixedWindowRateLimiter::partition_count() {
    forget_dropped_partitions(clock_.now(), true);
    return windows_.size();
}

void FixedWindowRateLimiter::forget_dropped_partitions(sim::Instant now, bool always) {
    // Bounded memory: now and then, drop the partitions the reference would have dropped by now.
    if (!always && now - last_sweep_ < kIdleLimit) return;
    last_sweep_ = now;
    for (auto it = windows_.begin(); it != windows_.end();) {
        if (!catch_up(it->second, now)) it = windows_.erase(it);
        else ++it;
    }
}

bool is_rate_limit_exempt(std::string_view path) {
    constexpr std::string_view kSegment = "/api/twitch/eventsub";
    if (path.size() < kSegment.size()) return false;
    if (!http::iequals(path.substr(0, kSegment.size()), kSegment)) return false;
    return path.size() == kSegment.size() || path[kSegment.size()] == '/';
}

std::string remote_host(std::string_view remote_address) {
    if (remote_address.empty()) return {};
    if (remote_address.front() == '[') {
        const auto close = remote_address.find(']');
        if (close == std::string_view::npos) return std::string(remote_address.substr(1));
        return std::string(remote_address.substr(1, close - 1));
    }
    const auto colon = remote_address.rfind(':');
    // One colon = host:port; several = a bare IPv6 address.
    if (colon != std::string_view::npos && remote_address.find(':') == colon) {
        return std::string(remote_address.substr(0, colon));
    }
    return std::string(remote_address);
}

std::string rate_limit_partition(const sim::jwt::Claims* claims, std::string_view remote_address) {
    if (claims != nullptr) {
        if (auto id = claims->first("user_id")) return *id;
        if (auto id = claims->first(sim::jwt::kNameIdentifier)) return *id;
    }
    std::string host = remote_host(remote_address);
    if (!host.empty()) return host;
    return "anon";
}

}  // namespace mgm::backend::api

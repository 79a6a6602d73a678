#include "backend/api/rate_limiter.h"

#include "sim/http/message.h"

namespace mgm::backend::api {

FixedWindowRateLimiter::FixedWindowRateLimiter(const sim::Clock& clock, int permits, sim::Duration window)
    : clock_(clock), permits_(permits), window_(window) {}

bool FixedWindowRateLimiter::try_acquire(const std::string& partition) {
    const sim::Instant now = clock_.now();
    forget_idle_partitions(now);
    auto [it, inserted] = windows_.try_emplace(partition, Window{now, 0});
    Window& window = it->second;
    if (!inserted && now - window.started >= window_) {
        window = Window{now, 0};
    }
    if (window.used >= permits_) return false;
    ++window.used;
    return true;
}

void FixedWindowRateLimiter::forget_idle_partitions(sim::Instant now) {
    // Bounded memory: once per window, drop partitions whose window is over (they would restart anyway).
    if (now - last_sweep_ < window_) return;
    last_sweep_ = now;
    for (auto it = windows_.begin(); it != windows_.end();) {
        if (now - it->second.started >= window_) it = windows_.erase(it);
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

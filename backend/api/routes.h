// The EBS's HTTP surface: the route table and the middleware pipeline routing →
// authentication/authorization → rate limiter → handler, with the reference's exact status codes and
// body shapes. Plugs into http::Server through Ebs::handle. The routes themselves are registered by
// routes_<resource>.cpp (payouts, roulette, pool, gifts, EventSub, harness), their bodies written by dto.cpp.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "backend/api/auth.h"
#include "backend/api/eventsub.h"
#include "backend/api/rate_limiter.h"
#include "backend/api/route_registry.h"
#include "sim/core/jwt.h"
#include "sim/core/rng.h"

namespace mgm::backend::api {

class EbsRoutes {
public:
    EbsRoutes(const EbsConfig& config, Domain& domain, const sim::Clock& clock, sim::Rng trace_id_rng,
              const sim::Log& log);

    void handle(const http::Request& request, const std::function<void(http::Response)>& respond);

    const FixedWindowRateLimiter& rate_limiter() const { return limiter_; }

private:
    // The 401 to answer when the route's scheme refuses the request (none for anonymous routes).
    std::optional<http::Response> challenge(const http::Request& request, RouteAuth auth,
                                            const BearerOutcome& bearer) const;
    std::string next_trace_id();

    const EbsConfig& config_;
    const sim::Clock& clock_;
    sim::Rng trace_id_rng_;
    const sim::Log& log_;
    sim::jwt::ValidationParameters jwt_parameters_;
    FixedWindowRateLimiter limiter_;
    EventSubWebhook eventsub_;
    RouteServices services_;
    EbsRouteTable routes_;
};

}  // namespace mgm::backend::api

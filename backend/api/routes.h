// The EBS's HTTP surface (ebs-contract.md §4): the route table and the middleware pipeline
// routing → authentication/authorization → rate limiter → handler, with the reference's exact
// status codes and body shapes. Plugs into http::Server through Ebs::handle.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "backend/api/eventsub.h"
#include "backend/api/rate_limiter.h"
#include "backend/domain/domain.h"
#include "sim/core/jwt.h"
#include "sim/core/rng.h"
#include "sim/http/router.h"

namespace mgm::backend::api {

// Which scheme a route requires (§2, one per route).
enum class RouteAuth { anonymous, bearer, api_key };

// What a handler knows about the caller once authorization passed.
struct Caller {
    const sim::jwt::Claims* jwt = nullptr;   // Bearer routes (and valid tokens on anonymous routes)
};

// The version reported when Version:CurrentVersion is blank (the reference's unstamped build).
inline constexpr const char* kFallbackVersion = "1.0.0";

class EbsRoutes {
public:
    EbsRoutes(const EbsConfig& config, Domain& domain, const sim::Clock& clock, sim::Rng trace_id_rng,
              const sim::Log& log);

    void handle(const http::Request& request, const std::function<void(http::Response)>& respond);

    const FixedWindowRateLimiter& rate_limiter() const { return limiter_; }

private:
    using Handler = std::function<void(const http::Request&, const http::Params&, const Caller&, http::Respond)>;
    struct Route {
        RouteAuth auth;
        Handler handler;
    };
    void add(const std::string& method, const std::string& pattern, RouteAuth auth, Handler handler);
    void register_routes();
    std::string next_trace_id();

    const EbsConfig& config_;
    Domain& domain_;
    const sim::Clock& clock_;
    sim::Rng trace_id_rng_;
    const sim::Log& log_;
    sim::jwt::ValidationParameters jwt_parameters_;
    FixedWindowRateLimiter limiter_;
    EventSubWebhook eventsub_;
    http::Router router_;                 // matching only; handlers below are keyed "METHOD pattern"
    std::map<std::string, Route> routes_;
};

}  // namespace mgm::backend::api

#include "backend/api/routes.h"

#include <memory>
#include <optional>
#include <utility>

#include "backend/api/auth.h"
#include "backend/api/dto.h"
#include "backend/api/json_binding.h"
#include "backend/domain/character_name.h"
#include "backend/domain/domain.h"

namespace mgm::backend::api {

namespace {

// The principal the rate limiter partitions API-key requests by (the reference's "desktop" identity).
const sim::jwt::Claims& desktop_principal() {
    static const sim::jwt::Claims claims = [] {
        sim::jwt::Claims desktop;
        desktop.items.emplace_back(std::string(sim::jwt::kNameIdentifier), std::string(kDesktopPrincipal));
        return desktop;
    }();
    return claims;
}

}  // namespace

// ---- helpers the controllers share (route_registry.h) ----

http::Response error_response(const ApiError& error) {
    if (error.unhandled) return http::Response::empty(500);
    return api_error(error.status, error.code, error.message);
}

std::optional<std::string> caller_user_id(const Caller& caller) {
    if (caller.jwt == nullptr) return std::nullopt;
    auto id = sim::jwt::twitch_user_id(*caller.jwt);
    if (!id || id->empty()) return std::nullopt;
    return id;
}

std::string text_field(const Json& bound, const char* name) {
    const Json& value = bound[name];
    return value.is_string() ? value.get<std::string>() : std::string();
}

sim::Uuid route_id(const http::Params& params) { return sim::Uuid::parse_any(params.at("id")).value_or(sim::Uuid{}); }

void add_version_routes(EbsRouteTable& routes) {
    routes.add("GET", "/api/version", {RouteAuth::anonymous, [](const RouteCall& call) {
                                           call.respond(json_response(200, version_json(call.services.config)));
                                       }});
}

// ---- the pipeline ----

EbsRoutes::EbsRoutes(const EbsConfig& config, Domain& domain, const sim::Clock& clock, sim::Rng trace_id_rng,
                     const sim::Log& log)
    : config_(config),
      clock_(clock),
      trace_id_rng_(trace_id_rng),
      log_(log),
      limiter_(clock),
      eventsub_(config, domain.chat, clock, log, [this] { return next_trace_id(); }),
      services_{config, domain, eventsub_, [this] { return next_trace_id(); }} {
    jwt_parameters_.key = config.extension_jwt_key();
    if (!is_blank(config.extension_client_id)) jwt_parameters_.audience = config.extension_client_id;
    // The reference's controller order; matching does not depend on it across resources (no two
    // resources share a path).
    add_version_routes(routes_);
    add_eventsub_routes(routes_);
    add_roulette_routes(routes_);
    add_pool_routes(routes_);
    add_payout_routes(routes_);
    add_harness_routes(routes_);
    add_gift_routes(routes_);
}

std::string EbsRoutes::next_trace_id() { return make_trace_id(trace_id_rng_); }

std::optional<http::Response> EbsRoutes::challenge(const http::Request& request, RouteAuth auth,
                                                   const BearerOutcome& bearer) const {
    if (auth == RouteAuth::bearer && bearer.status != AuthStatus::success) return bearer_challenge(bearer);
    if (auth == RouteAuth::api_key && authenticate_api_key(request, config_.api_key) != AuthStatus::success)
        return api_key_challenge();
    return std::nullopt;
}

void EbsRoutes::handle(const http::Request& request, const std::function<void(http::Response)>& respond) {
    // Exactly one response per request, whatever a handler does.
    const http::RespondOnce once(respond);
    try {
        const http::RouteMatch match = routes_.match(request.method, request.path);
        const EbsRoute* route = match.kind == http::RouteMatch::Kind::found ? &routes_.entry(match) : nullptr;
        const RouteAuth auth = route ? route->auth : RouteAuth::anonymous;

        // Authentication: the default (Bearer) scheme runs on every request; its principal only matters
        // on Bearer routes and for the rate-limit partition of anonymous ones.
        const BearerOutcome bearer = authenticate_bearer(request, jwt_parameters_, clock_.now());
        const sim::jwt::Claims* bearer_claims = bearer.status == AuthStatus::success ? &bearer.claims : nullptr;

        // Authorization: failures challenge before the rate limiter (not counted).
        if (std::optional<http::Response> refused = challenge(request, auth, bearer)) {
            once(std::move(*refused));
            return;
        }

        // Rate limiter: everything but the EventSub path, including 404/405.
        if (!is_rate_limit_exempt(request.path)) {
            const sim::jwt::Claims* principal = auth == RouteAuth::api_key ? &desktop_principal() : bearer_claims;
            if (!limiter_.try_acquire(rate_limit_partition(principal, request.remote_address))) {
                once(http::Response::empty(429));
                return;
            }
        }

        if (route == nullptr) {
            once(http::no_route_response(match));
            return;
        }
        // API-key handlers see no JWT; the others see the caller's valid token, if any.
        const Caller caller{auth == RouteAuth::api_key ? nullptr : bearer_claims};
        route->handler(RouteCall{services_, request, match.params, caller, once});
    } catch (const std::exception& failure) {
        log_.error(kEbsActor, std::string("unhandled exception: ") + failure.what());
        once(http::Response::empty(500));
    } catch (...) {
        log_.error(kEbsActor, "unhandled exception");
        once(http::Response::empty(500));
    }
}

}  // namespace mgm::backend::api

// What each backend/api/routes_<resource>.cpp needs to register its routes: the EBS's route entry (scheme
// + handler) kept in the one http::RouteTable, what a handler is handed, and the small request helpers
// the controllers share. Private to backend/api.
//
// Adding a route: write its handler (a function of RouteCall) in the resource's routes_<resource>.cpp,
// its response body in dto.cpp, and one routes.add(method, pattern, {scheme, handler}) line in that
// file's add_<resource>_routes. Patterns take {name} and {name:guid} segments (http/router.h).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "backend/api/json_binding.h"
#include "backend/config.h"
#include "backend/domain/api_error.h"
#include "sim/core/jwt.h"
#include "sim/core/uuid.h"
#include "sim/http/router.h"

namespace mgm::backend {
class Domain;
}

namespace mgm::backend::api {

class EventSubWebhook;

// Which scheme a route requires (one per route).
enum class RouteAuth { anonymous, bearer, api_key };

// What a handler knows about the caller once authorization passed.
struct Caller {
    const sim::jwt::Claims* jwt = nullptr;  // Bearer routes (and valid tokens on anonymous routes)
};

// What handlers call; owned by EbsRoutes.
struct RouteServices {
    const EbsConfig& config;
    Domain& domain;
    EventSubWebhook& eventsub;
    // Draws the next response trace id (ProblemDetails "traceId") from the EBS's own Rng.
    std::function<std::string()> next_trace_id;
};

// One authorized request as its handler sees it.
struct RouteCall {
    RouteServices& services;
    const http::Request& request;
    const http::Params& params;  // the pattern's {parameters}, as matched
    Caller caller;
    http::Respond respond;  // exactly once, possibly later (after an outgoing call)
};

using RouteHandler = void (*)(const RouteCall& call);

struct EbsRoute {
    RouteAuth auth = RouteAuth::anonymous;
    RouteHandler handler = nullptr;
};

using EbsRouteTable = http::RouteTable<EbsRoute>;

// One function per resource, each in its routes_<resource>.cpp (version: routes.cpp).
void add_version_routes(EbsRouteTable& routes);
void add_eventsub_routes(EbsRouteTable& routes);
void add_roulette_routes(EbsRouteTable& routes);
void add_pool_routes(EbsRouteTable& routes);
void add_payout_routes(EbsRouteTable& routes);
void add_harness_routes(EbsRouteTable& routes);
void add_gift_routes(EbsRouteTable& routes);

// ---- helpers the controllers share ----

// A business error as the reference renders it; D1's escaped exception is the framework's empty 500.
http::Response error_response(const ApiError& error);

// The user id a controller needs; nullopt means "return Unauthorized()" (401 ProblemDetails).
std::optional<std::string> caller_user_id(const Caller& caller);

// A bound string field, "" when null.
std::string text_field(const Json& bound, const char* name);

// The {id:guid} route parameter (the router only matches segments that parse).
sim::Uuid route_id(const http::Params& params);

}  // namespace mgm::backend::api

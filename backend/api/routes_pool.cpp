// /api/pool/*: whether the viewer is enrolled (Bearer). Enrolling is POST /api/payouts/claim and chat.
#include "backend/api/dto.h"
#include "backend/api/route_registry.h"
#include "backend/domain/domain.h"

namespace mgm::backend::api {

namespace {

void me(const RouteCall& call) {
    const auto user_id = caller_user_id(call.caller);
    if (!user_id) return call.respond(problem(401, call.services.next_trace_id()));
    call.respond(json_response(200, pool_me_json(call.services.domain.enrollment.pool_me(*user_id))));
}

}  // namespace

void add_pool_routes(EbsRouteTable& routes) { routes.add("GET", "/api/pool/me", {RouteAuth::bearer, me}); }

}  // namespace mgm::backend::api

// /api/twitch/eventsub: Twitch's webhook deliveries, authenticated by their HMAC signature (eventsub.cpp),
// not by a scheme, and exempt from the rate limiter.
#include "backend/api/eventsub.h"
#include "backend/api/route_registry.h"

namespace mgm::backend::api {

void add_eventsub_routes(EbsRouteTable& routes) {
    routes.add("POST", "/api/twitch/eventsub", {RouteAuth::anonymous, [](const RouteCall& call) {
                                                    call.services.eventsub.handle(call.request, call.respond);
                                                }});
}

}  // namespace mgm::backend::api

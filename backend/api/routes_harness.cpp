// /api/e2e/*: the CI harness's shortcut to a pending payout (API key). Answers 404 after authorization and
// body validation unless the harness is enabled in the configuration.
#include <variant>

#include "backend/api/dto.h"
#include "backend/api/route_registry.h"
#include "backend/domain/domain.h"

namespace mgm::backend::api {

namespace {

const Schema kPreparePendingSchema = {{"twitchUserId", "TwitchUserId", FieldKind::required_string}};

void prepare_pending_payout(const RouteCall& call) {
    RouletteService& roulette = call.services.domain.roulette;
    const BindResult bound = bind_json_body(call.request, kPreparePendingSchema, call.services.next_trace_id);
    if (bound.error) return call.respond(*bound.error);
    if (!roulette.harness_enabled()) return call.respond(problem(404, call.services.next_trace_id()));
    const PrepareOutcome outcome = roulette.prepare_pending_payout(text_field(*bound.value, "twitchUserId"));
    if (const auto* prepared = std::get_if<E2ePrepared>(&outcome))
        return call.respond(json_response(200, e2e_prepared_json(*prepared)));
    if (const auto* harness = std::get_if<HarnessError>(&outcome))
        return call.respond(harness_error(harness->status, harness->error));
    call.respond(error_response(std::get<ApiError>(outcome)));
}

}  // namespace

void add_harness_routes(EbsRouteTable& routes) {
    routes.add("POST", "/api/e2e/prepare-pending-payout", {RouteAuth::api_key, prepare_pending_payout});
}

}  // namespace mgm::backend::api

// /api/payouts/*: the viewer's last payout and pool claim (Bearer); the Desktop's pending list, status
// patch and acceptance confirmation (API key).
#include "backend/api/dto.h"
#include "backend/api/route_registry.h"
#include "backend/domain/domain.h"

namespace mgm::backend::api {

namespace {

// Request schemas (C# DTO property names for ValidationProblem keys).
const Schema kClaimSchema = {{"characterName", "CharacterName", FieldKind::required_string},
                             {"enrollmentRequestId", "EnrollmentRequestId", FieldKind::required_string}};
const Schema kPatchPayoutSchema = {{"status", "Status", FieldKind::payout_status}};
const Schema kConfirmAcceptanceSchema = {{"characterName", "CharacterName", FieldKind::required_string}};

void my_last(const RouteCall& call) {
    const auto user_id = caller_user_id(call.caller);
    if (!user_id) return call.respond(problem(401, call.services.next_trace_id()));
    const auto payout = call.services.domain.payouts.my_last(*user_id);
    if (!payout) return call.respond(problem(404, call.services.next_trace_id()));
    call.respond(json_response(200, payout_json(*payout)));
}

// Binding runs before the action's user-id check.
void claim(const RouteCall& call) {
    const BindResult bound = bind_json_body(call.request, kClaimSchema, call.services.next_trace_id);
    if (bound.error) return call.respond(*bound.error);
    const auto user_id = caller_user_id(call.caller);
    if (!user_id) return call.respond(problem(401, call.services.next_trace_id()));
    ClaimRequest claim;
    claim.twitch_user_id = *user_id;
    claim.twitch_display_name = sim::jwt::display_name(*call.caller.jwt, *user_id);
    claim.character_name = text_field(*bound.value, "characterName");
    claim.enrollment_request_id = text_field(*bound.value, "enrollmentRequestId");
    const Outcome<ClaimResult> outcome = call.services.domain.enrollment.claim(claim);
    if (!outcome) return call.respond(error_response(outcome.error()));
    call.respond(json_response(outcome.value().created ? 201 : 200, claim_result_json(outcome.value())));
}

void pending(const RouteCall& call) {
    call.respond(json_response(200, payout_list_json(call.services.domain.payouts.pending())));
}

// Answers once the Helix announcement, if the new status makes one, is done.
void patch_status(const RouteCall& call) {
    const BindResult bound = bind_json_body(call.request, kPatchPayoutSchema, call.services.next_trace_id);
    if (bound.error) return call.respond(*bound.error);
    const auto to = static_cast<PayoutStatus>((*bound.value)["status"].get<int>());
    call.services.domain.payouts.patch_status(route_id(call.params), to,
                                              [respond = call.respond](Outcome<Payout> outcome) {
                                                  if (!outcome) return respond(error_response(outcome.error()));
                                                  respond(json_response(200, payout_json(outcome.value())));
                                              });
}

void confirm_acceptance(const RouteCall& call) {
    const BindResult bound = bind_json_body(call.request, kConfirmAcceptanceSchema, call.services.next_trace_id);
    if (bound.error) return call.respond(*bound.error);
    const Outcome<Done> outcome = call.services.domain.payouts.confirm_acceptance(
        route_id(call.params), text_field(*bound.value, "characterName"));
    if (!outcome) return call.respond(error_response(outcome.error()));
    call.respond(http::Response::empty(200));
}

}  // namespace

void add_payout_routes(EbsRouteTable& routes) {
    routes.add("GET", "/api/payouts/my-last", {RouteAuth::bearer, my_last});
    routes.add("POST", "/api/payouts/claim", {RouteAuth::bearer, claim});
    routes.add("GET", "/api/payouts/pending", {RouteAuth::api_key, pending});
    routes.add("PATCH", "/api/payouts/{id:guid}/status", {RouteAuth::api_key, patch_status});
    routes.add("POST", "/api/payouts/{id:guid}/confirm-acceptance", {RouteAuth::api_key, confirm_acceptance});
}

}  // namespace mgm::backend::api

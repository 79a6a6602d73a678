// /api/roulette/*: the state read (Bearer) and the Desktop's candidate verification (API key).
#include "backend/api/dto.h"
#include "backend/api/route_registry.h"
#include "backend/domain/domain.h"

namespace mgm::backend::api {

namespace {

const Schema kVerifyCandidateSchema = {{"schemaVersion", "SchemaVersion", FieldKind::int32},
                                       {"spinCycleId", "SpinCycleId", FieldKind::uuid},
                                       {"characterName", "CharacterName", FieldKind::required_string},
                                       {"online", "Online", FieldKind::boolean},
                                       {"capturedAt", "CapturedAt", FieldKind::date_time}};

void state(const RouteCall& call) {
    call.respond(json_response(200, roulette_state_json(call.services.domain.roulette.state())));
}

void verify_candidate(const RouteCall& call) {
    const BindResult bound = bind_json_body(call.request, kVerifyCandidateSchema, call.services.next_trace_id);
    if (bound.error) return call.respond(*bound.error);
    const Json& v = *bound.value;
    VerifyCandidateRequest verify;
    verify.schema_version = v["schemaVersion"].get<std::int64_t>();
    verify.spin_cycle_id = sim::Uuid::parse_hyphenated(v["spinCycleId"].get<std::string>()).value_or(sim::Uuid{});
    verify.character_name = text_field(v, "characterName");
    verify.online = v["online"].get<bool>();
    verify.captured_at = sim::Instant{v["capturedAt"].get<std::int64_t>()};
    const Outcome<Done> outcome = call.services.domain.roulette.verify_candidate(verify);
    if (!outcome) return call.respond(error_response(outcome.error()));
    call.respond(http::Response::empty(200));
}

}  // namespace

void add_roulette_routes(EbsRouteTable& routes) {
    routes.add("GET", "/api/roulette/state", {RouteAuth::bearer, state});
    routes.add("POST", "/api/roulette/verify-candidate", {RouteAuth::api_key, verify_candidate});
}

}  // namespace mgm::backend::api

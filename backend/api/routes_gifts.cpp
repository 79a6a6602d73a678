// The "!twgift" queue: the viewer's queue view and gift request (Bearer); the Desktop's queue, state
// patch, item selection and confirmation (API key).
#include "backend/api/dto.h"
#include "backend/api/route_registry.h"
#include "backend/domain/character_name.h"
#include "backend/domain/domain.h"

namespace mgm::backend::api {

namespace {

const Schema kCreateGiftSchema = {{"streamerId", "StreamerId", FieldKind::required_string},
                                  {"characterName", "CharacterName", FieldKind::required_string}};
const Schema kPatchGiftSchema = {{"state", "State", FieldKind::gift_state},
                                 {"reason", "Reason", FieldKind::nullable_string}};
const Schema kGiftItemSchema = {{"name", "Name", FieldKind::required_string},
                                {"id", "Id", FieldKind::int32},
                                {"count", "Count", FieldKind::int32},
                                {"link", "Link", FieldKind::required_string},
                                {"texture", "Texture", FieldKind::required_string},
                                {"bagId", "BagId", FieldKind::int32},
                                {"slotId", "SlotId", FieldKind::int32}};
const Schema kSelectItemSchema = {{"item", "Item", FieldKind::object, &kGiftItemSchema}};
const Schema kConfirmGiftSchema = {{"confirmed", "Confirmed", FieldKind::boolean}};

void respond_gift(const RouteCall& call, const Outcome<GiftRequestView>& outcome) {
    if (!outcome) return call.respond(error_response(outcome.error()));
    call.respond(json_response(200, gift_json(outcome.value())));
}

// GET /api/streamers/{streamerId}/gift-queue: filtered to the viewer's own requests when the token has a
// user id.
void viewer_queue(const RouteCall& call) {
    const std::string& streamer = call.params.at("streamerId");
    const auto user_id = caller_user_id(call.caller);
    const auto views =
        call.services.domain.gifts.queue(is_blank(streamer) ? std::nullopt : std::optional(streamer), user_id);
    call.respond(json_response(200, gift_list_json(views)));
}

void create(const RouteCall& call) {
    const BindResult bound = bind_json_body(call.request, kCreateGiftSchema, call.services.next_trace_id);
    if (bound.error) return call.respond(*bound.error);
    const auto user_id = caller_user_id(call.caller);
    if (!user_id) return call.respond(problem(401, call.services.next_trace_id()));
    GiftCreateRequest create;
    create.streamer_id = text_field(*bound.value, "streamerId");
    create.viewer_id = *user_id;
    create.viewer_display_name = sim::jwt::display_name(*call.caller.jwt, *user_id);
    create.character_name = text_field(*bound.value, "characterName");
    call.services.domain.gifts.create(create, [respond = call.respond](Outcome<GiftRequestView> outcome) {
        if (!outcome) return respond(error_response(outcome.error()));
        respond(json_response(201, gift_json(outcome.value())));
    });
}

// GET /api/gift-requests?streamerId= (blank means every streamer)
void desktop_queue(const RouteCall& call) {
    auto streamer = call.request.query_param("streamerId");
    if (streamer && is_blank(*streamer)) streamer.reset();
    call.respond(json_response(200, gift_list_json(call.services.domain.gifts.queue(streamer, std::nullopt))));
}

void patch_state(const RouteCall& call) {
    const BindResult bound = bind_json_body(call.request, kPatchGiftSchema, call.services.next_trace_id);
    if (bound.error) return call.respond(*bound.error);
    const Json& v = *bound.value;
    const auto state = static_cast<GiftRequestState>(v["state"].get<int>());
    const std::optional<std::string> reason =
        v["reason"].is_string() ? std::optional(v["reason"].get<std::string>()) : std::nullopt;
    respond_gift(call, call.services.domain.gifts.patch_state(route_id(call.params), state, reason));
}

GiftItem bound_gift_item(const Json& item_json) {
    GiftItem item;
    item.name = text_field(item_json, "name");
    item.id = item_json["id"].get<std::int32_t>();
    item.count = item_json["count"].get<std::int32_t>();
    item.link = text_field(item_json, "link");
    item.texture = text_field(item_json, "texture");
    item.bag_id = item_json["bagId"].get<std::int32_t>();
    item.slot_id = item_json["slotId"].get<std::int32_t>();
    return item;
}

void select_item(const RouteCall& call) {
    const BindResult bound = bind_json_body(call.request, kSelectItemSchema, call.services.next_trace_id);
    if (bound.error) return call.respond(*bound.error);
    const GiftItem item = bound_gift_item((*bound.value)["item"]);
    respond_gift(call, call.services.domain.gifts.select_item(route_id(call.params), item));
}

void confirm(const RouteCall& call) {
    const BindResult bound = bind_json_body(call.request, kConfirmGiftSchema, call.services.next_trace_id);
    if (bound.error) return call.respond(*bound.error);
    const bool confirmed = (*bound.value)["confirmed"].get<bool>();
    respond_gift(call, call.services.domain.gifts.confirm(route_id(call.params), confirmed));
}

}  // namespace

void add_gift_routes(EbsRouteTable& routes) {
    routes.add("GET", "/api/streamers/{streamerId}/gift-queue", {RouteAuth::bearer, viewer_queue});
    routes.add("POST", "/api/gift-requests", {RouteAuth::bearer, create});
    routes.add("GET", "/api/gift-requests", {RouteAuth::api_key, desktop_queue});
    routes.add("PATCH", "/api/gift-requests/{id:guid}", {RouteAuth::api_key, patch_state});
    routes.add("POST", "/api/gift-requests/{id:guid}/select-item", {RouteAuth::api_key, select_item});
    routes.add("POST", "/api/gift-requests/{id:guid}/confirm", {RouteAuth::api_key, confirm});
}

}  // namespace mgm::backend::api

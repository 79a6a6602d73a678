#include "backend/api/routes.h"

#include <memory>
#include <utility>

#include "backend/api/auth.h"
#include "backend/api/json_binding.h"
#include "backend/domain/character_name.h"

namespace mgm::backend::api {

namespace {

// ---- request schemas (C# DTO property names for ValidationProblem keys) ----
const Schema kClaimSchema = {{"characterName", "CharacterName", FieldKind::required_string},
                             {"enrollmentRequestId", "EnrollmentRequestId", FieldKind::required_string}};
const Schema kPatchPayoutSchema = {{"status", "Status", FieldKind::payout_status}};
const Schema kConfirmAcceptanceSchema = {{"characterName", "CharacterName", FieldKind::required_string}};
const Schema kVerifyCandidateSchema = {{"schemaVersion", "SchemaVersion", FieldKind::int32},
                                       {"spinCycleId", "SpinCycleId", FieldKind::uuid},
                                       {"characterName", "CharacterName", FieldKind::required_string},
                                       {"online", "Online", FieldKind::boolean},
                                       {"capturedAt", "CapturedAt", FieldKind::date_time}};
const Schema kPreparePendingSchema = {{"twitchUserId", "TwitchUserId", FieldKind::required_string}};
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

// ---- DTOs (field order as the reference emits them, §4.0) ----
Json payout_json(const Payout& payout) {
    Json body;
    body["id"] = payout.id.str();
    body["twitchUserId"] = payout.twitch_user_id;
    body["twitchDisplayName"] = payout.twitch_display_name;
    body["characterName"] = payout.character_name;
    body["goldAmount"] = payout.gold_amount;
    body["enrollmentRequestId"] = payout.enrollment_request_id;
    body["status"] = enum_json(kPayoutStatusNames, static_cast<int>(payout.status));
    body["createdAt"] = iso(payout.created_at);
    body["isRewardSentAnnouncedToChat"] = payout.is_reward_sent_announced_to_chat;
    return body;
}

Json gift_json(const GiftRequestView& view) {
    const GiftRequest& gift = view.request;
    Json body;
    body["id"] = gift.id.str();
    body["streamerId"] = gift.streamer_id;
    body["viewerId"] = gift.viewer_id;
    body["viewerDisplayName"] = gift.viewer_display_name;
    body["characterName"] = gift.character_name;
    body["state"] = enum_json(kGiftRequestStateNames, static_cast<int>(gift.state));
    if (gift.selected_item) {
        const GiftItem& item = *gift.selected_item;
        Json item_json;
        item_json["name"] = item.name;
        item_json["id"] = item.id;
        item_json["count"] = item.count;
        item_json["link"] = item.link;
        item_json["texture"] = item.texture;
        item_json["bagId"] = item.bag_id;
        item_json["slotId"] = item.slot_id;
        body["selectedItem"] = std::move(item_json);
    } else {
        body["selectedItem"] = nullptr;
    }
    body["queuePosition"] = view.queue_position;
    body["estimatedWaitSeconds"] = view.estimated_wait_seconds;
    body["createdAt"] = iso(gift.created_at);
    body["updatedAt"] = iso(gift.updated_at);
    body["timeoutAt"] = gift.timeout_at ? Json(iso(*gift.timeout_at)) : Json(nullptr);
    body["failureReason"] = gift.failure_reason ? Json(*gift.failure_reason) : Json(nullptr);
    return body;
}

Json gift_list_json(const std::vector<GiftRequestView>& views) {
    Json list = Json::array();
    for (const auto& view : views) list.push_back(gift_json(view));
    return list;
}

// A business error as the reference renders it; D1's escaped exception is the framework's empty 500.
http::Response error_response(const ApiError& error) {
    if (error.unhandled) return http::Response::empty(500);
    return api_error(error.status, error.code, error.message);
}

std::string text_field(const Json& bound, const char* name) {
    const Json& value = bound[name];
    return value.is_string() ? value.get<std::string>() : std::string();
}

sim::Uuid route_id(const http::Params& params) {
    // The router only matches {id:guid} segments that parse.
    return sim::Uuid::parse_any(params.at("id")).value_or(sim::Uuid{});
}

// The user id a controller needs; nullopt/empty means "return Unauthorized()" (401 ProblemDetails).
std::optional<std::string> caller_user_id(const Caller& caller) {
    if (caller.jwt == nullptr) return std::nullopt;
    auto id = sim::jwt::twitch_user_id(*caller.jwt);
    if (!id || id->empty()) return std::nullopt;
    return id;
}

}  // namespace

EbsRoutes::EbsRoutes(const EbsConfig& config, Domain& domain, const sim::Clock& clock, sim::Rng trace_id_rng,
                     const sim::Log& log)
    : config_(config),
      domain_(domain),
      clock_(clock),
      trace_id_rng_(trace_id_rng),
      log_(log),
      limiter_(clock),
      eventsub_(config, domain.chat, log, [this] { return next_trace_id(); }) {
    jwt_parameters_.key = config.extension_jwt_key();
    if (!is_blank(config.extension_client_id)) jwt_parameters_.audience = config.extension_client_id;
    register_routes();
}

std::string EbsRoutes::next_trace_id() { return make_trace_id(trace_id_rng_); }

void EbsRoutes::add(const std::string& method, const std::string& pattern, RouteAuth auth, Handler handler) {
    router_.add(method, pattern, [](const http::Request&, const http::Params&, http::Respond) {});
    routes_[method + " " + pattern] = Route{auth, std::move(handler)};
}

void EbsRoutes::handle(const http::Request& request, const std::function<void(http::Response)>& respond) {
    // Exactly one response per request, whatever a handler does.
    auto responded = std::make_shared<bool>(false);
    http::Respond once = [responded, respond](http::Response response) {
        if (*responded) return;
        *responded = true;
        respond(std::move(response));
    };
    try {
        const http::RouteMatch match = router_.match(request.method, request.path);
        const Route* route = nullptr;
        if (match.kind == http::RouteMatch::Kind::found) {
            std::string method = request.method;
            for (char& c : method) {
                if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            }
            auto it = routes_.find(method + " " + match.pattern);
            if (it != routes_.end()) route = &it->second;
        }

        // Authentication: the default (Bearer) scheme runs on every request; its principal only matters
        // on Bearer routes and for the rate-limit partition of anonymous ones.
        const BearerOutcome bearer = authenticate_bearer(request, jwt_parameters_, clock_.now());
        Caller caller;
        sim::jwt::Claims desktop_claims;
        const sim::jwt::Claims* principal = bearer.status == AuthStatus::success ? &bearer.claims : nullptr;

        // Authorization: failures challenge before the rate limiter (not counted).
        const RouteAuth auth = route ? route->auth : RouteAuth::anonymous;
        if (auth == RouteAuth::bearer) {
            if (bearer.status != AuthStatus::success) {
                once(bearer_challenge(bearer));
                return;
            }
            caller.jwt = &bearer.claims;
        } else if (auth == RouteAuth::api_key) {
            if (authenticate_api_key(request, config_.api_key) != AuthStatus::success) {
                once(api_key_challenge());
                return;
            }
            desktop_claims.items.emplace_back(std::string(sim::jwt::kNameIdentifier), std::string(kDesktopPrincipal));
            principal = &desktop_claims;
        } else {
            caller.jwt = principal;
        }

        // Rate limiter: everything but the EventSub path, including 404/405.
        if (!is_rate_limit_exempt(request.path)) {
            if (!limiter_.try_acquire(rate_limit_partition(principal, request.remote_address))) {
                once(http::Response::empty(429));
                return;
            }
        }

        if (match.kind == http::RouteMatch::Kind::not_found || route == nullptr) {
            if (match.kind == http::RouteMatch::Kind::method_not_allowed) {
                http::Response response = http::Response::empty(405);
                response.headers.add("Allow", match.allow);
                once(std::move(response));
            } else {
                once(http::Response::empty(404));
            }
            return;
        }
        route->handler(request, match.params, caller, once);
    } catch (const std::exception& failure) {
        log_.error(kEbsActor, std::string("unhandled exception: ") + failure.what());
        once(http::Response::empty(500));
    } catch (...) {
        log_.error(kEbsActor, "unhandled exception");
        once(http::Response::empty(500));
    }
}

void EbsRoutes::register_routes() {
    auto trace_id = [this] { return next_trace_id(); };

    // 4.1 GET /api/version
    add("GET", "/api/version", RouteAuth::anonymous,
        [this](const http::Request&, const http::Params&, const Caller&, http::Respond respond) {
            Json body;
            body["version"] = is_blank(config_.version_current) ? std::string(kFallbackVersion)
                                                                : trim_dotnet(config_.version_current);
            auto optional_text = [](const std::optional<std::string>& value) {
                return value ? Json(*value) : Json(nullptr);
            };
            body["releaseNotesUrl"] = optional_text(config_.version_release_notes_url);
            body["minimumDesktopVersion"] = optional_text(config_.version_minimum_desktop);
            body["minimumAddonVersion"] = optional_text(config_.version_minimum_addon);
            body["minimumExtensionVersion"] = optional_text(config_.version_minimum_extension);
            respond(json_response(200, body));
        });

    // 4.2 POST /api/twitch/eventsub
    add("POST", "/api/twitch/eventsub", RouteAuth::anonymous,
        [this](const http::Request& request, const http::Params&, const Caller&, http::Respond respond) {
            eventsub_.handle(request, respond);
        });

    // 4.3 GET /api/roulette/state
    add("GET", "/api/roulette/state", RouteAuth::bearer,
        [this](const http::Request&, const http::Params&, const Caller&, http::Respond respond) {
            const RouletteStateView state = domain_.roulette.state();
            Json body;
            body["nextSpinAt"] = iso(state.next_spin_at);
            body["serverNow"] = iso(state.server_now);
            body["spinIntervalSeconds"] = state.spin_interval_seconds;
            body["poolParticipantCount"] = state.pool_participant_count;
            body["spinPhase"] = to_string(state.spin_phase);
            body["currentSpinCycleId"] =
                state.current_spin_cycle_id ? Json(state.current_spin_cycle_id->str()) : Json(nullptr);
            respond(json_response(200, body));
        });

    // 4.4 GET /api/pool/me
    add("GET", "/api/pool/me", RouteAuth::bearer,
        [this, trace_id](const http::Request&, const http::Params&, const Caller& caller, http::Respond respond) {
            const auto user_id = caller_user_id(caller);
            if (!user_id) return respond(problem(401, trace_id()));
            const PoolMe me = domain_.enrollment.pool_me(*user_id);
            Json body;
            body["isEnrolled"] = me.is_enrolled;
            body["characterName"] = me.character_name ? Json(*me.character_name) : Json(nullptr);
            respond(json_response(200, body));
        });

    // 4.5 GET /api/payouts/my-last
    add("GET", "/api/payouts/my-last", RouteAuth::bearer,
        [this, trace_id](const http::Request&, const http::Params&, const Caller& caller, http::Respond respond) {
            const auto user_id = caller_user_id(caller);
            if (!user_id) return respond(problem(401, trace_id()));
            const auto payout = domain_.payouts.my_last(*user_id);
            if (!payout) return respond(problem(404, trace_id()));
            respond(json_response(200, payout_json(*payout)));
        });

    // 4.6 POST /api/payouts/claim (binding runs before the action's user-id check)
    add("POST", "/api/payouts/claim", RouteAuth::bearer,
        [this, trace_id](const http::Request& request, const http::Params&, const Caller& caller,
                         http::Respond respond) {
            const BindResult bound = bind_json_body(request, kClaimSchema, trace_id);
            if (bound.error) return respond(*bound.error);
            const auto user_id = caller_user_id(caller);
            if (!user_id) return respond(problem(401, trace_id()));
            ClaimRequest claim;
            claim.twitch_user_id = *user_id;
            claim.twitch_display_name = sim::jwt::display_name(*caller.jwt, *user_id);
            claim.character_name = text_field(*bound.value, "characterName");
            claim.enrollment_request_id = text_field(*bound.value, "enrollmentRequestId");
            const Outcome<ClaimResult> outcome = domain_.enrollment.claim(claim);
            if (!outcome) return respond(error_response(outcome.error()));
            Json body;
            body["characterName"] = outcome.value().character_name;
            body["enrollmentRequestId"] = outcome.value().enrollment_request_id;
            respond(json_response(outcome.value().created ? 201 : 200, body));
        });

    // 4.7 GET /api/payouts/pending
    add("GET", "/api/payouts/pending", RouteAuth::api_key,
        [this](const http::Request&, const http::Params&, const Caller&, http::Respond respond) {
            Json list = Json::array();
            for (const Payout& payout : domain_.payouts.pending()) list.push_back(payout_json(payout));
            respond(json_response(200, list));
        });

    // 4.8 PATCH /api/payouts/{id}/status
    add("PATCH", "/api/payouts/{id:guid}/status", RouteAuth::api_key,
        [this, trace_id](const http::Request& request, const http::Params& params, const Caller&,
                         http::Respond respond) {
            const BindResult bound = bind_json_body(request, kPatchPayoutSchema, trace_id);
            if (bound.error) return respond(*bound.error);
            const auto to = static_cast<PayoutStatus>((*bound.value)["status"].get<int>());
            domain_.payouts.patch_status(route_id(params), to, [respond](Outcome<Payout> outcome) {
                if (!outcome) return respond(error_response(outcome.error()));
                respond(json_response(200, payout_json(outcome.value())));
            });
        });

    // 4.9 POST /api/payouts/{id}/confirm-acceptance
    add("POST", "/api/payouts/{id:guid}/confirm-acceptance", RouteAuth::api_key,
        [this, trace_id](const http::Request& request, const http::Params& params, const Caller&,
                         http::Respond respond) {
            const BindResult bound = bind_json_body(request, kConfirmAcceptanceSchema, trace_id);
            if (bound.error) return respond(*bound.error);
            const Outcome<Done> outcome =
                domain_.payouts.confirm_acceptance(route_id(params), text_field(*bound.value, "characterName"));
            if (!outcome) return respond(error_response(outcome.error()));
            respond(http::Response::empty(200));
        });

    // 4.10 POST /api/roulette/verify-candidate
    add("POST", "/api/roulette/verify-candidate", RouteAuth::api_key,
        [this, trace_id](const http::Request& request, const http::Params&, const Caller&, http::Respond respond) {
            const BindResult bound = bind_json_body(request, kVerifyCandidateSchema, trace_id);
            if (bound.error) return respond(*bound.error);
            const Json& v = *bound.value;
            VerifyCandidateRequest verify;
            verify.schema_version = v["schemaVersion"].get<std::int64_t>();
            verify.spin_cycle_id = sim::Uuid::parse_hyphenated(v["spinCycleId"].get<std::string>()).value_or(sim::Uuid{});
            verify.character_name = text_field(v, "characterName");
            verify.online = v["online"].get<bool>();
            verify.captured_at = sim::Instant{v["capturedAt"].get<std::int64_t>()};
            const Outcome<Done> outcome = domain_.roulette.verify_candidate(verify);
            if (!outcome) return respond(error_response(outcome.error()));
            respond(http::Response::empty(200));
        });

    // 4.11 POST /api/e2e/prepare-pending-payout (404 after auth and body validation)
    add("POST", "/api/e2e/prepare-pending-payout", RouteAuth::api_key,
        [this, trace_id](const http::Request& request, const http::Params&, const Caller&, http::Respond respond) {
            const BindResult bound = bind_json_body(request, kPreparePendingSchema, trace_id);
            if (bound.error) return respond(*bound.error);
            if (!domain_.roulette.harness_enabled()) return respond(problem(404, trace_id()));
            const PrepareOutcome outcome = domain_.roulette.prepare_pending_payout(text_field(*bound.value, "twitchUserId"));
            if (const auto* prepared = std::get_if<E2ePrepared>(&outcome)) {
                Json body;
                body["payoutId"] = prepared->payout_id.str();
                body["characterName"] = prepared->character_name;
                return respond(json_response(200, body));
            }
            if (const auto* harness = std::get_if<HarnessError>(&outcome)) {
                return respond(harness_error(harness->status, harness->error));
            }
            respond(error_response(std::get<ApiError>(outcome)));
        });

    // 4.12 GET /api/streamers/{streamerId}/gift-queue (viewer-filtered when the token has a user id)
    add("GET", "/api/streamers/{streamerId}/gift-queue", RouteAuth::bearer,
        [this](const http::Request&, const http::Params& params, const Caller& caller, http::Respond respond) {
            const std::string& streamer = params.at("streamerId");
            const auto user_id = caller_user_id(caller);
            const auto views = domain_.gifts.queue(is_blank(streamer) ? std::nullopt : std::optional(streamer), user_id);
            respond(json_response(200, gift_list_json(views)));
        });

    // 4.13 POST /api/gift-requests
    add("POST", "/api/gift-requests", RouteAuth::bearer,
        [this, trace_id](const http::Request& request, const http::Params&, const Caller& caller,
                         http::Respond respond) {
            const BindResult bound = bind_json_body(request, kCreateGiftSchema, trace_id);
            if (bound.error) return respond(*bound.error);
            const auto user_id = caller_user_id(caller);
            if (!user_id) return respond(problem(401, trace_id()));
            GiftCreateRequest create;
            create.streamer_id = text_field(*bound.value, "streamerId");
            create.viewer_id = *user_id;
            create.viewer_display_name = sim::jwt::display_name(*caller.jwt, *user_id);
            create.character_name = text_field(*bound.value, "characterName");
            domain_.gifts.create(create, [respond](Outcome<GiftRequestView> outcome) {
                if (!outcome) return respond(error_response(outcome.error()));
                respond(json_response(201, gift_json(outcome.value())));
            });
        });

    // 4.14 GET /api/gift-requests?streamerId=
    add("GET", "/api/gift-requests", RouteAuth::api_key,
        [this](const http::Request& request, const http::Params&, const Caller&, http::Respond respond) {
            auto streamer = request.query_param("streamerId");
            if (streamer && is_blank(*streamer)) streamer.reset();
            respond(json_response(200, gift_list_json(domain_.gifts.queue(streamer, std::nullopt))));
        });

    // 4.15 PATCH /api/gift-requests/{id}
    add("PATCH", "/api/gift-requests/{id:guid}", RouteAuth::api_key,
        [this, trace_id](const http::Request& request, const http::Params& params, const Caller&,
                         http::Respond respond) {
            const BindResult bound = bind_json_body(request, kPatchGiftSchema, trace_id);
            if (bound.error) return respond(*bound.error);
            const Json& v = *bound.value;
            const auto state = static_cast<GiftRequestState>(v["state"].get<int>());
            const std::optional<std::string> reason =
                v["reason"].is_string() ? std::optional(v["reason"].get<std::string>()) : std::nullopt;
            const auto outcome = domain_.gifts.patch_state(route_id(params), state, reason);
            if (!outcome) return respond(error_response(outcome.error()));
            respond(json_response(200, gift_json(outcome.value())));
        });

    // 4.16 POST /api/gift-requests/{id}/select-item
    add("POST", "/api/gift-requests/{id:guid}/select-item", RouteAuth::api_key,
        [this, trace_id](const http::Request& request, const http::Params& params, const Caller&,
                         http::Respond respond) {
            const BindResult bound = bind_json_body(request, kSelectItemSchema, trace_id);
            if (bound.error) return respond(*bound.error);
            const Json& item_json = (*bound.value)["item"];
            GiftItem item;
            item.name = text_field(item_json, "name");
            item.id = item_json["id"].get<std::int32_t>();
            item.count = item_json["count"].get<std::int32_t>();
            item.link = text_field(item_json, "link");
            item.texture = text_field(item_json, "texture");
            item.bag_id = item_json["bagId"].get<std::int32_t>();
            item.slot_id = item_json["slotId"].get<std::int32_t>();
            const auto outcome = domain_.gifts.select_item(route_id(params), item);
            if (!outcome) return respond(error_response(outcome.error()));
            respond(json_response(200, gift_json(outcome.value())));
        });

    // 4.17 POST /api/gift-requests/{id}/confirm
    add("POST", "/api/gift-requests/{id:guid}/confirm", RouteAuth::api_key,
        [this, trace_id](const http::Request& request, const http::Params& params, const Caller&,
                         http::Respond respond) {
            const BindResult bound = bind_json_body(request, kConfirmGiftSchema, trace_id);
            if (bound.error) return respond(*bound.error);
            const auto outcome = domain_.gifts.confirm(route_id(params), (*bound.value)["confirmed"].get<bool>());
            if (!outcome) return respond(error_response(outcome.error()));
            respond(json_response(200, gift_json(outcome.value())));
        });
}

}  // namespace mgm::backend::api

#include "fakes/mock_helix_api.h"

#include "sim/core/time.h"
#include "sim/core/json_depth.h"

namespace mgm::fakes {

namespace {

constexpr const char* kActor = "helix";

bool starts_with_ignore_case(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && http::iequals(text.substr(0, prefix.size()), prefix);
}

// System.Text.Json's default encoder escapes non-ASCII; clients parse JSON, so only the spelling differs.
std::string dump(const nlohmann::ordered_json& value) {
    return value.dump(-1, ' ', true, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

MockHelixApiConfig MockHelixApiConfig::from_settings(const sim::Settings& settings) {
    MockHelixApiConfig c;
    auto strict = settings.get("MockHelix:StrictAuth");
    c.strict_auth = strict && http::iequals(*strict, "true");
    if (auto cap = settings.get("MockHelix:MaxRecordedRequests"); cap && !cap->empty())
        c.max_recorded_requests = parse_count_setting(*cap, "MockHelix__MaxRecordedRequests");
    return c;
}

std::optional<std::size_t> MockHelixApi::route_body_limit(std::string_view method, std::string_view path) {
    if (method == "POST" && (path == "/fail-next" || path == "/reset")) return kControlBodyLimitBytes;
    return std::nullopt;
}

MockHelixApi::MockHelixApi(MockHelixApiConfig config, sim::Seams seams)
    : config_(config), seams_(seams), requests_(config.max_recorded_requests) {
    router_.add_sync("GET", "/health", [](const http::Request&, const http::Params&) {
        return http::Response::json(200, R"({"status":"healthy","component":"MockHelixApi"})");
    });
    router_.add("POST", "/helix/chat/messages",
                [this](const http::Request& request, const http::Params&, http::Respond respond) {
                    post_message(request, respond);
                });
    router_.add_sync("GET", "/last-request",
                     [this](const http::Request&, const http::Params&) { return last_request_response(); });
    // Extensions.
    router_.add_sync("GET", "/requests",
                     [this](const http::Request& request, const http::Params&) { return requests_response(request); });
    router_.add_sync("POST", "/reset", [this](const http::Request&, const http::Params&) {
        reset();
        return http::Response::json(200, R"({"ok":true})");
    });
    router_.add_sync("POST", "/fail-next",
                     [this](const http::Request& request, const http::Params&) { return fail_next_route(request); });
}

void MockHelixApi::set_subscription_source(SubscriptionSource source) {
    const bool first = !subscriptions_;
    subscriptions_ = std::move(source);
    if (!first) return;
    router_.add_sync("GET", "/helix/subscriptions/user", [this](const http::Request& request, const http::Params&) {
        const std::string broadcaster = request.query_param("broadcaster_id").value_or("");
        const std::string user = request.query_param("user_id").value_or("");
        if (!subscriptions_(broadcaster, user)) return http::Response::json(200, R"({"data":[]})");
        nlohmann::json body{{"data", nlohmann::json::array({{{"broadcaster_id", broadcaster}, {"tier", "1000"}}})}};
        return http::Response::json(200, body.dump());
    });
}

void MockHelixApi::handle(const http::Request& request, std::function<void(http::Response)> respond) {
    router_.dispatch(request, respond);
}

void MockHelixApi::post_message(const http::Request& request, const http::Respond& respond) {
    HelixRecordedRequest record;
    record.sequence = requests_.next_sequence();
    record.received_at = seams_.clock.now();
    record.authorization_header = request.headers.joined("Authorization").value_or("");
    record.client_id_header = request.headers.joined("Client-Id").value_or("");
    record.body_bytes = request.body.size();
    // Deeper than System.Text.Json's 64 levels is invalid JSON to the reference (500); such a body never
    // reaches a recursive parser or copy here.
    if (sim::json_nesting_within(request.body)) {
        try {
            record.body = nlohmann::ordered_json::parse(request.body);
        } catch (const nlohmann::json::exception&) {}
    }
    if (!record.body) record.raw_body = request.body.substr(0, kRecordedRawBodyBytes);

    // Extension: a planned failure wins over everything (it stands for Helix itself failing).
    if (failure_.remaining > 0) {
        --failure_.remaining;
        ++failure_.injected;
        record.outcome = failure_.drop ? "injected_drop" : "injected_status";
        record.status = failure_.drop ? 0 : failure_.status;
        requests_.push(std::move(record));
        seams_.log.info(kActor, "injected failure: " + record.outcome + " " + std::to_string(record.status));
        if (failure_.drop) {
            http::Response dropped = http::Response::empty(500);
            dropped.drop_connection = true;
            respond(std::move(dropped));
        } else {
            respond(http::Response::json(failure_.status, R"({"error":"Injected failure","status":)" +
                                                              std::to_string(failure_.status) +
                                                              R"(,"message":"MockHelixApi fail-next"})"));
        }
        return;
    }

    if (config_.strict_auth) {
        auto auth = request.headers.get("Authorization");
        if (!auth || !starts_with_ignore_case(request.headers.joined("Authorization").value_or(""), "Bearer ") ||
            request.headers.count("Client-Id") == 0) {
            record.outcome = "unauthorized";
            record.status = 401;
            requests_.push(std::move(record));
            respond(http::Response::empty(401));
            return;
        }
    }

    // The reference stores the headers first, then parses the body (invalid JSON throws: 500, body kept).
    last_authorization_ = record.authorization_header;
    last_client_id_ = record.client_id_header;
    if (!record.body) {
        record.outcome = "invalid_json";
        record.status = 500;
        requests_.push(std::move(record));
        respond(http::Response::empty(500));
        return;
    }
    last_body_ = record.body;
    record.outcome = "recorded";
    record.status = 204;
    requests_.push(std::move(record));
    respond(http::Response::empty(204));
}

http::Response MockHelixApi::last_request_response() const {
    if (!last_body_) return http::Response::json(200, R"({"captured":false})");
    nlohmann::ordered_json out;
    out["captured"] = true;
    out["body"] = *last_body_;
    out["authorizationHeader"] = last_authorization_;
    out["clientIdHeader"] = last_client_id_;
    return http::Response::json(200, dump(out));
}

http::Response MockHelixApi::requests_response(const http::Request& request) const {
    const auto page = requests_.page(request);
    if (!page) return http::Response::json(400, R"({"error":"since and limit must be whole numbers, limit 1..1000"})");
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (std::size_t i = page->first; i < page->last; ++i) {
        const auto& r = requests_.entries()[i];
        nlohmann::ordered_json item;
        item["sequence"] = r.sequence;
        item["receivedAtUtc"] = sim::format_iso8601(r.received_at);
        item["status"] = r.status;
        item["outcome"] = r.outcome;
        item["authorizationHeader"] = r.authorization_header;
        item["clientIdHeader"] = r.client_id_header;
        item["body"] = r.body ? *r.body : nlohmann::ordered_json(nullptr);
        if (!r.body) {
            item["rawBody"] = r.raw_body;
            if (r.raw_body.size() < r.body_bytes) item["rawBodyTruncated"] = true;
        }
        list.push_back(std::move(item));
    }
    nlohmann::ordered_json out;
    out["count"] = requests_.total();
    out["retained"] = requests_.entries().size();
    out["dropped"] = requests_.dropped();
    out["nextSince"] = page->next_since;
    out["requests"] = std::move(list);
    nlohmann::ordered_json plan;
    plan["remaining"] = failure_.remaining;
    plan["status"] = failure_.status;
    plan["drop"] = failure_.drop;
    out["failNext"] = std::move(plan);
    return http::Response::json(200, dump(out));
}

http::Response MockHelixApi::fail_next_route(const http::Request& request) {
    const auto not_json = [] {
        return http::Response::json(
            400, R"({"error":"body must be JSON: {\"count\":N,\"status\":S} or {\"count\":N,\"drop\":true}"})");
    };
    if (!sim::json_nesting_within(request.body)) return not_json();
    nlohmann::json body;
    try {
        body = request.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(request.body);
    } catch (const nlohmann::json::exception&) { return not_json(); }
    if (!body.is_object()) return http::Response::json(400, R"({"error":"body must be a JSON object"})");
    int count = 1;
    int status = 500;
    bool drop = false;
    auto count_it = body.find("count");
    if (count_it != body.end()) {
        if (!count_it->is_number_integer() || count_it->get<int>() < 0)
            return http::Response::json(400, R"({"error":"count must be an integer >= 0"})");
        count = count_it->get<int>();
    }
    auto status_it = body.find("status");
    if (status_it != body.end()) {
        if (!status_it->is_number_integer() || status_it->get<int>() < 100 || status_it->get<int>() > 599)
            return http::Response::json(400, R"({"error":"status must be an integer in 100..599"})");
        status = status_it->get<int>();
    }
    auto drop_it = body.find("drop");
    if (drop_it != body.end()) {
        if (!drop_it->is_boolean()) return http::Response::json(400, R"({"error":"drop must be true or false"})");
        drop = drop_it->get<bool>();
    }
    fail_next(count, status, drop);
    nlohmann::ordered_json out;
    out["ok"] = true;
    out["remaining"] = failure_.remaining;
    out["status"] = failure_.status;
    out["drop"] = failure_.drop;
    return http::Response::json(200, out.dump());
}

void MockHelixApi::fail_next(int count, int status, bool drop) {
    failure_.remaining = count;
    failure_.status = status;
    failure_.drop = drop;
}

void MockHelixApi::reset() {
    requests_.clear();
    last_body_.reset();
    last_authorization_.clear();
    last_client_id_.clear();
    failure_ = HelixFailurePlan{};
}

}  // namespace mgm::fakes

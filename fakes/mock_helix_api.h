// MockHelixApi (CI port 9053): records Helix "Send Chat Message" calls. Reference surface: /health,
// POST /helix/chat/messages (204; StrictAuth 401), GET /last-request. Extensions (docs/REAL_SOCKET_MODE.md):
// every request kept with a count (GET /requests), POST /reset, and POST /fail-next to fail the next N calls
// with a status code or a dropped connection, so the EBS's Helix retries can be exercised.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/seams.h"
#include "fakes/bounded_log.h"
#include "sim/core/settings.h"
#include "sim/http/message.h"
#include "sim/http/router.h"

namespace mgm::fakes {

// A recorded request keeps at most this much of a body it could not parse (rawBody, marked truncated).
inline constexpr std::size_t kRecordedRawBodyBytes = 4 * 1024;

struct MockHelixApiConfig {
    bool strict_auth = false;  // MockHelix:StrictAuth ("true", case-insensitive)
    // MockHelix:MaxRecordedRequests: the newest N requests are kept (GET /requests), older ones are dropped
    // and counted, so memory stays bounded whatever the callers send.
    std::size_t max_recorded_requests = 1000;

    // Throws std::invalid_argument naming the variable for a bad MockHelix__MaxRecordedRequests.
    static MockHelixApiConfig from_settings(const sim::Settings& settings);
};

// One POST /helix/chat/messages as received, with what the mock answered.
struct HelixRecordedRequest {
    std::uint64_t sequence = 0;  // 1, 2, ... since start or the last reset
    sim::Instant received_at;
    std::string authorization_header;  // "" when absent (as the reference records it)
    std::string client_id_header;
    std::string raw_body;  // only when the body did not parse: its first kRecordedRawBodyBytes
    std::size_t body_bytes = 0;  // the body's full size
    std::optional<nlohmann::ordered_json> body;  // parsed JSON, when it parsed
    int status = 0;  // 204, 401, an injected status, 500 (invalid JSON), 0 = dropped
    std::string outcome;  // "recorded", "unauthorized", "injected_status", "injected_drop", "invalid_json"
};

// A planned failure for the next calls (extension).
struct HelixFailurePlan {
    int remaining = 0;  // calls still to fail
    int status = 500;  // answered status when !drop
    bool drop = false;  // close the connection without answering
    std::uint64_t injected = 0;  // calls failed so far by fail_next (sweeps report it as a fault that fired)
};

class MockHelixApi {
public:
    MockHelixApi(MockHelixApiConfig config, sim::Seams seams);

    void handle(const http::Request& request, std::function<void(http::Response)> respond);
    // For http::ServerOptions::route_body_limit: the control routes' small limit.
    static std::optional<std::size_t> route_body_limit(std::string_view method, std::string_view path);

    const MockHelixApiConfig& config() const { return config_; }
    void set_strict_auth(bool on) { config_.strict_auth = on; }

    // The newest POST /helix/chat/messages since start/reset (at most max_recorded_requests), oldest first
    // (rejected and failed ones included).
    const std::deque<HelixRecordedRequest>& requests() const { return requests_.entries(); }
    // Every POST since start/reset, including those no longer kept.
    std::uint64_t request_count() const { return requests_.total(); }
    std::uint64_t dropped_requests() const { return requests_.dropped(); }
    // The reference's /last-request state: the last accepted body (nullopt = captured:false) and headers.
    const std::optional<nlohmann::ordered_json>& last_body() const { return last_body_; }
    const std::string& last_authorization() const { return last_authorization_; }
    const std::string& last_client_id() const { return last_client_id_; }
    // Fail the next `count` calls with `status`, or drop their connections when drop is true.
    void fail_next(int count, int status, bool drop = false);
    std::uint64_t failures_injected() const { return failure_.injected; }
    void reset();
    // In-process hook for workloads (not a route): answer GET /helix/subscriptions/user from `source`
    // (broadcaster id, user id -> subscribed) with {"data":[...]} or {"data":[]}. Without it that path is
    // unknown (404), as in the reference's mock, so the EBS's gift subscriber check fails.
    using SubscriptionSource = std::function<bool(const std::string& broadcaster, const std::string& user)>;
    void set_subscription_source(SubscriptionSource source);

private:
    void post_message(const http::Request& request, const http::Respond& respond);
    http::Response last_request_response() const;
    http::Response requests_response(const http::Request& request) const;
    http::Response fail_next_route(const http::Request& request);

    MockHelixApiConfig config_;
    sim::Seams seams_;
    http::Router router_;
    BoundedLog<HelixRecordedRequest> requests_;
    // The reference's "last request" state, updated in its order: headers before the body is parsed, so a
    // call with invalid JSON (500) still replaces the headers but keeps the previous body.
    std::optional<nlohmann::ordered_json> last_body_;
    std::string last_authorization_;
    std::string last_client_id_;
    HelixFailurePlan failure_;
    SubscriptionSource subscriptions_;
};

}  // namespace mgm::fakes

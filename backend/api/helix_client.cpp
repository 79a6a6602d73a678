#include "backend/api/helix_client.h"

#include <nlohmann/json.hpp>

#include "sim/core/json_depth.h"

namespace mgm::backend::api {

namespace {

http::ClientOptions helix_options() {
    http::ClientOptions options;
    options.timeout = kHelixTimeout;
    options.max_attempts = 1;
    return options;
}

}  // namespace

std::string helix_base_url(std::string_view configured) {
    std::string_view base = http::trim_ascii_whitespace(configured);
    if (base.empty()) return "https://api.twitch.tv/";
    return std::string(http::without_trailing_slashes(base)) + "/";
}

HelixHttpClient::HelixHttpClient(const EbsConfig& config, sim::Network& network, sim::Scheduler& scheduler,
                                 sim::Trace* trace)
    : config_(config),
      base_url_(helix_base_url(config.helix_api_base_url)),
      client_(network, scheduler, config.self_address, trace, "ebs.helix") {}

http::Request HelixHttpClient::authorized_request(std::string method) const {
    http::Request request;
    request.method = std::move(method);
    request.headers.add("Accept", "application/json");
    request.headers.add("Authorization", "Bearer " + config_.broadcaster_access_token);
    request.headers.add("Client-Id", config_.helix_client_id);
    return request;
}

void HelixHttpClient::send_chat_message(const std::string& text, std::function<void(HelixAttemptResult)> done) {
    http::Request request = authorized_request("POST");
    request.headers.add("Content-Type", "application/json; charset=utf-8");
    nlohmann::ordered_json body;
    body["broadcaster_id"] = config_.broadcaster_user_id;
    body["sender_id"] = config_.broadcaster_user_id;
    body["message"] = text;
    request.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    client_.send_url(base_url_ + "helix/chat/messages", std::move(request), helix_options(),
                     [done = std::move(done)](http::ClientResult result) {
                         if (!result.ok()) {
                             done(HelixAttemptResult::transport_failure(result.describe()));
                             return;
                         }
                         const int status = result.response->status;
                         if (status >= 200 && status < 300) {
                             done(HelixAttemptResult::ok(status));
                         } else {
                             done(HelixAttemptResult::http_failure(status));
                         }
                     });
}

void HelixHttpClient::check_user_subscription(const std::string& streamer_id, const std::string& viewer_id,
                                              std::function<void(bool subscribed)> done) {
    const std::string url = base_url_ + "helix/subscriptions/user?broadcaster_id=" + http::percent_encode(streamer_id) +
                            "&user_id=" + http::percent_encode(viewer_id);
    client_.send_url(url, authorized_request("GET"), helix_options(),
                     [done = std::move(done)](http::ClientResult result) {
                         if (!result.ok()) {
                             done(false);
                             return;
                         }
                         const int status = result.response->status;
                         if (status < 200 || status >= 300) {
                             done(false);
                             return;
                         }
                         if (!sim::json_nesting_within(result.response->body)) {  // not a Helix answer
                             done(false);
                             return;
                         }
                         const auto body = nlohmann::json::parse(result.response->body, nullptr, false);
                         const bool subscribed = !body.is_discarded() && body.is_object() && body.contains("data") &&
                                                 body["data"].is_array() && !body["data"].empty();
                         done(subscribed);
                     });
}

}  // namespace mgm::backend::api

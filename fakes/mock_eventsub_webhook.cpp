#include "fakes/mock_eventsub_webhook.h"

#include <nlohmann/json.hpp>

#include "fakes/eventsub_delivery.h"
#include "sim/core/crypto.h"
#include "sim/http/client.h"

namespace mgm::fakes {

namespace {

constexpr const char* kActor = "eventsub";

}  // namespace

MockEventSubWebhookConfig MockEventSubWebhookConfig::from_settings(const sim::Settings& settings) {
    MockEventSubWebhookConfig c;
    c.backend_base_url = settings.get_or("Backend:BaseUrl", c.backend_base_url);
    c.eventsub_secret = settings.get_or("Twitch:EventSubSecret", c.eventsub_secret);
    return c;
}

MockEventSubWebhook::MockEventSubWebhook(MockEventSubWebhookConfig config, sim::Seams seams)
    : config_(std::move(config)),
      seams_(seams),
      client_(
          std::make_unique<http::Client>(seams.network, seams.scheduler, config_.self_address, &seams.trace, kActor)) {
    router_.add_sync("GET", "/health", [](const http::Request&, const http::Params&) {
        return http::Response::json(200, R"({"status":"ok","service":"MockEventSubWebhook"})");
    });
    router_.add("POST", "/api/twitch/eventsub",
                [this](const http::Request& request, const http::Params&, http::Respond respond) {
                    if (!signature_ok(request)) {
                        ++rejected_;
                        seams_.log.warn(kActor, "EventSub HMAC verification failed");
                        respond(http::Response::empty(401));
                        return;
                    }
                    forward(request, std::move(respond));
                });
}

MockEventSubWebhook::~MockEventSubWebhook() = default;

void MockEventSubWebhook::handle(const http::Request& request, std::function<void(http::Response)> respond) {
    router_.dispatch(request, respond);
}

bool MockEventSubWebhook::signature_ok(const http::Request& request) const {
    if (config_.eventsub_secret.empty()) return true;
    for (const char* name : eventsub::kHeaders)
        if (request.headers.count(name) == 0) return false;
    // What Twitch would have sent for these bytes, by the same code the harness signs with.
    std::string expected =
        eventsub::signature(config_.eventsub_secret, request.headers.joined(eventsub::kMessageIdHeader).value_or(""),
                            request.headers.joined(eventsub::kTimestampHeader).value_or(""), request.body);
    // Ordinal, case-sensitive comparison, as the reference (constant time: not observable, but cheap).
    return sim::crypto::constant_time_equals(expected, request.headers.joined(eventsub::kSignatureHeader).value_or(""));
}

void MockEventSubWebhook::forward(const http::Request& request, http::Respond respond) {
    seams_.log.info(kActor,
                    "EventSub payload accepted (" + std::to_string(request.body.size()) + " bytes), forwarding to EBS");
    ++forwarded_;
    std::string url = http::join_url(config_.backend_base_url, "/api/twitch/eventsub");
    http::Request out;
    out.method = "POST";
    out.body = request.body;
    out.headers.set("Content-Type", "application/json; charset=utf-8");
    for (const char* name : eventsub::kHeaders) {
        for (const auto& h : request.headers.all())
            if (http::iequals(h.name, name)) out.headers.add(name, h.value);
    }
    http::ClientOptions options;
    options.timeout = config_.forward_timeout;
    client_->send_url(url, std::move(out), options, [this, respond](http::ClientResult result) {
        if (!result.ok()) {
            // The reference lets the HttpClient exception escape: 500 with an empty body (Production host).
            last_backend_status_ = 0;
            seams_.log.error(kActor, "forward to EBS failed: " + result.describe());
            respond(http::Response::empty(500));
            return;
        }
        const http::Response& backend = *result.response;
        last_backend_status_ = backend.status;
        seams_.log.info(kActor, "EBS responded " + std::to_string(backend.status));
        std::string media(http::media_type(backend.headers.get("Content-Type").value_or("")));
        if (media.empty()) media = "application/json";
        // Results.Text(body, mediaType, UTF8, status): the media type with charset=utf-8, the body as is.
        respond(http::Response::text(backend.status, backend.body, media + "; charset=utf-8"));
    });
}

}  // namespace mgm::fakes

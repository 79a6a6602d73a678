#include "fakes/synthetic_desktop.h"

#include <cctype>
#include <chrono>

#include <nlohmann/json.hpp>

#include "sim/core/time.h"
#include "sim/core/json_depth.h"
#include "sim/core/uuid.h"
#include "sim/http/client.h"

namespace mgm::fakes {

namespace {

constexpr const char* kActor = "desktop";

struct StepSpec {
    const char* name;
    const char* method;
    const char* path_suffix;  // after "api/payouts/{id}"
    bool body_has_name;  // {"characterName":...} vs a status body
    const char* status_value;  // camelCase enum, as the Desktop sends it
};

constexpr StepSpec kSteps[] = {
    {"POST confirm-acceptance", "POST", "/confirm-acceptance", true, nullptr},
    {"PATCH status InProgress", "PATCH", "/status", false, "inProgress"},
    {"PATCH status Sent", "PATCH", "/status", false, "sent"},
};

// System.Text.Json's default encoder escapes non-ASCII; clients parse JSON, so only the spelling differs.
std::string dump(const nlohmann::ordered_json& value) {
    return value.dump(-1, ' ', true, nlohmann::ordered_json::error_handler_t::replace);
}

bool is_blank(const std::string& s) {
    for (unsigned char c : s)
        if (!std::isspace(c)) return false;
    return true;
}

// .NET's reason phrases for the statuses an EBS can answer (EnsureSuccessStatusCode's message uses them).
std::string reason_phrase(int status) {
    switch (status) {
    case 300: return "Ambiguous";
    case 301: return "Moved";
    case 302: return "Redirect";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return std::to_string(status);
    }
}

// The message of the exception that ends a run when a call fails without a response.
std::string transport_error_message(const http::ClientResult& result, const std::string& address,
                                    sim::Duration timeout) {
    if (result.timed_out) {
        auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
        return "The request was canceled due to the configured HttpClient.Timeout of " + std::to_string(seconds) +
               " seconds elapsing.";
    }
    if (result.error == boost::system::errc::connection_refused) return "Connection refused (" + address + ")";
    return "An error occurred while sending the request. (" + result.describe() + ")";
}

double milliseconds(sim::Duration d) { return static_cast<double>(d.count()) / 10'000.0; }

nlohmann::ordered_json step_json(const DesktopStep& step, bool with_timing) {
    nlohmann::ordered_json s;
    s["name"] = step.name;
    s["statusCode"] = step.status_code;
    s["bodySnippet"] = step.body_snippet;
    if (with_timing) {
        s["startedAtUtc"] = sim::format_iso8601(step.started_at);
        s["elapsedMs"] = milliseconds(step.elapsed);
    }
    return s;
}

nlohmann::ordered_json run_json(const DesktopRun& run, bool extension_fields) {
    nlohmann::ordered_json out;
    if (extension_fields) {
        out["sequence"] = run.sequence;
        out["payoutId"] = run.payout_id;
        out["characterName"] = run.character_name;
        out["startedAtUtc"] = sim::format_iso8601(run.started_at);
    }
    out["ok"] = run.ok;
    nlohmann::ordered_json steps = nlohmann::ordered_json::array();
    for (const auto& step : run.steps) steps.push_back(step_json(step, extension_fields));
    out["steps"] = std::move(steps);
    out["error"] = run.error ? nlohmann::ordered_json(*run.error) : nlohmann::ordered_json(nullptr);
    out["completedAtUtc"] = run.completed_at ? nlohmann::ordered_json(sim::format_iso8601(*run.completed_at))
                                             : nlohmann::ordered_json(nullptr);
    if (extension_fields && run.completed_at) out["elapsedMs"] = milliseconds(*run.completed_at - run.started_at);
    return out;
}

}  // namespace

std::string last_run_json(const DesktopRun& run) { return dump(run_json(run, false)); }

SyntheticDesktopConfig SyntheticDesktopConfig::from_settings(const sim::Settings& settings) {
    SyntheticDesktopConfig c;
    c.backend_base_url = settings.get_or("SyntheticDesktop:BackendBaseUrl", c.backend_base_url);
    c.api_key = settings.get_or("Mgm:ApiKey", "");
    if (auto cap = settings.get("SyntheticDesktop:MaxRecordedRuns"); cap && !cap->empty())
        c.max_recorded_runs = parse_count_setting(*cap, "SyntheticDesktop__MaxRecordedRuns");
    return c;
}

std::optional<std::size_t> SyntheticDesktop::route_body_limit(std::string_view method, std::string_view path) {
    if (method == "POST" && (path == "/run-sequence" || path == "/run-pending")) return kControlBodyLimitBytes;
    return std::nullopt;
}

struct SyntheticDesktop::RunContext {
    DesktopRun run;
    std::size_t next = 0;
    std::function<void(const DesktopRun&)> done;
};

SyntheticDesktop::SyntheticDesktop(SyntheticDesktopConfig config, sim::Seams seams)
    : config_(std::move(config)),
      seams_(seams),
      client_(
          std::make_unique<http::Client>(seams.network, seams.scheduler, config_.self_address, &seams.trace, kActor)),
      runs_(config_.max_recorded_runs) {
    router_.add_sync("GET", "/health", [](const http::Request&, const http::Params&) {
        return http::Response::json(200, R"({"status":"healthy","component":"SyntheticDesktop"})");
    });
    router_.add_sync("GET", "/last-run", [this](const http::Request&, const http::Params&) {
        return http::Response::json(200, last_run_json(last_run_));
    });
    router_.add("POST", "/run-sequence", [this](const http::Request& r, const http::Params&, http::Respond respond) {
        run_sequence_route(r, std::move(respond));
    });
    // Extensions.
    router_.add("POST", "/run-pending", [this](const http::Request& r, const http::Params&, http::Respond respond) {
        run_pending_route(r, std::move(respond));
    });
    router_.add_sync("GET", "/runs", [this](const http::Request& request, const http::Params&) {
        const auto page = runs_.page(request);
        if (!page)
            return http::Response::json(400, R"({"error":"since and limit must be whole numbers, limit 1..1000"})");
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (std::size_t i = page->first; i < page->last; ++i) list.push_back(run_json(runs_.entries()[i], true));
        nlohmann::ordered_json out;
        out["count"] = runs_.total();
        out["retained"] = runs_.entries().size();
        out["dropped"] = runs_.dropped();
        out["nextSince"] = page->next_since;
        out["runs"] = std::move(list);
        return http::Response::json(200, dump(out));
    });
}

SyntheticDesktop::~SyntheticDesktop() = default;

void SyntheticDesktop::handle(const http::Request& request, std::function<void(http::Response)> respond) {
    router_.dispatch(request, respond);
}

void SyntheticDesktop::record_failed_validation(std::string error) {
    DesktopRun failed;
    failed.ok = false;
    failed.error = std::move(error);
    failed.completed_at = seams_.clock.now();
    failed.started_at = seams_.clock.now();
    failed.sequence = next_sequence_++;
    last_run_ = failed;
    runs_.push(failed);
}

void SyntheticDesktop::run_sequence_route(const http::Request& request, http::Respond respond) {
    // Minimal-API body binding of RunSequenceRequest(Guid PayoutId, string CharacterName) happens before the
    // handler: a non-JSON content type is 415, an unreadable body 400 (both empty, state untouched).
    if (!http::is_json_media_type(request.headers.get("Content-Type").value_or(""))) {
        respond(http::Response::empty(415));
        return;
    }
    nlohmann::json body;
    try {
        if (!sim::json_nesting_within(request.body)) throw std::invalid_argument("nested deeper than 64");
        body = nlohmann::json::parse(request.body);
    } catch (const std::exception&) {  // malformed or too deep: unreadable to System.Text.Json too
        respond(http::Response::empty(400));
        return;
    }
    if (!body.is_object()) {
        respond(http::Response::empty(400));
        return;
    }
    sim::Uuid payout_id;
    std::string character_name;
    bool has_name = false;
    for (const auto& [key, value] : body.items()) {  // property names are matched case-insensitively
        if (http::iequals(key, "payoutId")) {
            if (!value.is_string()) {
                respond(http::Response::empty(400));
                return;
            }
            auto parsed = sim::Uuid::parse_hyphenated(value.get<std::string>());
            if (!parsed) {
                respond(http::Response::empty(400));
                return;
            }
            payout_id = *parsed;
        } else if (http::iequals(key, "characterName")) {
            if (value.is_null()) continue;
            if (!value.is_string()) {
                respond(http::Response::empty(400));
                return;
            }
            character_name = value.get<std::string>();
            has_name = true;
        }
    }

    if (is_blank(config_.api_key)) {
        record_failed_validation("Mgm:ApiKey is not configured.");
        respond(http::Response::json(500, last_run_json(last_run_)));
        return;
    }
    if (payout_id.is_nil() || !has_name || is_blank(character_name)) {
        record_failed_validation("payoutId and characterName are required.");
        respond(http::Response::empty(400));
        return;
    }
    run_sequence(payout_id.str(), character_name, [respond](const DesktopRun& run) {
        respond(http::Response::json(run.ok ? 200 : 502, last_run_json(run)));
    });
}

void SyntheticDesktop::run_pending_route(const http::Request& request, http::Respond respond) {
    std::optional<std::string> wanted;
    if (!request.body.empty()) {
        try {
            if (!sim::json_nesting_within(request.body)) throw std::invalid_argument("nested deeper than 64");
            auto body = nlohmann::json::parse(request.body);
            if (body.is_object() && body.contains("payoutId") && body["payoutId"].is_string())
                wanted = body["payoutId"].get<std::string>();
        } catch (const std::exception&) {
            respond(http::Response::json(400, R"({"error":"body must be JSON: {} or {\"payoutId\":\"<guid>\"}"})"));
            return;
        }
    }
    if (is_blank(config_.api_key)) {
        record_failed_validation("Mgm:ApiKey is not configured.");
        respond(http::Response::json(500, last_run_json(last_run_)));
        return;
    }
    http::Request list;
    list.method = "GET";
    list.headers.set("X-MGM-ApiKey", config_.api_key);
    list.headers.set("Accept", "application/json");
    http::ClientOptions options;
    options.timeout = config_.request_timeout;
    std::string url = http::join_url(config_.backend_base_url, "/api/payouts/pending");
    client_->send_url(url, std::move(list), options, [this, respond, wanted](http::ClientResult result) {
        if (!result.ok() || result.response->status != 200) {
            nlohmann::ordered_json err;
            err["error"] = "GET api/payouts/pending failed";
            err["statusCode"] = result.ok() ? result.response->status : 0;
            err["detail"] = result.ok() ? result.response->body : result.describe();
            respond(http::Response::json(502, dump(err)));
            return;
        }
        nlohmann::json pending;
        try {
            if (!sim::json_nesting_within(result.response->body)) throw std::invalid_argument("nested deeper than 64");
            pending = nlohmann::json::parse(result.response->body);
        } catch (const std::exception&) {
            respond(http::Response::json(502, R"({"error":"GET api/payouts/pending returned invalid JSON"})"));
            return;
        }
        if (pending.is_array()) {
            for (const auto& payout : pending) {
                if (!payout.is_object() || !payout.contains("id") || !payout["id"].is_string()) continue;
                std::string id = payout["id"].get<std::string>();
                if (wanted && !http::iequals(id, *wanted)) continue;
                std::string name = payout.value("characterName", std::string());
                run_sequence(id, name, [respond](const DesktopRun& run) {
                    respond(http::Response::json(run.ok ? 200 : 502, last_run_json(run)));
                });
                return;
            }
        }
        respond(http::Response::json(404, R"({"error":"No Pending payout to run."})"));
    });
}

void SyntheticDesktop::run_sequence(std::string payout_id, std::string character_name,
                                    std::function<void(const DesktopRun&)> done) {
    auto run = std::make_shared<RunContext>();
    run->run.sequence = next_sequence_++;
    run->run.payout_id = std::move(payout_id);
    run->run.character_name = std::move(character_name);
    run->run.started_at = seams_.clock.now();
    run->done = std::move(done);
    seams_.log.info(kActor, "run-sequence " + run->run.payout_id + " " + run->run.character_name);
    next_step(run);
}

void SyntheticDesktop::next_step(std::shared_ptr<RunContext> run) {
    if (run->next >= std::size(kSteps)) {
        finish(run, std::nullopt);
        return;
    }
    const StepSpec& spec = kSteps[run->next];
    nlohmann::ordered_json payload;
    if (spec.body_has_name) payload["characterName"] = run->run.character_name;
    else payload["status"] = spec.status_value;

    http::Request request;
    request.method = spec.method;
    request.body = dump(payload);
    request.headers.set("X-MGM-ApiKey", config_.api_key);
    request.headers.set("Content-Type", "application/json; charset=utf-8");
    std::string url = http::join_url(config_.backend_base_url, "/api/payouts/" + run->run.payout_id + spec.path_suffix);
    auto target = http::parse_http_url(url);
    std::string address = target ? target->address : url;
    sim::Instant started = seams_.clock.now();
    http::ClientOptions options;
    options.timeout = config_.request_timeout;
    client_->send_url(url, std::move(request), options,
                      [this, run, started, address, name = std::string(spec.name)](http::ClientResult result) {
                          if (!result.ok()) {
                              // HttpClient threw before a StepResult existed: the failing call is not listed.
                              finish(run, transport_error_message(result, address, config_.request_timeout));
                              return;
                          }
                          DesktopStep step;
                          step.name = name;
                          step.status_code = result.response->status;
                          step.body_snippet = result.response->body;
                          step.started_at = started;
                          step.elapsed = seams_.clock.now() - started;
                          run->run.steps.push_back(step);
                          int status = step.status_code;
                          if (status < 200 || status > 299) {
                              finish(run, "Response status code does not indicate success: " + std::to_string(status) +
                                              " (" + reason_phrase(status) + ").");
                              return;
                          }
                          ++run->next;
                          next_step(run);
                      });
}

void SyntheticDesktop::finish(std::shared_ptr<RunContext> run, std::optional<std::string> error) {
    run->run.ok = !error.has_value();
    run->run.error = std::move(error);
    run->run.completed_at = seams_.clock.now();
    seams_.log.info(kActor, std::string("run-sequence ") + (run->run.ok ? "ok" : "failed: " + *run->run.error));
    last_run_ = run->run;
    runs_.push(run->run);
    if (run->done) run->done(run->run);
}

}  // namespace mgm::fakes

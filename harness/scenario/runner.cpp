// The scenario runner: one executor per step kind, variables, expectations, and the failure report.
#include "harness/scenario/runner.h"

#include <cctype>
#include <csignal>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "backend/domain/roulette.h"
#include "backend/ebs.h"
#include "backend/store/sqlite_store.h"
#include "fakes/mock_extension_jwt.h"
#include "fakes/mock_helix_api.h"
#include "sim/clock/sim_loop.h"
#include "sim/core/crypto.h"
#include "sim/core/jwt.h"
#include "sim/core/rng.h"
#include "sim/http/server.h"
#include "sim/network/loopback_network.h"
#include "harness/scenario/invariants.h"
#include "harness/scenario/json_match.h"
#include "harness/scenario/time_expr.h"
#include "sim/trace/trace.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"

extern char** environ;

namespace mgm::harness::scenario {

using nlohmann::json;

namespace {

// A step did not hold. The message is the "expected vs actual" part of the report.
class StepFailure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::string truncate(std::string text, std::size_t limit = 600) {
    if (text.size() > limit) text = text.substr(0, limit) + "... (" + std::to_string(text.size()) + " bytes)";
    return text;
}

std::string describe(const http::ClientResult& result) {
    if (!result.ok()) return "no response: " + result.describe();
    const auto& r = *result.response;
    std::string out = "HTTP " + std::to_string(r.status);
    if (auto type = r.headers.get("Content-Type")) out += " (" + *type + ")";
    out += r.body.empty() ? ", empty body" : ", body: " + truncate(r.body);
    return out;
}

std::optional<json> parse_json(const std::string& text) {
    try {
        return json::parse(text);
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

json load_body_json(const http::ClientResult& result) {
    if (!result.ok()) throw StepFailure("expected a response, got " + describe(result));
    auto parsed = parse_json(result.response->body);
    if (!parsed) throw StepFailure("expected a JSON body, got " + describe(result));
    return *parsed;
}

class ScenarioRun {
public:
    ScenarioRun(const Scenario& scenario, const RunOptions& options) : scenario_(scenario), options_(options) {
        seed_ = options.seed.value_or(scenario.seed);
        settings_ = harness::reference_ci_settings();
        for (const auto& [key, value] : scenario.config) settings_.set(key, value);
        rng_ = std::make_unique<sim::Rng>(sim::Rng(seed_).derive("scenario"));
        vars_ = scenario.vars;
        vars_["seed"] = std::to_string(seed_);

        if (options.target == Target::simulation) {
            harness::WorldConfig config;
            config.seed = seed_;
            config.start = scenario.start;
            config.settings = settings_;
            config.keep_trace_lines = options.keep_trace;
            config.log_level = options.log_level;
            // A scenario that points a service URL somewhere else (a stub) keeps its settings verbatim.
            for (const auto& [key, value] : scenario.config) {
                std::string lower = key;
                for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                if (lower == "twitch:helixapibaseurl" || lower == "backend:baseurl" ||
                    lower == "syntheticdesktop:backendbaseurl")
                    config.wire_urls = false;
            }
            if (options.configure_world) options.configure_world(config);
            world_ = std::make_unique<harness::World>(config);
            if (options.check_invariants && world_->runs(harness::Service::ebs))
                invariants_ = InvariantChecker::attach(*world_);
            world_->trace().add_listener([this](const json& record) {
                if (record.value("kind", "") == "event") events_.push_back(record);
            });
            if (options.break_at) {
                sim::Instant when = *options.break_at;
                world_->loop().set_before_fire([this, when](sim::Instant deadline) {
                    if (break_raised_ || deadline < when) return;
                    break_raised_ = true;
                    std::cerr << "mgm-sim: --break-at " << sim::format_iso8601(when)
                              << ": raising SIGTRAP before the event due at " << sim::format_iso8601(deadline)
                              << " (now " << sim::format_iso8601(world_->clock().now()) << ")\n";
                    std::raise(SIGTRAP);
                });
            }
            driver_ = &world_->driver();
            if (options.on_world) options.on_world(*world_);
        } else {
            // The running services were configured from the environment (mgm-sim serve); read the same
            // keys so signatures, JWTs and API keys match.
            settings_.overlay(sim::Settings::from_environment(environ));
            owned_driver_ = harness::RealDriver::standalone();
            driver_ = owned_driver_.get();
        }
    }

    RunResult run() {
        RunResult result;
        result.scenario_name = scenario_.name;
        result.file = scenario_.file;
        result.seed = seed_;
        result.started_at = driver_->now();
        if (options_.target == Target::real && !scenario_.portable) {
            result.failure = "  this scenario controls the simulated clock or reads simulation-only state; only files "
                             "marked \"portable\": true run with --target real";
            result.ended_at = driver_->now();
            return finish(result);
        }
        if (options_.target == Target::real && !scenario_.config.empty()) {
            result.failure = "  \"config\" overrides cannot be applied to services that are already running; "
                             "portable scenarios must not set config";
            result.ended_at = driver_->now();
            return finish(result);
        }
        try {
            run_steps(scenario_.steps);
            if (invariants_) invariants_->check_now();
            result.passed = true;
        } catch (const InvariantViolation& violation) {
            std::ostringstream out;
            if (current_)
                out << "  at " << scenario_.file << ":" << current_->line << ", step " << current_->path << ": "
                    << current_->summary() << "\n";
            std::istringstream lines(violation.what());
            for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
            result.failure = out.str();
            result.failure_kind = FailureKind::invariant;
        } catch (const StepFailure& failure) {
            const Step& step = *current_;
            std::ostringstream out;
            out << "  at " << scenario_.file << ":" << step.line << ", step " << step.path << ": " << step.summary()
                << "\n";
            if (step.spec.contains("note") && step.spec["note"].is_string())
                out << "  note: " << step.spec["note"].get<std::string>() << "\n";
            out << "  simulated time: " << sim::format_iso8601(driver_->now());
            if (options_.target == Target::real) out << " (wall clock, real target)";
            out << "\n";
            std::istringstream lines(failure.what());
            for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
            result.failure = out.str();
            result.failure_kind = FailureKind::step;
        } catch (const std::exception& e) {
            std::ostringstream out;
            if (current_)
                out << "  at " << scenario_.file << ":" << current_->line << ", step " << current_->path << ": "
                    << current_->summary() << "\n";
            out << "  simulated time: " << sim::format_iso8601(driver_->now()) << "\n";
            out << "  internal error: " << e.what() << "\n";
            result.failure = out.str();
            result.failure_kind = FailureKind::internal;
        }
        result.ended_at = driver_->now();
        return finish(result);
    }

private:
    RunResult& finish(RunResult& result) {
        result.steps_run = steps_run_;
        if (invariants_) {
            result.invariant_checks = invariants_->checks_run();
            result.known_deviations = invariants_->known_deviations();
            world_->loop().set_after_event(nullptr);   // teardown events are not checked
        }
        if (world_) {
            result.digest = world_->trace().digest_hex();
            result.trace_records = world_->trace().size();
            if (options_.keep_trace) {
                std::ostringstream out;
                world_->trace().write_jsonl(out);
                result.trace_jsonl = out.str();
            }
        }
        return result;
    }

    bool simulation() const { return world_ != nullptr; }
    sim::Instant now() const { return driver_->now(); }

    void require_simulation(const char* what) const {
        if (!simulation()) throw StepFailure(std::string(what) + " needs the simulation target");
    }

    // ----- variables -------------------------------------------------------------------------------------

    std::optional<std::string> variable(const std::string& name) const {
        if (name == "now") return sim::format_iso8601(now());
        if (name == "cycle") return sim::format_iso8601(sim::floor_to_5_minutes(now()));
        if (name == "boundary") return sim::format_iso8601(sim::next_5_minute_boundary(now()));
        if (name == "start") return sim::format_iso8601(scenario_.start);
        auto it = vars_.find(name);
        if (it != vars_.end()) return it->second;
        return std::nullopt;
    }

    std::string substitute(const std::string& text) const {
        std::string out;
        std::size_t pos = 0;
        while (true) {
            auto open = text.find("${", pos);
            if (open == std::string::npos) {
                out += text.substr(pos);
                return out;
            }
            auto close = text.find('}', open);
            if (close == std::string::npos) throw StepFailure("unterminated ${ in \"" + text + "\"");
            out += text.substr(pos, open - pos);
            std::string name = text.substr(open + 2, close - open - 2);
            auto value = variable(name);
            if (!value) {
                std::string known;
                for (const auto& [k, v] : vars_) known += (known.empty() ? "" : ", ") + k;
                throw StepFailure("unknown variable ${" + name + "} (defined: " + (known.empty() ? "none" : known) +
                                  "; built-in: now, cycle, boundary, start, seed)");
            }
            out += *value;
            pos = close + 1;
        }
    }

    json substitute(const json& value) const {
        if (value.is_string()) return substitute(value.get<std::string>());
        if (value.is_object()) {
            json out = json::object();
            for (auto it = value.begin(); it != value.end(); ++it) {
                // Nested steps of a repeat are substituted when they run (their counter changes).
                if (it.key() == "steps") out[it.key()] = it.value();
                else out[it.key()] = substitute(it.value());
            }
            return out;
        }
        if (value.is_array()) {
            json out = json::array();
            for (const auto& element : value) out.push_back(substitute(element));
            return out;
        }
        return value;
    }


    // ----- time ------------------------------------------------------------------------------------------

    sim::Instant instant(const json& value, const char* what) const {
        std::string text = substitute(value.get<std::string>());
        AnchorLookup lookup = [this](std::string_view name) -> std::optional<sim::Instant> {
            auto text = variable(std::string(name));
            if (!text) return std::nullopt;
            return sim::parse_iso8601(*text);
        };
        auto parsed = parse_instant(text, lookup);
        if (!parsed) throw StepFailure(std::string(what) + ": cannot resolve instant \"" + text + "\"");
        return *parsed;
    }

    sim::Duration duration(const json& value, const char* what) const {
        if (value.is_number()) return sim::Duration{static_cast<std::int64_t>(value.get<double>() * 10'000'000)};
        std::string text = substitute(value.get<std::string>());
        auto parsed = parse_duration(text);
        if (!parsed) throw StepFailure(std::string(what) + ": cannot read duration \"" + text + "\"");
        return *parsed;
    }

    // Runs the simulation up to `target` (every event due at or before it fires).
    void advance_to(sim::Instant target) {
        require_simulation("advance");
        if (target < now())
            throw StepFailure("cannot move the clock backwards: target " + sim::format_iso8601(target) + " is " +
                              format_duration(now() - target) + " before now");
        world_->loop().run_until(target);
    }

    // Next start of a roulette phase strictly after now (collecting = the boundary, spinning = cycle+240 s,
    // verification = cycle+270 s).
    sim::Instant next_phase_instant(const std::string& phase) const {
        const sim::Instant t = now();
        const sim::Instant cycle = sim::floor_to_5_minutes(t);
        auto next_at = [&](sim::Duration offset) {
            sim::Instant candidate = cycle + offset;
            return candidate > t ? candidate : candidate + sim::kRouletteInterval;
        };
        if (phase == "spinning") return next_at(backend::kCollectingWindow);
        if (phase == "verification") return next_at(backend::kCollectingWindow + backend::kSpinningWindow);
        if (phase == "collecting" || phase == "boundary") return sim::next_5_minute_boundary(t);
        // "next": the earliest of the three.
        sim::Instant best = sim::next_5_minute_boundary(t);
        for (sim::Duration offset : {backend::kCollectingWindow, backend::kCollectingWindow + backend::kSpinningWindow}) {
            sim::Instant candidate = cycle + offset;
            if (candidate > t && candidate < best) best = candidate;
        }
        return best;
    }

    // ----- HTTP ------------------------------------------------------------------------------------------

    std::string address_of(const std::string& service) const {
        if (service.find(':') != std::string::npos) return service;  // "127.0.0.1:9999"
        auto parsed = harness::parse_service(service);
        if (!parsed) throw StepFailure("unknown service \"" + service + "\" (ebs, eventsub, jwt, helix, desktop)");
        return simulation() ? world_->address(*parsed) : harness::default_address(*parsed);
    }

    http::ClientResult send(const std::string& service, const std::string& method, const std::string& target,
                            http::Headers headers, std::string body,
                            sim::Duration timeout = harness::kDriverDefaultTimeout) {
        http::Request request;
        request.method = method;
        request.target = target;
        auto question = target.find('?');
        request.path = target.substr(0, question);
        if (question != std::string::npos) request.query = target.substr(question + 1);
        request.headers = std::move(headers);
        request.body = std::move(body);
        return driver_->send(address_of(service), std::move(request), timeout);
    }

    // A viewer token from MockExtensionJwt's /token, as the CI's Tier A gate gets one.
    std::string viewer_token(const std::string& user, const std::string& name) {
        auto result = send("jwt", "GET",
                           "/token?userId=" + http::percent_encode(user) + "&displayName=" + http::percent_encode(name),
                           {}, {});
        if (!result.ok() || result.response->status != 200)
            throw StepFailure("could not get a viewer JWT from MockExtensionJwt: " + describe(result));
        auto body = parse_json(result.response->body);
        if (!body || !body->contains("access_token"))
            throw StepFailure("MockExtensionJwt answered without access_token: " + describe(result));
        return (*body)["access_token"].get<std::string>();
    }

    // A token minted here with chosen claims (expired, wrong key, no user_id, ...).
    std::string minted_token(const json& spec) {
        fakes::MockExtensionJwtConfig config = fakes::MockExtensionJwtConfig::from_settings(settings_);
        std::string key;
        if (spec.contains("key")) key = spec["key"].get<std::string>();
        else if (spec.contains("key_base64")) {
            auto decoded = sim::crypto::base64_decode(spec["key_base64"].get<std::string>());
            if (!decoded) throw StepFailure("jwt.key_base64 is not valid base64");
            key = *decoded;
        } else {
            auto configured = config.signing_key();
            if (!configured) throw StepFailure("Twitch:ExtensionSecret is not valid base64; cannot mint a JWT");
            key = *configured;
        }
        nlohmann::ordered_json payload = nlohmann::ordered_json::object();
        if (spec.contains("claims")) {
            for (auto it = spec["claims"].begin(); it != spec["claims"].end(); ++it) payload[it.key()] = it.value();
        }
        if (!config.extension_client_id.empty() && !payload.contains("aud")) payload["aud"] = config.extension_client_id;
        if (!spec.value("omit_exp", false)) {
            sim::Duration lifetime = spec.contains("expires_in") ? duration(spec["expires_in"], "jwt.expires_in")
                                                                 : sim::Duration(std::chrono::hours(2));
            payload["exp"] = (now() + lifetime).unix_seconds_floor();
        }
        if (spec.contains("not_before_in"))
            payload["nbf"] = (now() + duration(spec["not_before_in"], "jwt.not_before_in")).unix_seconds_floor();
        sim::jwt::Algorithm alg = sim::jwt::Algorithm::hs256;
        std::string alg_name = spec.value("alg", "HS256");
        if (alg_name == "HS384") alg = sim::jwt::Algorithm::hs384;
        else if (alg_name == "HS512") alg = sim::jwt::Algorithm::hs512;
        return sim::jwt::encode(payload, key, alg);
    }

    // Checks `expect` against a result; `defaults` applies when the step has no expect of its own.
    void check_expect(const json& expect, const http::ClientResult& result) {
        if (expect.contains("error")) {
            const std::string wanted = expect["error"].get<std::string>();
            if (result.ok()) throw StepFailure("expected a transport failure (" + wanted + "), got " + describe(result));
            if (wanted != "any" && result.describe().find(wanted) == std::string::npos)
                throw StepFailure("expected transport failure \"" + wanted + "\", got \"" + result.describe() + "\"");
            return;
        }
        if (!result.ok()) throw StepFailure("expected a response, got " + describe(result));
        const http::Response& response = *result.response;
        if (expect.contains("status")) {
            const json& s = expect["status"];
            bool ok = s.is_array() ? std::any_of(s.begin(), s.end(), [&](const json& v) { return v.get<int>() == response.status; })
                                   : s.get<int>() == response.status;
            if (!ok) throw StepFailure("expected status " + s.dump() + ", got " + describe(result));
        }
        if (expect.contains("body") && response.body != expect["body"].get<std::string>())
            throw StepFailure("expected body " + json(expect["body"]).dump() + "\n  actual   " + describe(result));
        if (expect.value("empty", false) && !response.body.empty())
            throw StepFailure("expected an empty body, got " + describe(result));
        if (expect.contains("headers")) {
            for (auto it = expect["headers"].begin(); it != expect["headers"].end(); ++it) {
                auto actual = response.headers.get(it.key());
                const std::string wanted = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
                if (wanted == "$absent") {
                    if (actual) throw StepFailure("expected no " + it.key() + " header, got \"" + *actual + "\"");
                    continue;
                }
                if (!actual) throw StepFailure("expected header " + it.key() + ": " + wanted + ", header missing; " + describe(result));
                if (wanted != "$any" && *actual != wanted)
                    throw StepFailure("expected header " + it.key() + ": " + wanted + ", got \"" + *actual + "\"");
            }
        }
        if (expect.contains("json")) {
            auto actual = parse_json(response.body);
            if (!actual) throw StepFailure("expected a JSON body matching " + expect["json"].dump() + ", got " + describe(result));
            std::string where, why;
            if (!json_subset_match(expect["json"], *actual, &where, &why))
                throw StepFailure("body mismatch at " + where + ": " + why + "\n  expected (subset) " +
                                  truncate(expect["json"].dump()) + "\n  actual   " + describe(result));
        }
    }

    void capture_from(const json& capture, const json& source, const std::string& what) {
        for (auto it = capture.begin(); it != capture.end(); ++it) {
            const std::string path = it.value().get<std::string>();
            auto value = json_path_get(source, path);
            if (!value) throw StepFailure("capture " + it.key() + ": no \"" + path + "\" in " + what + ": " + truncate(source.dump()));
            vars_[it.key()] = json_to_variable_text(*value);
        }
    }

    void capture_response(const json& capture, const http::ClientResult& result) {
        if (!result.ok()) throw StepFailure("capture needs a response, got " + describe(result));
        for (auto it = capture.begin(); it != capture.end(); ++it) {
            const std::string path = it.value().get<std::string>();
            if (path == "$status") vars_[it.key()] = std::to_string(result.response->status);
            else if (path == "$body") vars_[it.key()] = result.response->body;
            else capture_from(json{{it.key(), path}}, load_body_json(result), "the response body");
        }
    }

    // ----- EventSub --------------------------------------------------------------------------------------

    http::ClientResult deliver_eventsub(const json& spec, const std::string& body) {
        http::Headers headers;
        headers.set("Content-Type", "application/json");
        std::string message_id = spec.contains("message_id") ? spec["message_id"].get<std::string>() : rng_->uuid_v4().str();
        std::string timestamp = spec.contains("timestamp") ? spec["timestamp"].get<std::string>()
                                                           : std::to_string(now().unix_seconds_floor());
        if (spec.value("sign", true)) {
            std::string secret = spec.contains("secret") ? spec["secret"].get<std::string>()
                                                         : settings_.get_or("Twitch:EventSubSecret", "");
            headers.set("Twitch-Eventsub-Message-Id", message_id);
            headers.set("Twitch-Eventsub-Message-Timestamp", timestamp);
            // send_e2e_eventsub.py: with an empty secret the signature is the literal "sha256=unused".
            headers.set("Twitch-Eventsub-Message-Signature",
                        secret.empty() ? "sha256=unused"
                                       : "sha256=" + sim::crypto::to_hex_lower(sim::crypto::hmac_sha256(
                                                         secret, message_id + timestamp + body)));
        }
        if (spec.contains("headers")) {
            for (auto it = spec["headers"].begin(); it != spec["headers"].end(); ++it) {
                if (it.value().is_null()) headers.remove(it.key());
                else headers.set(it.key(), it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
            }
        }
        const std::string via = spec.value("via", "mock");
        return send(via == "ebs" ? "ebs" : "eventsub", "POST", "/api/twitch/eventsub", headers, body);
    }

    void run_chat(const json& step) {
        const json& chat = step["chat"];
        const std::string user = chat["user"].get<std::string>();
        json event = json::object();
        event["message_id"] = chat.contains("message_id") ? chat["message_id"].get<std::string>() : rng_->uuid_v4().str();
        event["chatter_user_id"] = user;
        event["chatter_user_login"] = chat.value("login", user);
        event["message"] = json{{"text", chat["text"].get<std::string>()}};
        json badges = json::array();
        for (const auto& b : chat.value("badges", json::array({"subscriber"}))) badges.push_back(json{{"set_id", b}});
        event["badges"] = badges;
        if (chat.contains("broadcaster")) event["broadcaster_user_id"] = chat["broadcaster"];
        // Field order as send_e2e_eventsub.py writes it (ordered_json keeps insertion order).
        nlohmann::ordered_json body;
        body["subscription"] = {{"type", "channel.chat.message"}};
        nlohmann::ordered_json ordered_event;
        for (const char* key : {"message_id", "chatter_user_id", "chatter_user_login", "message", "badges", "broadcaster_user_id"})
            if (event.contains(key)) ordered_event[key] = event[key];
        body["event"] = ordered_event;
        json delivery = json::object();
        delivery["message_id"] = event["message_id"];
        if (chat.contains("timestamp")) delivery["timestamp"] = chat["timestamp"];
        if (chat.contains("via")) delivery["via"] = chat["via"];
        auto result = deliver_eventsub(delivery, body.dump());
        check_expect(step.value("expect", json{{"status", 200}}), result);
    }

    void run_eventsub(const json& step) {
        const json& spec = step["eventsub"];
        std::string body = spec["body"].is_string() ? spec["body"].get<std::string>() : spec["body"].dump();
        auto result = deliver_eventsub(spec, body);
        check_expect(step.value("expect", json{{"status", 200}}), result);
    }

    // ----- http / desktop --------------------------------------------------------------------------------

    void run_http(const json& step) {
        const std::string line = step["http"].get<std::string>();
        const auto space = line.find(' ');
        const std::string method = line.substr(0, space);
        const std::string target = line.substr(line.find_first_not_of(' ', space));
        http::Headers headers;
        if (step.contains("viewer")) {
            const json& viewer = step["viewer"];
            std::string user = viewer.is_string() ? viewer.get<std::string>() : viewer["user"].get<std::string>();
            std::string name = viewer.is_object() ? viewer.value("name", user) : user;
            headers.set("Authorization", "Bearer " + viewer_token(user, name));
        } else if (step.contains("jwt")) {
            headers.set("Authorization", "Bearer " + minted_token(step["jwt"]));
        } else if (step.contains("bearer")) {
            headers.set("Authorization", "Bearer " + step["bearer"].get<std::string>());
        }
        if (step.contains("api_key")) {
            const json& key = step["api_key"];
            if (key.is_string()) headers.set("X-MGM-ApiKey", key.get<std::string>());
            else if (key.get<bool>()) headers.set("X-MGM-ApiKey", settings_.get_or("Mgm:ApiKey", ""));
        }
        std::string body;
        if (step.contains("json")) {
            body = step["json"].dump();
            headers.set("Content-Type", "application/json");
        } else if (step.contains("body")) {
            body = step["body"].get<std::string>();
        }
        if (step.contains("content_type")) headers.set("Content-Type", step["content_type"].get<std::string>());
        if (step.contains("headers")) {
            for (auto it = step["headers"].begin(); it != step["headers"].end(); ++it) {
                if (it.value().is_null()) headers.remove(it.key());
                else headers.add(it.key(), it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
            }
        }
        sim::Duration timeout = step.contains("timeout") ? duration(step["timeout"], "timeout") : harness::kDriverDefaultTimeout;
        auto result = send(step.value("service", "ebs"), method, target, headers, body, timeout);
        check_expect(step.value("expect", json::object()), result);  // no expect: any response will do
        if (step.contains("capture")) capture_response(step["capture"], result);
    }

    void run_desktop(const json& step) {
        const json& spec = step["desktop"];
        json body = {{"payoutId", spec["payout"]}, {"characterName", spec["character"]}};
        http::Headers headers;
        headers.set("Content-Type", "application/json");
        auto result = send("desktop", "POST", "/run-sequence", headers, body.dump());
        check_expect(step.value("expect", json{{"status", 200}, {"json", {{"ok", true}}}}), result);
        if (step.contains("capture")) capture_response(step["capture"], result);
    }

    // ----- advance / wait --------------------------------------------------------------------------------

    void run_advance(const json& step) {
        const json& spec = step["advance"];
        sim::Instant target;
        if (spec.is_string()) {
            const std::string text = spec.get<std::string>();
            if (text == "next_phase") target = next_phase_instant("next");
            else if (auto d = parse_duration(text)) target = now() + *d;
            else target = instant(spec, "advance");
        } else {
            if (spec.contains("to")) target = instant(spec["to"], "advance.to");
            else if (spec.contains("by")) target = now() + duration(spec["by"], "advance.by");
            else target = next_phase_instant(spec["to_phase"].get<std::string>());
            if (spec.contains("offset")) target += duration(spec["offset"], "advance.offset");
        }
        advance_to(target);
    }

    const backend::SqliteStore& store() {
        require_simulation("this check");
        return world_->ebs().store();
    }

    std::string current_phase() {
        auto spin = store().load_spin();
        if (!spin) return "idle";
        return backend::to_string(backend::resolve_spin_phase(now(), static_cast<std::size_t>(store().pool_size()), *spin));
    }

    // The newest recorded domain event named `name` matching `where`, at or after `from_index`.
    std::optional<json> find_event(const std::string& name, const json& where, std::size_t from_index) const {
        for (std::size_t i = events_.size(); i > from_index; --i) {
            const json& e = events_[i - 1];
            if (e.value("name", "") != name) continue;
            if (!where.is_null() && !json_subset_match(where, e)) continue;
            return e;
        }
        return std::nullopt;
    }

    // nullopt when the pool matches `check`; otherwise why not.
    std::optional<std::string> pool_mismatch(const json& check) {
        auto pool = store().list_pool();
        json members = json::array();
        for (const auto& m : pool) members.push_back(json{{"user", m.twitch_user_id}, {"name", m.character_name}});
        auto has_name = [&](const std::string& name) {
            return std::any_of(pool.begin(), pool.end(), [&](const auto& m) { return m.character_name == name; });
        };
        auto has_user = [&](const std::string& user) {
            return std::any_of(pool.begin(), pool.end(), [&](const auto& m) { return m.twitch_user_id == user; });
        };
        const std::string actual = "pool is " + members.dump();
        if (check.contains("size") && static_cast<std::int64_t>(pool.size()) != check["size"].get<std::int64_t>())
            return "expected pool size " + check["size"].dump() + ", " + actual;
        for (const auto& name : check.value("contains", json::array()))
            if (!has_name(name.get<std::string>())) return "expected " + name.dump() + " in the pool, " + actual;
        for (const auto& name : check.value("excludes", json::array()))
            if (has_name(name.get<std::string>()) || has_user(name.get<std::string>()))
                return "expected " + name.dump() + " not in the pool, " + actual;
        for (const auto& user : check.value("users", json::array()))
            if (!has_user(user.get<std::string>())) return "expected user " + user.dump() + " in the pool, " + actual;
        if (check.contains("members")) {
            std::string where, why;
            if (!json_subset_match(check["members"], members, &where, &why))
                return "pool members differ at " + where + ": " + why + "; " + actual;
        }
        return std::nullopt;
    }

    std::optional<backend::Payout> find_payout(const std::string& id) {
        auto uuid = sim::Uuid::parse_any(id);
        if (!uuid) throw StepFailure("\"" + id + "\" is not a payout id");
        return store().find_payout(*uuid);
    }

    json helix_requests() {
        auto result = send("helix", "GET", "/requests", {}, {});
        if (!result.ok() || result.response->status != 200)
            throw StepFailure("could not read MockHelixApi /requests: " + describe(result));
        return load_body_json(result);
    }

    void run_wait(const json& step) {
        require_simulation("wait");
        const json& spec = step["wait"];
        const sim::Duration within = step.contains("within") ? duration(step["within"], "within")
                                                             : sim::Duration(std::chrono::minutes(10));
        const sim::Instant limit = now() + within;
        const std::size_t first_event = spec.value("new", false) ? events_.size() : 0;
        std::function<bool()> holds;
        std::function<std::string()> actual;
        std::string wanted;
        if (spec.contains("event")) {
            const std::string name = spec["event"].get<std::string>();
            const json where = spec.value("where", json());
            wanted = "event " + name + (where.is_null() ? "" : " matching " + where.dump());
            holds = [=, this] { return find_event(name, where, first_event).has_value(); };
            actual = [=, this] {
                std::string seen;
                for (std::size_t i = first_event; i < events_.size(); ++i)
                    if (events_[i].value("name", "") == name) seen += "\n    " + events_[i].dump();
                return seen.empty() ? "no " + name + " event was recorded" : "recorded " + name + " events:" + seen;
            };
        } else if (spec.contains("payout")) {
            const std::string id = spec["payout"].get<std::string>();
            const std::string status = spec["status"].get<std::string>();
            wanted = "payout " + id + " in status " + status;
            holds = [=, this] {
                auto p = find_payout(id);
                return p && backend::to_string(p->status) == status;
            };
            actual = [=, this] {
                auto p = find_payout(id);
                return p ? "payout is " + backend::to_string(p->status) : std::string("no such payout");
            };
        } else if (spec.contains("helix_requests")) {
            const auto count = spec["helix_requests"].get<std::uint64_t>();
            wanted = "at least " + std::to_string(count) + " Helix requests";
            holds = [=, this] { return world_->helix().request_count() >= count; };
            actual = [this] { return std::to_string(world_->helix().request_count()) + " Helix requests"; };
        } else if (spec.contains("pool")) {
            const json check = spec["pool"];
            wanted = "pool " + check.dump();
            holds = [=, this] { return !pool_mismatch(check).has_value(); };
            actual = [=, this] { return pool_mismatch(check).value_or("matches"); };
        } else {
            const std::string phase = spec["phase"].get<std::string>();
            wanted = "spinPhase " + phase;
            holds = [=, this] { return current_phase() == phase; };
            actual = [this] { return "spinPhase is " + current_phase(); };
        }
        bool ok = holds() || world_->loop().run_until(holds, limit);
        if (!ok)
            throw StepFailure("waited " + format_duration(within) + " (until " + sim::format_iso8601(limit) +
                              ") for " + wanted + "\n  actual: " + actual());
        if (step.contains("capture")) {
            if (!spec.contains("event")) throw StepFailure("capture after a wait only works with an event wait");
            auto event = find_event(spec["event"].get<std::string>(), spec.value("where", json()), first_event);
            capture_from(step["capture"], *event, "the event");
        }
    }

    // ----- faults ----------------------------------------------------------------------------------------

    void run_fault(const json& step) {
        require_simulation("fault");
        sim::LoopbackNetwork& net = world_->loopback();
        const std::string kind = step["fault"].get<std::string>();
        if (kind == "heal") {
            net.heal_all();
            net.clear_link_faults();
            return;
        }
        auto endpoint = [this](const json& v) {
            const std::string name = v.get<std::string>();
            return name == "driver" ? name : address_of(name);
        };
        const std::string a = endpoint(step["between"][0]);
        const std::string b = endpoint(step["between"][1]);
        std::function<void()> undo;
        if (kind == "partition") {
            net.partition(a, b);
            undo = [&net, a, b] { net.heal(a, b); };
        } else {
            sim::LinkFaults faults;
            if (kind == "latency") {
                faults.latency_min = duration(step["min"], "min");
                faults.latency_max = step.contains("max") ? duration(step["max"], "max") : faults.latency_min;
            } else if (kind == "drop") {
                faults.reset_probability = step.value("probability", 1.0);
            } else if (kind == "refuse") {
                faults.connect_refuse_probability = step.value("probability", 1.0);
            } else if (kind == "split") {
                faults.split_max_bytes = step.value("bytes", 1);
            }
            net.set_link_faults(a, b, faults);
            undo = [&net, a, b] { net.set_link_faults(a, b, sim::LinkFaults{}); };
        }
        if (step.contains("for")) {
            world_->scheduler().after(duration(step["for"], "for"), "scenario.fault_end." + kind, undo);
        }
    }

    void run_helix_fail(const json& step) {
        const json& spec = step["helix_fail"];
        json body = {{"count", spec["next"]}, {"status", spec.value("status", 500)}, {"drop", spec.value("drop", false)}};
        http::Headers headers;
        headers.set("Content-Type", "application/json");
        auto result = send("helix", "POST", "/fail-next", headers, body.dump());
        if (!result.ok() || result.response->status != 200)
            throw StepFailure("MockHelixApi /fail-next refused: " + describe(result));
    }

    // A scripted HTTP service: fixed answers per "METHOD /path" (query ignored), 404 otherwise.
    void run_stub(const json& step) {
        require_simulation("stub");
        const std::string address = step["stub"].get<std::string>();
        auto routes = std::make_shared<std::vector<std::pair<std::string, http::Response>>>();
        for (const auto& route : step["routes"]) {
            http::Response response;
            response.status = route.value("status", 200);
            if (route.contains("json")) {
                response = http::Response::json(response.status, route["json"].dump());
            } else if (route.contains("body")) {
                response = http::Response::text(response.status, route["body"].get<std::string>(),
                                                route.value("content_type", "text/plain; charset=utf-8"));
            }
            routes->emplace_back(route["route"].get<std::string>(), std::move(response));
        }
        http::ServerOptions options;
        options.actor = "stub";
        auto server = std::make_unique<http::Server>(
            world_->network(), world_->scheduler(), address,
            [routes](const http::Request& request, std::function<void(http::Response)> respond) {
                const std::string key = request.method + " " + request.path;
                for (const auto& [route, response] : *routes) {
                    if (route == key) return respond(response);
                }
                respond(http::Response::empty(404));
            },
            options, &world_->trace(), &world_->log());
        if (auto ec = server->start()) throw StepFailure("stub cannot listen on " + address + ": " + ec.message());
        stubs_.push_back(std::move(server));
    }

    // ----- assert ----------------------------------------------------------------------------------------

    void run_assert(const json& step) {
        const json& spec = step["assert"];
        if (spec.contains("now")) {
            sim::Instant expected = instant(spec["now"], "now");
            if (expected != now())
                throw StepFailure("expected simulated time " + sim::format_iso8601(expected) + ", it is " +
                                  sim::format_iso8601(now()));
        }
        if (spec.contains("vars")) {
            for (auto it = spec["vars"].begin(); it != spec["vars"].end(); ++it) {
                auto actual = variable(it.key());
                const std::string wanted = json_to_variable_text(it.value());
                if (!actual || *actual != wanted)
                    throw StepFailure("expected ${" + it.key() + "} = \"" + wanted + "\", got " +
                                      (actual ? "\"" + *actual + "\"" : std::string("undefined")));
            }
        }
        if (spec.contains("phase")) {
            // Through the API, as the extension sees it; a fresh observer id keeps the assertion out of every
            // rate-limit bucket the scenario itself uses.
            const std::string observer = "scenario-observer-" + std::to_string(++observers_);
            json token_spec = {{"claims", {{"user_id", observer}}}};
            http::Headers headers;
            headers.set("Authorization", "Bearer " + minted_token(token_spec));
            auto result = send("ebs", "GET", "/api/roulette/state", headers, {});
            json state = load_body_json(result);
            json expected = spec["phase"].is_string() ? json{{"spinPhase", spec["phase"]}} : spec["phase"];
            std::string where, why;
            if (!json_subset_match(expected, state, &where, &why))
                throw StepFailure("roulette state mismatch at " + where + ": " + why + "\n  state: " + state.dump());
        }
        if (spec.contains("helix_requests")) {
            const json& check = spec["helix_requests"];
            json all = helix_requests();
            json accepted = json::array();
            json messages = json::array();
            for (const auto& r : all["requests"]) {
                int status = r.value("status", 0);
                if (status >= 200 && status < 300) {
                    accepted.push_back(r);
                    messages.push_back(r["body"].is_object() ? r["body"].value("message", json()) : json());
                }
            }
            const std::string seen = "Helix saw " + std::to_string(all["requests"].size()) + " calls: " +
                                     truncate(all["requests"].dump(), 900);
            if (check.contains("count") && all["requests"].size() != check["count"].get<std::size_t>())
                throw StepFailure("expected " + check["count"].dump() + " Helix calls\n  " + seen);
            if (check.contains("messages")) {
                std::string where, why;
                if (!json_subset_match(check["messages"], messages, &where, &why))
                    throw StepFailure("Helix messages (accepted calls) differ at " + where + ": " + why + "\n  " + seen);
            }
            if (check.contains("last")) {
                if (all["requests"].empty()) throw StepFailure("expected a last Helix call, there were none");
                std::string where, why;
                if (!json_subset_match(check["last"], all["requests"].back(), &where, &why))
                    throw StepFailure("last Helix call differs at " + where + ": " + why + "\n  " + seen);
            }
        }
        if (spec.contains("pool")) {
            if (auto why = pool_mismatch(spec["pool"])) throw StepFailure(*why);
        }
        if (spec.contains("payout")) {
            const json& check = spec["payout"];
            std::optional<backend::Payout> payout;
            std::string label;
            if (check.contains("id")) {
                label = check["id"].get<std::string>();
                payout = find_payout(label);
            } else if (check.contains("user")) {
                label = "latest of user " + check["user"].get<std::string>();
                payout = store().latest_payout_for_user(check["user"].get<std::string>());
            } else {
                throw StepFailure("assert payout needs id or user");
            }
            if (!payout) throw StepFailure("no payout " + label);
            json actual = payout_json(*payout);
            json expected = check.value("fields", json::object());
            if (check.contains("status")) expected["status"] = check["status"];
            if (check.contains("announced")) expected["isRewardSentAnnouncedToChat"] = check["announced"];
            if (check.contains("accepted")) expected["accepted"] = check["accepted"];
            std::string where, why;
            if (!json_subset_match(expected, actual, &where, &why))
                throw StepFailure("payout " + label + " differs at " + where + ": " + why + "\n  payout: " + actual.dump());
        }
        if (spec.contains("payouts")) {
            const json& check = spec["payouts"];
            json list = json::array();
            for (const auto& p : store().list_payouts()) {
                if (check.contains("user") && p.twitch_user_id != check["user"].get<std::string>()) continue;
                list.push_back(backend::to_string(p.status));
            }
            if (check.contains("count") && list.size() != check["count"].get<std::size_t>())
                throw StepFailure("expected " + check["count"].dump() + " payouts, found " + std::to_string(list.size()) +
                                  " with statuses " + list.dump());
            if (check.contains("statuses") && list != check["statuses"])
                throw StepFailure("expected payout statuses " + check["statuses"].dump() + ", found " + list.dump());
        }
        if (spec.contains("events")) {
            require_simulation("assert events");
            const json& check = spec["events"];
            const std::string name = check["name"].get<std::string>();
            json matching = json::array();
            for (const auto& e : events_) {
                if (e.value("name", "") != name) continue;
                if (check.contains("where") && !json_subset_match(check["where"], e)) continue;
                matching.push_back(e);
            }
            if (check.contains("count") && matching.size() != check["count"].get<std::size_t>())
                throw StepFailure("expected " + check["count"].dump() + " " + name + " events" +
                                  (check.contains("where") ? " matching " + check["where"].dump() : "") + ", found " +
                                  std::to_string(matching.size()) + (matching.empty() ? "" : ": " + truncate(matching.dump(), 900)));
            if (!check.contains("count") && matching.empty())
                throw StepFailure("expected at least one " + name + " event, found none");
        }
        if (spec.contains("gift")) {
            const json& check = spec["gift"];
            auto id = sim::Uuid::parse_any(check["id"].get<std::string>());
            if (!id) throw StepFailure("\"" + check["id"].get<std::string>() + "\" is not a gift request id");
            auto gift = store().find_gift(*id);
            if (!gift) throw StepFailure("no gift request " + check["id"].get<std::string>());
            json actual = {{"state", backend::to_string(gift->state)},
                           {"reason", gift->failure_reason ? json(*gift->failure_reason) : json()}};
            json expected = json::object();
            if (check.contains("state")) expected["state"] = check["state"];
            if (check.contains("reason")) expected["reason"] = check["reason"];
            std::string where, why;
            if (!json_subset_match(expected, actual, &where, &why))
                throw StepFailure("gift request differs at " + where + ": " + why + "\n  gift: " + actual.dump());
        }
    }

    static json payout_json(const backend::Payout& p) {
        return json{{"id", p.id.str()},
                    {"twitchUserId", p.twitch_user_id},
                    {"characterName", p.character_name},
                    {"goldAmount", p.gold_amount},
                    {"enrollmentRequestId", p.enrollment_request_id},
                    {"status", backend::to_string(p.status)},
                    {"createdAt", sim::format_iso8601(p.created_at)},
                    {"updatedAt", p.updated_at ? json(sim::format_iso8601(*p.updated_at)) : json()},
                    {"accepted", p.winner_accepted_at.has_value()},
                    {"isRewardSentAnnouncedToChat", p.is_reward_sent_announced_to_chat}};
    }

    // ----- the loop --------------------------------------------------------------------------------------

    void run_steps(const std::vector<Step>& steps) {
        for (const Step& step : steps) run_step(step);
    }

    void run_step(const Step& step) {
        current_ = &step;
        ++steps_run_;
        if (world_)
            world_->trace().record("scenario", "step",
                                   json{{"step", step.path}, {"line", step.line}, {"verb", std::string(step_kind_name(step.kind))}});
        if (options_.progress)
            *options_.progress << "[" << sim::format_iso8601(now()) << "] " << scenario_.name << " step " << step.path
                               << " (line " << step.line << "): " << step.summary() << "\n";
        if (step.kind == StepKind::repeat) {
            const int times = step.spec["repeat"].get<int>();
            const std::string counter = step.spec.value("var", "i");
            for (int i = 1; i <= times; ++i) {
                vars_[counter] = std::to_string(i);
                run_steps(step.children);
                current_ = &step;
            }
            return;
        }
        const json spec = substitute(step.spec);
        switch (step.kind) {
            case StepKind::chat: run_chat(spec); break;
            case StepKind::eventsub: run_eventsub(spec); break;
            case StepKind::http: run_http(spec); break;
            case StepKind::desktop: run_desktop(spec); break;
            case StepKind::advance: run_advance(spec); break;
            case StepKind::wait: run_wait(spec); break;
            case StepKind::fault: run_fault(spec); break;
            case StepKind::helix_fail: run_helix_fail(spec); break;
            case StepKind::assert_: run_assert(spec); break;
            case StepKind::set:
                for (auto it = spec["set"].begin(); it != spec["set"].end(); ++it)
                    vars_[it.key()] = json_to_variable_text(it.value());
                break;
            case StepKind::log:
                if (options_.progress)
                    *options_.progress << "[" << sim::format_iso8601(now()) << "]   " << spec["log"].get<std::string>() << "\n";
                break;
            case StepKind::stub: run_stub(spec); break;
            case StepKind::repeat: break;
        }
    }

    const Scenario& scenario_;
    RunOptions options_;
    std::uint64_t seed_ = 1;
    sim::Settings settings_;
    std::unique_ptr<sim::Rng> rng_;
    std::map<std::string, std::string> vars_;
    // Declared before world_ so it outlives the World's teardown (the loop's hook points at it).
    std::unique_ptr<InvariantChecker> invariants_;
    std::unique_ptr<harness::World> world_;
    std::vector<std::unique_ptr<http::Server>> stubs_;   // after world_: destroyed first
    std::unique_ptr<harness::Driver> owned_driver_;
    harness::Driver* driver_ = nullptr;
    std::vector<json> events_;
    const Step* current_ = nullptr;
    std::size_t steps_run_ = 0;
    std::uint64_t observers_ = 0;
    bool break_raised_ = false;
};

}  // namespace

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
    ScenarioRun run(scenario, options);
    return run.run();
}

std::string format_result(const RunResult& r) {
    std::ostringstream out;
    out << (r.passed ? "PASS " : "FAIL ") << r.scenario_name << " (" << r.file << ") seed " << r.seed << ", "
        << r.steps_run << " steps, " << sim::format_iso8601(r.started_at) << " -> " << sim::format_iso8601(r.ended_at);
    if (!r.digest.empty()) out << ", " << r.trace_records << " trace records, digest " << r.digest;
    out << "\n";
    // Tolerated, documented departures (docs/RELIABILITY.md §1) are shown, never silently swallowed.
    for (const auto& deviation : r.known_deviations) out << "  known deviation: " << deviation << "\n";
    if (!r.passed) out << r.failure;
    return out.str();
}

}  // namespace mgm::harness::scenario

// Workload runs (see workload.h and docs/WORKLOADS.md): the file format, the actors, the run loop with the
// oracle, the invariant checker and the liveness checks.
#include "harness/workload/workload.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <fstream>
#include <iostream>
#include <queue>
#include <sstream>

#include "backend/domain/records.h"
#include "backend/domain/store.h"
#include "backend/ebs.h"
#include "fakes/eventsub_delivery.h"
#include "fakes/mock_extension_jwt.h"
#include "fakes/mock_helix_api.h"
#include "harness/scenario/invariants.h"
#include "harness/scenario/shrink.h"
#include "harness/scenario/time_expr.h"
#include "harness/workload/oracle.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"
#include "sim/clock/sim_loop.h"
#include "sim/clock/virtual_clock.h"
#include "sim/core/jwt.h"
#include "sim/core/rng.h"
#include "sim/network/loopback_network.h"
#include "sim/trace/trace.h"

namespace mgm::harness::workload {

using nlohmann::json;

const std::vector<std::string>& coverage_point_names() {
    static const std::vector<std::string> names = {
        "offline_candidate",       "late_report_out_of_sequence", "active_payout_blocks_win",
        "helix_retry_then_success", "helix_three_failures",       "payout_expired",
        "rate_limited_429",        "rate_limit_recovered",        "duplicate_delivery",
        "rename",                  "name_taken",                  "gift_selection_timeout",
        "gift_confirmation_timeout", "partition_during_sent",     "requeue",
        "not_subscriber",          "invalid_name",                "claim_idempotent",
        "cancelled",               "failed",                      "gift_completed",
        "gift_declined",           "e2e_forced",                  "empty_pool_idle_cycle",
        "re_enroll_after_sent",    "indeterminate_request",       "sent_answer_500_d1",
        "eventsub_mock_500",       "desktop_retry",               "payout_sent",
        "jwt_accepted_in_skew",    "jwt_accepted_early",          "jwt_audience_unchecked",
        "jwt_refused_expired",     "jwt_refused_not_yet_valid",   "jwt_refused_bad_signature",
        "jwt_refused_missing",     "jwt_refused_audience",        "eventsub_bad_signature_refused",
        "eventsub_missing_header_refused", "eventsub_stale_accepted", "eventsub_stale_refused",
        "eventsub_reused_id_accepted",
    };
    return names;
}

// ----- the file format -------------------------------------------------------------------------------------

namespace {

constexpr std::int64_t kGridTicks = 300LL * 10'000'000;
constexpr const char* kStreamer = "streamer-1";

sim::Instant floor5(sim::Instant t) { return sim::Instant{t.ticks - t.ticks % kGridTicks}; }

struct Reader {
    const std::string& file;
    [[noreturn]] void fail(const std::string& where, const std::string& message) const {
        throw WorkloadError(file + ": " + where + ": " + message);
    }
    void keys(const json& object, const std::string& where, std::initializer_list<const char*> allowed) const {
        if (!object.is_object()) fail(where, "must be an object");
        for (auto it = object.begin(); it != object.end(); ++it) {
            bool known = false;
            for (const char* k : allowed) known = known || it.key() == k;
            if (!known) fail(where + "/" + it.key(), "unknown key");
        }
    }
    sim::Duration duration(const json& v, const std::string& where) const {
        if (!v.is_string()) fail(where, "must be a duration string (\"90s\", \"6h\")");
        auto d = scenario::parse_duration(v.get<std::string>());
        if (!d || d->count() < 0) fail(where, "\"" + v.get<std::string>() + "\" is not a duration");
        return *d;
    }
    double share(const json& v, const std::string& where) const {
        if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) fail(where, "must be a number in [0, 1]");
        return v.get<double>();
    }
    double positive(const json& v, const std::string& where) const {
        if (!v.is_number() || v.get<double>() < 0) fail(where, "must be a number >= 0");
        return v.get<double>();
    }
    // An object of numbers, every key known: each is read into its field, as a chance in [0, 1] or a weight >= 0.
    void numbers(const json& object, const std::string& where,
                 std::initializer_list<std::pair<const char*, double*>> fields, bool chances) const {
        if (!object.is_object()) fail(where, "must be an object");
        for (auto it = object.begin(); it != object.end(); ++it) {
            double* out = nullptr;
            for (const auto& [key, field] : fields)
                if (it.key() == key) out = field;
            if (!out) fail(where + "/" + it.key(), "unknown key");
            *out = chances ? share(it.value(), where + "/" + it.key()) : positive(it.value(), where + "/" + it.key());
        }
    }
};

// ----- explicit runs: actions and fault parts as JSON (docs/WORKLOADS.md, "Explicit runs") ----------------

// An action's "do", for the request kinds (and "heal": every fault ends).
struct ActionKind {
    const char* name;
    OpKind kind;
    bool viewer;  // sent by the viewer named in "by"
};
constexpr ActionKind kActionKinds[] = {
    {"chat", OpKind::chat, true},         {"claim", OpKind::claim, true},
    {"state", OpKind::state, true},       {"pool_me", OpKind::pool_me, true},
    {"my_last", OpKind::my_last, true},   {"gift_create", OpKind::gift_create, true},
    {"pending", OpKind::pending, false},  {"verify", OpKind::verify, false},
    {"accept", OpKind::accept, false},    {"patch", OpKind::patch, false},
    {"gift_list", OpKind::gift_list, false}, {"gift_select", OpKind::gift_select, false},
    {"gift_confirm", OpKind::gift_confirm, false}, {"e2e", OpKind::e2e, false},
};
const char* const kPayoutStatus[] = {"Pending", "InProgress", "Sent", "Failed", "Cancelled"};

const ActionKind* action_kind(const std::string& name) {
    for (const auto& k : kActionKinds)
        if (name == k.name) return &k;
    return nullptr;
}
const char* action_name(OpKind kind) {
    for (const auto& k : kActionKinds)
        if (k.kind == kind) return k.name;
    return "?";
}

std::string viewer_id(int index) {
    char id[32];
    std::snprintf(id, sizeof id, "viewer-%02d", index + 1);
    return id;
}

std::optional<sim::Duration> offset(const json& at) {
    if (!at.is_string()) return std::nullopt;
    std::string text = at.get<std::string>();
    if (text.empty() || text[0] != '+') return std::nullopt;
    auto d = scenario::parse_duration(text.substr(1));
    if (!d || d->count() < 0) return std::nullopt;
    return d;
}

// "" when `a` is a well-formed action of a workload with `viewers` viewers, else what is wrong.
std::string check_action(const json& a, int viewers) {
    if (!a.is_object()) return "must be an object";
    if (!offset(a.value("at", json()))) return "\"at\" must be an offset from the start (\"+1h2m3.5s\")";
    const std::string what = a.value("do", "");
    if (what == "heal") return "";
    const ActionKind* kind = action_kind(what);
    if (!kind) return "unknown \"do\": \"" + what + "\"";
    auto string = [&a](const char* key) { return a.contains(key) && a[key].is_string(); };
    if (kind->viewer) {
        bool known = false;
        for (int i = 0; i < viewers; ++i) known = known || a.value("by", "") == viewer_id(i);
        if (!known) return "\"by\" must name one of the workload's viewers (viewer-01 ...)";
    }
    switch (kind->kind) {
    case OpKind::chat: if (!string("name") || !string("message_id")) return "chat needs \"name\" and \"message_id\""; break;
    case OpKind::claim: if (!string("name") || !string("request_id")) return "claim needs \"name\" and \"request_id\""; break;
    case OpKind::gift_create: if (!string("name")) return "gift_create needs \"name\""; break;
    case OpKind::verify:
        if (!string("cycle") || !string("name") || !a.contains("online") || !a["online"].is_boolean())
            return "verify needs \"cycle\", \"name\" and \"online\"";
        break;
    case OpKind::accept: if (!string("payout") || !string("name")) return "accept needs \"payout\" and \"name\""; break;
    case OpKind::patch: {
        bool known = false;
        for (const char* status : kPayoutStatus) known = known || a.value("status", "") == status;
        if (!string("payout") || !known) return "patch needs \"payout\" and a \"status\" (Pending, InProgress, Sent, Failed, Cancelled)";
        break;
    }
    case OpKind::gift_select: if (!string("gift")) return "gift_select needs \"gift\""; break;
    case OpKind::gift_confirm:
        if (!string("gift") || !a.contains("confirmed") || !a["confirmed"].is_boolean())
            return "gift_confirm needs \"gift\" and \"confirmed\"";
        break;
    case OpKind::e2e: if (!string("user")) return "e2e needs \"user\""; break;
    default: break;
    }
    return "";
}

// A timed fault part: {"at": "+1h0m12s", "partition": [A, B], "for": D} or {"at": ..., "helix_fail": {...}}.
std::string check_fault_part(const json& f) {
    if (!f.is_object() || !offset(f.value("at", json()))) return "must be {\"at\": \"+DURATION\", ...}";
    if (f.contains("partition")) {
        const json& p = f["partition"];
        if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_string() || !f.contains("for") ||
            !f["for"].is_string() || !scenario::parse_duration(f["for"].get<std::string>()))
            return "a partition needs \"partition\": [A, B] and \"for\": DURATION";
        return "";
    }
    if (f.contains("helix_fail")) {
        try {
            scenario::fault_mix_from_json(json{{"helix_fail", f["helix_fail"]}});
        } catch (const std::invalid_argument& e) { return e.what(); }
        return "";
    }
    return "needs \"partition\" or \"helix_fail\"";
}

}  // namespace

Workload parse_workload(const std::string& text, const std::string& file) {
    json root;
    try {
        root = json::parse(text.begin(), text.end(), nullptr, true, true);
    } catch (const json::exception& e) { throw WorkloadError(file + ": not JSON: " + e.what()); }
    Reader r{file};
    r.keys(root, "", {"description", "name", "seed", "start", "span", "heal_after", "liveness_budget", "config",
                      "viewers", "desktop", "gifts", "e2e", "tokens", "eventsub", "fault_mix", "fault_plan", "actions",
                      "regression"});
    Workload w;
    w.file = file;
    std::string base = file.substr(file.find_last_of('/') == std::string::npos ? 0 : file.find_last_of('/') + 1);
    if (base.size() > 5 && base.substr(base.size() - 5) == ".json") base.resize(base.size() - 5);
    w.name = root.value("name", base);
    w.description = root.value("description", "");
    if (root.contains("seed")) {
        if (!root["seed"].is_number_unsigned()) r.fail("/seed", "must be a number >= 0");
        w.seed = root["seed"].get<std::uint64_t>();
    }
    w.start = harness::kDefaultSimulationStart;
    if (root.contains("start")) {
        auto t = root["start"].is_string() ? sim::parse_iso8601(root["start"].get<std::string>()) : std::nullopt;
        if (!t) r.fail("/start", "must be an ISO-8601 instant");
        w.start = *t;
    }
    if (root.contains("span")) w.span = r.duration(root["span"], "/span");
    w.heal_after = root.contains("heal_after") ? r.duration(root["heal_after"], "/heal_after")
                                               : sim::Duration{w.span.count() / 2};
    if (w.heal_after > w.span) r.fail("/heal_after", "must not exceed span");
    if (root.contains("liveness_budget")) w.liveness_budget = r.duration(root["liveness_budget"], "/liveness_budget");
    if (root.contains("config")) {
        const json& c = root["config"];
        if (!c.is_object()) r.fail("/config", "must map setting keys to strings");
        for (auto it = c.begin(); it != c.end(); ++it) {
            if (!it.value().is_string()) r.fail("/config/" + it.key(), "must be a string");
            w.config.set(it.key(), it.value().get<std::string>());
        }
    }
    if (root.contains("viewers")) {
        const json& v = root["viewers"];
        r.keys(v, "/viewers", {"count", "non_subscribers", "actions_per_hour", "duplicate_delivery", "mix"});
        if (v.contains("count")) {
            if (!v["count"].is_number_integer() || v["count"].get<int>() < 1 || v["count"].get<int>() > 500)
                r.fail("/viewers/count", "must be 1..500");
            w.viewers = v["count"].get<int>();
        }
        if (v.contains("non_subscribers")) {
            if (!v["non_subscribers"].is_number_integer() || v["non_subscribers"].get<int>() < 0 ||
                v["non_subscribers"].get<int>() > w.viewers)
                r.fail("/viewers/non_subscribers", "must be 0..count");
            w.non_subscribers = v["non_subscribers"].get<int>();
        }
        if (v.contains("actions_per_hour"))
            w.viewer_actions_per_hour = r.positive(v["actions_per_hour"], "/viewers/actions_per_hour");
        if (v.contains("duplicate_delivery"))
            w.duplicate_delivery = r.share(v["duplicate_delivery"], "/viewers/duplicate_delivery");
        if (v.contains("mix"))
            r.numbers(v["mix"], "/viewers/mix",
                      {{"enroll", &w.mix.enroll}, {"rename", &w.mix.rename}, {"taken_name", &w.mix.taken_name},
                       {"invalid_name", &w.mix.invalid_name}, {"claim", &w.mix.claim}, {"poll", &w.mix.poll},
                       {"burst", &w.mix.burst}, {"gift", &w.mix.gift}},
                      false);
    }
    if (root.contains("desktop")) {
        const json& d = root["desktop"];
        r.keys(d, "/desktop", {"tick", "online", "report_delay", "late", "cancel", "fail", "requeue", "abandon"});
        if (d.contains("tick")) w.desktop_tick = r.duration(d["tick"], "/desktop/tick");
        if (w.desktop_tick < std::chrono::seconds(1)) r.fail("/desktop/tick", "must be at least 1s");
        if (d.contains("online")) w.desktop_online = r.share(d["online"], "/desktop/online");
        if (d.contains("report_delay")) {
            const json& rd = d["report_delay"];
            if (!rd.is_array() || rd.size() != 2) r.fail("/desktop/report_delay", "must be [min, max]");
            w.report_delay_min = r.duration(rd[0], "/desktop/report_delay/0");
            w.report_delay_max = r.duration(rd[1], "/desktop/report_delay/1");
            if (w.report_delay_max < w.report_delay_min) r.fail("/desktop/report_delay", "max < min");
        }
        if (d.contains("late")) w.desktop_late = r.share(d["late"], "/desktop/late");
        if (d.contains("cancel")) w.desktop_cancel = r.share(d["cancel"], "/desktop/cancel");
        if (d.contains("fail")) w.desktop_fail = r.share(d["fail"], "/desktop/fail");
        if (d.contains("requeue")) w.desktop_requeue = r.share(d["requeue"], "/desktop/requeue");
        if (d.contains("abandon")) w.desktop_abandon = r.share(d["abandon"], "/desktop/abandon");
    }
    if (root.contains("gifts"))
        r.numbers(root["gifts"], "/gifts",
                  {{"select_timeout", &w.gift_select_timeout}, {"confirm_timeout", &w.gift_confirm_timeout},
                   {"decline", &w.gift_decline}},
                  true);
    if (root.contains("e2e")) {
        r.keys(root["e2e"], "/e2e", {"per_hour"});
        if (root["e2e"].contains("per_hour")) w.e2e_per_hour = r.positive(root["e2e"]["per_hour"], "/e2e/per_hour");
    }
    if (root.contains("tokens")) {
        TokenMistakes& t = w.tokens;
        r.numbers(root["tokens"], "/tokens",
                  {{"near_expiry", &t.near_expiry}, {"expired", &t.expired}, {"early", &t.early},
                   {"not_yet_valid", &t.not_yet_valid}, {"bad_signature", &t.bad_signature}, {"missing", &t.missing},
                   {"wrong_audience", &t.wrong_audience}},
                  true);
        if (t.near_expiry + t.expired + t.early + t.not_yet_valid + t.bad_signature + t.missing + t.wrong_audience > 1)
            r.fail("/tokens", "the chances add up to more than 1");
    }
    if (root.contains("eventsub")) {
        DeliveryMistakes& e = w.eventsub;
        r.numbers(root["eventsub"], "/eventsub",
                  {{"bad_signature", &e.bad_signature}, {"missing_header", &e.missing_header}, {"stale", &e.stale},
                   {"reused_id", &e.reused_id}},
                  true);
    }
    if (root.contains("fault_mix")) {
        try {
            w.fault_mix = scenario::fault_mix_from_json(root["fault_mix"]);
        } catch (const std::invalid_argument& e) { r.fail("/fault_mix", e.what()); }
    }
    if (root.contains("fault_plan")) {
        if (!root["fault_plan"].is_array()) r.fail("/fault_plan", "must be a list");
        for (std::size_t i = 0; i < root["fault_plan"].size(); ++i) {
            std::string problem = check_fault_part(root["fault_plan"][i]);
            if (!problem.empty()) r.fail("/fault_plan/" + std::to_string(i), problem);
        }
        w.fault_plan = root["fault_plan"];
    }
    if (root.contains("actions")) {
        if (!root["actions"].is_array()) r.fail("/actions", "must be a list");
        for (std::size_t i = 0; i < root["actions"].size(); ++i) {
            std::string problem = check_action(root["actions"][i], w.viewers);
            if (!problem.empty()) r.fail("/actions/" + std::to_string(i), problem);
        }
        w.actions = root["actions"];
    }
    return w;
}

bool is_workload_document(const json& root) { return root.is_object() && root.contains("span") && !root.contains("steps"); }

bool is_workload_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::stringstream text;
    text << in.rdbuf();
    const std::string body = text.str();
    const json root = json::parse(body.begin(), body.end(), nullptr, false, true);
    return !root.is_discarded() && is_workload_document(root);
}

scenario::FaultMix workload_fault_mix(const Workload& workload, std::uint64_t seed, bool random) {
    if (workload.fault_mix) return *workload.fault_mix;
    return random ? scenario::draw_fault_mix(seed) : scenario::FaultMix{};
}

Workload load_workload(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw WorkloadError(path + ": cannot read the file");
    std::stringstream text;
    text << in.rdbuf();
    return parse_workload(text.str(), path);
}

std::string reproduce_command(const std::string& file, std::uint64_t seed, bool faults) {
    return "mgm-sim workload " + file + " --seed " + std::to_string(seed) + (faults ? " --faults random" : "");
}

// ----- a run -----------------------------------------------------------------------------------------------

namespace {

// Thrown out of the simulation loop (after-event hook, or after a request) when a check failed.
struct RunStop {
    std::string kind;
};

const char* const kBaseNames[] = {"Alder",  "Brakka", "Corwin", "Dalia",  "Eldric", "Fenna",  "Garrick",
                                  "Helka",  "Ithron", "Jorra",  "Kelmar", "Lyria",  "Morwen", "Nadrik",
                                  "Orla",   "Perrin", "Quenna", "Rhosk",  "Sylva",  "Torvin"};
const char* const kInvalidNames[] = {"X", "Bad1Name", "Waytoolongname", "Nope_Name"};

struct Viewer {
    std::string id;
    std::string login;
    std::string name;
    bool subscriber = true;
    int claims = 0;
    int messages = 0;
};

struct DesktopReport {
    std::string cycle;
    std::string name;
    sim::Instant drawn_at;
    sim::Instant due;
    sim::Instant boundary;
    bool online = true;
    bool late = false;
    bool done = false;
    std::string outcome;  // the oracle's note on the answered report
    bool reached_ebs_in_time = false;  // the EBS processed it before the boundary
    int attempts = 0;
};

struct PayoutWork {
    std::string id;
    std::string name;
    int step = 0;  // 0 accept, 1 InProgress, 2 final
    int final_status = 2;  // Sent, or Cancelled/Failed/Pending (requeue)
    sim::Instant taken_at;
    int attempts = 0;
    sim::Instant not_before;
};

struct GiftWork {
    std::string id;
    int step = 0;  // 0 select, 1 confirm
    int attempts = 0;
};

class WorkloadRun {
public:
    WorkloadRun(const Workload& w, std::uint64_t seed, const scenario::FaultMix& faults, const WorkloadOptions& options)
        : w_(w),
          seed_(seed),
          faults_(faults),
          options_(options),
          rng_(sim::Rng(seed).derive("workload")),
          mistakes_(sim::Rng(seed).derive("workload-mistakes")) {
        harness::WorldConfig config;
        config.seed = seed;
        config.start = w.start;
        config.settings.overlay(w.config);
        config.store_recycler = options.store_recycler;
        // --trace F: each line goes to the file as it is recorded (memory stays flat over a day-long run).
        if (!options.trace_file.empty()) {
            trace_out_.open(options.trace_file, std::ios::binary | std::ios::trunc);
            if (!trace_out_) throw WorkloadError("cannot write " + options.trace_file);
            config.trace_sink = &trace_out_;
        }
        config.trace_detail = options.trace_detail;
        config.log_level = sim::LogLevel::off;
        config.start_workers = options.start_workers;
        if (faults.shuffle_same_instant) config.timer_tie_breaker = scenario::fault_tie_breaker(faults);
        try {
            world_ = std::make_unique<harness::World>(std::move(config));
        } catch (const std::exception& e) { throw WorkloadError(w.file + ": the World cannot start: " + e.what()); }
        settings_ = world_->config().settings;
        api_key_ = settings_.get_or("Mgm:ApiKey", "");
        secret_ = settings_.get_or("Twitch:EventSubSecret", "");
        auto key = fakes::MockExtensionJwtConfig::from_settings(settings_).signing_key();
        if (!key) throw WorkloadError(w.file + ": Twitch:ExtensionSecret is not valid base64");
        jwt_key_ = *key;

        for (int i = 0; i < w.viewers; ++i) {
            Viewer v;
            v.id = viewer_id(i);
            v.login = "viewer" + std::to_string(i + 1);
            v.name = kBaseNames[i % std::size(kBaseNames)];
            if (i >= static_cast<int>(std::size(kBaseNames))) v.name += std::string(1, static_cast<char>('a' + i / 20));
            v.subscriber = i < w.viewers - w.non_subscribers;
            viewers_.push_back(v);
        }
        Oracle::Options oracle_options;
        oracle_options.ebs_start = w.start;
        oracle_options.streamer = kStreamer;
        for (const auto& v : viewers_)
            if (v.subscriber) oracle_options.subscribers.insert(v.id);
        oracle_options.helix_configured = !settings_.get_or("Twitch:BroadcasterAccessToken", "").empty() &&
                                          !settings_.get_or("Twitch:BroadcasterUserId", "").empty();
        oracle_options.claim_subscriber_gate = !settings_.get_bool("Mgm:DevSkipSubscriberCheck", false);
        client_id_ = settings_.get_or("Twitch:ExtensionClientId", "");
        oracle_options.jwt_audience_checked = !client_id_.empty();
        oracle_options.eventsub_secret_set = !secret_.empty();
        oracle_options.eventsub_freshness = settings_.get_bool("Mgm:EventSubEnforceFreshness", false);
        oracle_ = std::make_unique<Oracle>(world_->trace(), world_->clock(), oracle_options, coverage_);
        // Gifts ask Helix whether the viewer subscribes; the mock answers from the workload's subscriber list.
        std::set<std::string> subscribers = oracle_options.subscribers;
        world_->helix().set_subscription_source(
            [subscribers](const std::string&, const std::string& user) { return subscribers.count(user) > 0; });
        checker_ = std::make_unique<scenario::InvariantChecker>(world_->ebs().store(), world_->trace(), world_->clock());
        if (options.breaks.any()) {
            breakpoints_ =
                std::make_unique<scenario::Breakpoints>(options.breaks, world_->trace(), world_->clock(), &std::cerr);
            checker_->set_on_violation([b = breakpoints_.get()](scenario::Invariant invariant,
                                                                const std::string& detail) {
                b->invariant_violated(invariant, detail);
            });
        }
        world_->loop().set_after_event([this] {
            checker_->check();
            if (oracle_->failed()) throw RunStop{"oracle"};
        });
        if (faults.any()) {
            scenario::apply_fault_mix(*world_, faults);
            oracle_->set_faults_active(true);
        }
    }

    // A fault mix plans its partitions in the first 15 minutes and its Helix failures for the first calls (made
    // for scenarios of minutes); a workload's fault period lasts hours, so the plan repeats every hour of it.
    // The repeats as explicit timed parts, in the order they are scheduled (an explicit run lists them).
    json repeated_fault_plan() const {
        json plan = json::array();
        const auto plus = [this](sim::Instant t) { return "+" + scenario::format_duration(t - w_.start); };
        for (sim::Instant hour = w_.start + std::chrono::hours(1); hour < heal_at_; hour += std::chrono::hours(1)) {
            for (const auto& p : faults_.partitions) {
                const sim::Instant from = hour + p.at;
                if (from >= heal_at_) continue;
                plan.push_back({{"at", plus(from)},
                                {"partition", {p.a, p.b}},
                                {"for", scenario::format_duration(std::min(from + p.length, heal_at_) - from)}});
            }
            if (faults_.helix_fail_next > 0)
                plan.push_back({{"at", plus(hour)},
                                {"helix_fail",
                                 {{"next", faults_.helix_fail_next},
                                  {"status", faults_.helix_fail_status},
                                  {"drop", faults_.helix_fail_drop}}}});
        }
        return plan;
    }

    void schedule_fault_plan(const json& plan) {
        sim::LoopbackNetwork* net = &world_->loopback();
        fakes::MockHelixApi* helix = &world_->helix();
        for (const auto& part : plan) {
            const sim::Instant from = w_.start + *offset(part["at"]);
            if (part.contains("partition")) {
                auto endpoint = [this](const std::string& name) {
                    auto service = harness::parse_service(name);
                    return service ? world_->address(*service) : name;
                };
                const std::string a = endpoint(part["partition"][0]), b = endpoint(part["partition"][1]);
                const sim::Duration length = *scenario::parse_duration(part["for"].get<std::string>());
                world_->scheduler().at(from, "workload.partition", [net, a, b] { net->partition(a, b); });
                world_->scheduler().at(from + length, "workload.heal", [net, a, b] { net->heal(a, b); });
            } else {
                const scenario::FaultMix mix = scenario::fault_mix_from_json(json{{"helix_fail", part["helix_fail"]}});
                world_->scheduler().at(from, "workload.helix_fail", [helix, mix] {
                    helix->fail_next(mix.helix_fail_next, mix.helix_fail_status, mix.helix_fail_drop);
                });
            }
        }
    }

    ~WorkloadRun() {
        if (world_) world_->stop();
    }

    WorkloadOutcome run() {
        WorkloadOutcome outcome;
        outcome.seed = seed_;
        outcome.faults = faults_;
        outcome.started_at = world_->clock().now();
        const sim::Duration span = options_.span.value_or(w_.span);
        const sim::Duration heal_after =
            options_.span ? sim::Duration{static_cast<std::int64_t>(static_cast<double>(w_.heal_after.count()) *
                                                                    static_cast<double>(span.count()) /
                                                                    static_cast<double>(w_.span.count()))}
                          : w_.heal_after;
        end_ = w_.start + span;
        heal_at_ = faults_.any() ? w_.start + heal_after : w_.start;
        const bool scripted = w_.actions.has_value();
        json plan = json::array();
        if (scripted) plan = w_.fault_plan.value_or(json::array());
        else if (faults_.any()) plan = repeated_fault_plan();
        if (options_.record)
            outcome.script = {{"span", scenario::format_duration(span)},
                              {"heal_after", scenario::format_duration(heal_after)},
                              {"fault_plan", plan},
                              {"actions", json::array()}};
        recorded_ = options_.record ? &outcome.script["actions"] : nullptr;
        try {
            schedule_fault_plan(plan);
            schedule_all();
            while (!queue_.empty()) {
                Action a = queue_.top();
                queue_.pop();
                if (a.at > end_ && !(scripted && a.actor == script_actor())) {
                    if (scripted) continue;  // a scripted action sent late (after the span) still goes
                    break;
                }
                if (a.at > now()) world_->loop().run_until(a.at);
                if (a.actor == script_actor()) replay((*w_.actions)[a.entry]);
                else act(a.actor);
            }
            if (now() < end_) world_->loop().run_until(end_);
            liveness(true);
            checker_->check_now();
            audit_store();
            if (oracle_->failed()) throw RunStop{"oracle"};
            outcome.reached_end = true;
        } catch (const RunStop& stop) {
            outcome.verdict = WorkloadVerdict::fail;
            outcome.failure_kind = stop.kind;
            outcome.failure = stop.kind == "oracle" && oracle_->failure() ? oracle_->failure()->detail : stop_text_;
        } catch (const scenario::InvariantViolation& violation) {
            outcome.verdict = WorkloadVerdict::fail;
            outcome.failure_kind = "invariant";
            outcome.failure = violation.what();
        } catch (const sim::SimulationStuck& stuck) {
            outcome.verdict = WorkloadVerdict::fail;
            outcome.failure_kind = "stuck";
            outcome.failure = std::string("the simulation got stuck: ") + stuck.what();
        } catch (const std::exception& e) {
            outcome.verdict = WorkloadVerdict::fail;
            outcome.failure_kind = "internal";
            outcome.failure = std::string("internal error: ") + e.what();
        }
        if (outcome.verdict == WorkloadVerdict::fail)
            outcome.failure += "\n  simulated time: " + sim::format_iso8601(now()) +
                               "\n  reproduce: " +
                               (w_.actions ? "mgm-sim run " + w_.file : reproduce_command(w_.file, seed_, faults_.any()));
        outcome.ended_at = now();
        world_->loop().set_after_event(nullptr);
        for (const auto& [name, n] : scenario::faults_fired(*world_)) coverage_.fired(name, n);
        outcome.coverage = coverage_;
        outcome.requests = requests_;
        outcome.indeterminate = oracle_->indeterminate();
        outcome.digest = world_->trace().digest_hex();
        outcome.trace_records = world_->trace().size();
        if (!options_.trace_file.empty()) {
            // The file ends where the digest does: nothing recorded while the World is torn down.
            world_->trace().set_sink(nullptr);
            trace_out_.close();
            if (!trace_out_) throw WorkloadError("cannot write " + options_.trace_file);
        }
        return outcome;
    }

private:
    struct Action {
        sim::Instant at;
        std::uint64_t seq;
        int actor;
        std::size_t entry = 0;  // script_actor(): the index in the file's "actions"
        bool operator>(const Action& o) const { return at != o.at ? at > o.at : seq > o.seq; }
    };
    int desktop_actor() const { return static_cast<int>(viewers_.size()); }
    int e2e_actor() const { return desktop_actor() + 1; }
    int monitor_actor() const { return desktop_actor() + 2; }
    int healer_actor() const { return desktop_actor() + 3; }
    int script_actor() const { return desktop_actor() + 4; }

    sim::Instant now() const { return world_->clock().now(); }
    void at(sim::Instant t, int actor) { queue_.push(Action{t, ++seq_, actor}); }
    sim::Duration exponential(double per_hour) {
        const double mean = 3600.0 / std::max(per_hour, 1e-9);
        const double u = std::max(rng_.unit(), 1e-12);
        return sim::Duration{static_cast<std::int64_t>(-std::log(u) * mean * 10'000'000)};
    }
    sim::Duration uniform(sim::Duration lo, sim::Duration hi) {
        return lo + sim::Duration{static_cast<std::int64_t>(rng_.unit() * static_cast<double>((hi - lo).count()))};
    }

    void schedule_all() {
        if (w_.actions) {  // an explicit run: its actions (the heal among them), and the liveness monitor
            for (std::size_t i = 0; i < w_.actions->size(); ++i)
                queue_.push(Action{w_.start + *offset((*w_.actions)[i]["at"]), ++seq_, script_actor(), i});
            at(now() + std::chrono::seconds(30), monitor_actor());
            return;
        }
        for (std::size_t i = 0; i < viewers_.size(); ++i) at(now() + exponential(w_.viewer_actions_per_hour), static_cast<int>(i));
        at(now() + std::chrono::seconds(3), desktop_actor());
        if (w_.e2e_per_hour > 0) at(now() + exponential(w_.e2e_per_hour), e2e_actor());
        at(now() + std::chrono::seconds(30), monitor_actor());
        if (heal_at_ > w_.start) at(heal_at_, healer_actor());
    }

    void act(int actor) {
        if (actor < desktop_actor()) {
            viewer_turn(viewers_[static_cast<std::size_t>(actor)]);
            at(now() + exponential(w_.viewer_actions_per_hour), actor);
        } else if (actor == desktop_actor()) {
            desktop_turn();
        } else if (actor == e2e_actor()) {
            e2e_turn();
            at(now() + exponential(w_.e2e_per_hour), actor);
        } else if (actor == monitor_actor()) {
            liveness(false);
            at(now() + std::chrono::seconds(30), actor);
        } else if (actor == healer_actor()) {
            heal();
        }
    }

    // Every fault ends: link faults, partitions, Helix failures still planned.
    void heal() {
        record(json{{"do", "heal"}});
        world_->loopback().set_default_faults(sim::LinkFaults{});
        world_->loopback().clear_link_faults();
        world_->loopback().heal_all();
        world_->helix().fail_next(0, 500);
        oracle_->set_faults_active(false);
        // A Helix call or a gift subscriber check started before the heal may still fail: give them time.
        faults_settle_at_ = now() + std::chrono::seconds(95);
    }

    // ----- sending ----------------------------------------------------------------------------------------

    http::ClientResult send(const std::shared_ptr<Op>& op, const std::string& address, http::Request request,
                            bool via_mock = false) {
        op->number = ++requests_;
        op->sent_at = now();
        op->method = request.method;
        if (op->target.empty()) op->target = request.target;
        oracle_->begin(op);
        http::ClientResult result = world_->driver().send(address, std::move(request), std::chrono::seconds(120));
        if (options_.tamper_answer) options_.tamper_answer(result);
        oracle_->finish(op, result, via_mock);
        if (oracle_->failed()) throw RunStop{"oracle"};
        return result;
    }

    sim::Duration mistake_span(sim::Duration lo, sim::Duration hi) {
        return lo + sim::Duration{static_cast<std::int64_t>(mistakes_.unit() * static_cast<double>((hi - lo).count()))};
    }

    // The token mistake of one viewer request, drawn (`tokens` in the file): empty for a fresh token, else as an
    // explicit run records it: {"missing": true}, or the token's nbf in seconds from now's, with "key" or "aud"
    // "other" for another extension's key or client id.
    json draw_token() {
        const TokenMistakes& t = w_.tokens;
        double roll = mistakes_.unit();
        auto pick = [&roll](double share) {
            roll -= share;
            return roll < 0;
        };
        const sim::Duration life = std::chrono::hours(2);
        if (pick(t.missing)) return json{{"missing", true}};
        sim::Instant issued = now();
        json token = json::object();
        if (pick(t.near_expiry)) issued = now() - life + mistake_span(-std::chrono::seconds(240), std::chrono::seconds(240));
        else if (pick(t.expired)) issued = now() - life - mistake_span(std::chrono::seconds(360), std::chrono::hours(3));
        else if (pick(t.early)) issued = now() + mistake_span(std::chrono::seconds(1), std::chrono::seconds(240));
        else if (pick(t.not_yet_valid)) issued = now() + mistake_span(std::chrono::seconds(360), std::chrono::hours(1));
        else if (pick(t.bad_signature)) token["key"] = "other";
        else if (pick(t.wrong_audience)) token["aud"] = "other";
        if (roll >= 0) return json::object();
        token["nbf"] = issued.unix_seconds_floor() - now().unix_seconds_floor();
        return token;
    }

    // The Extension's token for one request, like MockExtensionJwt's (nbf = iat = issue, exp = issue + 2 h):
    // fresh, or with the mistake `token` describes (draw_token). What was sent goes into `op` for the oracle.
    // Returns the Authorization value (empty: none sent).
    std::string viewer_authorization(const Viewer& v, Op& op, const json& token) {
        if (token.value("missing", false)) {
            op.token_fault = "missing";
            return {};
        }
        std::string key = jwt_key_;
        std::string aud = client_id_;
        if (token.contains("key")) {
            op.token_fault = "bad_signature";
            key = "another-extension-secret-0123456789";  // a token minted for another extension, or before a key rotation
        }
        if (token.contains("aud")) {
            op.token_wrong_audience = true;
            aud = "another-extension-client-id";
        }
        const std::int64_t nbf = now().unix_seconds_floor() + token.value("nbf", std::int64_t{0});
        nlohmann::ordered_json payload;
        payload["user_id"] = v.id;
        payload["unique_name"] = v.login;
        if (!aud.empty()) payload["aud"] = aud;
        payload["nbf"] = nbf;
        payload["exp"] = nbf + 7200;
        payload["iat"] = nbf;
        op.token_not_before = sim::Instant::from_unix_seconds(nbf);
        op.token_expires = sim::Instant::from_unix_seconds(nbf + 7200);
        return "Bearer " + sim::jwt::encode(payload, key);
    }

    http::ClientResult viewer_request(const Viewer& v, const std::shared_ptr<Op>& op, const std::string& method,
                                      const std::string& target, const std::string& body = {},
                                      const json& token = json::object()) {
        const Op unsent = *op;  // for a resend after a refused token
        http::Request request;
        request.method = method;
        request.target = target;
        const std::string authorization = viewer_authorization(v, *op, token);
        if (!authorization.empty()) request.headers.set("Authorization", authorization);
        if (!body.empty()) {
            request.headers.set("Content-Type", "application/json");
            request.body = body;
        }
        op->user = v.id;
        op->display = v.login;
        http::ClientResult result = send(op, world_->address(harness::Service::ebs), std::move(request));
        // The Extension asks Twitch for a fresh token (onAuthorized) and sends the request again.
        if (!token.empty() && result.ok() && result.response->status == 401)
            return viewer_request(v, std::make_shared<Op>(unsent), method, target, body);
        return result;
    }

    http::ClientResult desktop_request(const std::shared_ptr<Op>& op, const std::string& method,
                                       const std::string& target, const std::string& body = {}) {
        http::Request request;
        request.method = method;
        request.target = target;
        request.headers.set("X-MGM-ApiKey", api_key_);
        if (!body.empty()) {
            request.headers.set("Content-Type", "application/json");
            request.body = body;
        }
        desktop_sent_.push_back(now());
        return send(op, world_->address(harness::Service::ebs), std::move(request));
    }

    // ----- one request, built from what it means: the live actors and an explicit run's replay share it ------

    void record(json entry) {
        if (!recorded_) return;
        json action{{"at", "+" + scenario::format_duration(now() - w_.start)}};
        action.update(entry);
        recorded_->push_back(std::move(action));
    }

    Viewer& viewer(const std::string& id) {
        for (auto& v : viewers_)
            if (v.id == id) return v;
        throw std::logic_error("workload: no viewer " + id);  // check_action refuses unknown viewers
    }

    // Sends `op` (kind and meaning filled in) as the request a real client sends for it; `extra` goes into the
    // recorded action with it (what the replay needs beyond the request: a report's lateness, a chat delivery's
    // forgery). A live viewer request draws its token mistake here; a replay (`live` false) has it in `extra`.
    http::ClientResult perform(const std::shared_ptr<Op>& op, json extra = json::object(), bool live = true) {
        json entry{{"do", action_name(op->kind)}};
        switch (op->kind) {
        case OpKind::chat: entry.update({{"name", op->name}, {"message_id", op->message_id}}); break;
        case OpKind::claim: entry.update({{"name", op->name}, {"request_id", op->request_id}}); break;
        case OpKind::gift_create: entry["name"] = op->name; break;
        case OpKind::verify: entry.update({{"cycle", op->cycle_id}, {"name", op->name}, {"online", op->online}}); break;
        case OpKind::accept: entry.update({{"payout", op->payout_id}, {"name", op->name}}); break;
        case OpKind::patch: entry.update({{"payout", op->payout_id}, {"status", kPayoutStatus[op->to_status]}}); break;
        case OpKind::gift_select: entry["gift"] = op->gift_id; break;
        case OpKind::gift_confirm: entry.update({{"gift", op->gift_id}, {"confirmed", op->confirmed}}); break;
        case OpKind::e2e: entry["user"] = op->user; break;
        default: break;
        }
        if (!op->payout_id.empty())
            if (const Oracle::Payout* p = oracle_->payout(op->payout_id)) entry["of"] = p->user;
        if (!op->gift_id.empty())
            for (const auto& g : oracle_->gifts())
                if (g.id == op->gift_id) entry["of"] = g.viewer;
        const bool by_viewer = action_kind(entry["do"])->viewer;
        if (by_viewer) entry["by"] = op->user;
        if (live && by_viewer && op->kind != OpKind::chat) {
            const json token = draw_token();
            if (!token.empty()) extra["token"] = token;
        }
        entry.update(extra);
        record(std::move(entry));
        if (by_viewer) {
            Viewer& v = viewer(op->user);
            const json token = extra.value("token", json::object());
            switch (op->kind) {
            case OpKind::chat: return send_chat(v, op, extra.value("delivery", json::object()));
            case OpKind::claim:
                return viewer_request(v, op, "POST", "/api/payouts/claim",
                                      json{{"characterName", op->name}, {"enrollmentRequestId", op->request_id}}.dump(),
                                      token);
            case OpKind::gift_create:
                op->streamer = kStreamer;
                return viewer_request(v, op, "POST", "/api/gift-requests",
                                      json{{"streamerId", kStreamer}, {"characterName", op->name}}.dump(), token);
            case OpKind::pool_me: return viewer_request(v, op, "GET", "/api/pool/me", {}, token);
            case OpKind::my_last: return viewer_request(v, op, "GET", "/api/payouts/my-last", {}, token);
            default: return viewer_request(v, op, "GET", "/api/roulette/state", {}, token);
            }
        }
        switch (op->kind) {
        case OpKind::pending: return desktop_request(op, "GET", "/api/payouts/pending");
        case OpKind::verify: {
            const json body{{"schemaVersion", 1},
                            {"spinCycleId", op->cycle_id},
                            {"characterName", op->name},
                            {"online", op->online},
                            {"capturedAt", sim::format_iso8601(now())}};
            return desktop_request(op, "POST", "/api/roulette/verify-candidate", body.dump());
        }
        case OpKind::accept:
            return desktop_request(op, "POST", "/api/payouts/" + op->payout_id + "/confirm-acceptance",
                                   json{{"characterName", op->name}}.dump());
        case OpKind::patch:
            return desktop_request(op, "PATCH", "/api/payouts/" + op->payout_id + "/status",
                                   json{{"status", kPayoutStatus[op->to_status]}}.dump());
        case OpKind::gift_list:
            op->streamer = kStreamer;
            return desktop_request(op, "GET", std::string("/api/gift-requests?streamerId=") + kStreamer);
        case OpKind::gift_select: {
            const json item{{"name", "Hearthstone"}, {"id", 6948},          {"count", 1},
                            {"link", "|cffffffff|Hitem:6948::::::::80:::::|h[Hearthstone]|h|r"},
                            {"texture", "Interface\\Icons\\INV_Misc_Rune_01"}, {"bagId", 0}, {"slotId", 1}};
            return desktop_request(op, "POST", "/api/gift-requests/" + op->gift_id + "/select-item",
                                   json{{"item", item}}.dump());
        }
        case OpKind::gift_confirm:
            return desktop_request(op, "POST", "/api/gift-requests/" + op->gift_id + "/confirm",
                                   json{{"confirmed", op->confirmed}}.dump());
        default:
            return desktop_request(op, "POST", "/api/e2e/prepare-pending-payout", json{{"twitchUserId", op->user}}.dump());
        }
    }

    // An explicit run's action. Ids the EBS made (payouts, gifts, cycles) are used as written when this run has
    // them for the same viewer; a shrunk run may have other ids, so otherwise the action means the viewer's
    // latest payout or gift request, or the latest drawn cycle.
    void replay(const json& a) {
        const std::string what = a["do"];
        if (what == "heal") return heal();
        auto op = std::make_shared<Op>();
        op->kind = action_kind(what)->kind;
        op->user = a.value("by", a.value("user", ""));
        op->name = a.value("name", "");
        op->message_id = a.value("message_id", "");
        op->request_id = a.value("request_id", "");
        const std::string of = a.value("of", "");
        if (a.contains("payout")) {
            op->payout_id = a["payout"];
            const Oracle::Payout* p = oracle_->payout(op->payout_id);
            if (!p || p->user != of) {
                for (const auto& q : oracle_->payouts())
                    if (q.user == of) p = &q;
                if (p && p->user == of) {
                    op->payout_id = p->id;
                    if (op->kind == OpKind::accept) op->name = p->name;
                }
            }
        }
        if (a.contains("gift")) {
            op->gift_id = a["gift"];
            std::string latest;
            bool same = false;
            for (const auto& g : oracle_->gifts())
                if (g.viewer == of) {
                    latest = g.id;
                    same = same || g.id == op->gift_id;
                }
            if (!same && !latest.empty()) op->gift_id = latest;
        }
        if (op->kind == OpKind::patch)
            for (int i = 0; i < 5; ++i)
                if (a["status"] == kPayoutStatus[i]) op->to_status = i;
        op->confirmed = a.value("confirmed", true);
        if (op->kind == OpKind::verify) {
            op->cycle_id = a["cycle"];
            op->online = a["online"];
            const Oracle::Draw* draw = nullptr;
            for (const auto& d : oracle_->draws())
                if (d.cycle == op->cycle_id) draw = &d;
            if (!draw && !oracle_->draws().empty()) {
                draw = &oracle_->draws().back();
                op->cycle_id = draw->cycle;
                op->name = draw->name;
            }
            DesktopReport* report = nullptr;
            for (auto& r : reports_)
                if (r.cycle == op->cycle_id) report = &r;
            if (!report) {
                DesktopReport fresh;
                fresh.cycle = op->cycle_id;
                fresh.name = op->name;
                fresh.drawn_at = draw ? draw->at : now();
                fresh.boundary = floor5(fresh.drawn_at) + std::chrono::seconds(300);
                fresh.online = op->online;
                fresh.late = a.value("late", false);
                fresh.due = now();
                reports_.push_back(fresh);
                report = &reports_.back();
            }
            const std::size_t index = static_cast<std::size_t>(report - reports_.data());
            auto r = perform(op, {{"late", report->late}}, false);
            report_answered(reports_[index], r, *op);
            return;
        }
        json extra = json::object();
        for (const char* key : {"token", "delivery"})
            if (a.contains(key)) extra[key] = a[key];
        auto r = perform(op, extra, false);
        if (op->kind == OpKind::pending && a.contains("take")) {
            const json& take = a["take"];
            const Oracle::Payout* p = oracle_->payout(take.value("payout", ""));
            if (!p || p->user != take.value("of", "")) {
                p = nullptr;
                for (const auto& q : oracle_->payouts())
                    if (q.user == take.value("of", "")) p = &q;
            }
            if (p && take.value("sent", false)) driven_.push_back({p->id, now()});
        }
        (void)r;
    }

    static bool retryable(const http::ClientResult& r) {
        return !r.ok() || r.response->status == 429 || r.response->status >= 500;
    }

    // ----- viewers ----------------------------------------------------------------------------------------

    // One delivery of a viewer's chat message, as `op` and `delivery` say (docs/WORKLOADS.md "eventsub"):
    // delivery.fault "" as Twitch sends it, through the webhook mock; "stale" (stamped `stamped` ticks from now)
    // and "reused_id" (under delivery.id) through the mock too; "bad_signature" (forged as `variant` says) and
    // "missing_header" (without header number `header`) posted to the EBS directly, as a forger would (the mock
    // refuses them itself, §8).
    http::ClientResult send_chat(Viewer& v, const std::shared_ptr<Op>& op, const json& delivery) {
        namespace es = fakes::eventsub;
        const std::string fault = delivery.value("fault", "");
        es::ChatMessage message;
        message.message_id = op->message_id;
        message.chatter_user_id = v.id;
        message.chatter_user_login = v.login;
        message.text = "!twgold " + op->name;
        if (!v.subscriber) message.badges.clear();
        const std::string body = es::chat_message_body(message);
        const sim::Instant stamped = now() + sim::Duration{delivery.value("stamped", std::int64_t{0})};
        const std::string timestamp = sim::format_iso8601(stamped);
        const std::string delivery_id = fault == "reused_id" ? delivery.value("id", "") : op->message_id;
        http::Request request;
        request.method = "POST";
        request.target = "/api/twitch/eventsub";
        request.headers = es::delivery_headers(secret_, delivery_id, timestamp, body);
        request.body = body;
        const bool direct = fault == "bad_signature" || fault == "missing_header";
        if (fault == "bad_signature") {
            const std::string signature = request.headers.get(es::kSignatureHeader).value_or("");
            switch (delivery.value("variant", 0)) {
            case 0: request.headers = es::delivery_headers("not-the-configured-secret", delivery_id, timestamp, body); break;
            case 1:  // the honest body's signature on a body that names someone else
                message.text = "!twgold Forgedname";
                request.body = es::chat_message_body(message);
                break;
            case 2:  // a prefix of the right signature
                request.headers.set(es::kSignatureHeader, signature.substr(0, delivery.value("cut", std::size_t{7})));
                break;
            default: request.headers.set(es::kSignatureHeader, signature.substr(7)); break;  // no "sha256="
            }
        } else if (fault == "missing_header") {
            request.headers.remove(es::kHeaders[delivery.value("header", 0) % 3]);
        } else {
            last_delivery_id_ = delivery_id;
        }
        op->user = v.id;
        op->display = v.login;
        op->subscriber = v.subscriber;
        op->delivery_fault = fault;
        op->delivery_timestamp = sim::parse_iso8601(timestamp);
        return send(op, world_->address(direct ? harness::Service::ebs : harness::Service::eventsub),
                    std::move(request), !direct);
    }

    // A live delivery: the forger's choices drawn here (the clients' mistakes stream), then sent as recorded.
    http::ClientResult chat(Viewer& v, const std::string& name, const std::string& message_id,
                            const std::string& fault = {}, std::optional<sim::Instant> stamped = std::nullopt) {
        json delivery = json::object();
        if (!fault.empty()) delivery["fault"] = fault;
        if (stamped) delivery["stamped"] = (*stamped - now()).count();
        if (fault == "reused_id") delivery["id"] = last_delivery_id_;
        if (fault == "bad_signature") {
            delivery["variant"] = mistakes_.uniform(4);
            if (delivery["variant"] == 2) delivery["cut"] = 7 + mistakes_.uniform(64);
        } else if (fault == "missing_header") {
            delivery["header"] = mistakes_.uniform(3);
        }
        auto op = std::make_shared<Op>();
        op->kind = OpKind::chat;
        op->user = v.id;
        op->name = name;
        op->message_id = message_id;
        return perform(op, delivery.empty() ? json::object() : json{{"delivery", delivery}});
    }

    // Twitch redelivers a message it got no 2xx for, with the same id; a duplicate delivery happens anyway.
    // Now and then a forged copy reaches the EBS first, or Twitch's delivery carries an old timestamp or an
    // earlier delivery's id (`eventsub` in the file).
    void chat_with_retries(Viewer& v, const std::string& name) {
        const std::string id = rng_.uuid_v4().str();
        const DeliveryMistakes& m = w_.eventsub;
        if (mistakes_.chance(m.bad_signature)) chat(v, name, mistakes_.uuid_v4().str(), "bad_signature");
        if (mistakes_.chance(m.missing_header)) chat(v, name, mistakes_.uuid_v4().str(), "missing_header");
        std::string fault;
        std::optional<sim::Instant> stamped;
        if (mistakes_.chance(m.stale)) {
            // Inside the 10-minute replay window (1-9 minutes) or well outside it (11 minutes to 3 hours); a
            // quarter of them ahead of the EBS's clock.
            fault = "stale";
            const sim::Duration off = mistakes_.chance(0.4)
                                          ? mistake_span(std::chrono::seconds(60), std::chrono::seconds(540))
                                          : mistake_span(std::chrono::seconds(660), std::chrono::hours(3));
            stamped = mistakes_.chance(0.25) ? now() + off : now() - off;
        } else if (mistakes_.chance(m.reused_id) && !last_delivery_id_.empty()) {
            fault = "reused_id";
        }
        for (int attempt = 0; attempt < 3; ++attempt) {
            auto r = chat(v, name, id, fault, stamped);
            if (!retryable(r)) break;
            world_->loop().run_until(now() + std::chrono::seconds(2 << attempt));
        }
        if (rng_.chance(w_.duplicate_delivery)) {
            world_->loop().run_until(now() + std::chrono::seconds(1));
            chat(v, name, id, fault, stamped);
        }
    }

    std::string fresh_name(const Viewer& v) {
        std::string base = kBaseNames[rng_.uniform(std::size(kBaseNames))];
        const std::size_t extra = std::min<std::size_t>(static_cast<std::size_t>(rng_.uniform_range(1, 3)), 12 - base.size());
        for (std::size_t i = 0; i < extra; ++i) base += static_cast<char>('a' + rng_.uniform(26));
        return base == v.name ? base + "x" : base;
    }

    void viewer_turn(Viewer& v) {
        const double weights[] = {w_.mix.enroll, w_.mix.rename, w_.mix.taken_name, w_.mix.invalid_name,
                                  w_.mix.claim,  w_.mix.poll,   w_.mix.burst,      w_.mix.gift};
        double total = 0;
        for (double x : weights) total += x;
        if (total <= 0) return;
        double pick = rng_.unit() * total;
        int choice = 0;
        while (choice < 7 && pick >= weights[choice]) pick -= weights[choice++];
        switch (choice) {
        case 0: chat_with_retries(v, v.name); break;
        case 1:
            v.name = fresh_name(v);
            chat_with_retries(v, v.name);
            break;
        case 2: {
            const auto& pool = oracle_->pool();
            std::string name = v.name;
            for (const auto& m : pool)
                if (m.user != v.id) {
                    name = m.name;
                    if (rng_.chance(0.5)) break;
                }
            chat_with_retries(v, name);
            break;
        }
        case 3: chat_with_retries(v, kInvalidNames[rng_.uniform(std::size(kInvalidNames))]); break;
        case 4: claim(v); break;
        case 5: poll(v, static_cast<int>(rng_.uniform(3))); break;
        case 6:
            for (int i = 0; i < 7; ++i) poll(v, 0);
            break;
        case 7: gift(v); break;
        }
    }

    void claim(Viewer& v) {
        std::string request_id;
        if (v.claims > 0 && rng_.chance(0.2)) request_id = "req-" + v.id + "-" + std::to_string(v.claims);
        else if (rng_.chance(0.05)) request_id = "req-" + viewers_[rng_.uniform(viewers_.size())].id + "-1";
        else request_id = "req-" + v.id + "-" + std::to_string(++v.claims);
        const std::string name = rng_.chance(0.15) ? kInvalidNames[rng_.uniform(std::size(kInvalidNames))] : v.name;
        for (int attempt = 0; attempt < 3; ++attempt) {
            auto op = std::make_shared<Op>();
            op->kind = OpKind::claim;
            op->user = v.id;
            op->name = name;
            op->request_id = request_id;
            auto r = perform(op);
            if (!retryable(r)) break;
            world_->loop().run_until(now() + std::chrono::seconds(3 << attempt));
        }
    }

    void poll(Viewer& v, int which) {
        static const OpKind kinds[] = {OpKind::state, OpKind::pool_me, OpKind::my_last};
        auto op = std::make_shared<Op>();
        op->kind = kinds[which];
        op->user = v.id;
        perform(op);
    }

    void gift(Viewer& v) {
        const std::string name = rng_.chance(0.1) ? "X" : v.name;
        for (int attempt = 0; attempt < 2; ++attempt) {
            auto op = std::make_shared<Op>();
            op->kind = OpKind::gift_create;
            op->user = v.id;
            op->name = name;
            auto r = perform(op);
            if (!retryable(r)) break;
            world_->loop().run_until(now() + std::chrono::seconds(5));
        }
    }

    // ----- the Desktop ------------------------------------------------------------------------------------

    // Its own pacing: at most 4 requests in any 60 s (the EBS allows 5 per window, all Desktop calls share one).
    bool desktop_budget() {
        while (!desktop_sent_.empty() && now() - desktop_sent_.front() >= std::chrono::seconds(61))
            desktop_sent_.pop_front();
        return desktop_sent_.size() < 4;
    }

    void learn_draws() {
        const auto& draws = oracle_->draws();
        for (; draws_seen_ < draws.size(); ++draws_seen_) {
            const auto& d = draws[draws_seen_];
            DesktopReport report;
            report.cycle = d.cycle;
            report.name = d.name;
            report.drawn_at = d.at;
            report.boundary = floor5(d.at) + std::chrono::seconds(300);
            report.online = rng_.chance(w_.desktop_online);
            report.late = rng_.chance(w_.desktop_late);
            report.due = report.late ? report.boundary + uniform(std::chrono::seconds(1), std::chrono::seconds(20))
                                     : d.at + uniform(w_.report_delay_min, w_.report_delay_max);
            if (!report.late && report.due > report.boundary - std::chrono::seconds(3))
                report.due = report.boundary - std::chrono::seconds(3);
            reports_.push_back(report);
            at(report.due, desktop_actor());
        }
    }

    void desktop_turn() {
        // One regular tick chain; extra wake-ups (report due) do not start another chain.
        const bool regular = now() >= next_tick_;
        if (regular) {
            next_tick_ = now() + w_.desktop_tick;
            at(next_tick_, desktop_actor());
        }
        learn_draws();
        if (!desktop_budget()) {
            at(desktop_sent_.front() + std::chrono::seconds(61), desktop_actor());  // when a permit is back
            return;
        }
        bool report_waiting = false;
        for (auto& report : reports_) {
            if (report.done) continue;
            if (now() >= report.due) return send_report(report);
            report_waiting = true;
        }
        // A drawn candidate is reported before anything else: keep the permits for it.
        if (report_waiting) return;
        if (work_ && now() >= work_->not_before) return payout_step();
        if (gift_work_) return gift_step();
        if (!regular) return;
        if (++idle_ticks_ % 4 == 0) return gift_list();
        poll_pending();
    }

    void backoff(int& attempts, sim::Instant* not_before = nullptr) {
        coverage_.reach("desktop_retry");
        ++attempts;
        if (not_before) *not_before = now() + std::chrono::seconds(std::min(120, 5 << std::min(attempts, 5)));
    }

    void send_report(DesktopReport& report) {
        auto op = std::make_shared<Op>();
        op->kind = OpKind::verify;
        op->cycle_id = report.cycle;
        op->name = report.name;
        op->online = report.online;
        auto r = perform(op, {{"late", report.late}});
        if (report_answered(report, r, *op)) {
            report.due = now() + std::chrono::seconds(2);
            at(report.due, desktop_actor());
        }
    }

    // A report's answer; true when the Desktop tries again (2 s later, before the boundary, at most 4 times).
    bool report_answered(DesktopReport& report, const http::ClientResult& r, const Op& op) {
        if (retryable(r) && ++report.attempts < 4 && now() < report.boundary) {
            coverage_.reach("desktop_retry");
            return true;
        }
        report.done = true;
        report.outcome = r.ok() ? std::to_string(r.response->status) + " " + op.note : "no answer";
        report.reached_ebs_in_time = op.evaluated && op.evaluated_at < report.boundary;
        return false;
    }

    void poll_pending() {
        auto op = std::make_shared<Op>();
        op->kind = OpKind::pending;
        auto r = perform(op);
        json* entry = recorded_ && !recorded_->empty() ? &recorded_->back() : nullptr;
        if (!r.ok() || r.response->status != 200 || work_) return;
        const json list = json::parse(r.response->body, nullptr, false);
        if (!list.is_array()) return;
        for (const auto& p : list) {
            const std::string id = p.value("id", "");
            if (abandoned_.count(id)) continue;
            PayoutWork work;
            work.id = id;
            work.name = p.value("characterName", "");
            work.taken_at = now();
            const double roll = rng_.unit();
            if (roll < w_.desktop_cancel) work.final_status = 4;
            else if (roll < w_.desktop_cancel + w_.desktop_fail) work.final_status = 3;
            else if (roll < w_.desktop_cancel + w_.desktop_fail + w_.desktop_requeue) work.final_status = 0;
            else if (roll < w_.desktop_cancel + w_.desktop_fail + w_.desktop_requeue + w_.desktop_abandon)
                work.final_status = -1;
            else driven_.push_back({id, now()});
            if (entry) {
                const Oracle::Payout* p = oracle_->payout(id);
                (*entry)["take"] = {{"payout", id}, {"of", p ? p->user : ""}, {"sent", work.final_status == 2}};
            }
            work_ = work;
            return;
        }
    }

    void payout_step() {
        PayoutWork& work = *work_;
        auto op = std::make_shared<Op>();
        op->payout_id = work.id;
        http::ClientResult r;
        if (work.step == 0) {
            op->kind = OpKind::accept;
            op->name = work.name;
        } else {
            op->kind = OpKind::patch;
            op->to_status = work.step == 1 ? 1 : work.final_status;
        }
        r = perform(op);
        const bool sent_step = work.step == 2 && work.final_status == 2;
        if (r.ok() && r.response->status == 500 && sent_step) {  // D1: Sent is committed
            work_.reset();
            return;
        }
        if (retryable(r)) {
            if (work.attempts >= 6) {
                work_.reset();  // give up; the payout shows up in pending again if it is still Pending
                return;
            }
            backoff(work.attempts, &work.not_before);
            return;
        }
        if (r.response->status >= 400) {  // 404/409: the payout moved on (expired, or a retried step had landed)
            work_.reset();
            return;
        }
        work.attempts = 0;
        // Forgotten after accepting (still Pending) or after InProgress: the expiry must take both.
        if (work.final_status == -1 && (work.step == 1 || (work.step == 0 && rng_.chance(0.5)))) {
            abandoned_.insert(work.id);  // accepted, then forgotten: the hourly expiry must take it
            work_.reset();
            return;
        }
        if (++work.step > 2) {
            if (sent_step) coverage_.reach("payout_sent");
            work_.reset();
        }
    }

    void gift_list() {
        auto op = std::make_shared<Op>();
        op->kind = OpKind::gift_list;
        auto r = perform(op);
        if (!r.ok() || r.response->status != 200 || gift_work_) return;
        const json list = json::parse(r.response->body, nullptr, false);
        if (!list.is_array()) return;
        for (const auto& g : list) {
            const std::string id = g.value("id", "");
            const std::string state = g.value("state", "");
            if (ignored_gifts_.count(id)) continue;
            if (state == "SelectingItem") {
                if (rng_.chance(w_.gift_select_timeout)) {
                    ignored_gifts_.insert(id);
                    continue;
                }
                gift_work_ = GiftWork{id, 0, 0};
                return;
            }
            if (state == "WaitingConfirmation") {
                gift_work_ = GiftWork{id, 1, 0};
                return;
            }
        }
    }

    void gift_step() {
        GiftWork& work = *gift_work_;
        auto op = std::make_shared<Op>();
        op->gift_id = work.id;
        http::ClientResult r;
        if (work.step == 0) {
            op->kind = OpKind::gift_select;
            r = perform(op);
        } else {
            if (rng_.chance(w_.gift_confirm_timeout)) {
                ignored_gifts_.insert(work.id);
                gift_work_.reset();
                return;
            }
            op->kind = OpKind::gift_confirm;
            op->confirmed = !rng_.chance(w_.gift_decline);
            r = perform(op);
        }
        if (retryable(r)) {
            if (++work.attempts >= 4) gift_work_.reset();
            else coverage_.reach("desktop_retry");
            return;
        }
        if (r.response->status >= 400 || work.step == 1) {
            gift_work_.reset();
            return;
        }
        work.step = 1;
        work.attempts = 0;
    }

    void e2e_turn() {
        if (!desktop_budget() || !oracle_->cycle()) return;
        const auto& pool = oracle_->pool();
        std::string user = viewers_[rng_.uniform(viewers_.size())].id;
        if (!pool.empty() && rng_.chance(0.8)) user = pool[rng_.uniform(pool.size())].user;
        auto op = std::make_shared<Op>();
        op->kind = OpKind::e2e;
        op->user = user;
        perform(op);
    }

    // ----- liveness (docs/WORKLOADS.md) ---------------------------------------------------------------------

    [[noreturn]] void liveness_failure(const std::string& condition, sim::Instant since, const std::string& detail) {
        stop_text_ = "liveness: " + condition + "\n  not held since " + sim::format_iso8601(since) + " (" +
                     scenario::format_duration(now() - since) + " ago; faults healed at " +
                     sim::format_iso8601(heal_at_) + ", budget " + scenario::format_duration(w_.liveness_budget) +
                     ")\n  " + detail;
        throw RunStop{"liveness"};
    }

    void liveness(bool at_end) {
        const sim::Instant t = now();
        const sim::Instant healed = std::max(heal_at_, faults_settle_at_);
        if (t < healed) return;
        const sim::Duration budget = w_.liveness_budget;
        // 1. With a non-empty pool, each cycle draws: a cycle opens at every boundary, and one that started
        //    with members draws its candidate at +240 s.
        for (sim::Instant b = floor5(healed) + std::chrono::seconds(300); b + std::chrono::seconds(245) <= t;
             b += std::chrono::seconds(300)) {
            if (b < checked_boundary_) continue;
            const Oracle::Opening* opening = nullptr;
            for (const auto& o : oracle_->openings())
                if (o.start == b) opening = &o;
            if (!opening)
                liveness_failure("a cycle opens at every 5-minute boundary", b,
                                 "no cycle opened at " + sim::format_iso8601(b));
            // Drawn at the first tick from +240 s on at which the pool has members (a Sent may have emptied it).
            const auto due = opening->pool_was_empty
                                 ? std::nullopt
                                 : oracle_->first_nonempty(b + std::chrono::seconds(240), b + std::chrono::seconds(297));
            if (due && *due + std::chrono::seconds(2) > t) break;  // not yet due: check again later
            if (due) {
                bool drawn = oracle_->forced(opening->cycle);
                for (const auto& d : oracle_->draws()) drawn = drawn || d.cycle == opening->cycle;
                if (!drawn)
                    liveness_failure("a cycle that starts with a non-empty pool draws a candidate", *due,
                                     "cycle " + opening->cycle + " opened at " + sim::format_iso8601(b) +
                                         " with members, the pool has members since " + sim::format_iso8601(*due) +
                                         "; no candidate by " + sim::format_iso8601(t));
            }
            checked_boundary_ = b + std::chrono::seconds(300);
        }
        // 2. A candidate reported online gets a payout unless a rule forbids it.
        for (const auto& report : reports_) {
            // (A cycle whose candidate the E2E route replaced answers another name: a rule forbids it.)
            if (!report.done || report.late || !report.online || report.drawn_at < healed ||
                !report.reached_ebs_in_time || oracle_->forced(report.cycle))
                continue;
            const bool ok = report.outcome.rfind("200 payout", 0) == 0 || report.outcome == "200 consumed" ||
                            report.outcome.rfind("409", 0) == 0;
            if (!ok)
                liveness_failure("a candidate reported online in time gets a payout unless a rule forbids it",
                                 report.due, "cycle " + report.cycle + " candidate " + report.name + ": " +
                                                 report.outcome);
        }
        // 3. Every payout the Desktop drives reaches Sent within the budget.
        for (const auto& [id, taken] : driven_) {
            if (taken < healed || t - taken < budget) continue;
            const Oracle::Payout* p = oracle_->payout(id);
            if (p && p->status != 2 && p->status != 5)
                liveness_failure("every payout the Desktop drives reaches Sent", taken,
                                 "payout " + id + " is " + std::to_string(p->status) + " (0 Pending, 1 InProgress)");
        }
        // 4. Every Sent payout is announced exactly once, unless all three Helix attempts failed.
        for (const auto& p : oracle_->payouts()) {
            if (p.status != 2 || p.created < healed) continue;
            if (!p.three_failures && p.announcements != 1 && t - p.created > budget)
                liveness_failure("every Sent payout is announced exactly once unless all three Helix attempts failed",
                                 p.created, "payout " + p.id + " announced " + std::to_string(p.announcements) +
                                                " times, " + std::to_string(p.helix_failures) + " failed attempts");
        }
        // 5. Nothing stays active past its expiry (payouts: 24 h + the hourly worker; gifts: timeout + 5 s).
        for (const auto& p : oracle_->payouts())
            if ((p.status == 0 || p.status == 1) && t > p.created + std::chrono::hours(25) + std::chrono::seconds(2))
                liveness_failure("nothing stays active past its expiry", p.created + std::chrono::hours(25),
                                 "payout " + p.id + " created " + sim::format_iso8601(p.created) + " is still active");
        for (const auto& g : oracle_->gifts())
            if ((g.state == 1 || g.state == 3) && g.timeout_at && t > *g.timeout_at + std::chrono::seconds(7))
                liveness_failure("nothing stays active past its expiry", *g.timeout_at,
                                 "gift request " + g.id + " is still waiting past its timeout");
        (void)at_end;
    }

    // The end: the store holds what the model says (pool in order, every payout's status).
    void audit_store() {
        const auto& store = world_->ebs().store();
        const auto pool = store.list_pool();
        std::string model, actual;
        for (const auto& m : oracle_->pool()) model += " " + m.user + "=" + m.name;
        for (const auto& m : pool) actual += " " + m.twitch_user_id + "=" + m.character_name;
        if (model != actual) {
            stop_text_ = "oracle: the pool at the end differs from the model\n  model:" + model + "\n  store:" + actual;
            throw RunStop{"oracle"};
        }
        for (const auto& p : store.list_payouts()) {
            const Oracle::Payout* m = oracle_->payout(p.id.str());
            if (!m || m->status != static_cast<int>(p.status)) {
                stop_text_ = "oracle: payout " + p.id.str() + " is " + backend::to_string(p.status) +
                             " in the store; the model has " + (m ? std::to_string(m->status) : "no such payout");
                throw RunStop{"oracle"};
            }
        }
    }

    const Workload& w_;
    std::uint64_t seed_;
    scenario::FaultMix faults_;
    WorkloadOptions options_;
    sim::Rng rng_;
    sim::Rng mistakes_;  // the clients' mistakes: their own stream, so the rest of a run's choices stay put
    std::ofstream trace_out_;  // the World's trace sink (--trace): declared first, destroyed after the World
    std::unique_ptr<harness::World> world_;
    sim::Settings settings_;
    std::string api_key_;
    std::string secret_;
    std::string jwt_key_;
    std::string client_id_;
    std::string last_delivery_id_;  // the Twitch-Eventsub-Message-Id of the last delivery (reused_id)
    std::vector<Viewer> viewers_;
    Coverage coverage_;
    std::unique_ptr<Oracle> oracle_;
    std::unique_ptr<scenario::Breakpoints> breakpoints_;  // before checker_: its violation hook points here
    std::unique_ptr<scenario::InvariantChecker> checker_;
    std::priority_queue<Action, std::vector<Action>, std::greater<Action>> queue_;
    std::uint64_t seq_ = 0;
    std::uint64_t requests_ = 0;
    sim::Instant end_;
    sim::Instant heal_at_;
    sim::Instant faults_settle_at_;
    sim::Instant next_tick_;
    sim::Instant checked_boundary_;
    std::string stop_text_;
    std::deque<sim::Instant> desktop_sent_;
    std::size_t draws_seen_ = 0;
    std::vector<DesktopReport> reports_;
    std::optional<PayoutWork> work_;
    std::optional<GiftWork> gift_work_;
    std::set<std::string> abandoned_;
    std::set<std::string> ignored_gifts_;
    std::vector<std::pair<std::string, sim::Instant>> driven_;
    std::uint64_t idle_ticks_ = 0;
    json* recorded_ = nullptr;  // WorkloadOptions::record: the actions so far (in the outcome's script)
};

}  // namespace

WorkloadOutcome run_workload(const Workload& workload, std::uint64_t seed, const scenario::FaultMix& faults,
                             const WorkloadOptions& options) {
    WorkloadRun run(workload, seed, faults, options);
    return run.run();
}

json materialise_workload(const json& document, const WorkloadOutcome& outcome, const std::string& signature,
                          const std::string& reproduce, const std::string& commit) {
    json out = scenario::materialise(document, outcome.seed, outcome.faults, signature, reproduce, commit);
    out["span"] = outcome.script.value("span", "0s");
    out["heal_after"] = outcome.script.value("heal_after", "0s");
    out.erase("fault_plan");
    if (!outcome.script.value("fault_plan", json::array()).empty()) out["fault_plan"] = outcome.script["fault_plan"];
    out["actions"] = outcome.script.value("actions", json::array());
    return out;
}

std::string failure_signature(const WorkloadOutcome& outcome) {
    if (outcome.verdict == WorkloadVerdict::pass) return "";
    std::istringstream lines(outcome.failure);
    std::string first, second;
    std::getline(lines, first);
    std::getline(lines, second);
    std::string signature = outcome.failure_kind + " | " + scenario::normalise_failure_text(first);
    // An oracle failure names the request: its kind is part of what failed ("request #12 (gift-create): ...").
    const auto open = second.find("request #"), paren = second.find('(', open), close = second.find(')', paren);
    if (open != std::string::npos && paren != std::string::npos && close != std::string::npos)
        signature += " | " + second.substr(paren + 1, close - paren - 1);
    return signature;
}

scenario::ShrinkRun run_for_shrink(const json& document, const std::string& file, const WorkloadOptions& options) {
    scenario::ShrinkRun run;
    try {
        const Workload w = parse_workload(document.dump(), file);
        const WorkloadOutcome outcome = run_workload(w, w.seed, workload_fault_mix(w, w.seed, false), options);
        run.signature = failure_signature(outcome);
        run.failure = outcome.failure;
        run.stopped_at = outcome.ended_at - w.start;
    } catch (const WorkloadError&) {
    }
    return run;
}

std::string format_outcome(const Workload& workload, const WorkloadOutcome& o) {
    std::ostringstream out;
    std::size_t reached = 0;
    for (const auto& name : coverage_point_names()) reached += o.coverage.reached(name);
    out << (o.verdict == WorkloadVerdict::pass ? "PASS " : "FAIL ") << workload.name << " (" << workload.file
        << ") seed " << o.seed << ", " << scenario::format_duration(o.ended_at - o.started_at) << " simulated, "
        << o.requests << " requests (" << o.indeterminate << " without an answer), " << reached << "/"
        << coverage_point_names().size() << " coverage points, faults: " << o.faults.describe() << "; fired:";
    if (o.coverage.faults.empty()) out << " none";
    for (const auto& [name, n] : o.coverage.faults) out << " " << name << " x" << n;
    out << "; " << o.trace_records << " trace records, digest " << o.digest << "\n  points:";
    for (const auto& [name, n] : o.coverage.points) out << " " << name << " x" << n;
    out << "\n";
    if (o.verdict == WorkloadVerdict::fail) out << "  " << o.failure_kind << " failure:\n  " << o.failure << "\n";
    return out.str();
}

}  // namespace mgm::harness::workload

// Trace -> timeline model. One pass over the records: exchanges from the clients' "http.out" records (their
// peer from the detail line or the server record that answered them), domain events, steps, network faults
// and failures kept; timer ticks and the roulette's routine events only counted where nothing else happens.
#include "harness/timeline/timeline.h"

#include <algorithm>
#include <istream>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/core/time.h"
#include "sim/network/ci_ports.h"

namespace mgm::harness::timeline {

using nlohmann::json;

namespace {

// The lanes, top to bottom: the scenario driver, the four mocks, the EBS, and its background workers.
struct Lane {
    const char* id;
    const char* title;
    std::uint16_t port;  // 0: no listener
};
constexpr Lane kLanes[] = {
    {"driver", "scenario driver", 0},
    {"eventsub", "MockEventSubWebhook", sim::ci::kEventSubWebhookPort},
    {"jwt", "MockExtensionJwt", sim::ci::kExtensionJwtPort},
    {"helix", "MockHelixApi", sim::ci::kHelixApiPort},
    {"desktop", "SyntheticDesktop", sim::ci::kSyntheticDesktopPort},
    {"ebs", "EBS", sim::ci::kEbsPort},
    {"workers", "EBS workers", 0},
};

// Timers of the EBS's background workers: what they record belongs to the workers' lane.
bool is_worker_timer(std::string_view label) {
    return label == "roulette.tick" || label == "gift.timeouts" || label == "payout.expiration" ||
           label.substr(0, 4) == "ebs.";
}

// Events the roulette writes every cycle by itself: shown where something else happens, but they do not keep
// a stretch from being compressed.
bool is_routine_event(std::string_view name) {
    return name == "roulette.rollover" || name == "roulette.candidate_selected" || name == "roulette.cycle_created" ||
           name == "payout.expiration_sweep";
}

// A stretch with nothing but ticks and routine events longer than this is compressed, keeping kMargin of
// real time on each side so the cycle around each happening stays visible.
constexpr double kIdleGapMs = 15 * 60 * 1000.0;
constexpr double kMarginMs = 5 * 60 * 1000.0;
constexpr double kCompressedWidthMs = 60 * 1000.0;  // how wide a compressed stretch is drawn

// "127.0.0.1:8080" / "driver" -> lane id, or empty.
std::string lane_of_address(std::string_view address) {
    if (address == "driver") return "driver";
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return {};
    const std::string_view port = address.substr(colon + 1);
    for (const Lane& lane : kLanes)
        if (lane.port != 0 && port == std::to_string(lane.port)) return lane.id;
    return {};
}

// A client actor ("driver", "eventsub", "ebs.helix") -> its lane (the EBS's calls split by context later).
std::string lane_of_actor(std::string_view actor) {
    const std::string_view base = actor.substr(0, actor.find('.'));
    for (const Lane& lane : kLanes)
        if (base == lane.id) return lane.id;
    if (base == "scenario") return "driver";
    return {};
}

// Without a detail line or a matching server record: who serves a path (the mocks' and the EBS's routes).
std::string lane_of_path(std::string_view target) {
    if (target.substr(0, 7) == "/helix/") return "helix";
    if (target.substr(0, 6) == "/token" || target.substr(0, 5) == "/jwks") return "jwt";
    if (target.substr(0, 5) == "/api/") return "ebs";
    return {};
}

std::string text_of(const json& record, const char* key) {
    auto it = record.find(key);
    return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct Exchange {
    json value;  // the model's object
    std::uint64_t seq = 0;
    std::string client_actor;
};

struct PendingServer {
    std::string lane;
    double t;
};

struct OpenFault {
    std::size_t index;  // into faults
};

}  // namespace

struct TimelineBuilder::State {
    std::string title = "mgm-sim run";
    bool have_start = false;
    sim::Instant start{};
    double last_ms = 0;
    std::uint64_t line_number = 0;
    std::uint64_t records = 0;
    bool detail = false;
    // Context: the lane of whatever caused the current records (a worker timer, a step).
    bool in_worker = false;

    std::vector<Exchange> exchanges;
    // Server records waiting for the client record they answer, by "METHOD target status".
    std::map<std::string, std::vector<PendingServer>> pending_servers;
    json events = json::array();
    json steps = json::array();
    json failures = json::array();
    json faults = json::array();
    json strikes = json::array();  // a fault striking: a reset, a refused or lost connect
    std::map<std::string, std::size_t> open_faults;  // link key -> index into faults
    std::map<std::string, json> payouts;  // payoutId -> {id, who, t0, states: [[t, status]...]}
    std::vector<std::string> payout_order;
    json cycles = json::array();  // candidate draws: {t, cycleStart, name}
    // Instants where something other than a tick happened (compression) and the ticks/routine events.
    std::vector<double> busy;
    std::vector<double> ticks;
    std::vector<std::pair<double, std::size_t>> routine;  // (t, index into events)

    double ms(const json& record) {
        const std::string t = text_of(record, "t");
        auto instant = sim::parse_iso8601(t);
        if (!instant) throw std::invalid_argument("record without a valid \"t\"");
        if (!have_start) {
            have_start = true;
            start = *instant;
        }
        return static_cast<double>((*instant - start).count()) / 1e4;
    }

    void add(const json& r) {
        if (!r.is_object() || !r.contains("kind")) throw std::invalid_argument("not a trace record (no \"kind\")");
        const std::string kind = text_of(r, "kind");
        const std::string actor = text_of(r, "actor");
        const double t = ms(r);
        last_ms = std::max(last_ms, t);
        ++records;
        if (kind == "timer") {
            const std::string label = text_of(r, "label");
            in_worker = is_worker_timer(label);
            ticks.push_back(t);
            return;
        }
        if (kind == "step") {
            in_worker = false;
            busy.push_back(t);
            steps.push_back({{"t", t}, {"step", r.value("step", json())}, {"line", r.value("line", json())},
                             {"verb", text_of(r, "verb")}});
            return;
        }
        if (kind == "http") {  // a service answered: whatever follows is no longer the tick's doing
            busy.push_back(t);
            in_worker = false;
            const std::string key = text_of(r, "method") + " " + text_of(r, "target") + " " +
                                    std::to_string(r.value("status", 0));
            pending_servers[key].push_back({lane_of_actor(actor), t});
            return;
        }
        if (kind == "http.out") return add_exchange(r, actor, t);
        if (kind == "http.detail") return add_detail(r);
        if (kind == "event") return add_event(r, actor, t);
        if (kind == "net") return add_net(r, t);
        if (kind == "net.faults") return add_link_faults(r, t);
        if (kind == "failure") {
            busy.push_back(t);
            failures.push_back({{"t", t}, {"failure", text_of(r, "failure")}, {"message", text_of(r, "message")}});
            return;
        }
        busy.push_back(t);  // anything else: shown in no lane, but not idle either
    }

    std::string ebs_lane() const { return in_worker ? "workers" : "ebs"; }

    void add_exchange(const json& r, const std::string& actor, double t) {
        busy.push_back(t);
        Exchange e;
        e.seq = r.value("seq", std::uint64_t{0});
        e.client_actor = actor;
        std::string from = lane_of_actor(actor);
        if (from == "ebs") from = ebs_lane();
        const std::string target = text_of(r, "target");
        json v = {{"from", from}, {"method", text_of(r, "method")}, {"target", target}, {"t", t}, {"sent", t},
                  {"seq", e.seq}};
        if (r.contains("status")) {
            v["status"] = r["status"];
            const std::string key = text_of(r, "method") + " " + target + " " + std::to_string(r.value("status", 0));
            auto it = pending_servers.find(key);
            if (it != pending_servers.end() && !it->second.empty()) {
                v["to"] = it->second.back().lane;
                v["served"] = it->second.back().t;
                it->second.pop_back();
            }
        } else {
            v["error"] = text_of(r, "error");
        }
        if (!v.contains("to")) v["to"] = lane_of_path(target);
        if (v["to"] == "ebs" && from == "workers") v["to"] = "ebs";
        e.value = std::move(v);
        exchanges.push_back(std::move(e));
    }

    // The detail line right after an exchange's record: its peer, when it was sent, both messages.
    void add_detail(const json& r) {
        detail = true;
        const auto after = r.value("after", std::uint64_t{0});
        for (auto it = exchanges.rbegin(); it != exchanges.rend(); ++it) {
            if (it->seq != after) continue;
            json& v = it->value;
            const std::string to = lane_of_address(text_of(r, "to"));
            if (!to.empty()) v["to"] = to;
            if (auto sent = sim::parse_iso8601(text_of(r, "sent")); sent && have_start)
                v["sent"] = static_cast<double>((*sent - start).count()) / 1e4;
            v["attempt"] = r.value("attempt", 1);
            if (r.contains("request")) v["request"] = r["request"];
            if (r.contains("response")) v["response"] = r["response"];
            busy.push_back(v["sent"].get<double>());
            return;
        }
    }

    void add_event(const json& r, const std::string& actor, double t) {
        const std::string name = text_of(r, "name");
        std::string lane = lane_of_actor(actor);
        if (lane == "ebs") lane = ebs_lane();
        json fields = json::object();
        for (auto it = r.begin(); it != r.end(); ++it)
            if (it.key() != "actor" && it.key() != "kind" && it.key() != "name" && it.key() != "seq" && it.key() != "t")
                fields[it.key()] = it.value();
        events.push_back({{"t", t}, {"lane", lane}, {"name", name}, {"fields", fields}});
        if (is_routine_event(name)) routine.emplace_back(t, events.size() - 1);
        else busy.push_back(t);
        if (name == "roulette.candidate_selected")
            cycles.push_back({{"t", t}, {"name", text_of(r, "characterName")}, {"cycle", text_of(r, "spinCycleId")}});
        const std::string payout = text_of(r, "payoutId");
        if (payout.empty()) return;
        if (name == "payout.created") {
            if (!payouts.count(payout)) payout_order.push_back(payout);
            payouts[payout] = {{"id", payout}, {"who", text_of(r, "characterName")}, {"t0", t},
                               {"states", json::array({json::array({t, "Pending"})})}};
        } else if (payouts.count(payout)) {
            std::string status;
            if (name == "payout.status_changed") status = text_of(r, "to");
            else if (name == "payout.expired") status = "Expired";
            if (!status.empty()) payouts[payout]["states"].push_back(json::array({t, status}));
        }
    }

    // Partitions and heals (always recorded), and faults striking (resets, refused or lost connects).
    void add_net(const json& r, double t) {
        busy.push_back(t);
        const std::string event = text_of(r, "event");
        const std::string a = lane_of_address(text_of(r, "from")), b = lane_of_address(text_of(r, "to"));
        const std::string key = "partition " + std::min(a, b) + " " + std::max(a, b);
        if (event == "partition") {
            open_fault(key, t, a, b, "partition");
        } else if (event == "heal") {
            close_fault(key, t);
        } else {
            strikes.push_back({{"t", t}, {"a", a}, {"b", b}, {"what", event}});
        }
    }

    // A link's fault knobs changed (detail line): a band from here until they are cleared or changed.
    void add_link_faults(const json& r, double t) {
        busy.push_back(t);
        const std::string ra = text_of(r, "a"), rb = text_of(r, "b");
        const std::string a = ra == "*" ? "*" : lane_of_address(ra), b = rb == "*" ? "*" : lane_of_address(rb);
        const std::string key = "link " + std::min(a, b) + " " + std::max(a, b);
        close_fault(key, t);
        std::string what;
        auto add = [&what](const std::string& part) { what += (what.empty() ? "" : ", ") + part; };
        const double lo = r.value("latency_min_ms", 0.0), hi = r.value("latency_max_ms", 0.0);
        auto number = [](double v) {
            std::string s = json(v).dump();
            return s;
        };
        if (hi > 0 || lo > 0) add("latency " + number(lo) + (hi > lo ? "-" + number(hi) : "") + " ms");
        if (r.value("refuse", 0.0) > 0) add("refuse " + number(r.value("refuse", 0.0)));
        if (r.value("reset", 0.0) > 0) add("drop " + number(r.value("reset", 0.0)));
        if (r.value("split", 0) > 0) add("split " + std::to_string(r.value("split", 0)) + " B");
        if (!what.empty()) open_fault(key, t, a, b, what);
    }

    void open_fault(const std::string& key, double t, const std::string& a, const std::string& b,
                    const std::string& what) {
        if (open_faults.count(key)) return;
        faults.push_back({{"t0", t}, {"t1", nullptr}, {"a", a}, {"b", b}, {"what", what}});
        open_faults[key] = faults.size() - 1;
    }
    void close_fault(const std::string& key, double t) {
        auto it = open_faults.find(key);
        if (it == open_faults.end()) return;
        faults[it->second]["t1"] = t;
        open_faults.erase(it);
    }
};

TimelineBuilder::TimelineBuilder() : state_(std::make_unique<State>()) {}
TimelineBuilder::~TimelineBuilder() = default;

void TimelineBuilder::set_title(std::string title) { state_->title = std::move(title); }

void TimelineBuilder::add_line(std::string_view line) {
    ++state_->line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    json record = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded()) throw std::invalid_argument("not JSON");
    state_->add(record);
}

void TimelineBuilder::add_stream(std::istream& in) {
    std::string line;
    std::uint64_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        try {
            add_line(line);
        } catch (const std::exception& e) {
            throw std::invalid_argument("line " + std::to_string(number) + ": " + e.what());
        }
    }
}

nlohmann::json TimelineBuilder::model() const {
    const State& s = *state_;
    const double end = s.last_ms;
    // Segments of the axis: real stretches and compressed idle ones. Busy instants sorted; a gap between two
    // of them (or the run's ends) longer than kIdleGapMs is compressed but for kMarginMs on each side.
    std::vector<double> busy = s.busy;
    busy.push_back(0);
    busy.push_back(end);
    std::sort(busy.begin(), busy.end());
    busy.erase(std::unique(busy.begin(), busy.end()), busy.end());
    struct Segment {
        double a, b;
        bool compressed;
    };
    std::vector<Segment> segments;
    double cursor = 0;
    for (std::size_t i = 0; i + 1 < busy.size(); ++i) {
        if (busy[i + 1] - busy[i] <= kIdleGapMs) continue;
        const double a = busy[i] + kMarginMs, b = busy[i + 1] - kMarginMs;
        if (a > cursor) segments.push_back({cursor, a, false});
        segments.push_back({a, b, true});
        cursor = b;
    }
    if (end > cursor || segments.empty()) segments.push_back({cursor, end, false});
    auto compressed_at = [&segments](double t) {
        for (const auto& seg : segments)
            if (seg.compressed && t > seg.a && t < seg.b) return true;
        return false;
    };
    json segs = json::array();
    double v = 0;
    for (const auto& seg : segments) {
        json j = {{"a", seg.a}, {"b", seg.b}, {"v", v}, {"compressed", seg.compressed}};
        if (seg.compressed) {
            const auto count = [&seg](const std::vector<double>& ts) {
                return std::count_if(ts.begin(), ts.end(), [&seg](double t) { return t > seg.a && t < seg.b; });
            };
            j["ticks"] = count(s.ticks);
            j["routine"] = std::count_if(s.routine.begin(), s.routine.end(),
                                         [&seg](const auto& r) { return r.first > seg.a && r.first < seg.b; });
            v += kCompressedWidthMs;
        } else {
            v += seg.b - seg.a;
        }
        segs.push_back(std::move(j));
    }
    json events = json::array();
    for (const auto& e : s.events)
        if (!compressed_at(e["t"].get<double>())) events.push_back(e);
    json cycles = json::array();
    for (const auto& c : s.cycles)
        if (!compressed_at(c["t"].get<double>())) cycles.push_back(c);
    json exchanges = json::array();
    for (const auto& e : s.exchanges) exchanges.push_back(e.value);
    json payouts = json::array();
    for (const auto& id : s.payout_order) payouts.push_back(s.payouts.at(id));
    json lanes = json::array();
    for (const Lane& lane : kLanes) lanes.push_back({{"id", lane.id}, {"title", lane.title}});
    const std::int64_t start_seconds = s.start.unix_seconds_floor();
    return {{"title", s.title},
            {"start", sim::format_iso8601(s.start)},
            // Milliseconds of the run's start past its 5-minute boundary: where the grid lines fall.
            {"start_offset_ms", static_cast<double>((s.start - sim::Instant::from_unix_seconds(start_seconds - start_seconds % 300)).count()) / 1e4},
            {"end_ms", end},
            {"records", s.records},
            {"detail", s.detail},
            {"lanes", lanes},
            {"segments", segs},
            {"exchanges", exchanges},
            {"events", events},
            {"steps", s.steps},
            {"faults", s.faults},
            {"strikes", s.strikes},
            {"payouts", payouts},
            {"cycles", cycles},
            {"failures", s.failures}};
}

std::string failure_line(std::string_view t, std::string_view failure_kind, std::string_view message) {
    return json{{"actor", "scenario"}, {"kind", "failure"}, {"t", t}, {"failure", failure_kind}, {"message", message}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace mgm::harness::timeline

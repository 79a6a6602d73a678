// Simulated-time speed: 24 simulated hours of the natural roulette flow in one simulated World (EBS + four
// mocks, virtual clock, loopback network, SQLite :memory:), with 1,000 viewers enrolled through signed
// EventSub messages via MockEventSubWebhook. Each 5-minute cycle (288 of them, 12:05 .. 11:55 next day):
// the synchronizer draws a candidate at boundary + 240 s; the "desktop" (this program) reads the cycle id
// from GET /api/roulette/state (viewer JWT from MockExtensionJwt), verifies the candidate at boundary + 270 s
// (POST verify-candidate -> payout Pending), confirms acceptance, PATCHes InProgress then Sent (the EBS
// announces to MockHelixApi). The desktop spends 4 API-key calls per 5 minutes: within the EBS's shared
// 5/min budget. No API exposes the candidate (D13): it is read from the trace's domain event.
// The trace runs in its cheap mode: digest only (no kept lines) and no timer-fire records.
// Prints wall time, simulated seconds per wall second and peak RSS.
// Usage: bench_roulette_24h [--smoke] [--viewers N] [--cycles N] [--runs N]
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/domain/roulette.h"
#include "bench/bench_util.h"
#include "fakes/eventsub_delivery.h"
#include "fakes/mock_helix_api.h"
#include "sim/clock/sim_loop.h"
#include "sim/core/time.h"
#include "sim/core/rng.h"
#include "sim/http/message.h"
#include "sim/trace/trace.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"

using namespace mgm;
using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "bench_roulette_24h: FAILED: %s\n", what.c_str());
    std::exit(1);
}

// "Hero" + 4 lowercase letters: distinct valid character names (letters only, 2..12 UTF-16 units).
std::string character_name(int index) {
    std::string name = "Hero";
    for (int k = 0; k < 4; ++k) {
        name.push_back(static_cast<char>('a' + index % 26));
        index /= 26;
    }
    return name;
}

struct Result {
    double wall_ms = 0;
    double cycles_ms = 0;  // the cycles alone (after the enrollments)
    double simulated_s = 0;
    int payouts_sent = 0;
    std::size_t helix_posts = 0;
    std::string digest;
};

Result run(int viewers, int cycles) {
    harness::WorldConfig config;
    config.seed = 24;
    const auto wall_start = bench::Wall::now();
    harness::World world(config);
    world.trace().set_record_timers(false);
    world.trace().set_keep_lines(false);
    harness::Driver& driver = world.driver();
    const std::string secret = world.config().settings.get_or("Twitch:EventSubSecret", "e2e-ci-eventsub-secret");
    const std::string api_key = world.config().settings.get_or("Mgm:ApiKey", "ci-desktop-api-key");
    const std::string ebs = world.url(harness::Service::ebs);

    std::optional<std::string> candidate;
    std::optional<std::string> payout_id;
    auto subscription = world.trace().add_record_listener([&](const sim::TraceRecord& record) {
        if (record.name == "roulette.candidate_selected") candidate = std::string(record.text("characterName"));
        if (record.name == "payout.created") payout_id = std::string(record.text("payoutId"));
    });

    // Enrollment: one signed "!twgold <name>" per viewer through the webhook mock.
    sim::Rng ids(7);
    for (int i = 0; i < viewers; ++i) {
        const std::string message_id = ids.uuid_v4().str();
        const std::string timestamp = std::to_string(driver.now().unix_seconds_floor());
        fakes::eventsub::ChatMessage message;
        message.message_id = message_id;
        message.chatter_user_id = "viewer-" + std::to_string(i);
        message.chatter_user_login = "viewer" + std::to_string(i);
        message.text = "!twgold " + character_name(i);
        const std::string raw = fakes::eventsub::chat_message_body(message);
        const http::Headers h = fakes::eventsub::delivery_headers(secret, message_id, timestamp, raw);
        auto r = driver.request("POST", world.url(harness::Service::eventsub) + "/api/twitch/eventsub", raw, h);
        if (!r.ok() || r.response->status != 200) fail("enrollment " + std::to_string(i) + ": " + r.describe());
    }

    http::Headers desktop;
    desktop.set("X-MGM-ApiKey", api_key);
    auto desktop_call = [&](const std::string& method, const std::string& path, const json& body) {
        auto r = driver.request(method, ebs + path, body.dump(), [&] {
            http::Headers h = desktop;
            h.set("Content-Type", "application/json");
            return h;
        }());
        if (!r.ok() || r.response->status != 200)
            fail(method + " " + path + " at " + sim::format_iso8601(driver.now()) + ": " + r.describe() +
                 (r.ok() ? " " + r.response->body : ""));
        return r;
    };

    Result result;
    const auto cycles_start = bench::Wall::now();
    for (int cycle = 0; cycle < cycles; ++cycle) {
        candidate.reset();
        payout_id.reset();
        if (!world.loop().run_until([&] { return candidate.has_value(); }, driver.now() + std::chrono::minutes(6)))
            fail("no candidate drawn in cycle " + std::to_string(cycle));
        const sim::Instant drawn_at = driver.now();

        // The overlay's view: the cycle id (viewer JWT, its own rate-limit partition).
        auto token_response = driver.get(world.url(harness::Service::jwt) + "/token?userId=streamer-overlay");
        if (!token_response.ok() || token_response.response->status != 200) fail("token: " + token_response.describe());
        const std::string token = json::parse(token_response.response->body).at("access_token").get<std::string>();
        http::Headers bearer;
        bearer.set("Authorization", "Bearer " + token);
        auto state = driver.get(ebs + "/api/roulette/state", bearer);
        if (!state.ok() || state.response->status != 200) fail("roulette/state: " + state.describe());
        const std::string cycle_id = json::parse(state.response->body).at("currentSpinCycleId").get<std::string>();

        world.loop().run_until(drawn_at + std::chrono::seconds(30));  // boundary + 270 s: verification phase
        desktop_call("POST", "/api/roulette/verify-candidate",
                     {{"schemaVersion", 1},
                      {"spinCycleId", cycle_id},
                      {"characterName", *candidate},
                      {"online", true},
                      {"capturedAt", sim::format_iso8601(driver.now())}});
        if (!payout_id) fail("verify-candidate created no payout in cycle " + std::to_string(cycle));
        desktop_call("POST", "/api/payouts/" + *payout_id + "/confirm-acceptance", {{"characterName", *candidate}});
        desktop_call("PATCH", "/api/payouts/" + *payout_id + "/status", {{"status", "inProgress"}});
        auto sent = desktop_call("PATCH", "/api/payouts/" + *payout_id + "/status", {{"status", "sent"}});
        if (json::parse(sent.response->body).value("isRewardSentAnnouncedToChat", false) != true)
            fail("payout not announced in cycle " + std::to_string(cycle));
        ++result.payouts_sent;
    }
    // Round up to the end of the last 5-minute cycle (24 h after the start for 288 cycles).
    world.loop().run_until(backend::next_5_minute_boundary(driver.now()));
    result.cycles_ms = bench::ms_since(cycles_start);
    result.wall_ms = bench::ms_since(wall_start);
    result.simulated_s = std::chrono::duration<double>(driver.now() - config.start).count();
    result.helix_posts = world.helix().request_count();
    result.digest = world.trace().digest_hex();
    return result;
}

}  // namespace

int main(int argc, char** argv) {
    int viewers = 1000;
    int cycles = 288;
    int runs = 3;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--smoke") == 0) {
            viewers = 20;
            cycles = 3;
            runs = 1;
        } else if (std::strcmp(argv[i], "--viewers") == 0 && i + 1 < argc) {
            viewers = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--cycles") == 0 && i + 1 < argc) {
            cycles = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: %s [--smoke] [--viewers N] [--cycles N] [--runs N]\n", argv[0]);
            return 2;
        }
    }
    std::printf("bench_roulette_24h: %d viewers, %d cycles, %d runs, load average at start %.2f\n", viewers, cycles,
                runs, bench::load_average());
    std::vector<double> wall, speed, per_cycle;
    std::string first_digest;
    for (int r = 0; r < runs; ++r) {
        Result result = run(viewers, cycles);
        if (result.payouts_sent != cycles || result.helix_posts != static_cast<std::size_t>(cycles))
            fail("expected " + std::to_string(cycles) + " payouts and Helix posts, got " +
                 std::to_string(result.payouts_sent) + " and " + std::to_string(result.helix_posts));
        if (r == 0) first_digest = result.digest;
        else if (result.digest != first_digest) fail("trace digest differs between runs (nondeterminism)");
        wall.push_back(result.wall_ms);
        speed.push_back(result.simulated_s / (result.wall_ms / 1000.0));
        per_cycle.push_back(cycles > 0 ? result.cycles_ms * 1000.0 / cycles : 0);
        std::printf("run %d: %.0f simulated s in %.1f ms wall = %.0fx real time, %d payouts Sent, %zu Helix posts; "
                    "cycles alone %.1f us each\n",
                    r + 1, result.simulated_s, result.wall_ms, speed.back(), result.payouts_sent, result.helix_posts,
                    per_cycle.back());
    }
    const double rss = bench::peak_rss_mib();
    const double med_speed = bench::median(speed);
    std::printf("median wall %.1f ms, median %.0f simulated s per wall s, median %.1f us per cycle (enrollments "
                "excluded), peak RSS %.1f MiB, digest %s\n",
                bench::median(wall), med_speed, bench::median(per_cycle), rss, first_digest.substr(0, 16).c_str());
    std::printf("target: >= 500000x real time: %s; peak RSS <= 200 MB: %s\n", med_speed >= 500000 ? "met" : "NOT met",
                rss <= 200 ? "met" : "NOT met");
    std::printf("bench_roulette_24h: load average at end %.2f\n", bench::load_average());
    return 0;
}

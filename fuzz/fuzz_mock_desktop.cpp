// Fuzz target: SyntheticDesktop's JSON routes. Byte 0 picks the route (POST /run-sequence, /run-pending,
// GET /runs with a fuzzed query, /last-run) and byte 1 the content type; the rest is the body (or the query).
// The Desktop's backend is a stub that accepts everything. Invariants: exactly one answer; a status the route
// can give (run-sequence: 200, 400, 415, 502; run-pending: 200, 400, 404, 502; GET routes 200/400); JSON
// answers parse; the run ring keeps at most its cap; nothing recurses on deep nesting.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fakes/synthetic_desktop.h"
#include "fuzz/mock_harness.h"

namespace {

constexpr std::size_t kCap = 16;

struct State {
    mgm::fuzz::MockBench bench;
    std::unique_ptr<mgm::fakes::SyntheticDesktop> desktop;
    int inputs = 0;
    State() {
        mgm::fakes::SyntheticDesktopConfig config;
        config.api_key = "fuzz-api-key";
        config.max_recorded_runs = kCap;
        desktop = std::make_unique<mgm::fakes::SyntheticDesktop>(config, bench.seams("desktop"));
    }
};

std::unique_ptr<State> state;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return -1;
    if (!state || ++state->inputs > 2000) state = std::make_unique<State>();
    auto& desktop = *state->desktop;

    mgm::http::Request request;
    const std::string rest(reinterpret_cast<const char*>(data + 2), size - 2);
    const int route = data[0] % 4;
    request.method = route <= 1 ? "POST" : "GET";
    request.path = route == 0 ? "/run-sequence" : route == 1 ? "/run-pending" : route == 2 ? "/runs" : "/last-run";
    if (route == 2) request.query = rest;
    else request.body = rest;
    if (data[1] & 1) request.headers.set("Content-Type", (data[1] & 2) ? "application/json" : "text/plain");

    const auto response = state->bench.call(desktop, request);
    const int status = response.status;
    bool allowed = false;
    switch (route) {
    case 0: allowed = status == 200 || status == 400 || status == 415 || status == 502; break;
    case 1: allowed = status == 200 || status == 400 || status == 404 || status == 502; break;
    case 2: allowed = status == 200 || status == 400; break;
    default: allowed = status == 200;
    }
    if (!allowed) __builtin_trap();
    if (desktop.runs().size() > kCap) __builtin_trap();
    mgm::fuzz::require_json_parses(response);
    return 0;
}

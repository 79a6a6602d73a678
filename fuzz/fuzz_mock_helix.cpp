// Fuzz target: MockHelixApi's JSON routes. Byte 0 picks the route (POST /helix/chat/messages, /fail-next,
// /reset, GET /requests with a fuzzed query, /last-request), byte 1 StrictAuth and the headers; the rest is the
// body (or the query). Invariants: exactly one answer; a status the route can give (chat: 204, 401, 500 or an
// injected one; control routes: 200/400); JSON answers parse; the ring keeps at most its cap and counts every
// chat POST; nothing recurses on deep nesting (ASan would report the stack overflow).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fakes/mock_helix_api.h"
#include "fuzz/mock_harness.h"

namespace {

constexpr std::size_t kCap = 16;

struct State {
    mgm::fuzz::MockBench bench;
    mgm::fakes::MockHelixApi helix;
    int inputs = 0;
    State() : helix(mgm::fakes::MockHelixApiConfig{false, kCap}, bench.seams("helix")) {}
};

std::unique_ptr<State> state;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return -1;
    if (!state || ++state->inputs > 2000) state = std::make_unique<State>();
    auto& helix = state->helix;
    helix.set_strict_auth(data[1] & 1);

    mgm::http::Request request;
    const std::string rest(reinterpret_cast<const char*>(data + 2), size - 2);
    const int route = data[0] % 5;
    request.method = route <= 2 ? "POST" : "GET";
    request.path = route == 0   ? "/helix/chat/messages"
                   : route == 1 ? "/fail-next"
                   : route == 2 ? "/reset"
                   : route == 3 ? "/requests"
                                : "/last-request";
    if (route == 3) request.query = rest;
    else request.body = rest;
    if (data[1] & 2) request.headers.set("Authorization", "Bearer t");
    if (data[1] & 4) request.headers.set("Client-Id", "c");
    request.headers.set("Content-Type", "application/json");

    const auto before = helix.request_count();
    const auto response = state->bench.call(helix, request);
    const int status = response.status;
    switch (route) {
    case 0:
        if (helix.request_count() != before + 1) __builtin_trap();
        if (status != 204 && status != 401 && status != 500 && !(status >= 100 && status <= 599)) __builtin_trap();
        break;
    case 1:
    case 3:
        if (status != 200 && status != 400) __builtin_trap();
        break;
    default:
        if (status != 200) __builtin_trap();
    }
    if (helix.requests().size() > kCap) __builtin_trap();
    mgm::fuzz::require_json_parses(response);
    return 0;
}

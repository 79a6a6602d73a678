// Fuzz target: the JSON request body of every body-bound EBS route. Byte 0 picks the route, byte 1 the
// content type and whether {id} names an existing record; the rest is the body. Requests carry valid
// credentials, so the input reaches binding and the handler. Invariants: exactly one answer; a status
// the contract allows for the route family (never 500: binding turns every bad body into 400/415);
// every JSON-typed response body parses as JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz/ebs_harness.h"

namespace {

struct BodyRoute {
    const char* method;
    const char* path;  // "{id}" replaced by a GUID
    bool viewer;  // Bearer (viewer JWT) or the desktop API key
};

constexpr BodyRoute kRoutes[] = {
    {"POST", "/api/payouts/claim", true},
    {"PATCH", "/api/payouts/{id}/status", false},
    {"POST", "/api/payouts/{id}/confirm-acceptance", false},
    {"POST", "/api/roulette/verify-candidate", false},
    {"POST", "/api/e2e/prepare-pending-payout", false},
    {"POST", "/api/gift-requests", true},
    {"PATCH", "/api/gift-requests/{id}", false},
    {"POST", "/api/gift-requests/{id}/select-item", false},
    {"POST", "/api/gift-requests/{id}/confirm", false},
};

constexpr const char* kContentTypes[] = {
    "application/json",
    "application/json; charset=utf-8",
    "text/json",
    "application/merge-patch+json",
    "text/plain",
    "",  // no Content-Type header
};

bool allowed_status(int status) {
    switch (status) {
    case 200:
    case 201:
    case 400:
    case 401:
    case 403:
    case 404:
    case 409:
    case 415:
    case 429:
    case 503: return true;
    default: return false;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2 || size > 64 * 1024) return -1;
    auto& harness = mgm::fuzz::shared_harness();
    harness.next_window();

    const BodyRoute& route = kRoutes[data[0] % std::size(kRoutes)];
    const std::uint8_t selector = data[1];
    const char* content_type = kContentTypes[selector % std::size(kContentTypes)];
    const bool existing_id = (selector / std::size(kContentTypes)) % 2 == 0;

    std::string path = route.path;
    if (const auto at = path.find("{id}"); at != std::string::npos) {
        const bool payout_route = path.find("/payouts/") != std::string::npos;
        const std::string id = existing_id ? (payout_route ? harness.payout_id : harness.gift_id).str()
                                           : std::string("0f8fad5b-d9cb-469f-a165-70867728950e");
        path.replace(at, 4, id);
    }

    mgm::http::Request request;
    request.method = route.method;
    request.target = path;
    request.path = path;
    if (*content_type) request.headers.add("Content-Type", content_type);
    if (route.viewer) {
        request.headers.add("Authorization", "Bearer " + mgm::fuzz::viewer_token("2001"));
    } else {
        request.headers.add("X-MGM-ApiKey", mgm::fuzz::kApiKey);
    }
    request.body.assign(reinterpret_cast<const char*>(data) + 2, size - 2);

    const mgm::http::Response response = harness.handle(std::move(request));
    if (!allowed_status(response.status)) {
        std::fprintf(stderr, "%s %s -> %d %s\n", route.method, path.c_str(), response.status, response.body.c_str());
    }
    mgm::fuzz::require(allowed_status(response.status), "body-bound route answers an allowed status (no 500)");
    const auto type = response.headers.get("Content-Type");
    if (type && type->find("json") != std::string::npos) {
        mgm::fuzz::require(nlohmann::json::accept(response.body), "JSON-typed response body parses");
    }
    return 0;
}

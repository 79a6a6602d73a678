// Fuzz target: POST /api/twitch/eventsub with fuzzed bodies and headers, signed inside the harness with
// the configured secret (HMAC-SHA256 over id + timestamp + body text, as the EBS verifies it).
// Input: byte 0 = flags, then "<message id>\n<timestamp>\n<body>". Flags: bit 0 corrupts the signature,
// bit 1 drops the timestamp header, bit 2 sends the body with a UTF-8 BOM.
// Invariants: exactly one answer; a correctly signed request is never 401 and answers 200 or 500 (500 =
// the reference's malformed-shape behaviour); a badly signed one is always 401 with nothing enrolled.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "backend/api/eventsub.h"
#include "fuzz/ebs_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 64 * 1024) return -1;
    auto& harness = mgm::fuzz::shared_harness();
    const std::uint8_t flags = data[0];
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

    auto take_line = [&rest]() {
        const std::size_t newline = rest.find('\n');
        std::string line(rest.substr(0, newline));
        rest = newline == std::string_view::npos ? std::string_view{} : rest.substr(newline + 1);
        return line;
    };
    const std::string message_id = take_line();
    const std::string timestamp = take_line();
    std::string body(rest);
    if (flags & 4) body = "\xEF\xBB\xBF" + body;

    const bool corrupt = (flags & 1) != 0;
    const bool drop_timestamp = (flags & 2) != 0;
    std::string signature = mgm::backend::api::eventsub_signature(mgm::fuzz::kEventSubSecret, message_id, timestamp,
                                                                  mgm::backend::api::eventsub_body_text(body));
    if (corrupt) signature.back() = signature.back() == '0' ? '1' : '0';

    mgm::http::Request request;
    request.method = "POST";
    request.target = "/api/twitch/eventsub";
    request.path = request.target;
    request.headers.add("Content-Type", "application/json");
    request.headers.add("Twitch-Eventsub-Message-Id", message_id);
    if (!drop_timestamp) request.headers.add("Twitch-Eventsub-Message-Timestamp", timestamp);
    request.headers.add("Twitch-Eventsub-Message-Signature", signature);
    request.headers.add("Twitch-Eventsub-Message-Type", "notification");
    request.body = std::move(body);

    const std::int64_t pool_before = harness.ebs->store().pool_size();
    const mgm::http::Response response = harness.handle(std::move(request));
    if (corrupt || drop_timestamp) {
        mgm::fuzz::require(response.status == 401, "a request without a valid signature is refused (401)");
        mgm::fuzz::require(harness.ebs->store().pool_size() == pool_before, "a refused request enrolls nobody");
    } else {
        mgm::fuzz::require(response.status == 200 || response.status == 500,
                           "a correctly signed request answers 200 (or 500 for a malformed shape)");
    }
    return 0;
}

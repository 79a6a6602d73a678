// Fuzz target: raw bytes on a TCP-like connection to the EBS (HTTP/1.1 parsing in http::Server, then
// routing, authentication, rate limiting, binding and the handlers). Invariants: no crash, no sanitizer
// report, no leak; whatever the server writes back is a sequence of complete, well-formed responses.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/ebs_harness.h"
#include "fuzz/response_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) return -1;  // larger inputs only exercise the body limit, slowly
    auto& harness = mgm::fuzz::shared_harness();
    harness.next_window();
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    const std::string received = harness.raw_exchange(bytes);
    mgm::fuzz::check_responses(received);
    return 0;
}

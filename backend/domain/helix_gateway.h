// The EBS's outbound Twitch Helix calls, as the domain sees them. h4's HTTP client implements this over
// sim/http; tests use a Trompeloeil mock. One call = one HTTP attempt: retries and skip rules are domain logic.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace mgm::backend {

// Outcome of one Helix HTTP attempt.
struct HelixAttemptResult {
    enum class Kind { success, http_error, transport_error };
    Kind kind = Kind::success;  // success = any 2xx; http_error = a non-2xx answer; transport_error = the
        // attempt threw in the reference (connect failure, 30 s timeout, ...)
    int status = 0;  // HTTP status when an answer arrived
    std::string detail;  // for logs

    static HelixAttemptResult ok(int status = 200) { return {Kind::success, status, {}}; }
    static HelixAttemptResult http_failure(int status) { return {Kind::http_error, status, {}}; }
    static HelixAttemptResult transport_failure(std::string what) {
        return {Kind::transport_error, 0, std::move(what)};
    }
};

class HelixGateway {
public:
    virtual ~HelixGateway() = default;

    // One attempt of POST <base>helix/chat/messages with {"broadcaster_id":B,"sender_id":B,"message":text}
    // (B = Twitch:BroadcasterUserId; headers per CONTRACT.md §6.7). `done` is called exactly once, possibly before
    // this returns. Called only when the broadcaster token and user id are configured (PayoutService
    // checks, CONTRACT.md §6.7 skip rule).
    virtual void send_chat_message(const std::string& text, std::function<void(HelixAttemptResult)> done) = 0;

    // GET <base>helix/subscriptions/user?broadcaster_id=..&user_id=.. ; true iff 2xx and a non-empty
    // `data` array; every failure (non-2xx, bad body, transport) is false. Called only when both ids,
    // the broadcaster token and the Helix client id are non-empty (GiftService checks, CONTRACT.md §6.7).
    virtual void check_user_subscription(const std::string& streamer_id, const std::string& viewer_id,
                                         std::function<void(bool subscribed)> done) = 0;
};

// The reward announcement text for a payout's character name (literal template, CONTRACT.md §6.7).
std::string reward_sent_message(std::string_view character_name);

}  // namespace mgm::backend

// Handler results: a value or an ApiError carrying the reference's exact status/code/message (docs/CONTRACT.md §5.18).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace mgm::backend {

// A business error, rendered by the HTTP layer as {"code":..., "message":..., "details":{}} with `status`.
// Special case `unhandled == true`: not an ApiError body at all but an exception that escaped the handler
// in the reference (decision D1, Helix failing on the 3rd attempt). Render as the framework's 500
// (empty body outside Development); `message` is only for logs / the Development error page.
struct ApiError {
    int status = 500;
    std::string code;
    std::string message;
    bool unhandled = false;

    static ApiError unhandled_exception(std::string what) { return ApiError{500, "", std::move(what), true}; }
    friend bool operator==(const ApiError&, const ApiError&) = default;
};

// Success marker for operations whose success has no body (verify-candidate, confirm-acceptance).
struct Done {
    friend bool operator==(Done, Done) { return true; }
};

// Either a T or an ApiError. Cheap to copy; check ok() before value().
template <class T>
class Outcome {
public:
    Outcome(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
    Outcome(ApiError error) : v_(std::move(error)) {}  // NOLINT
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    const T& value() const { return std::get<0>(v_); }
    T& value() { return std::get<0>(v_); }
    const ApiError& error() const { return std::get<1>(v_); }

private:
    std::variant<T, ApiError> v_;
};

// The catalogue of every ApiError the EBS emits (literal data copied from the reference).
namespace errors {

// Claim validator message for a bad character name. The reference's source file holds a mis-decoded
// en-dash ("вЂ“" = U+0432 U+0402 U+201C) and section sign ("В§" = U+0412 U+00A7); kept byte-exact.
inline constexpr const char* kClaimNameRuleMessage =
    "CharacterName must be 2\xD0\xB2\xD0\x82\xE2\x80\x9C"
    "12 Unicode letters in Latin or Cyrillic scripts only (docs/overview/SPEC.md \xD0\x92\xC2\xA7"
    "4).";
// FluentValidation's default NotEmpty() messages (reachable only below HTTP: required-field binding rejects blanks first).
inline constexpr const char* kClaimNameEmptyMessage = "'Character Name' must not be empty.";
inline constexpr const char* kClaimEnrollmentIdEmptyMessage = "'Enrollment Request Id' must not be empty.";

inline ApiError invalid_character_name(std::string message) {
    return {400, "invalid_character_name", std::move(message)};
}
inline ApiError invalid_character_name() { return invalid_character_name("Invalid character name."); }
inline ApiError not_subscriber_claim() {
    return {403, "not_subscriber", "Subscriber verification requires Helix configuration or DevSkipSubscriberCheck."};
}
inline ApiError not_subscriber_gift() { return {403, "not_subscriber", "Only subscribers can use !twgift."}; }
inline ApiError duplicate_enrollment() {
    return {409, "duplicate_enrollment", "EnrollmentRequestId belongs to another user."};
}
inline ApiError active_payout_exists_user() {
    return {409, "active_payout_exists", "User already has an active payout."};
}
inline ApiError active_payout_exists_winner() {
    return {409, "active_payout_exists", "Winner already has an active payout."};
}
inline ApiError lifetime_cap_reached() { return {409, "lifetime_cap_reached", "Lifetime 10,000g cap reached."}; }
inline ApiError character_name_taken_in_pool() {
    return {409, "character_name_taken_in_pool", "Character name is taken by another viewer."};
}
inline ApiError invalid_payload_schema() { return {400, "invalid_payload", "schemaVersion must be 1."}; }
inline ApiError out_of_sequence_cycle() { return {400, "out_of_sequence", "spinCycleId does not match active cycle."}; }
inline ApiError out_of_sequence_window() { return {400, "out_of_sequence", "verify-candidate window closed."}; }
inline ApiError out_of_sequence_name() {
    return {400, "out_of_sequence", "characterName does not match server candidate."};
}
inline ApiError out_of_sequence_no_candidate() { return {400, "out_of_sequence", "No candidate for this cycle."}; }
inline ApiError payout_not_found() { return {404, "not_found", "Payout not found."}; }
inline ApiError transition_not_allowed() {
    return {409, "terminal_status_change_not_allowed", "Transition not allowed."};
}
inline ApiError acceptance_name_mismatch() {
    return {400, "invalid_character_name", "characterName does not match payout."};
}
inline ApiError gift_not_found() { return {404, "not_found", "Gift request not found."}; }
inline ApiError gift_already_used() { return {409, "gift_already_used", "!twgift can be used once per streamer."}; }
inline ApiError gift_request_active() { return {409, "gift_request_active", "Active gift request already exists."}; }
inline ApiError gift_not_selecting() { return {409, "invalid_state", "Gift request is not in SelectingItem state."}; }
inline ApiError gift_not_waiting_confirmation() {
    return {409, "invalid_state", "Gift request not waiting confirmation."};
}

}  // namespace errors
}  // namespace mgm::backend

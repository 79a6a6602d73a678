#include "backend/domain/records.h"

#include <array>

namespace mgm::backend {

namespace {

constexpr std::array<const char*, 6> kPayoutStatusNames{"Pending", "InProgress", "Sent", "Failed", "Cancelled", "Expired"};
constexpr std::array<const char*, 6> kGiftStateNames{"Pending",  "SelectingItem", "ItemSelected",
                                                     "WaitingConfirmation", "Completed", "Failed"};

bool iequals_ascii(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

template <std::size_t N>
std::string name_or_number(const std::array<const char*, N>& names, int value) {
    if (value >= 0 && static_cast<std::size_t>(value) < N) return names[static_cast<std::size_t>(value)];
    return std::to_string(value);
}

template <class Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<const char*, N>& names, std::string_view text) {
    for (std::size_t i = 0; i < N; ++i)
        if (iequals_ascii(names[i], text)) return static_cast<Enum>(i);
    return std::nullopt;
}

}  // namespace

std::string to_string(PayoutStatus status) { return name_or_number(kPayoutStatusNames, static_cast<int>(status)); }
std::string to_string(GiftRequestState state) { return name_or_number(kGiftStateNames, static_cast<int>(state)); }

std::optional<PayoutStatus> parse_payout_status(std::string_view name) {
    return parse_name<PayoutStatus>(kPayoutStatusNames, name);
}
std::optional<GiftRequestState> parse_gift_request_state(std::string_view name) {
    return parse_name<GiftRequestState>(kGiftStateNames, name);
}

}  // namespace mgm::backend

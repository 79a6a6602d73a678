#include "backend/domain/records.h"

#include <span>

#include "sim/core/text.h"

namespace mgm::backend {

namespace {

std::string name_or_number(std::span<const std::string_view> names, int value) {
    const auto index = static_cast<std::size_t>(value);
    if (value >= 0 && index < names.size()) return std::string(names[index]);
    return std::to_string(value);
}

template <class Enum>
std::optional<Enum> parse_name(std::span<const std::string_view> names, std::string_view text) {
    for (std::size_t i = 0; i < names.size(); ++i)
        if (sim::iequals(names[i], text)) return static_cast<Enum>(i);
    return std::nullopt;
}

}  // namespace

std::string to_string(PayoutStatus status) { return name_or_number(kPayoutStatusNames, static_cast<int>(status)); }
std::string to_string(GiftRequestState state) {
    return name_or_number(kGiftRequestStateNames, static_cast<int>(state));
}

std::optional<PayoutStatus> parse_payout_status(std::string_view name) {
    return parse_name<PayoutStatus>(kPayoutStatusNames, name);
}
std::optional<GiftRequestState> parse_gift_request_state(std::string_view name) {
    return parse_name<GiftRequestState>(kGiftRequestStateNames, name);
}

}  // namespace mgm::backend

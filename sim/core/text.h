// ASCII case folding, written once for every floor: HTTP header names and path segments, enum names in JSON
// and text, the environment name. .NET compares these ordinally ignoring case; for the ASCII text involved
// that is exactly a comparison of the ASCII-lowered bytes (no locale, no Unicode folding).
#pragma once

#include <string_view>

namespace mgm::sim {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    // From the end: header names share long prefixes ("Twitch-Eventsub-Message-Timestamp" / "-Signature").
    for (std::size_t i = a.size(); i-- > 0;)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

}  // namespace mgm::sim

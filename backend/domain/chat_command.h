// Chat command parser for "!twgold <name>" and "!twgift <name>" (docs/CONTRACT.md §5.2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mgm::backend {

// Trims (.NET whitespace), then requires the whole text to be "!<keyword>" (ASCII case-insensitive),
// one or more whitespace characters, exactly one non-whitespace token, end. Returns the raw token
// (no name validation). `keyword` without the '!': "twgold" or "twgift".
std::optional<std::string> parse_chat_command(std::string_view text, std::string_view keyword);
inline std::optional<std::string> parse_twgold(std::string_view text) { return parse_chat_command(text, "twgold"); }
inline std::optional<std::string> parse_twgift(std::string_view text) { return parse_chat_command(text, "twgift"); }

}  // namespace mgm::backend

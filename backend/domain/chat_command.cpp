#include "backend/domain/chat_command.h"

#include "backend/domain/character_name.h"
#include "backend/domain/utf8.h"
#include "sim/core/text.h"

namespace mgm::backend {

namespace {
bool is_space(const utf8::Unit& u) { return u.valid && is_dotnet_whitespace(u.code_point); }
}  // namespace

std::optional<std::string> parse_chat_command(std::string_view text, std::string_view keyword) {
    // Same shape as the reference's "^!twgold\s+(\S+)\s*$" on the trimmed text.
    const std::string trimmed = trim_dotnet(text);
    const std::size_t prefix_length = keyword.size() + 1;
    if (trimmed.size() <= prefix_length || trimmed[0] != '!') return std::nullopt;
    if (!sim::iequals(std::string_view(trimmed).substr(1, keyword.size()), keyword)) return std::nullopt;

    const std::string_view rest = std::string_view(trimmed).substr(prefix_length);
    if (utf8::is_ascii(rest)) {  // the same scan over bytes
        auto space = [](char c) { return is_dotnet_whitespace(static_cast<unsigned char>(c)); };
        std::size_t i = 0;
        while (i < rest.size() && space(rest[i])) ++i;
        if (i == 0 || i == rest.size()) return std::nullopt;
        const std::size_t token_begin = i;
        while (i < rest.size() && !space(rest[i])) ++i;
        if (i != rest.size()) return std::nullopt;
        return std::string(rest.substr(token_begin));
    }
    const auto units = utf8::decode(rest);
    std::size_t i = 0;
    while (i < units.size() && is_space(units[i])) ++i;
    if (i == 0 || i == units.size()) return std::nullopt;  // no separator, or nothing after it
    const std::size_t token_begin = i;
    while (i < units.size() && !is_space(units[i])) ++i;
    if (i != units.size()) return std::nullopt;  // a second token (trailing space was trimmed)
    return trimmed.substr(prefix_length + units[token_begin].offset);
}

}  // namespace mgm::backend

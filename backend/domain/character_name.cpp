#include "backend/domain/character_name.h"

#include <utility>

#include "backend/domain/utf8.h"

namespace mgm::backend {

namespace {

struct Range {
    char32_t first;
    char32_t last;
};

// Code points that are letters (Lu/Ll/Lt/Lm/Lo) inside the Latin and Cyrillic blocks the reference
// allows (docs/CONTRACT.md §5.6, resolved against Unicode 16 as recent .NET uses it).
constexpr Range kNameLetters[] = {
    // Latin
    {0x0041, 0x005A},
    {0x0061, 0x007A},
    {0x00C0, 0x00D6},
    {0x00D8, 0x00F6},
    {0x00F8, 0x00FF},
    {0x0100, 0x024F},
    {0x1E00, 0x1EFF},
    {0x2C60, 0x2C7F},
    {0xA722, 0xA787},
    // Cyrillic (U+0482–0489 are a symbol and combining marks; U+2DE0–2DFF are all combining marks;
    // U+A66F–A67E and U+A69E–A69F are marks/punctuation)
    {0x0400, 0x0481},
    {0x048A, 0x04FF},
    {0x0500, 0x052F},
    {0x1C80, 0x1C8A},
    {0xA640, 0xA66E},
    {0xA67F, 0xA69D},
};

bool is_name_letter(char32_t c) {
    for (const auto& r : kNameLetters)
        if (c >= r.first && c <= r.last) return true;
    return false;
}

// Byte range [begin, end) of the text without leading/trailing .NET whitespace.
std::pair<std::size_t, std::size_t> trimmed_bounds(std::string_view text) {
    if (utf8::is_ascii(text)) {
        std::size_t lo = 0;
        std::size_t hi = text.size();
        while (lo < hi && is_dotnet_whitespace(static_cast<unsigned char>(text[lo]))) ++lo;
        while (hi > lo && is_dotnet_whitespace(static_cast<unsigned char>(text[hi - 1]))) --hi;
        return lo == hi ? std::pair<std::size_t, std::size_t>{0, 0} : std::pair{lo, hi};
    }
    const auto units = utf8::decode(text);
    std::size_t lo = 0;
    std::size_t hi = units.size();
    while (lo < hi && units[lo].valid && is_dotnet_whitespace(units[lo].code_point)) ++lo;
    while (hi > lo && units[hi - 1].valid && is_dotnet_whitespace(units[hi - 1].code_point)) --hi;
    if (lo == hi) return {0, 0};
    return {units[lo].offset, units[hi - 1].offset + units[hi - 1].length};
}

}  // namespace

bool is_dotnet_whitespace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::string trim_dotnet(std::string_view utf8) {
    const auto [begin, end] = trimmed_bounds(utf8);
    return std::string(utf8.substr(begin, end - begin));
}

bool is_blank(std::string_view utf8) { return trim_dotnet(utf8).empty(); }

bool is_valid_character_name(std::string_view text) {
    const std::string trimmed = trim_dotnet(text);
    if (trimmed.empty()) return false;
    if (utf8::is_ascii(trimmed)) {  // one UTF-16 unit per byte; the only ASCII name letters are A-Z, a-z
        if (trimmed.size() < 2 || trimmed.size() > 12) return false;
        for (unsigned char c : trimmed)
            if (!is_name_letter(c)) return false;
        return true;
    }
    const auto units = utf8::decode(trimmed);
    std::size_t utf16_length = 0;
    for (const auto& u : units) {
        if (!u.valid) return false;
        utf16_length += u.code_point >= 0x10000 ? 2 : 1;
    }
    if (utf16_length < 2 || utf16_length > 12) return false;
    for (const auto& u : units)
        if (!is_name_letter(u.code_point)) return false;
    return true;
}

}  // namespace mgm::backend

// Character-name rules (docs/CONTRACT.md §5.6): .NET whitespace trim, 2..12 Latin/Cyrillic letters.
#pragma once

#include <string>
#include <string_view>

namespace mgm::backend {

// .NET char.IsWhiteSpace (U+0009–000D, U+0020, U+0085, U+00A0, U+1680, U+2000–200A, U+2028, U+2029,
// U+202F, U+205F, U+3000).
bool is_dotnet_whitespace(char32_t c);
// string.Trim(): strips that whitespace from both ends of UTF-8 text. Invalid UTF-8 bytes are not
// whitespace (they stay).
std::string trim_dotnet(std::string_view utf8);
// True if the text is empty or only whitespace (string.IsNullOrWhiteSpace).
bool is_blank(std::string_view utf8);

// Valid iff non-blank, trimmed length 2..12, every code point a letter inside the Latin/Cyrillic
// ranges of CONTRACT.md §5.6. Invalid UTF-8 is never valid.
bool is_valid_character_name(std::string_view utf8);

}  // namespace mgm::backend

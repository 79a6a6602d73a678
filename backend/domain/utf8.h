// Minimal UTF-8 decoding for the name rules and the chat parser (internal to backend/domain).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace mgm::backend::utf8 {

// One decoded unit: a code point, or an invalid byte (valid == false, code_point = the byte).
struct Unit {
    char32_t code_point = 0;
    std::size_t offset = 0;  // byte offset in the input
    std::size_t length = 0;  // bytes
    bool valid = true;
};

// Strict decoder: rejects overlongs, surrogates, > U+10FFFF and truncated sequences (each bad byte
// becomes one invalid unit).
std::vector<Unit> decode(std::string_view text);

// True if every byte is below 0x80: then each byte is one valid unit with its own code point, and the
// callers on the EventSub hot path skip decode(), which allocates a vector of units per chat message.
inline bool is_ascii(std::string_view text) {
    for (char c : text)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

}  // namespace mgm::backend::utf8

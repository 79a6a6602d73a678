// Minimal UTF-8 decoding for the name rules and the chat parser (internal to backend/domain).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace mgm::backend::utf8 {

// One decoded unit: a code point, or an invalid byte (valid == false, code_point = the byte).
struct Unit {
    char32_t code_point = 0;
    std::size_t offset = 0;   // byte offset in the input
    std::size_t length = 0;   // bytes
    bool valid = true;
};

// Strict decoder: rejects overlongs, surrogates, > U+10FFFF and truncated sequences (each bad byte
// becomes one invalid unit).
std::vector<Unit> decode(std::string_view text);

}  // namespace mgm::backend::utf8

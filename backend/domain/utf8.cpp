#include "backend/domain/utf8.h"

namespace mgm::backend::utf8 {

std::vector<Unit> decode(std::string_view text) {
    std::vector<Unit> units;
    units.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        std::size_t need = 0;
        char32_t cp = 0;
        char32_t min = 0;
        if (b0 < 0x80) {
            units.push_back({b0, i, 1, true});
            ++i;
            continue;
        } else if ((b0 & 0xE0) == 0xC0) {
            need = 1;
            cp = b0 & 0x1F;
            min = 0x80;
        } else if ((b0 & 0xF0) == 0xE0) {
            need = 2;
            cp = b0 & 0x0F;
            min = 0x800;
        } else if ((b0 & 0xF8) == 0xF0) {
            need = 3;
            cp = b0 & 0x07;
            min = 0x10000;
        } else {
            units.push_back({b0, i, 1, false});
            ++i;
            continue;
        }
        bool ok = i + need < text.size();  // all continuation bytes present
        for (std::size_t k = 1; ok && k <= need; ++k) {
            const auto b = static_cast<unsigned char>(text[i + k]);
            if ((b & 0xC0) != 0x80) ok = false;
            else cp = (cp << 6) | (b & 0x3F);
        }
        if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
        if (!ok) {
            units.push_back({b0, i, 1, false});
            ++i;
            continue;
        }
        units.push_back({cp, i, need + 1, true});
        i += need + 1;
    }
    return units;
}

}  // namespace mgm::backend::utf8

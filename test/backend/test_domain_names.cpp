// Character-name rule (docs/CONTRACT.md §5.6) and the chat command parser (§5.2).
#include <catch2/catch.hpp>

#include "backend/domain/character_name.h"
#include "backend/domain/chat_command.h"

using namespace mgm::backend;

TEST_CASE("RT-020..RT-023 character names: reference vectors", "[domain][names]") {
    CHECK(is_valid_character_name("Ab"));  // RT-020 minimum length
    CHECK_FALSE(is_valid_character_name("A"));  // RT-021 too short
    CHECK_FALSE(is_valid_character_name("Ab12"));  // RT-023 digits
    CHECK_FALSE(is_valid_character_name("1"));  // RT-069
    CHECK_FALSE(is_valid_character_name("1bad"));  // RT-056
}

TEST_CASE("character names: valid vectors", "[domain][names]") {
    const char* valid[] = {
        "Abcd",
        "Hero",
        "Norinn",
        "Noriqxzt",
        "Etoehero",
        "Thrall",
        "Abcdefghijkl",
        "  Abcd  ",
        "\u00A0Abcd\u00A0",
        "Абвг",
        "Тралл",
        "Ёжик",
        "AbВг",
        "Éowyn",
        "Øle",
        "ÿÿ",
        "Straße",
        "ŁódźÆ",
        "ǅa",
        "ƻƻ",
        "Ḁḁ",
        "ⱠⱡA",
        "ꜢꜢ",
        "Ꞁꞁ",
        "Ꞃꞃ",
        "ꝰA",
        "ᲀᲁ",
        "ZZZZZZZZZZZZ",
        "\u3000Ab\u2029",  // ideographic space / paragraph separator are trimmed
        "Ꙁꙮ",  // U+A640, U+A66E: first and last letters of Cyrillic Extended-B's first run
        "ꙿꚝ",  // U+A67F, U+A69D
        "Ᲊᲊ",  // U+1C89–1C8A (Unicode 16)
    };
    for (const char* name : valid) {
        INFO(name);
        CHECK(is_valid_character_name(name));
    }
}

TEST_CASE("character names: invalid vectors", "[domain][names]") {
    const std::string fifty(50, 'a');
    const std::string invalid[] = {
        "",
        "   ",
        "Abcdefghijklm",
        fifty,
        "Ab Cd",
        "Ab\tCd",
        "Ab-Cd",
        "Ab'cd",
        "Ab!",
        "Ab×c",
        "Ab÷c",
        "ªa",
        "ʰa",
        "ꞈA",
        "Αλφα",
        "ΩΩ",
        "张三",
        "Ab҂",
        "Ab\u0301c",
        "Ab\u200BCd",
        "𝐀𝐁",
        "Ab\u0489",  // combining Cyrillic millions sign
        "Ab\u2DE0",  // Cyrillic Extended-A combining letter
        "Ab\uA66F",  // combining vzmet
        "Ab\uA69E",  // combining letter (not a letter category)
        "Ab\u1C8B",  // unassigned after Cyrillic Extended-C
        "µa",
        "ºa",
        std::string("Ab\xFF", 3),  // invalid UTF-8
        std::string("A\xC3", 2),  // truncated sequence
        std::string("\xC1\x81\xC1\x82", 4),  // overlong "AB"
        "Ab\u200A",  // hair space is whitespace → trimmed → "Ab" is fine? (checked below)
    };
    for (std::size_t i = 0; i + 1 < std::size(invalid); ++i) {
        INFO(i << ": " << invalid[i]);
        CHECK_FALSE(is_valid_character_name(invalid[i]));
    }
    // Trailing hair space (U+200A) is .NET whitespace: trimmed, so the name is valid.
    CHECK(is_valid_character_name(invalid[std::size(invalid) - 1]));
}

TEST_CASE("character names: 12 letters after trimming, UTF-16 length", "[domain][names]") {
    CHECK(is_valid_character_name("  Абвгдеёжзийк "));  // 12 Cyrillic letters (24 bytes)
    CHECK_FALSE(is_valid_character_name("Абвгдеёжзийкл"));  // 13
}

TEST_CASE(".NET trim: whitespace set and invalid bytes", "[domain][names]") {
    CHECK(trim_dotnet("\t\n\v\f\r \u0085\u00A0\u1680\u2000\u200A\u2028\u2029\u202F\u205F\u3000X\u3000") == "X");
    CHECK(trim_dotnet("\u200BX") == "\u200BX");  // zero-width space is not whitespace in .NET
    CHECK(trim_dotnet(std::string("  \xFF  ", 5)) == std::string("\xFF", 1));
    CHECK(is_blank(" \u00A0 "));
    CHECK_FALSE(is_blank(" x "));
}

TEST_CASE("RT-017 !twgold parser accepts a single token", "[domain][parser]") {
    CHECK(parse_twgold("!twgold Abcd") == std::optional<std::string>("Abcd"));
    CHECK(parse_twgold("  !twgold   Xyzz  ") == std::optional<std::string>("Xyzz"));
    CHECK(parse_twgold("!TWGOLD hero") == std::optional<std::string>("hero"));
    CHECK(parse_twgold("!TwGoLd\tNameHere\t") == std::optional<std::string>("NameHere"));
}

TEST_CASE("RT-018 !twgold parser returns a long raw token", "[domain][parser]") {
    const std::string token(50, 'a');
    CHECK(parse_twgold("!twgold " + token) == std::optional<std::string>(token));
}

TEST_CASE("RT-019 !twgold parser rejects non-matching lines", "[domain][parser]") {
    for (const char* text : {"", "   ", "hello", "!twgold", "!twgold ", "!twgold A B", "prefix !twgold Abcd"}) {
        INFO('"' << text << '"');
        CHECK_FALSE(parse_twgold(text).has_value());
    }
}

TEST_CASE("chat command parser vectors", "[domain][parser]") {
    CHECK_FALSE(parse_twgold("!twgoldAbcd").has_value());
    CHECK(parse_twgold("!twgold Ab12") == std::optional<std::string>("Ab12"));
    CHECK_FALSE(parse_twgold("!twgift Abcd").has_value());
    CHECK(parse_twgold("!twgold   Абвг  ") == std::optional<std::string>("Абвг"));
    // Unicode whitespace separates, as .NET \s does.
    CHECK(parse_twgold("!twgold\u00A0Abcd") == std::optional<std::string>("Abcd"));
    CHECK_FALSE(parse_twgold("!twgold Ab\u3000Cd").has_value());
    CHECK_FALSE(parse_twgold("!twgolden Abcd").has_value());
    CHECK_FALSE(parse_twgold("twgold Abcd").has_value());
}

TEST_CASE("!twgift parser uses the same shape", "[domain][parser]") {
    CHECK(parse_twgift("!TwGift Norinn") == std::optional<std::string>("Norinn"));
    CHECK_FALSE(parse_twgift("!twgold Norinn").has_value());
    CHECK_FALSE(parse_twgift("!twgift").has_value());
}

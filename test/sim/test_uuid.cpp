// Uuid text forms: what the EBS prints, what {id:guid} routes accept, what JSON bodies accept.
#include <catch2/catch.hpp>

#include "sim/core/uuid.h"

using mgm::sim::Uuid;

namespace {
const char* kText = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
}

TEST_CASE("str and hex32 print lowercase D and N forms (spin:<hex32> vector)", "[uuid]") {
    const auto id = Uuid::parse_hyphenated(kText);
    REQUIRE(id);
    CHECK(id->str() == kText);
    CHECK("spin:" + id->hex32() == "spin:3f2504e04f8911d39a0c0305e82c3301");
    CHECK(Uuid{}.is_nil());
    CHECK(Uuid{}.str() == "00000000-0000-0000-0000-000000000000");
    CHECK_FALSE(id->is_nil());
}

TEST_CASE("parse_any accepts what .NET Guid.TryParse accepts", "[uuid]") {
    const Uuid expected = *Uuid::parse_hyphenated(kText);
    for (const char* text : {"3f2504e0-4f89-11d3-9a0c-0305e82c3301", "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
                             "3f2504e04f8911d39a0c0305e82c3301", "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}",
                             "(3f2504e0-4f89-11d3-9a0c-0305e82c3301)", " 3f2504e0-4f89-11d3-9a0c-0305e82c3301 "}) {
        INFO(text);
        const auto parsed = Uuid::parse_any(text);
        REQUIRE(parsed);
        CHECK(*parsed == expected);
    }
}

TEST_CASE("parse_any rejects near misses", "[uuid]") {
    for (const char* text : {"", "not-a-guid", "3f2504e0-4f89-11d3-9a0c-0305e82c330",  // 35 chars
                             "3f2504e0-4f89-11d3-9a0c-0305e82c33011",  // 37 chars
                             "3f2504e04f89-11d3-9a0c-0305e82c3301-",  // hyphens misplaced
                             "3g2504e0-4f89-11d3-9a0c-0305e82c3301",  // non-hex
                             "{3f2504e0-4f89-11d3-9a0c-0305e82c3301)",  // mismatched wrappers
                             "{3f2504e04f8911d39a0c0305e82c3301}",  // B form needs hyphens
                             "3f2504e0_4f89_11d3_9a0c_0305e82c3301", "12345"}) {
        INFO(text);
        CHECK_FALSE(Uuid::parse_any(text));
    }
}

TEST_CASE("parse_hyphenated accepts only the 36-character form", "[uuid]") {
    CHECK(Uuid::parse_hyphenated("3F2504E0-4F89-11D3-9A0C-0305E82C3301"));
    CHECK_FALSE(Uuid::parse_hyphenated("3f2504e04f8911d39a0c0305e82c3301"));
    CHECK_FALSE(Uuid::parse_hyphenated("{3f2504e0-4f89-11d3-9a0c-0305e82c3301}"));
    CHECK_FALSE(Uuid::parse_hyphenated(" 3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
}

TEST_CASE("uuids order by their bytes", "[uuid]") {
    CHECK(*Uuid::parse_any("00000000000000000000000000000001") < *Uuid::parse_any("00000000000000000000000000000002"));
}

// dotnet/runtime System.Private.CoreLib Guid.cs (TryParseGuid, TryParseExactD/N/B/P/X, TryParseHex): the
// forms the {id:guid} route constraint accepts.
TEST_CASE("Uuid::parse_any accepts every Guid.TryParse form: N, D, B, P, X and the D-group quirks", "[uuid]") {
    const auto expected = Uuid::parse_hyphenated("d85b1407-351d-4694-9392-03acc5870eb1");
    REQUIRE(expected);
    for (const char* form : {"d85b1407351d4694939203acc5870eb1", "D85B1407-351D-4694-9392-03ACC5870EB1",
                             "{d85b1407-351d-4694-9392-03acc5870eb1}", "(d85b1407-351d-4694-9392-03acc5870eb1)",
                             " \td85b1407-351d-4694-9392-03acc5870eb1\n",
                             "{0xd85b1407,0x351d,0x4694,{0x93,0x92,0x03,0xac,0xc5,0x87,0x0e,0xb1}}",
                             "{ 0xd85b1407 , 0X351d,0x4694,{0x93,0x92,0x3,0xac,0xc5,0x87,0xe,0xb1} }",
                             "{0x00d85b1407,0x351d,0x0004694,{0x93,0x92,0x03,0xac,0xc5,0x87,0x0e,0xb1}}",
                             "{0x+0xd85b1407,0x351d,0x4694,{0x93,0x92,0x03,0xac,0xc5,0x87,0x0e,0xb1}}"}) {
        INFO(form);
        const auto parsed = Uuid::parse_any(form);
        REQUIRE(parsed);
        REQUIRE(*parsed == *expected);
    }
    // D groups may spend their fixed width on '+' or "0x": "+351" is 0x0351, "0x94" is 0x0094.
    REQUIRE(Uuid::parse_any("d85b1407-+351-0x94-9392-03acc5870eb1")->str() == "d85b1407-0351-0094-9392-03acc5870eb1");
    for (const char* bad : {"", "   ", "d85b1407351d4694939203acc5870eb", "d85b1407-351d-4694-9392-03acc5870eb",
                            "d85b1407_351d_4694_9392_03acc5870eb1", "{d85b1407-351d-4694-9392-03acc5870eb1)",
                            "d85b1407-351d-4694-9392-03acc587+eb1", "g85b1407351d4694939203acc5870eb1",
                            "{0xd85b1407,0x351d,0x4694,{0x93,0x92,0x03,0xac,0xc5,0x87,0x0e,0x1b1}}",
                            "{0xd85b1407,0x351d,0x4694,{0x93,0x92,0x03,0xac,0xc5,0x87,0x0e}}",
                            "{0x1d85b1407,0x351d,0x4694,{0x93,0x92,0x03,0xac,0xc5,0x87,0x0e,0xb1}}x",
                            "{d85b1407,0x351d,0x4694,{0x93,0x92,0x03,0xac,0xc5,0x87,0x0e,0xb1}}"}) {
        INFO(bad);
        REQUIRE_FALSE(Uuid::parse_any(bad));
    }
}

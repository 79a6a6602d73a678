// Rng: the same seed gives the same story on every run and platform; named streams stay independent.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "sim/core/rng.h"

using mgm::sim::Rng;

namespace {
std::vector<std::uint64_t> draws(Rng rng, int count) {
    std::vector<std::uint64_t> out;
    for (int i = 0; i < count; ++i) out.push_back(rng.next_u64());
    return out;
}
}  // namespace

TEST_CASE("the same seed gives the same sequence - another seed a different one", "[rng]") {
    CHECK(draws(Rng(42), 100) == draws(Rng(42), 100));
    CHECK(draws(Rng(42), 100) != draws(Rng(43), 100));
}

TEST_CASE("the sequence is pinned (xoshiro256** seeded by splitmix64), so traces stay comparable across builds",
          "[rng]") {
    // splitmix64(0) first output is the published 0xe220a8397b1dcdaf; pinning our first draw guards the
    // generator against accidental changes that would silently change every scenario digest.
    Rng rng(0);
    const std::uint64_t first = rng.next_u64();
    Rng again(0);
    CHECK(again.next_u64() == first);
    // Reference value computed independently (Python model of xoshiro256** over splitmix64(0)).
    CHECK(first == 0x99ec5f36cb75f2b4ULL);
}

TEST_CASE("derive gives independent streams keyed by name, unaffected by draws on the parent", "[rng]") {
    Rng root(7);
    Rng ebs_before = root.derive("ebs");
    for (int i = 0; i < 10; ++i) root.next_u64();
    Rng ebs_after = root.derive("ebs");
    CHECK(draws(ebs_before, 20) == draws(ebs_after, 20));
    CHECK(draws(root.derive("ebs"), 20) != draws(root.derive("helix"), 20));
    CHECK(draws(root.derive("ebs"), 20) != draws(Rng(8).derive("ebs"), 20));
    CHECK(draws(root.derive("ebs"), 20) != draws(Rng(7), 20));
}

TEST_CASE("uniform stays within bounds and reaches every value", "[rng]") {
    Rng rng(1);
    std::set<std::uint64_t> seen;
    for (int i = 0; i < 10'000; ++i) {
        const std::uint64_t value = rng.uniform(7);
        REQUIRE(value < 7);
        seen.insert(value);
    }
    CHECK(seen.size() == 7);
    CHECK(rng.uniform(1) == 0);
    CHECK_THROWS_AS(rng.uniform(0), std::invalid_argument);
}

TEST_CASE("uniform is roughly unbiased for a range that does not divide 2^64", "[rng]") {
    Rng rng(99);
    const std::uint64_t n = 3;
    int counts[3] = {};
    for (int i = 0; i < 30'000; ++i) ++counts[rng.uniform(n)];
    for (int count : counts) CHECK(count > 9'500);  // expectation 10'000, sd ~82
}

TEST_CASE("uniform_range is inclusive and handles negative and full ranges", "[rng]") {
    Rng rng(5);
    bool saw_lo = false, saw_hi = false;
    for (int i = 0; i < 5'000; ++i) {
        const std::int64_t value = rng.uniform_range(-3, 3);
        REQUIRE(value >= -3);
        REQUIRE(value <= 3);
        saw_lo |= value == -3;
        saw_hi |= value == 3;
    }
    CHECK(saw_lo);
    CHECK(saw_hi);
    CHECK(rng.uniform_range(4, 4) == 4);
    rng.uniform_range(INT64_MIN, INT64_MAX);  // full range must not divide by zero
    CHECK_THROWS_AS(rng.uniform_range(2, 1), std::invalid_argument);
}

TEST_CASE("unit is in the half-open range 0 to 1 and chance honours certainties", "[rng]") {
    Rng rng(3);
    for (int i = 0; i < 10'000; ++i) {
        const double u = rng.unit();
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
    }
    for (int i = 0; i < 100; ++i) {
        CHECK(rng.chance(1.0));
        CHECK_FALSE(rng.chance(0.0));
    }
}

TEST_CASE("uuid_v4 sets the version and RFC 4122 variant bits and does not repeat", "[rng][uuid]") {
    Rng rng(11);
    std::set<std::string> seen;
    for (int i = 0; i < 1'000; ++i) {
        const auto id = rng.uuid_v4();
        const std::string text = id.str();
        REQUIRE(text.size() == 36);
        CHECK(text[14] == '4');
        CHECK((text[19] == '8' || text[19] == '9' || text[19] == 'a' || text[19] == 'b'));
        seen.insert(text);
    }
    CHECK(seen.size() == 1'000);
    CHECK(Rng(11).uuid_v4() == Rng(11).uuid_v4());
}

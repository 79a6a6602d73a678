// Seeded, platform-independent randomness (xoshiro256** seeded by splitmix64). The only RNG business code uses.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "sim/core/uuid.h"

namespace mgm::sim {

class Rng {
public:
    explicit Rng(std::uint64_t seed);

    std::uint64_t next_u64();
    // Uniform in [0, n) without modulo bias; n must be > 0. Same sequence on every platform
    // (std::uniform_int_distribution is implementation-defined, so it is not used).
    std::uint64_t uniform(std::uint64_t n);
    // Uniform in [lo, hi] (inclusive).
    std::int64_t uniform_range(std::int64_t lo, std::int64_t hi);
    // Uniform double in [0, 1).
    double unit();
    bool chance(double probability);
    // Random (version 4, RFC 4122 variant) UUID.
    Uuid uuid_v4();

    // An independent stream for a named consumer, derived from this generator's seed (not its state),
    // so adding draws in one component never shifts another's sequence.
    Rng derive(std::string_view name) const;
    std::uint64_t seed() const { return seed_; }

private:
    std::uint64_t seed_;
    std::array<std::uint64_t, 4> s_;
};

}  // namespace mgm::sim

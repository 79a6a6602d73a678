// xoshiro256** (Blackman & Vigna) seeded through splitmix64; bounded draws by Lemire's multiply-shift
// with rejection, so every platform produces the same numbers for the same seed.
#include "sim/core/rng.h"

#include <limits>
#include <stdexcept>

namespace mgm::sim {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// FNV-1a 64: a fixed, documented hash (std::hash is implementation-defined and may change).
constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
std::uint64_t fnv1a_byte(std::uint64_t hash, std::uint8_t byte) { return (hash ^ byte) * kFnvPrime; }

}  // namespace

Rng::Rng(std::uint64_t seed) : seed_(seed) {
    std::uint64_t state = seed;
    for (auto& word : s_) word = splitmix64(state);
}

std::uint64_t Rng::next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

std::uint64_t Rng::uniform(std::uint64_t n) {
    if (n == 0) throw std::invalid_argument("Rng::uniform(0): the range is empty");
    unsigned __int128 product = static_cast<unsigned __int128>(next_u64()) * n;
    auto low = static_cast<std::uint64_t>(product);
    if (low < n) {
        const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n: draws below it would bias the result
        while (low < threshold) {
            product = static_cast<unsigned __int128>(next_u64()) * n;
            low = static_cast<std::uint64_t>(product);
        }
    }
    return static_cast<std::uint64_t>(product >> 64);
}

std::int64_t Rng::uniform_range(std::int64_t lo, std::int64_t hi) {
    if (lo > hi) throw std::invalid_argument("Rng::uniform_range: lo > hi");
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
    const std::uint64_t offset = span == 0 ? next_u64() : uniform(span);  // span 0: the full 64-bit range
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + offset);
}

double Rng::unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

// Always consumes one draw, whatever the probability, so changing a probability never shifts later draws.
bool Rng::chance(double probability) { return unit() < probability; }

Uuid Rng::uuid_v4() {
    Uuid id;
    for (int half = 0; half < 2; ++half) {
        const std::uint64_t word = next_u64();
        for (int i = 0; i < 8; ++i) id.bytes[half * 8 + i] = static_cast<std::uint8_t>(word >> (56 - 8 * i));
    }
    id.bytes[6] = static_cast<std::uint8_t>((id.bytes[6] & 0x0f) | 0x40);  // version 4
    id.bytes[8] = static_cast<std::uint8_t>((id.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant (10xx)
    return id;
}

Rng Rng::derive(std::string_view name) const {
    std::uint64_t hash = kFnvOffset;
    for (int i = 0; i < 8; ++i) hash = fnv1a_byte(hash, static_cast<std::uint8_t>(seed_ >> (8 * i)));
    hash = fnv1a_byte(hash, 0xff);  // separator: seed bytes and name bytes never run together
    for (char c : name) hash = fnv1a_byte(hash, static_cast<std::uint8_t>(c));
    return Rng(hash);
}

}  // namespace mgm::sim

#include "sim/core/crypto.h"

// Every digest here uses the SHA*_Init/Update/Final contexts, deprecated in OpenSSL 3 in favour of EVP: their
// plain structs can be copied without an allocation, and they never touch the provider machinery. The bytes
// are the same as EVP's (test/sim/test_crypto_settings.cpp compares them).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <stdexcept>

namespace mgm::sim::crypto {

// RFC 2104 on the low-level digest contexts: the key's inner and outer pad blocks are hashed once here, and
// sign() copies those two plain structs. Copying an EVP context allocates (EVP_MAC_CTX_dup), which dominated
// the EventSub signature check outside SHA itself; the digest code underneath is the same.
struct HmacKey::State {
    HmacAlgorithm algorithm;
    SHA256_CTX inner256{}, outer256{};
    SHA512_CTX inner512{}, outer512{};  // SHA-384 and SHA-512
};

namespace {

template <class Ctx, int (*Init)(Ctx*), int (*Update)(Ctx*, const void*, std::size_t)>
void key_pads(std::string_view key, std::size_t block_size, std::string (*digest)(std::string_view), Ctx& inner,
              Ctx& outer) {
    std::string block = key.size() > block_size ? digest(key) : std::string(key);
    block.resize(block_size, '\0');
    std::string ipad = block, opad = block;
    for (std::size_t i = 0; i < block_size; ++i) {
        ipad[i] = static_cast<char>(ipad[i] ^ 0x36);
        opad[i] = static_cast<char>(opad[i] ^ 0x5c);
    }
    Init(&inner);
    Update(&inner, ipad.data(), block_size);
    Init(&outer);
    Update(&outer, opad.data(), block_size);
    OPENSSL_cleanse(block.data(), block.size());
    OPENSSL_cleanse(ipad.data(), ipad.size());
    OPENSSL_cleanse(opad.data(), opad.size());
}

template <class Ctx, int (*Update)(Ctx*, const void*, std::size_t), int (*Final)(unsigned char*, Ctx*)>
std::string keyed_mac(Ctx inner, Ctx outer, std::size_t digest_size, std::initializer_list<std::string_view> parts) {
    std::array<unsigned char, SHA512_DIGEST_LENGTH> out{};
    for (auto part : parts) Update(&inner, part.data(), part.size());
    Final(out.data(), &inner);
    Update(&outer, out.data(), digest_size);
    Final(out.data(), &outer);
    return std::string(reinterpret_cast<const char*>(out.data()), digest_size);
}

// One-shot digests on the same plain contexts: OpenSSL's SHA256()/EVP one-shots fetch the algorithm from
// the provider, whose first use in a process initialises the provider machinery (a large share of a short
// `mgm-sim run`: docs/BENCHMARKS.md).
template <class Ctx, int (*Init)(Ctx*), int (*Update)(Ctx*, const void*, std::size_t),
          int (*Final)(unsigned char*, Ctx*), std::size_t kSize>
std::string digest(std::string_view data) {
    Ctx ctx;
    Init(&ctx);
    Update(&ctx, data.data(), data.size());
    std::array<unsigned char, kSize> out{};
    Final(out.data(), &ctx);
    return std::string(reinterpret_cast<const char*>(out.data()), out.size());
}

std::string sha384(std::string_view data) {
    return digest<SHA512_CTX, SHA384_Init, SHA384_Update, SHA384_Final, SHA384_DIGEST_LENGTH>(data);
}

std::string sha512(std::string_view data) {
    return digest<SHA512_CTX, SHA512_Init, SHA512_Update, SHA512_Final, SHA512_DIGEST_LENGTH>(data);
}

}  // namespace

std::string sha256(std::string_view data) {
    return digest<SHA256_CTX, SHA256_Init, SHA256_Update, SHA256_Final, SHA256_DIGEST_LENGTH>(data);
}

std::string hmac(HmacAlgorithm algorithm, std::string_view key, std::string_view data) {
    return HmacKey(algorithm, key).sign({data});
}

HmacKey::HmacKey(HmacAlgorithm algorithm, std::string_view key) : state_(new State{algorithm}) {
    switch (algorithm) {
    case HmacAlgorithm::sha256:
        key_pads<SHA256_CTX, SHA256_Init, SHA256_Update>(key, SHA256_CBLOCK, sha256, state_->inner256,
                                                         state_->outer256);
        break;
    case HmacAlgorithm::sha384:
        key_pads<SHA512_CTX, SHA384_Init, SHA384_Update>(key, SHA512_CBLOCK, sha384, state_->inner512,
                                                         state_->outer512);
        break;
    case HmacAlgorithm::sha512:
        key_pads<SHA512_CTX, SHA512_Init, SHA512_Update>(key, SHA512_CBLOCK, sha512, state_->inner512,
                                                         state_->outer512);
        break;
    }
}

HmacKey::~HmacKey() {
    OPENSSL_cleanse(state_, sizeof *state_);
    delete state_;
}

std::string HmacKey::sign(std::initializer_list<std::string_view> parts) const {
    switch (state_->algorithm) {
    case HmacAlgorithm::sha256:
        return keyed_mac<SHA256_CTX, SHA256_Update, SHA256_Final>(state_->inner256, state_->outer256,
                                                                  SHA256_DIGEST_LENGTH, parts);
    case HmacAlgorithm::sha384:
        return keyed_mac<SHA512_CTX, SHA384_Update, SHA384_Final>(state_->inner512, state_->outer512,
                                                                  SHA384_DIGEST_LENGTH, parts);
    case HmacAlgorithm::sha512: break;
    }
    return keyed_mac<SHA512_CTX, SHA512_Update, SHA512_Final>(state_->inner512, state_->outer512, SHA512_DIGEST_LENGTH,
                                                              parts);
}

std::string to_hex_lower(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0x0f]);
    }
    return out;
}

namespace {
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c, bool url) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

std::string encode(std::string_view bytes, bool url) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto sym = [url](unsigned v) {
        char c = kBase64[v & 63];
        if (url && c == '+') return '-';
        if (url && c == '/') return '_';
        return c;
    };
    for (; i + 3 <= bytes.size(); i += 3) {
        unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 | (unsigned char)bytes[i + 2];
        out += {sym(v >> 18), sym(v >> 12), sym(v >> 6), sym(v)};
    }
    std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        unsigned v = (unsigned char)bytes[i] << 16;
        out += {sym(v >> 18), sym(v >> 12)};
        if (!url) out += "==";
    } else if (rest == 2) {
        unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8;
        out += {sym(v >> 18), sym(v >> 12), sym(v >> 6)};
        if (!url) out += "=";
    }
    return out;
}

std::optional<std::string> decode(std::string_view text, bool url) {
    std::size_t padding = 0;
    if (!url) {
        if (text.size() % 4 != 0) return std::nullopt;
        while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
        text.remove_suffix(padding);
    } else if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (char c : text) {
        int v = base64_value(c, url);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    // Leftover bits must be zero (canonical encoding), as .NET's decoder requires.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}
}  // namespace

std::string base64_encode(std::string_view bytes) { return encode(bytes, false); }
std::optional<std::string> base64_decode(std::string_view text) { return decode(text, false); }
std::string base64url_encode(std::string_view bytes) { return encode(bytes, true); }
std::optional<std::string> base64url_decode(std::string_view text) { return decode(text, true); }

bool constant_time_equals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mgm::sim::crypto

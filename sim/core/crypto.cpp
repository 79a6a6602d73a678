#include "sim/core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <array>
#include <stdexcept>

namespace mgm::sim::crypto {

std::string sha256(std::string_view data) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
    return std::string(reinterpret_cast<const char*>(out.data()), out.size());
}

std::string hmac(HmacAlgorithm algorithm, std::string_view key, std::string_view data) {
    const EVP_MD* md = algorithm == HmacAlgorithm::sha256   ? EVP_sha256()
                       : algorithm == HmacAlgorithm::sha384 ? EVP_sha384()
                                                            : EVP_sha512();
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int len = 0;
    // HMAC() with a null key pointer and length 0 is valid; pass a dummy non-null pointer anyway.
    static const unsigned char empty_key = 0;
    const void* key_ptr = key.empty() ? static_cast<const void*>(&empty_key) : key.data();
    if (!HMAC(md, key_ptr, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
              data.size(), out.data(), &len)) {
        throw std::runtime_error("HMAC failed");
    }
    return std::string(reinterpret_cast<const char*>(out.data()), len);
}

struct HmacKey::State {
    HmacAlgorithm algorithm;
    std::string key;               // kept for the empty-key case, which goes through hmac()
    EVP_MAC_CTX* keyed = nullptr;  // initialized with the key; copied for every sign()
};

HmacKey::HmacKey(HmacAlgorithm algorithm, std::string_view key) : state_(new State{algorithm, std::string(key)}) {
    if (key.empty()) return;   // EVP_MAC_init reads a null/empty key as "keep the previous one"
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac) state_->keyed = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);   // the context holds its own reference
    char* digest = const_cast<char*>(algorithm == HmacAlgorithm::sha256   ? "SHA256"
                                     : algorithm == HmacAlgorithm::sha384 ? "SHA384"
                                                                          : "SHA512");
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
    if (!state_->keyed ||
        !EVP_MAC_init(state_->keyed, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params)) {
        EVP_MAC_CTX_free(state_->keyed);
        delete state_;
        throw std::runtime_error("HMAC key setup failed");
    }
}

HmacKey::~HmacKey() {
    EVP_MAC_CTX_free(state_->keyed);
    delete state_;
}

std::string HmacKey::sign(std::initializer_list<std::string_view> parts) const {
    if (!state_->keyed) {
        std::string data;
        for (auto part : parts) data.append(part);
        return hmac(state_->algorithm, state_->key, data);
    }
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(state_->keyed);
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    std::size_t len = 0;
    bool ok = ctx != nullptr;
    for (auto part : parts)
        ok = ok && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()), part.size());
    ok = ok && EVP_MAC_final(ctx, out.data(), &len, out.size());
    EVP_MAC_CTX_free(ctx);
    if (!ok) throw std::runtime_error("HMAC failed");
    return std::string(reinterpret_cast<const char*>(out.data()), len);
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

// Small OpenSSL wrappers shared by the EBS, the fakes and the trace digest: SHA-256, HMAC, base64, hex.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace mgm::sim::crypto {

enum class HmacAlgorithm { sha256, sha384, sha512 };

// Raw digest bytes.
std::string sha256(std::string_view data);
std::string hmac(HmacAlgorithm algorithm, std::string_view key, std::string_view data);
inline std::string hmac_sha256(std::string_view key, std::string_view data) {
    return hmac(HmacAlgorithm::sha256, key, data);
}

// A key set up once for many HMACs over the same secret (the EBS's EventSub secret): each sign() copies the
// keyed state instead of fetching the algorithm and hashing the key again, as hmac() must for every EventSub
// message. Same result as hmac(algorithm, key, concatenation of the parts).
class HmacKey {
public:
    HmacKey(HmacAlgorithm algorithm, std::string_view key);
    ~HmacKey();
    HmacKey(const HmacKey&) = delete;
    HmacKey& operator=(const HmacKey&) = delete;
    std::string sign(std::initializer_list<std::string_view> parts) const;

private:
    struct State;
    State* state_;
};

std::string to_hex_lower(std::string_view bytes);

// Standard base64 with padding. decode: nullopt on bad characters or bad padding (padding required).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
// base64url without padding (JWT). decode accepts missing padding; nullopt on bad characters.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

// Compares in time that depends only on the lengths, not on where the first difference is.
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace mgm::sim::crypto

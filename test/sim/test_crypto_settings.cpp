// SHA-256/HMAC/base64 against published vectors, and ASP.NET-style settings keys.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sim/core/crypto.h"
#include "sim/core/settings.h"

using namespace mgm::sim;

namespace {

// OpenSSL's EVP interface, as the reference the project's digests must equal byte for byte.
const EVP_MD* evp_md(crypto::HmacAlgorithm algorithm) {
    return algorithm == crypto::HmacAlgorithm::sha256   ? EVP_sha256()
           : algorithm == crypto::HmacAlgorithm::sha384 ? EVP_sha384()
                                                        : EVP_sha512();
}

std::string evp_hmac(crypto::HmacAlgorithm algorithm, const std::string& key, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    static const unsigned char empty_key = 0;
    REQUIRE(HMAC(evp_md(algorithm), key.empty() ? &empty_key : reinterpret_cast<const unsigned char*>(key.data()),
                 static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
                 &length) != nullptr);
    return std::string(reinterpret_cast<const char*>(out), length);
}

std::string evp_sha256(const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    REQUIRE(EVP_Digest(data.data(), data.size(), out, &length, EVP_sha256(), nullptr) == 1);
    return std::string(reinterpret_cast<const char*>(out), length);
}

}  // namespace

TEST_CASE("sha256 and hmac give OpenSSL's EVP bytes for every length around the block sizes", "[crypto]") {
    std::string data;
    for (int n = 0; n <= 300; ++n) {
        CHECK(crypto::sha256(data) == evp_sha256(data));
        for (auto algorithm :
             {crypto::HmacAlgorithm::sha256, crypto::HmacAlgorithm::sha384, crypto::HmacAlgorithm::sha512}) {
            const std::string key = data.substr(0, static_cast<std::size_t>(n % 150));
            CHECK(crypto::hmac(algorithm, key, data) == evp_hmac(algorithm, key, data));
        }
        data.push_back(static_cast<char>((n * 37 + 11) & 0xff));
    }
}

TEST_CASE("sha256 and hmac match published vectors", "[crypto]") {
    CHECK(crypto::to_hex_lower(crypto::sha256("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // RFC 4231 test case 2.
    CHECK(crypto::to_hex_lower(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(crypto::to_hex_lower(crypto::hmac(crypto::HmacAlgorithm::sha512, "Jefe", "what do ya want for nothing?"))
              .starts_with("164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"));
}

TEST_CASE("a prepared HMAC key signs like hmac() over the concatenated parts, every time", "[crypto]") {
    // RFC 4231 test case 2, split into parts.
    const crypto::HmacKey jefe(crypto::HmacAlgorithm::sha256, "Jefe");
    for (int repeat = 0; repeat < 3; ++repeat)
        CHECK(crypto::to_hex_lower(jefe.sign({"what do ya ", "", "want for nothing?"})) ==
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    for (auto algorithm :
         {crypto::HmacAlgorithm::sha256, crypto::HmacAlgorithm::sha384, crypto::HmacAlgorithm::sha512}) {
        for (std::string key : {std::string(), std::string("k"), std::string(64, 'b'), std::string(65, 'b'),
                                std::string(128, 'c'), std::string(200, 'x')}) {  // around both block sizes
            const crypto::HmacKey prepared(algorithm, key);
            CHECK(prepared.sign({"id-1", "1775304000", "{\"a\":1}"}) ==
                  evp_hmac(algorithm, key, "id-11775304000{\"a\":1}"));
            CHECK(prepared.sign({}) == evp_hmac(algorithm, key, ""));
        }
    }
}

TEST_CASE("base64 round trips and rejects malformed input", "[crypto]") {
    for (std::string s :
         std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\x00\xfe", 3)}) {
        CHECK(crypto::base64_decode(crypto::base64_encode(s)) == s);
        CHECK(crypto::base64url_decode(crypto::base64url_encode(s)) == s);
    }
    CHECK(crypto::base64_encode("foobar") == "Zm9vYmFy");
    CHECK(crypto::base64_encode("fo") == "Zm8=");
    CHECK(crypto::base64url_encode("\xfb\xff") == "-_8");
    CHECK_FALSE(crypto::base64_decode("Zm8").has_value());  // padding required
    CHECK_FALSE(crypto::base64_decode("Zm9v!A==").has_value());  // bad character
    CHECK_FALSE(crypto::base64url_decode("a").has_value());  // impossible length
}

TEST_CASE("constant_time_equals compares whole strings", "[crypto]") {
    CHECK(crypto::constant_time_equals("sha256=abc", "sha256=abc"));
    CHECK_FALSE(crypto::constant_time_equals("sha256=abc", "sha256=abd"));
    CHECK_FALSE(crypto::constant_time_equals("sha256=abc", "sha256=ab"));
    CHECK(crypto::constant_time_equals("", ""));
}

TEST_CASE("settings map environment names onto case-insensitive keys", "[settings]") {
    char a[] = "Mgm__ApiKey=ci-desktop-api-key";
    char b[] = "MOCKHELIX__STRICTAUTH=TRUE";
    char c[] = "NOEQUALS";
    char* env[] = {a, b, c, nullptr};
    Settings s = Settings::from_environment(env);
    CHECK(s.get("Mgm:ApiKey") == "ci-desktop-api-key");
    CHECK(s.get("mgm:apikey") == "ci-desktop-api-key");
    CHECK(s.get_bool("MockHelix:StrictAuth", false));
    CHECK_FALSE(s.get("Twitch:EventSubSecret").has_value());

    Settings over = Settings::from_pairs({{"Mgm:ApiKey", "other"}, {"Mgm:EnableE2eHarness", " True "}});
    s.overlay(over);
    CHECK(s.get("MGM__APIKEY") == "other");
    CHECK(s.get_bool("Mgm:EnableE2eHarness", false));
    CHECK(s.get_bool("Mgm:Missing", true));
    s.set("Mgm:DevSkipSubscriberCheck", "yes");  // not a .NET bool: falls back
    CHECK_FALSE(s.get_bool("Mgm:DevSkipSubscriberCheck", false));
}

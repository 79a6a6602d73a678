// The small HTTP helpers every floor shares (sim/http/message.h, sim/http/respond.h, sim/core/text.h): the
// media-type check the EBS's body binding and SyntheticDesktop's /run-pending use, the base-URL joining of
// every configured service address, the exactly-one-response guard, the ASCII case-insensitive compare.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/core/text.h"
#include "sim/http/message.h"
#include "sim/http/respond.h"

using namespace mgm;

TEST_CASE("http helpers: media type of a Content-Type value and the JSON media types", "[http][media-type]") {
    CHECK(http::media_type("text/plain; charset=utf-8") == "text/plain");
    CHECK(http::media_type(" \tApplication/JSON \t;charset=utf-8") == "Application/JSON");
    CHECK(http::media_type("application/json") == "application/json");
    CHECK(http::media_type("") == "");
    CHECK(http::media_type(";charset=utf-8") == "");
    CHECK(http::trim_ows(" \t charset=utf-8\t ") == "charset=utf-8");
    CHECK(http::trim_ows("\r\n") == "\r\n");  // only spaces and tabs

    for (const char* json : {"application/json", "APPLICATION/Json; charset=utf-8", "text/json", " text/JSON ;x=y",
                             "application/problem+json", "application/vnd.api+JSON; charset=utf-8"}) {
        INFO(json);
        CHECK(http::is_json_media_type(json));
    }
    for (const char* other : {"", "text/plain", "application/jsonx", "application/+json", "text/+json",
                              "application/json-patch", "multipart/form-data", "json", "application/x+jsonp"}) {
        INFO(other);
        CHECK_FALSE(http::is_json_media_type(other));
    }
}

TEST_CASE("http helpers: a configured base URL and a path joined with one slash", "[http][url]") {
    CHECK(http::join_url("http://127.0.0.1:8080", "/api/payouts/pending") ==
          "http://127.0.0.1:8080/api/payouts/pending");
    CHECK(http::join_url("http://127.0.0.1:8080/", "/api/payouts/pending") ==
          "http://127.0.0.1:8080/api/payouts/pending");
    CHECK(http::join_url("http://127.0.0.1:8080///", "/api/twitch/eventsub") ==
          "http://127.0.0.1:8080/api/twitch/eventsub");
    CHECK(http::join_url("http://127.0.0.1:8080/", "helix/chat/messages") ==
          "http://127.0.0.1:8080/helix/chat/messages");
    CHECK(http::join_url("http://h:1/base/", "/x") == "http://h:1/base/x");
    CHECK(http::without_trailing_slashes("http://h:1//") == "http://h:1");
    CHECK(http::without_trailing_slashes("http://h:1") == "http://h:1");
    CHECK(http::without_trailing_slashes("///") == "");
}

TEST_CASE("http helpers: RespondOnce passes on only the first response, copies included", "[http][respond]") {
    std::vector<int> sent;
    const http::RespondOnce once([&](http::Response response) { sent.push_back(response.status); });
    CHECK_FALSE(once.answered());
    const http::Respond handed_on = once;  // as a handler receives it
    handed_on(http::Response::empty(200));
    CHECK(once.answered());
    once(http::Response::empty(500));
    handed_on(http::Response::empty(404));
    CHECK(sent == std::vector<int>{200});
}

TEST_CASE("ASCII case-insensitive compare", "[text]") {
    CHECK(sim::iequals("Twitch-Eventsub-Message-Signature", "twitch-eventsub-message-SIGNATURE"));
    CHECK(sim::iequals("", ""));
    CHECK_FALSE(sim::iequals("Development", "Developmen"));
    CHECK_FALSE(sim::iequals("Sent", "Sen t"));
    CHECK_FALSE(sim::iequals("@", "`"));  // 0x40 / 0x60: only A-Z fold
    CHECK_FALSE(sim::iequals("[", "{"));
    // No Unicode folding: the Turkish dotless i and the Kelvin sign stay different from ASCII letters.
    CHECK_FALSE(sim::iequals("\xC4\xB1", "I"));
    CHECK_FALSE(sim::iequals("\xE2\x84\xAA", "k"));
    CHECK(http::iequals("Content-Type", "content-type"));  // the HTTP layer uses the same function
}

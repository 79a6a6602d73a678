// Router and HTTP message helpers: the ASP.NET routing behaviour clients observe (docs/CONTRACT.md §1).
#include <catch2/catch.hpp>

#include <stdexcept>

#include "sim/http/router.h"

using namespace mgm::http;

namespace {

// Runs a request through dispatch and returns the response it produced.
Response call(const Router& router, std::string method, std::string path) {
    Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.target = request.path;
    Response out = Response::empty(0);
    int answers = 0;
    router.dispatch(request, [&](Response r) {
        out = std::move(r);
        ++answers;
    });
    REQUIRE(answers == 1);
    return out;
}

Router sample_router() {
    Router router;
    auto named = [](std::string name) {
        return [name](const Request&, const Params& params) {
            std::string body = name;
            for (const auto& [key, value] : params) body += " " + key + "=" + value;
            return Response::text(200, body);
        };
    };
    router.add_sync("GET", "/api/version", named("version"));
    router.add_sync("GET", "/api/payouts/pending", named("pending"));
    router.add_sync("PATCH", "/api/payouts/{id:guid}/status", named("status"));
    router.add_sync("POST", "/api/payouts/{id:guid}/confirm-acceptance", named("confirm"));
    router.add_sync("GET", "/api/streamers/{streamerId}/gift-queue", named("queue"));
    router.add_sync("GET", "/api/gift-requests", named("list-gifts"));
    router.add_sync("POST", "/api/gift-requests", named("create-gift"));
    router.add_sync("GET", "/api/payouts/{id}", named("payout-by-id"));
    router.add_sync("GET", "/api/payouts/my-last", named("my-last"));
    return router;
}

const char* kGuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

}  // namespace

TEST_CASE("literal segments match case-insensitively and one trailing slash is tolerated", "[router]") {
    const Router router = sample_router();
    CHECK(call(router, "GET", "/api/version").body == "version");
    CHECK(call(router, "GET", "/API/Version").body == "version");
    CHECK(call(router, "GET", "/api/version/").body == "version");
    CHECK(call(router, "GET", "/api/version//").status == 404);
    CHECK(call(router, "GET", "/api//version").status == 404);
}

TEST_CASE("{name:guid} accepts what Guid.TryParse accepts - anything else is no route (404)", "[router]") {
    const Router router = sample_router();
    CHECK(call(router, "PATCH", std::string("/api/payouts/") + kGuid + "/status").body ==
          std::string("status id=") + kGuid);
    CHECK(call(router, "PATCH", "/api/payouts/3F2504E04F8911D39A0C0305E82C3301/status").status == 200);
    CHECK(call(router, "PATCH", std::string("/api/payouts/{") + kGuid + "}/status").status == 200);
    CHECK(call(router, "PATCH", std::string("/api/payouts/(") + kGuid + ")/status").status == 200);
    CHECK(call(router, "PATCH",
               "/api/payouts/{0x3f2504e0,0x4f89,0x11d3,{0x9a,0x0c,0x03,0x05,0xe8,0x2c,0x33,0x01}}/status")
              .body == std::string("status id={0x3f2504e0,0x4f89,0x11d3,{0x9a,0x0c,0x03,0x05,0xe8,0x2c,0x33,0x01}}"));
    const Response not_guid = call(router, "PATCH", "/api/payouts/not-a-guid/status");
    CHECK(not_guid.status == 404);
    CHECK(not_guid.body.empty());
}

TEST_CASE("{name} matches any non-empty segment and keeps its text", "[router]") {
    const Router router = sample_router();
    CHECK(call(router, "GET", "/api/streamers/Some Streamer/gift-queue").body == "queue streamerId=Some Streamer");
    CHECK(call(router, "GET", "/api/streamers//gift-queue").status == 404);
}

TEST_CASE("a literal segment beats a parameter at the same position, whatever the registration order", "[router]") {
    const Router router = sample_router();
    CHECK(call(router, "GET", "/api/payouts/my-last").body == "my-last");
    CHECK(call(router, "GET", "/api/payouts/pending").body == "pending");
    CHECK(call(router, "GET", "/api/payouts/123").body == "payout-by-id id=123");
}

TEST_CASE("an unknown path is 404 with an empty body", "[router]") {
    const Router router = sample_router();
    const Response response = call(router, "GET", "/api/nope");
    CHECK(response.status == 404);
    CHECK(response.body.empty());
    CHECK(response.headers.all().empty());
    CHECK(call(router, "GET", "/").status == 404);
}

// dotnet/aspnetcore HttpMethodMatcherPolicy.cs: the 405 endpoint's Allow header lists the path's methods
// sorted with StringComparer.OrdinalIgnoreCase, whatever order the endpoints were registered in.
TEST_CASE("a known path with another method is 405 with Allow listing methods sorted (HttpMethodMatcherPolicy)",
          "[router]") {
    const Router router = sample_router();
    const Response put = call(router, "PUT", "/api/gift-requests");
    CHECK(put.status == 405);
    CHECK(put.body.empty());
    CHECK(put.headers.get("Allow") == "GET, POST");
    const Response options = call(router, "OPTIONS", "/api/version");
    CHECK(options.status == 405);
    CHECK(options.headers.get("allow") == "GET");
    Router reversed;
    for (const char* method : {"POST", "patch", "DELETE", "GET"}) {
        reversed.add_sync(method, "/x", [](const Request&, const Params&) { return Response::text(200, "x"); });
    }
    CHECK(call(reversed, "PUT", "/x").headers.get("Allow") == "DELETE, GET, patch, POST");
    // A path that only a parameter route could match, but the guid constraint rejects: 404, not 405.
    CHECK(call(router, "POST", "/api/payouts/xyz/confirm-acceptance").status == 404);
}

TEST_CASE("match reports the pattern and params for the server's trace", "[router]") {
    const Router router = sample_router();
    const RouteMatch match = router.match("POST", std::string("/api/payouts/") + kGuid + "/confirm-acceptance");
    REQUIRE(match.kind == RouteMatch::Kind::found);
    CHECK(match.pattern == "/api/payouts/{id:guid}/confirm-acceptance");
    CHECK(match.params.at("id") == kGuid);
}

TEST_CASE("a handler that throws before answering gives 500 with an empty body", "[router]") {
    Router router;
    std::string reported;
    router.set_error_hook([&](std::string_view what) { reported = what; });
    router.add_sync("GET", "/boom",
                    [](const Request&, const Params&) -> Response { throw std::runtime_error("kaboom"); });
    const Response response = call(router, "GET", "/boom");
    CHECK(response.status == 500);
    CHECK(response.body.empty());
    CHECK(reported == "kaboom");
}

TEST_CASE("an async handler may answer later", "[router]") {
    Router router;
    Respond saved;
    router.add("POST", "/later", [&](const Request&, const Params&, Respond respond) { saved = respond; });
    Request request;
    request.method = "POST";
    request.path = "/later";
    int status = 0;
    router.dispatch(request, [&](Response r) { status = r.status; });
    CHECK(status == 0);
    saved(Response::empty(202));
    CHECK(status == 202);
}

TEST_CASE("query_param decodes %XX and '+', matches names case-insensitively, first value wins", "[http]") {
    Request request;
    request.query = "streamerId=1&name=Hello+World%21&Empty=&flag&streamerid=2&bad=%zz";
    CHECK(request.query_param("streamerId") == "1");
    CHECK(request.query_param("STREAMERID") == "1");
    CHECK(request.query_param("name") == "Hello World!");
    CHECK(request.query_param("empty") == "");
    CHECK(request.query_param("flag") == "");
    CHECK(request.query_param("bad") == "%zz");
    CHECK_FALSE(request.query_param("missing"));
}

TEST_CASE("headers are case-insensitive and keep arrival order", "[http]") {
    Headers headers;
    headers.add("X-MGM-ApiKey", "k1");
    headers.add("Content-Type", "text/plain");
    headers.add("x-mgm-apikey", "k2");
    CHECK(headers.get("x-mgm-APIKEY") == "k1");
    CHECK(headers.count("X-MGM-APIKEY") == 2);
    headers.set("x-mgm-apikey", "only");
    CHECK(headers.count("X-MGM-ApiKey") == 1);
    CHECK(headers.all().front().value == "only");
    headers.remove("CONTENT-TYPE");
    CHECK_FALSE(headers.get("Content-Type"));
}

TEST_CASE("response helpers set the reference's content types", "[http]") {
    CHECK(Response::json(201, "{}").headers.get("Content-Type") == "application/json; charset=utf-8");
    CHECK(Response::text(200, "ok").headers.get("Content-Type") == "text/plain; charset=utf-8");
    CHECK(Response::empty(204).headers.all().empty());
}

TEST_CASE("parse_http_url splits the CI base URLs into address and path", "[http]") {
    const auto helix = parse_http_url("http://127.0.0.1:9053");
    REQUIRE(helix);
    CHECK(helix->address == "127.0.0.1:9053");
    CHECK(helix->path_and_query == "/");
    const auto named = parse_http_url("http://localhost:8080/x");
    REQUIRE(named);
    CHECK(named->address == "localhost:8080");
    CHECK(named->path_and_query == "/x");
    CHECK(parse_http_url("http://127.0.0.1:9053/helix/?a=1")->path_and_query == "/helix/?a=1");
    CHECK(parse_http_url("HTTP://host:1?q")->path_and_query == "/?q");
    CHECK(parse_http_url("http://example")->address == "example:80");
    CHECK_FALSE(parse_http_url("https://api.twitch.tv/helix"));
    CHECK_FALSE(parse_http_url("http://:8080/"));
    CHECK_FALSE(parse_http_url("http://host:port/"));
    CHECK_FALSE(parse_http_url("http://host:70000/"));
    CHECK_FALSE(parse_http_url("127.0.0.1:9053"));
}

TEST_CASE("percent coding round-trips and keeps RFC 3986 unreserved characters", "[http]") {
    CHECK(percent_encode("a b/c~d-e_f.g") == "a%20b%2Fc~d-e_f.g");
    CHECK(percent_decode("a%20b%2Fc", false) == "a b/c");
    CHECK(percent_decode("a+b", false) == "a+b");
    CHECK(percent_decode("a+b", true) == "a b");
    CHECK(percent_decode("100%", false) == "100%");
    const std::string raw = "Ünïcode & ?=#";
    CHECK(percent_decode(percent_encode(raw), false) == raw);
    CHECK(iequals("Content-Length", "content-LENGTH"));
    CHECK_FALSE(iequals("abc", "abcd"));
}

TEST_CASE("repeated headers join with ',' like ASP.NET StringValues, absent is nullopt", "[http]") {
    mgm::http::Headers h;
    h.add("X-A", "1");
    h.add("x-a", "2");
    CHECK(h.joined("X-A") == "1,2");
    CHECK_FALSE(h.joined("X-B").has_value());
}

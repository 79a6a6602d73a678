// The HTTP writer against Beast's own serializer: the same insert/set calls on a Beast message and on
// WireFields must give the same bytes, for every status line, request line, field order and value edge.
// (Compiled on its own: the only test file that includes Beast's serializer.)
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include "sim/core/rng.h"
#include "sim/http/wire_writer.h"

namespace bhttp = boost::beast::http;
using mgm::http::WireFields;

namespace {

template <class Message>
std::string beast_bytes(const Message& message) {
    std::ostringstream out;
    out << message;  // Beast's serializer, as http::write uses it
    return out.str();
}

struct FieldCall {
    bool set = false;
    std::string name;
    std::string value;
};

void apply(bhttp::fields& beast, WireFields& ours, const std::vector<FieldCall>& calls) {
    for (const auto& call : calls) {
        if (call.set) {
            beast.set(call.name, call.value);
            ours.set(call.name, call.value);
        } else {
            beast.insert(call.name, call.value);
            ours.insert(call.name, call.value);
        }
    }
}

// Random calls over a few names that collide in letter case, values with blanks around and inside.
std::vector<FieldCall> random_calls(mgm::sim::Rng& rng) {
    static const std::vector<std::string> names = {"Content-Type", "content-type", "X-Trace", "x-trace", "Server",
                                                   "Date", "Connection", "Set-Cookie", "A", "a"};
    static const std::vector<std::string> values = {"", " ", "\t", "text/plain", " padded ", "\tv\t", "a, b",
                                                    "in  side", " \t mixed\t ", "close"};
    std::vector<FieldCall> calls(rng.uniform(9));
    for (auto& call : calls) {
        call.set = rng.uniform(4) == 0;
        call.name = names[rng.uniform(names.size())];
        call.value = values[rng.uniform(values.size())];
    }
    return calls;
}

}  // namespace

TEST_CASE("wire responses equal Beast's serializer for every status code and random field calls", "[http]") {
    mgm::sim::Rng rng(20261207);
    for (unsigned status = 0; status <= 999; ++status) {
        bhttp::response<bhttp::string_body> beast;
        beast.version(11);
        beast.result(status);
        WireFields ours;
        const auto calls = random_calls(rng);
        apply(beast, ours, calls);
        const std::string body = status % 3 == 0 ? "" : "{\"status\":" + std::to_string(status) + "}";
        beast.body() = body;
        INFO("status " << status << ", " << calls.size() << " field calls");
        REQUIRE(mgm::http::wire_response(status, ours, body) == beast_bytes(beast));
        for (const char* name : {"content-type", "X-TRACE", "server", "Date", "connection", "Host", "B"})
            REQUIRE(ours.contains(name) == (beast.find(name) != beast.end()));
    }
    bhttp::response<bhttp::string_body> beast;
    CHECK_THROWS_AS(beast.result(1000u), std::invalid_argument);
    CHECK_THROWS_AS(mgm::http::wire_response(1000, WireFields{}, ""), std::invalid_argument);
}

TEST_CASE("wire requests equal Beast's serializer for known, unknown and lower-case methods", "[http]") {
    mgm::sim::Rng rng(7);
    const std::vector<std::string> methods = {"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS",
                                              "get", "Post", "BREW", "M-SEARCH", ""};
    const std::vector<std::string> targets = {"/", "/api/payouts/pending", "/a?b=c&d=%20", "*",
                                              "http://127.0.0.1:8080/x"};
    for (const auto& method : methods) {
        for (const auto& target : targets) {
            bhttp::request<bhttp::string_body> beast;
            beast.version(11);
            const auto verb = bhttp::string_to_verb(method);
            if (verb == bhttp::verb::unknown) beast.method_string(method);
            else beast.method(verb);
            beast.target(target);
            WireFields ours;
            const auto calls = random_calls(rng);  // the fields view these strings
            apply(beast, ours, calls);
            beast.body() = method.size() % 2 ? "body bytes" : "";
            INFO(method << " " << target);
            REQUIRE(mgm::http::wire_request(method, target, ours, beast.body()) == beast_bytes(beast));
        }
    }
}

TEST_CASE("wire fields refuse a name or value Beast refuses (65,534 bytes and more)", "[http]") {
    const std::string fits(65533, 'v');
    const std::string too_long(65534, 'v');
    bhttp::fields beast;
    WireFields ours;
    CHECK_NOTHROW(beast.insert("X-Big", fits));
    CHECK_NOTHROW(ours.insert("X-Big", fits));
    CHECK_THROWS_AS(beast.insert("X-Big", too_long), std::length_error);
    CHECK_THROWS_AS(ours.insert("X-Big", too_long), std::length_error);
    CHECK_THROWS_AS(beast.set(too_long, "v"), std::length_error);
    CHECK_THROWS_AS(ours.set(too_long, "v"), std::length_error);
}

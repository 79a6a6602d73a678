// Plain HTTP request/response values. Handlers see only these; Beast stays inside server.cpp/client.cpp.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/text.h"

namespace mgm::http {

struct Header {
    std::string name;
    std::string value;
};

// Case-insensitive header list in arrival order (repeated headers are kept, as the wire had them).
class Headers {
public:
    void add(std::string name, std::string value);
    // Replaces every header of that name with one value.
    void set(std::string_view name, std::string value);
    void remove(std::string_view name);
    // First value of that name, if any.
    std::optional<std::string> get(std::string_view name) const;
    std::size_t count(std::string_view name) const;
    // ASP.NET's StringValues.ToString(): every value of that name joined with ','; nullopt when absent.
    std::optional<std::string> joined(std::string_view name) const;
    const std::vector<Header>& all() const { return items_; }
    // Room for n headers (a message converted from the wire knows its count: no regrowth per header).
    void reserve(std::size_t n) { items_.reserve(n); }

private:
    std::vector<Header> items_;
};

struct Request {
    std::string method;  // "GET", "POST", ... as received (upper case on the wire)
    std::string target;  // "/api/gift-requests?streamerId=1" as received
    std::string path;  // percent-decoded path without query: "/api/gift-requests"
    std::string query;  // raw query without '?': "streamerId=1"
    Headers headers;
    std::string body;  // raw bytes
    std::string remote_address;  // "127.0.0.1:50123" (the rate limiter's IP partition uses the host part)

    // First value of a query parameter, percent- and '+'-decoded; nullopt when absent.
    std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
    int status = 200;
    Headers headers;
    std::string body;
    // Fault injection (MockHelixApi fail-next drop): the server closes the connection without answering.
    bool drop_connection = false;

    // Body with Content-Type "application/json; charset=utf-8".
    static Response json(int status, std::string body);
    static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
    // No body, no Content-Type.
    static Response empty(int status);
};

// "http://127.0.0.1:9053/x/" -> {address "127.0.0.1:9053", base_path "/x/"}; nullopt if not http://host:port.
struct Url {
    std::string address;
    std::string path_and_query;  // always starts with '/'
};
std::optional<Url> parse_http_url(std::string_view url);

// A base URL without its trailing slashes ("http://127.0.0.1:8080/" -> "http://127.0.0.1:8080").
std::string_view without_trailing_slashes(std::string_view url);
// A configured base URL and an absolute path with exactly one '/' between them, however many slashes the base
// ends with: ("http://127.0.0.1:8080/", "/api/payouts/pending") -> "http://127.0.0.1:8080/api/payouts/pending".
std::string join_url(std::string_view base, std::string_view path);

// Without the spaces and tabs HTTP allows around values and parameters (RFC 9110 "OWS").
std::string_view trim_ows(std::string_view text);
// The media type of a Content-Type value, parameters and surrounding blanks dropped, case kept
// ("text/plain; charset=utf-8" -> "text/plain").
std::string_view media_type(std::string_view content_type);
// Whether a Content-Type value is JSON as ASP.NET's body binding and System.Net.Http.Json accept it:
// application/json, text/json or application/<anything>+json, in any letter case, with any parameters.
bool is_json_media_type(std::string_view content_type);

std::string percent_decode(std::string_view text, bool plus_is_space);
// Kestrel's request-target handling (dotnet/aspnetcore src/Servers/Kestrel/Core/src/Internal/Http/
// HttpProtocol.cs OnOriginFormTarget / OnAbsoluteFormTarget, PathNormalizer.cs): an absolute-form target
// ("http://host/p?q") is reduced to its path and query; dot segments are removed (RFC 3986 5.2.4) after
// percent-decoding.
std::string_view origin_form_target(std::string_view target);
std::string remove_dot_segments(std::string_view decoded_path);
std::string percent_encode(std::string_view text);  // RFC 3986 unreserved kept

// ASCII case-insensitive comparison (header names, path segments, enum names).
using sim::iequals;
// Strips ASCII whitespace (space, \t, \r, \n, \v, \f) from both ends (header and config values).
std::string_view trim_ascii_whitespace(std::string_view text);

}  // namespace mgm::http

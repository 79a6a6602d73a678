// Method + path routing with {param} and {param:guid} segments, ASP.NET style: case-insensitive literal
// segments, one trailing slash tolerated, 404 (empty) for no route, 405 + Allow for a known path.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/http/message.h"

namespace mgm::http {

// Route parameters by name, as matched (percent-decoded).
using Params = std::map<std::string, std::string>;
// Sends the response; call exactly once, possibly later (after an outgoing call completes).
using Respond = std::function<void(Response)>;
using AsyncHandler = std::function<void(const Request&, const Params&, Respond)>;
using SyncHandler = std::function<Response(const Request&, const Params&)>;

struct RouteMatch {
    enum class Kind { found, not_found, method_not_allowed } kind = Kind::not_found;
    const AsyncHandler* handler = nullptr;  // when found
    Params params;
    std::string pattern;                    // the route's pattern, when found ("/api/payouts/{id:guid}/status")
    std::string allow;                      // "GET, POST" when method_not_allowed
};

class Router {
public:
    void add(std::string method, std::string pattern, AsyncHandler handler);
    void add_sync(std::string method, std::string pattern, SyncHandler handler);

    RouteMatch match(std::string_view method, std::string_view path) const;
    // match() then: found -> handler; not_found -> 404 empty; method_not_allowed -> 405 empty + Allow.
    // A handler that throws before responding gets 500 with an empty body (ASP.NET outside Development);
    // the hook (if set) hears what was thrown, e.g. to log it.
    void dispatch(const Request& request, const Respond& respond) const;
    void set_error_hook(std::function<void(std::string_view what)> hook) { error_hook_ = std::move(hook); }

private:
    // One pattern segment: a literal (matched case-insensitively) or a named parameter.
    struct Segment {
        enum class Kind { literal, parameter, guid_parameter } kind = Kind::literal;
        std::string text;  // the literal, or the parameter name
    };
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<Segment> segments;
        AsyncHandler handler;
    };
    static bool matches(const Route& route, const std::vector<std::string_view>& path_segments, Params* params);
    std::function<void(std::string_view)> error_hook_;
    std::vector<Route> routes_;  // matched in registration order; literal beats parameter at equal position
};

}  // namespace mgm::http

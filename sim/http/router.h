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
    void dispatch(const Request& request, const Respond& respond) const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;
        AsyncHandler handler;
    };
    std::vector<Route> routes_;  // matched in registration order; literal beats parameter at equal position
};

}  // namespace mgm::http

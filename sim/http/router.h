// Method + path routing with {param} and {param:guid} segments, ASP.NET style: case-insensitive literal
// segments, one trailing slash tolerated, 404 (empty) for no route, 405 + Allow for a known path.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/http/message.h"
#include "sim/http/respond.h"

namespace mgm::http {

// Route parameters by name, as matched (percent-decoded).
using Params = std::map<std::string, std::string>;
using AsyncHandler = std::function<void(const Request&, const Params&, Respond)>;
using SyncHandler = std::function<Response(const Request&, const Params&)>;

struct RouteMatch {
    enum class Kind { found, not_found, method_not_allowed } kind = Kind::not_found;
    std::size_t route = 0;  // when found: the route's index, in registration order
    Params params;
    std::string pattern;  // the route's pattern, when found ("/api/payouts/{id:guid}/status")
    std::string allow;  // "GET, POST" when method_not_allowed
};

// What a client gets when no route matched: 404 empty, or 405 empty + Allow for a path known under other
// methods.
Response no_route_response(const RouteMatch& match);

// Method + pattern matching only; what a route does is kept by RouteTable beside it, under the same index.
class RouteMatcher {
public:
    // Returns the new route's index. Throws std::invalid_argument for a malformed pattern.
    std::size_t add(std::string method, std::string pattern);
    RouteMatch match(std::string_view method, std::string_view path) const;

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
    };
    static bool matches(const Route& route, const std::vector<std::string_view>& path_segments, Params* params);
    std::vector<Route> routes_;  // matched in registration order; literal beats parameter at equal position
};

// The one registry of a service's routes: each route's pattern and what it carries (a handler, or a
// handler plus policy such as the EBS's authentication scheme), added together.
template <class Entry>
class RouteTable {
public:
    void add(std::string method, std::string pattern, Entry entry) {
        matcher_.add(std::move(method), std::move(pattern));
        entries_.push_back(std::move(entry));
    }
    RouteMatch match(std::string_view method, std::string_view path) const { return matcher_.match(method, path); }
    // The entry of a found match.
    const Entry& entry(const RouteMatch& match) const { return entries_.at(match.route); }

private:
    RouteMatcher matcher_;
    std::vector<Entry> entries_;  // entries_[i] belongs to the matcher's route i
};

// A RouteTable of plain handlers with the whole answer: how the mocks serve.
class Router {
public:
    void add(std::string method, std::string pattern, AsyncHandler handler);
    void add_sync(std::string method, std::string pattern, SyncHandler handler);

    RouteMatch match(std::string_view method, std::string_view path) const { return table_.match(method, path); }
    // match() then: found -> handler; not_found -> 404 empty; method_not_allowed -> 405 empty + Allow.
    // A handler that throws before responding gets 500 with an empty body (ASP.NET outside Development);
    // the hook (if set) hears what was thrown, e.g. to log it.
    void dispatch(const Request& request, const Respond& respond) const;
    void set_error_hook(std::function<void(std::string_view what)> hook) { error_hook_ = std::move(hook); }

private:
    std::function<void(std::string_view)> error_hook_;
    RouteTable<AsyncHandler> table_;
};

}  // namespace mgm::http

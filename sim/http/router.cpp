// ASP.NET-style routing: case-insensitive literals, {name} and {name:guid} parameters, one trailing slash
// tolerated, 404 for an unknown path and 405 + Allow for a known path with another method.
#include "sim/http/router.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <stdexcept>

#include "sim/core/uuid.h"

namespace mgm::http {
namespace {

// "/api/payouts/" -> {"api", "payouts"}; a single trailing slash is ignored, "//" yields an empty segment.
std::vector<std::string_view> split_path(std::string_view path) {
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (!path.empty() && path.back() == '/') path.remove_suffix(1);
    std::vector<std::string_view> segments;
    if (path.empty()) return segments;
    for (;;) {
        const std::size_t slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return segments;
}

// Precedence of one matched segment: literal beats {x:guid} beats {x}, as in ASP.NET's route ordering.
int segment_rank(int kind) { return kind == 0 ? 2 : kind == 2 ? 1 : 0; }

}  // namespace

std::size_t RouteMatcher::add(std::string method, std::string pattern) {
    Route route;
    route.method = std::move(method);
    route.pattern = std::move(pattern);
    for (std::string_view text : split_path(route.pattern)) {
        Segment segment;
        if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
            std::string_view inside = text.substr(1, text.size() - 2);
            const std::size_t colon = inside.find(':');
            segment.kind = Segment::Kind::parameter;
            segment.text = std::string(inside.substr(0, colon));
            if (colon != std::string_view::npos) {
                if (!iequals(inside.substr(colon + 1), "guid"))
                    throw std::invalid_argument("Router: unsupported constraint in route pattern " + route.pattern);
                segment.kind = Segment::Kind::guid_parameter;
            }
            if (segment.text.empty()) throw std::invalid_argument("Router: unnamed parameter in " + route.pattern);
        } else {
            segment.text = std::string(text);
        }
        route.segments.push_back(std::move(segment));
    }
    routes_.push_back(std::move(route));
    return routes_.size() - 1;
}

void Router::add(std::string method, std::string pattern, AsyncHandler handler) {
    table_.add(std::move(method), std::move(pattern), std::move(handler));
}

void Router::add_sync(std::string method, std::string pattern, SyncHandler handler) {
    add(std::move(method), std::move(pattern),
        [handler = std::move(handler)](const Request& request, const Params& params, Respond respond) {
            respond(handler(request, params));
        });
}

bool RouteMatcher::matches(const Route& route, const std::vector<std::string_view>& path_segments, Params* params) {
    if (route.segments.size() != path_segments.size()) return false;
    for (std::size_t i = 0; i < path_segments.size(); ++i) {
        const Segment& segment = route.segments[i];
        const std::string_view value = path_segments[i];
        switch (segment.kind) {
        case Segment::Kind::literal:
            if (!iequals(segment.text, value)) return false;
            break;
        case Segment::Kind::parameter:
            if (value.empty()) return false;
            break;
        case Segment::Kind::guid_parameter:
            // A value the constraint rejects is "no route" (404), never a 400.
            if (!mgm::sim::Uuid::parse_any(value)) return false;
            break;
        }
    }
    if (params != nullptr) {
        params->clear();
        for (std::size_t i = 0; i < path_segments.size(); ++i)
            if (route.segments[i].kind != Segment::Kind::literal)
                (*params)[route.segments[i].text] = std::string(path_segments[i]);
    }
    return true;
}

RouteMatch RouteMatcher::match(std::string_view method, std::string_view path) const {
    const std::vector<std::string_view> segments = split_path(path.empty() ? "/" : path);
    RouteMatch result;
    const Route* best = nullptr;
    std::vector<std::string> allowed;
    for (const Route& route : routes_) {
        if (!matches(route, segments, nullptr)) continue;
        if (!iequals(route.method, method)) {
            bool listed = false;
            for (const std::string& seen : allowed) listed = listed || iequals(seen, route.method);
            if (!listed) allowed.push_back(route.method);
            continue;
        }
        if (best == nullptr) {
            best = &route;
            continue;
        }
        // More specific wins at the first differing position; otherwise the earlier registration stays.
        for (std::size_t i = 0; i < segments.size(); ++i) {
            const int mine = segment_rank(static_cast<int>(route.segments[i].kind));
            const int theirs = segment_rank(static_cast<int>(best->segments[i].kind));
            if (mine != theirs) {
                if (mine > theirs) best = &route;
                break;
            }
        }
    }
    if (best != nullptr) {
        result.kind = RouteMatch::Kind::found;
        result.route = static_cast<std::size_t>(best - routes_.data());
        result.pattern = best->pattern;
        result.allow.clear();
        matches(*best, segments, &result.params);
    } else if (!allowed.empty()) {
        // ASP.NET Core's HttpMethodMatcherPolicy (dotnet/aspnetcore src/Http/Routing/src/Matching/
        // HttpMethodMatcherPolicy.cs) lists the path's methods once each, sorted OrdinalIgnoreCase, ", "-joined.
        std::sort(allowed.begin(), allowed.end(), [](const std::string& a, const std::string& b) {
            return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
                const auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; };
                return upper(x) < upper(y);
            });
        });
        for (const std::string& name : allowed) result.allow += (result.allow.empty() ? "" : ", ") + name;
        result.kind = RouteMatch::Kind::method_not_allowed;
    }
    return result;
}

Response no_route_response(const RouteMatch& match) {
    if (match.kind != RouteMatch::Kind::method_not_allowed) return Response::empty(404);
    Response response = Response::empty(405);
    response.headers.add("Allow", match.allow);
    return response;
}

void Router::dispatch(const Request& request, const Respond& respond) const {
    RouteMatch match = this->match(request.method, request.path);
    if (match.kind != RouteMatch::Kind::found) {
        respond(no_route_response(match));
        return;
    }
    // Guard against a handler answering twice, and answer 500 if it throws before answering.
    const RespondOnce once(respond);
    try {
        table_.entry(match)(request, match.params, once);
    } catch (const std::exception& error) {
        if (error_hook_) error_hook_(error.what());
        if (!once.answered()) once(Response::empty(500));
    } catch (...) {
        if (error_hook_) error_hook_("unknown exception");
        if (!once.answered()) once(Response::empty(500));
    }
}

}  // namespace mgm::http

// Plain HTTP values: header list, query parameters, URL parsing, percent coding.
#include "sim/http/message.h"

#include <algorithm>

namespace mgm::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

void Headers::add(std::string name, std::string value) { items_.push_back({std::move(name), std::move(value)}); }

void Headers::set(std::string_view name, std::string value) {
    // Keep the position of the first occurrence so the wire order stays stable.
    auto first = std::find_if(items_.begin(), items_.end(), [&](const Header& h) { return iequals(h.name, name); });
    if (first == items_.end()) {
        items_.push_back({std::string(name), std::move(value)});
        return;
    }
    first->value = std::move(value);
    items_.erase(std::remove_if(first + 1, items_.end(), [&](const Header& h) { return iequals(h.name, name); }),
                 items_.end());
}

void Headers::remove(std::string_view name) {
    items_.erase(std::remove_if(items_.begin(), items_.end(), [&](const Header& h) { return iequals(h.name, name); }),
                 items_.end());
}

std::optional<std::string> Headers::get(std::string_view name) const {
    for (const auto& h : items_)
        if (iequals(h.name, name)) return h.value;
    return std::nullopt;
}

std::size_t Headers::count(std::string_view name) const {
    return static_cast<std::size_t>(
        std::count_if(items_.begin(), items_.end(), [&](const Header& h) { return iequals(h.name, name); }));
}

std::string_view trim_ascii_whitespace(std::string_view text) {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

std::optional<std::string> Headers::joined(std::string_view name) const {
    std::optional<std::string> out;
    for (const auto& h : items_) {
        if (!iequals(h.name, name)) continue;
        if (out) *out += ',';
        else out.emplace();
        *out += h.value;
    }
    return out;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
    // ASP.NET's query collection matches keys case-insensitively; the first occurrence wins.
    std::string_view rest = query;
    while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.empty()) continue;
        const std::size_t eq = pair.find('=');
        const std::string key = percent_decode(pair.substr(0, eq), true);
        if (!iequals(key, name)) continue;
        return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
    }
    return std::nullopt;
}

Response Response::json(int status, std::string body) {
    return text(status, std::move(body), "application/json; charset=utf-8");
}

Response Response::text(int status, std::string body, std::string content_type) {
    Response response;
    response.status = status;
    response.headers.add("Content-Type", std::move(content_type));
    response.body = std::move(body);
    return response;
}

Response Response::empty(int status) {
    Response response;
    response.status = status;
    return response;
}

std::optional<Url> parse_http_url(std::string_view url) {
    constexpr std::string_view kScheme = "http://";
    if (url.size() < kScheme.size() || !iequals(url.substr(0, kScheme.size()), kScheme)) return std::nullopt;
    url.remove_prefix(kScheme.size());
    const std::size_t authority_end = url.find_first_of("/?#");
    const std::string_view authority = url.substr(0, authority_end);
    std::string_view rest = authority_end == std::string_view::npos ? std::string_view{} : url.substr(authority_end);
    if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

    // The port follows the last ':' outside an IPv6 "[...]" literal; none means the http default, 80.
    const std::size_t bracket = authority.rfind(']');
    const std::size_t colon = authority.rfind(':');
    std::string_view host = authority;
    std::string_view port = "80";
    if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::nullopt;
        const int number = std::stoi(std::string(port));
        if (number < 1 || number > 65535) return std::nullopt;
    }
    if (host.empty()) return std::nullopt;

    Url result;
    result.address = std::string(host) + ':' + std::string(port);
    result.path_and_query = rest.empty() || rest.front() != '/' ? "/" + std::string(rest) : std::string(rest);
    return result;
}

std::string_view origin_form_target(std::string_view target) {
    for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
        if (target.size() < scheme.size() || !iequals(target.substr(0, scheme.size()), scheme)) continue;
        const std::string_view rest = target.substr(scheme.size());
        const std::size_t path = rest.find_first_of("/?");
        if (path == std::string_view::npos) return "/";
        return rest.substr(path);  // "?q" alone: an empty path, which routes as "/"
    }
    return target;
}

std::string remove_dot_segments(std::string_view path) {
    if (path.find('.') == std::string_view::npos) return std::string(path);
    std::string out;
    std::string_view in = path;
    while (!in.empty()) {
        if (in.substr(0, 3) == "../") in.remove_prefix(3);
        else if (in.substr(0, 2) == "./") in.remove_prefix(2);
        else if (in.substr(0, 3) == "/./") in.remove_prefix(2);
        else if (in == "/.") in = "/";
        else if (in.substr(0, 4) == "/../" || in == "/..") {
            in = in.size() == 3 ? std::string_view("/") : in.substr(3);
            const auto slash = out.rfind('/');
            out.erase(slash == std::string::npos ? 0 : slash);
        } else if (in == "." || in == "..") {
            in = {};
        } else {
            const std::size_t next = in.find('/', in.front() == '/' ? 1 : 0);
            out += in.substr(0, next);
            in = next == std::string_view::npos ? std::string_view{} : in.substr(next);
        }
    }
    return out;
}

std::string_view without_trailing_slashes(std::string_view url) {
    while (!url.empty() && url.back() == '/') url.remove_suffix(1);
    return url;
}

std::string join_url(std::string_view base, std::string_view path) {
    std::string url(without_trailing_slashes(base));
    if (path.empty() || path.front() != '/') url.push_back('/');
    url.append(path);
    return url;
}

std::string_view trim_ows(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::string_view media_type(std::string_view content_type) {
    return trim_ows(content_type.substr(0, content_type.find(';')));
}

bool is_json_media_type(std::string_view content_type) {
    const std::string_view media = media_type(content_type);
    if (iequals(media, "application/json") || iequals(media, "text/json")) return true;
    constexpr std::string_view prefix = "application/", suffix = "+json";
    return media.size() > prefix.size() + suffix.size() && iequals(media.substr(0, prefix.size()), prefix) &&
           iequals(media.substr(media.size() - suffix.size()), suffix);
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;  // a malformed escape is kept literally, as ASP.NET does
        }
    }
    return out;
}

std::string percent_encode(std::string_view text) {
    constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0x0f];
        }
    }
    return out;
}

}  // namespace mgm::http

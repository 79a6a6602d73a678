#include "backend/api/json_binding.h"

#include <cstdio>
#include <limits>

#include "sim/core/uuid.h"

namespace mgm::backend::api {

const std::vector<std::string_view> kPayoutStatusNames = {"Pending", "InProgress", "Sent",
                                                          "Failed",  "Cancelled",  "Expired"};
const std::vector<std::string_view> kGiftRequestStateNames = {
    "Pending", "SelectingItem", "ItemSelected", "WaitingConfirmation", "Completed", "Failed"};

namespace {

std::string hex64(std::uint64_t value) {
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
    return buffer;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string_view trim_ascii(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

struct ProblemKind {
    const char* type;
    const char* title;
};

ProblemKind problem_kind(int status) {
    switch (status) {
        case 400: return {"https://tools.ietf.org/html/rfc9110#section-15.5.1", "Bad Request"};
        case 401: return {"https://tools.ietf.org/html/rfc9110#section-15.5.2", "Unauthorized"};
        case 403: return {"https://tools.ietf.org/html/rfc9110#section-15.5.4", "Forbidden"};
        case 404: return {"https://tools.ietf.org/html/rfc9110#section-15.5.5", "Not Found"};
        case 405: return {"https://tools.ietf.org/html/rfc9110#section-15.5.6", "Method Not Allowed"};
        case 409: return {"https://tools.ietf.org/html/rfc9110#section-15.5.10", "Conflict"};
        case 415: return {"https://tools.ietf.org/html/rfc9110#section-15.5.16", "Unsupported Media Type"};
        case 422: return {"https://tools.ietf.org/html/rfc4918#section-11.2", "Unprocessable Entity"};
        default:
            return {"https://tools.ietf.org/html/rfc9110#section-15.6.1",
                    "An error occurred while processing your request."};
    }
}

}  // namespace

// System.Text.Json refuses documents nested deeper than 64; also keeps the parser's recursion bounded.
bool json_nesting_within(std::string_view body, int max_depth) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : body) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') {
            if (++depth > max_depth) return false;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return true;
}

namespace {

bool is_blank(const std::string& text) {
    // .NET string.IsNullOrWhiteSpace: every char is Unicode white space. ASCII + the common Unicode
    // spaces in UTF-8 form are enough here.
    std::size_t i = 0;
    while (i < text.size()) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == ' ' || (c >= 0x09 && c <= 0x0d)) { ++i; continue; }
        if (c == 0xc2 && i + 1 < text.size() &&
            (static_cast<unsigned char>(text[i + 1]) == 0x85 || static_cast<unsigned char>(text[i + 1]) == 0xa0)) {
            i += 2;
            continue;
        }
        if (c == 0xe1 && text.compare(i, 3, "\xe1\x9a\x80") == 0) { i += 3; continue; }
        if (c == 0xe2 && i + 2 < text.size()) {
            const unsigned char b1 = static_cast<unsigned char>(text[i + 1]);
            const unsigned char b2 = static_cast<unsigned char>(text[i + 2]);
            if ((b1 == 0x80 && ((b2 >= 0x80 && b2 <= 0x8a) || b2 == 0xa8 || b2 == 0xa9 || b2 == 0xaf)) ||
                (b1 == 0x81 && b2 == 0x9f)) {
                i += 3;
                continue;
            }
        }
        if (c == 0xe3 && text.compare(i, 3, "\xe3\x80\x80") == 0) { i += 3; continue; }
        return false;
    }
    return true;
}

std::optional<std::int64_t> parse_integer_text(std::string_view text) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    std::size_t i = 0;
    bool negative = false;
    if (text[0] == '-') {
        negative = true;
        i = 1;
        if (text.size() == 1) return std::nullopt;
    }
    std::int64_t value = 0;
    for (; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + (text[i] - '0');
        if (value > 10'000'000'000LL) return std::nullopt;
    }
    return negative ? -value : value;
}

std::optional<std::int32_t> to_int32(const Json& value, bool allow_string) {
    std::optional<std::int64_t> wide;
    if (value.is_number_integer()) {
        if (value.is_number_unsigned()) {
            const auto u = value.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) return std::nullopt;
            wide = static_cast<std::int64_t>(u);
        } else {
            wide = value.get<std::int64_t>();
        }
    } else if (value.is_string() && allow_string) {
        wide = parse_integer_text(value.get_ref<const std::string&>());
    }
    if (!wide || *wide < std::numeric_limits<std::int32_t>::min() || *wide > std::numeric_limits<std::int32_t>::max()) {
        return std::nullopt;
    }
    return static_cast<std::int32_t>(*wide);
}

std::optional<int> to_enum(const Json& value, const std::vector<std::string_view>& names) {
    if (value.is_number_integer()) return to_int32(value, false);
    if (!value.is_string()) return std::nullopt;
    const std::string& text = value.get_ref<const std::string&>();
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (http::iequals(text, names[i])) return static_cast<int>(i);
    }
    return to_int32(value, true);  // "1": numeric text is an ordinal too
}

const char* clr_type_name(FieldKind kind) {
    switch (kind) {
        case FieldKind::required_string:
        case FieldKind::nullable_string: return "System.String";
        case FieldKind::int32: return "System.Int32";
        case FieldKind::boolean: return "System.Boolean";
        case FieldKind::uuid: return "System.Guid";
        case FieldKind::date_time: return "System.DateTime";
        case FieldKind::payout_status: return "MimironsGoldOMatic.Shared.PayoutStatus";
        case FieldKind::gift_state: return "MimironsGoldOMatic.Shared.GiftRequestState";
        case FieldKind::object: return "System.Object";
    }
    return "System.Object";
}

Json zero_value(const FieldSpec& field) {
    switch (field.kind) {
        case FieldKind::required_string:
        case FieldKind::nullable_string:
        case FieldKind::object: return Json(nullptr);
        case FieldKind::int32:
        case FieldKind::payout_status:
        case FieldKind::gift_state: return Json(0);
        case FieldKind::boolean: return Json(false);
        case FieldKind::uuid: return Json("00000000-0000-0000-0000-000000000000");
        case FieldKind::date_time: return Json(kZeroDateTimeTicks);
    }
    return Json(nullptr);
}

struct ConversionError {
    std::string path;
    std::string message;
};

std::optional<ConversionError> convert_object(const Json& source, const Schema& schema, const std::string& path,
                                              Json& out);

// Converts one property value; on failure reports the JSON path (as System.Text.Json does, first error only).
std::optional<ConversionError> convert_field(const FieldSpec& field, const Json& value, const std::string& path,
                                             Json& out) {
    auto fail = [&]() {
        return ConversionError{path, std::string("The JSON value could not be converted to ") +
                                         clr_type_name(field.kind) + ". Path: " + path + "."};
    };
    switch (field.kind) {
        case FieldKind::required_string:
        case FieldKind::nullable_string:
            if (value.is_null() || value.is_string()) { out = value; return std::nullopt; }
            return fail();
        case FieldKind::int32:
            if (auto v = to_int32(value, true)) { out = *v; return std::nullopt; }
            return fail();
        case FieldKind::boolean:
            if (value.is_boolean()) { out = value; return std::nullopt; }
            return fail();
        case FieldKind::uuid:
            if (value.is_string()) {
                if (auto id = sim::Uuid::parse_hyphenated(value.get_ref<const std::string&>())) {
                    out = id->str();
                    return std::nullopt;
                }
            }
            return fail();
        case FieldKind::date_time:
            if (value.is_string()) {
                if (auto t = sim::parse_iso8601(value.get_ref<const std::string&>())) {
                    out = t->ticks;
                    return std::nullopt;
                }
            }
            return fail();
        case FieldKind::payout_status:
            if (auto v = to_enum(value, kPayoutStatusNames)) { out = *v; return std::nullopt; }
            return fail();
        case FieldKind::gift_state:
            if (auto v = to_enum(value, kGiftRequestStateNames)) { out = *v; return std::nullopt; }
            return fail();
        case FieldKind::object:
            if (value.is_null()) { out = nullptr; return std::nullopt; }
            if (!value.is_object() || field.nested == nullptr) return fail();
            return convert_object(value, *field.nested, path, out);
    }
    return fail();
}

std::optional<ConversionError> convert_object(const Json& source, const Schema& schema, const std::string& path,
                                              Json& out) {
    out = Json::object();
    for (const auto& field : schema) out[field.json_name] = zero_value(field);
    // Document order, case-insensitive names, unknown properties ignored, a repeated property: last wins.
    for (const auto& [key, value] : source.items()) {
        for (const auto& field : schema) {
            if (!http::iequals(key, field.json_name)) continue;
            if (auto error = convert_field(field, value, path + "." + key, out[field.json_name])) return error;
            break;
        }
    }
    return std::nullopt;
}

void validate_required(const Json& bound, const Schema& schema, const std::string& prefix, ValidationErrors& errors) {
    for (const auto& field : schema) {
        const Json& value = bound[field.json_name];
        const std::string key = prefix + field.property_name;
        if (field.kind == FieldKind::required_string) {
            if (!value.is_string() || is_blank(value.get_ref<const std::string&>())) {
                errors[key].push_back("The " + field.property_name + " field is required.");
            }
        } else if (field.kind == FieldKind::object) {
            if (value.is_null()) {
                errors[key].push_back("The " + field.property_name + " field is required.");
            } else if (field.nested != nullptr) {
                validate_required(value, *field.nested, key + ".", errors);
            }
        }
    }
}

}  // namespace

std::string make_trace_id(sim::Rng& rng) {
    const std::uint64_t a = rng.next_u64();
    const std::uint64_t b = rng.next_u64();
    const std::uint64_t c = rng.next_u64();
    return "00-" + hex64(a) + hex64(b) + "-" + hex64(c) + "-00";
}

std::string dump_json(const Json& body) {
    return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

http::Response json_response(int status, const Json& body) {
    return http::Response::json(status, dump_json(body));
}

http::Response api_error(int status, std::string_view code, std::string_view message) {
    Json body;
    body["code"] = std::string(code);
    body["message"] = std::string(message);
    body["details"] = Json::object();
    return json_response(status, body);
}

http::Response problem(int status, const std::string& trace_id) {
    const ProblemKind kind = problem_kind(status);
    Json body;
    body["type"] = kind.type;
    body["title"] = kind.title;
    body["status"] = status;
    body["traceId"] = trace_id;
    return http::Response::text(status, dump_json(body), "application/problem+json; charset=utf-8");
}

http::Response validation_problem(const ValidationErrors& errors, const std::string& trace_id) {
    Json body;
    body["type"] = "https://tools.ietf.org/html/rfc9110#section-15.5.1";
    body["title"] = "One or more validation errors occurred.";
    body["status"] = 400;
    Json error_object = Json::object();
    for (const auto& [key, messages] : errors) error_object[key] = messages;
    body["errors"] = std::move(error_object);
    body["traceId"] = trace_id;
    return http::Response::text(400, dump_json(body), "application/problem+json; charset=utf-8");
}

http::Response harness_error(int status, std::string_view message) {
    Json body;
    body["error"] = std::string(message);
    return json_response(status, body);
}

Json enum_json(const std::vector<std::string_view>& names, int ordinal) {
    if (ordinal >= 0 && static_cast<std::size_t>(ordinal) < names.size()) return Json(std::string(names[ordinal]));
    return Json(ordinal);
}

bool is_json_content_type(std::string_view content_type) {
    std::string_view media = content_type.substr(0, content_type.find(';'));
    const std::string lowered = ascii_lower(trim_ascii(media));
    if (lowered == "application/json" || lowered == "text/json") return true;
    const std::string prefix = "application/";
    const std::string suffix = "+json";
    return lowered.size() > prefix.size() + suffix.size() && lowered.compare(0, prefix.size(), prefix) == 0 &&
           lowered.compare(lowered.size() - suffix.size(), suffix.size(), suffix) == 0;
}

BindResult bind_json_body(const http::Request& request, const Schema& schema,
                          const std::function<std::string()>& next_trace_id) {
    BindResult result;
    const auto content_type = request.headers.get("Content-Type");
    if (!content_type || !is_json_content_type(*content_type)) {
        result.error = problem(415, next_trace_id());
        return result;
    }
    const std::string required_body = "The body field is required.";
    if (request.body.empty()) {
        result.error = validation_problem({{"", {"A non-empty request body is required."}}, {"body", {required_body}}},
                                          next_trace_id());
        return result;
    }
    if (!json_nesting_within(request.body, 64)) {
        result.error = validation_problem(
            {{"$", {"The maximum configured depth of 64 has been exceeded."}}, {"body", {required_body}}},
            next_trace_id());
        return result;
    }
    const Json document = Json::parse(request.body, nullptr, false);
    if (document.is_discarded()) {
        result.error = validation_problem(
            {{"$", {"The JSON value is not valid JSON (malformed text or invalid UTF-8)."}}, {"body", {required_body}}},
            next_trace_id());
        return result;
    }
    if (document.is_null()) {
        result.error = validation_problem({{"body", {required_body}}}, next_trace_id());
        return result;
    }
    if (!document.is_object()) {
        result.error = validation_problem(
            {{"$", {"The JSON value could not be converted to the request type. Path: $."}}, {"body", {required_body}}},
            next_trace_id());
        return result;
    }
    Json bound;
    if (auto error = convert_object(document, schema, "$", bound)) {
        result.error = validation_problem({{error->path, {error->message}}, {"body", {required_body}}}, next_trace_id());
        return result;
    }
    ValidationErrors errors;
    validate_required(bound, schema, "", errors);
    if (!errors.empty()) {
        result.error = validation_problem(errors, next_trace_id());
        return result;
    }
    result.value = std::move(bound);
    return result;
}

}  // namespace mgm::backend::api

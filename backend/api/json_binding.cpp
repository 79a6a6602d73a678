#include "backend/api/json_binding.h"

#include <cstdio>
#include <limits>
#include <stdexcept>

#include "sim/core/uuid.h"

namespace mgm::backend::api {

namespace {

std::string hex64(std::uint64_t value) {
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
    return buffer;
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

namespace {

// Byte length of the .NET white-space character (char.IsWhiteSpace) starting at text[i], 0 if none.
std::size_t whitespace_length(std::string_view text, std::size_t i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || (c >= 0x09 && c <= 0x0d)) return 1;
    const auto next = [&](std::size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0; };
    if (c == 0xc2 && (next(1) == 0x85 || next(1) == 0xa0)) return 2;
    if (c == 0xe1 && next(1) == 0x9a && next(2) == 0x80) return 3;
    if (c == 0xe2) {
        const unsigned char b1 = next(1);
        const unsigned char b2 = next(2);
        if ((b1 == 0x80 && ((b2 >= 0x80 && b2 <= 0x8a) || b2 == 0xa8 || b2 == 0xa9 || b2 == 0xaf)) ||
            (b1 == 0x81 && b2 == 0x9f)) {
            return 3;
        }
    }
    if (c == 0xe3 && next(1) == 0x80 && next(2) == 0x80) return 3;
    return 0;
}

// .NET string.Trim / TrimStart / TrimEnd (char.IsWhiteSpace) on UTF-8 text.
std::string_view trim_start_dotnet(std::string_view text) {
    std::size_t n = 0;
    while (!text.empty() && (n = whitespace_length(text, 0)) != 0) text.remove_prefix(n);
    return text;
}

std::string_view trim_end_dotnet(std::string_view text) {
    for (bool trimmed = true; trimmed && !text.empty();) {
        trimmed = false;
        for (std::size_t width = 1; width <= 3 && width <= text.size(); ++width) {
            const std::size_t at = text.size() - width;
            if (whitespace_length(text, at) == width) {
                text.remove_suffix(width);
                trimmed = true;
                break;
            }
        }
    }
    return text;
}

bool is_blank(const std::string& text) {
    // .NET string.IsNullOrWhiteSpace: every char is Unicode white space.
    return trim_start_dotnet(text).empty();
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

// System.Text.Json's JsonStringEnumConverter (AllowStrings | AllowNumbers) reading an int-backed enum,
// .NET 9+ (dotnet/runtime src/libraries/System.Text.Json/src/System/Text/Json/Serialization/Converters/
// Value/EnumConverter.cs, TryParseEnumFromString and TryParseNamedEnum):
// - a JSON number: any Int32, defined member or not;
// - a JSON string, trimmed of white space: if it matches JsonHelpers.IntegerRegex (optional sign, ASCII
//   digits), Enum.TryParse reads it as a number (any Int32, defined or not);
// - otherwise a comma-separated list of member names, each trimmed and matched case-insensitively
//   (OrdinalIgnoreCase), whose values are OR-ed even for a non-[Flags] enum ("InProgress, Sent" = 3);
//   an empty name fails, except that one trailing comma ends the list ("Sent," = Sent).
std::optional<int> to_enum(const Json& value, std::span<const std::string_view> names) {
    if (value.is_number_integer()) return to_int32(value, false);
    if (!value.is_string()) return std::nullopt;
    std::string_view source = trim_end_dotnet(trim_start_dotnet(value.get_ref<const std::string&>()));
    {
        std::string_view digits = source;
        bool negative = false;
        if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
            negative = digits.front() == '-';
            digits.remove_prefix(1);
        }
        bool all_digits = !digits.empty();
        for (char c : digits) all_digits = all_digits && c >= '0' && c <= '9';
        if (all_digits) {
            std::int64_t number = 0;
            for (char c : digits) {
                number = number * 10 + (c - '0');
                if (number > std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1) return std::nullopt;
            }
            if (negative) number = -number;
            if (number > std::numeric_limits<std::int32_t>::max()) return std::nullopt;
            return static_cast<int>(number);
        }
    }
    int combined = 0;
    std::string_view rest = source;
    do {
        std::string_view next;
        const auto comma = rest.find(',');
        if (comma == std::string_view::npos) {
            next = rest;
            rest = {};
        } else {
            next = trim_end_dotnet(rest.substr(0, comma));
            rest = trim_start_dotnet(rest.substr(comma + 1));
        }
        bool found = false;
        for (std::size_t i = 0; i < names.size() && !found; ++i) {
            if (http::iequals(next, names[i])) {
                combined |= static_cast<int>(i);
                found = true;
            }
        }
        if (!found) return std::nullopt;
    } while (!rest.empty());
    return combined;
}

}  // namespace

// System.Text.Json's DateTime reading (dotnet/runtime src/libraries/System.Text.Json/src/System/Text/Json/
// JsonHelpers.Date.cs, TryParseDateTimeOffset): "YYYY-MM-DD", optionally "THH:MM", optionally ":SS",
// optionally "." and 1-16 digits (the first 7 count, the rest are ignored), then nothing, "Z", "+HH",
// "-HH", "+HH:MM" or "-HH:MM" (offset at most 14:00). 'T' and 'Z' are upper case only; no spaces; year
// 0000, hour 24 and second 60 are refused, as is an offset that moves the instant out of years 1-9999.
// The reference converts offsets to the server's local time; the instant is what matters here (the only
// date field, capturedAt, is never used).
std::optional<sim::Instant> parse_json_date_time(std::string_view text) {
    const auto digits2 = [&](std::size_t at) {
        return at + 2 <= text.size() && text[at] >= '0' && text[at] <= '9' && text[at + 1] >= '0' &&
               text[at + 1] <= '9';
    };
    if (text.size() < 10 || !digits2(0) || !digits2(2) || text[4] != '-' || !digits2(5) || text[7] != '-' ||
        !digits2(8)) {
        return std::nullopt;
    }
    std::string canonical(text.substr(0, 10));
    std::string clock = "T00:00:00";
    std::string fraction;
    std::string offset = "Z";
    std::size_t pos = 10;
    const auto read_offset = [&]() -> bool {
        const char sign = text[pos++];
        if (!digits2(pos)) return false;
        const std::string_view rest = text.substr(pos);
        if (rest.size() == 2) {
            offset = std::string(1, sign) + std::string(rest) + ":00";
        } else if (rest.size() == 5 && rest[2] == ':' && digits2(pos + 3)) {
            offset = std::string(1, sign) + std::string(rest);
        } else {
            return false;
        }
        const int hours = (offset[1] - '0') * 10 + (offset[2] - '0');
        const int minutes = (offset[4] - '0') * 10 + (offset[5] - '0');
        return hours < 14 || (hours == 14 && minutes == 0);
    };
    // The zone, or the end, at `pos`; `more` is the separator that may continue the time instead.
    const auto zone_or = [&](char more) -> int {  // 1 = done ok, 0 = fail, 2 = continue with `more`
        if (pos == text.size()) return 1;
        const char c = text[pos];
        if (c == 'Z') return ++pos == text.size() ? 1 : 0;
        if (c == '+' || c == '-') return read_offset() ? 1 : 0;
        if (c == more) return 2;
        return 0;
    };
    if (text.size() > 10) {
        if (text.size() < 16 || text[10] != 'T' || !digits2(11) || text[13] != ':' || !digits2(14)) return std::nullopt;
        clock = std::string(text.substr(10, 6)) + ":00";
        pos = 16;
        int step = zone_or(':');
        if (step == 0) return std::nullopt;
        if (step == 2) {
            if (!digits2(17)) return std::nullopt;
            clock = std::string(text.substr(10, 9));
            pos = 19;
            step = zone_or('.');
            if (step == 0) return std::nullopt;
            if (step == 2) {
                ++pos;
                std::size_t count = 0;
                while (pos < text.size() && count < 16 && text[pos] >= '0' && text[pos] <= '9') {
                    if (count < 7) fraction += text[pos];
                    ++count;
                    ++pos;
                }
                if (count == 0) return std::nullopt;
                if (zone_or('\0') != 1) return std::nullopt;
            }
        }
    } else {
        pos = 10;
    }
    if (canonical.compare(0, 4, "0000") == 0) return std::nullopt;
    // The calendar and range checks and the arithmetic are the simulator's ISO-8601 reader's.
    const auto instant = sim::parse_iso8601(canonical + clock + (fraction.empty() ? "" : "." + fraction) + offset);
    if (!instant) return std::nullopt;
    constexpr std::int64_t kMaxTicks = 2534023007999999999LL;  // 9999-12-31T23:59:59.9999999Z
    if (instant->ticks < kZeroDateTimeTicks || instant->ticks > kMaxTicks) return std::nullopt;
    return instant;
}

namespace {

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
        if (value.is_null() || value.is_string()) {
            out = value;
            return std::nullopt;
        }
        return fail();
    case FieldKind::int32:
        if (auto v = to_int32(value, true)) {
            out = *v;
            return std::nullopt;
        }
        return fail();
    case FieldKind::boolean:
        if (value.is_boolean()) {
            out = value;
            return std::nullopt;
        }
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
            if (auto t = parse_json_date_time(value.get_ref<const std::string&>())) {
                out = t->ticks;
                return std::nullopt;
            }
        }
        return fail();
    case FieldKind::payout_status:
        if (auto v = to_enum(value, kPayoutStatusNames)) {
            out = *v;
            return std::nullopt;
        }
        return fail();
    case FieldKind::gift_state:
        if (auto v = to_enum(value, kGiftRequestStateNames)) {
            out = *v;
            return std::nullopt;
        }
        return fail();
    case FieldKind::object:
        if (value.is_null()) {
            out = nullptr;
            return std::nullopt;
        }
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

std::string dump_json(const Json& body) { return body.dump(-1, ' ', false, Json::error_handler_t::replace); }

http::Response json_response(int status, const Json& body) { return http::Response::json(status, dump_json(body)); }

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

Json enum_json(std::span<const std::string_view> names, int ordinal) {
    if (ordinal >= 0 && static_cast<std::size_t>(ordinal) < names.size()) return Json(std::string(names[ordinal]));
    return Json(ordinal);
}

// ASP.NET Core's TextInputFormatter.SelectCharacterEncoding (dotnet/aspnetcore src/Mvc/Mvc.Core/src/
// Formatters/TextInputFormatter.cs) with SystemTextJsonInputFormatter's two supported encodings (UTF-8 and
// UTF-16 little endian): no charset -> UTF-8; a charset that Encoding.GetEncoding knows (.NET's built-in
// names, case-insensitive) and whose canonical name is one of those two -> that encoding; any other charset,
// known (us-ascii, iso-8859-1, utf-16BE, utf-32, utf-7) or not ("utf8", "latin-9", a quoted value: the
// parameter parser keeps the quotes) -> 415.
BodyCharset json_body_charset(std::string_view content_type) {
    std::string_view rest = content_type;
    for (auto semicolon = rest.find(';'); semicolon != std::string_view::npos; semicolon = rest.find(';')) {
        rest.remove_prefix(semicolon + 1);
        std::string_view parameter = http::trim_ows(rest.substr(0, rest.find(';')));
        const auto equals = parameter.find('=');
        if (equals == std::string_view::npos) continue;
        if (!http::iequals(http::trim_ows(parameter.substr(0, equals)), "charset")) continue;
        const std::string_view name = http::trim_ows(parameter.substr(equals + 1));
        for (const char* utf8 :
             {"utf-8", "unicode-1-1-utf-8", "unicode-2-0-utf-8", "x-unicode-1-1-utf-8", "x-unicode-2-0-utf-8"}) {
            if (http::iequals(name, utf8)) return BodyCharset::utf8;
        }
        for (const char* utf16 : {"utf-16", "utf-16le", "unicode", "ucs-2", "iso-10646-ucs-2"}) {
            if (http::iequals(name, utf16)) return BodyCharset::utf16le;
        }
        return BodyCharset::unsupported;
    }
    return BodyCharset::utf8;
}

// The reference reads a UTF-16 body through Encoding.CreateTranscodingStream with a decoder that throws on
// invalid input (an odd byte count, an unpaired surrogate); nothing catches that exception, so the request
// ends in a 500. A leading byte order mark becomes a UTF-8 one, which the JSON reader skips.
std::string utf16le_to_utf8(std::string_view bytes) {
    if (bytes.size() % 2 != 0) throw std::runtime_error("UTF-16 body with an odd number of bytes");
    std::string out;
    out.reserve(bytes.size() * 3 / 2);
    const auto unit = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) |
               (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8);
    };
    for (std::size_t i = 0; i < bytes.size(); i += 2) {
        std::uint32_t code = unit(i);
        if (code >= 0xdc00 && code <= 0xdfff) throw std::runtime_error("UTF-16 body with an unpaired surrogate");
        if (code >= 0xd800 && code <= 0xdbff) {
            if (i + 2 >= bytes.size()) throw std::runtime_error("UTF-16 body with an unpaired surrogate");
            const std::uint32_t low = unit(i + 2);
            if (low < 0xdc00 || low > 0xdfff) throw std::runtime_error("UTF-16 body with an unpaired surrogate");
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
            i += 2;
        }
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xc0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3f));
        } else if (code < 0x10000) {
            out += static_cast<char>(0xe0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (code >> 18));
            out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code & 0x3f));
        }
    }
    return out;
}

BindResult bind_json_body(const http::Request& request, const Schema& schema,
                          const std::function<std::string()>& next_trace_id) {
    BindResult result;
    const auto content_type = request.headers.get("Content-Type");
    if (!content_type || !http::is_json_media_type(*content_type)) {
        result.error = problem(415, next_trace_id());
        return result;
    }
    const std::string required_body = "The body field is required.";
    // An empty body and a body that deserializes to null (`null`) both leave the formatter without a value
    // (dotnet/aspnetcore SystemTextJsonInputFormatter: InputFormatterResult.NoValue), so BodyModelBinder
    // records "A non-empty request body is required." under the top-level key "", and the required-parameter
    // validation adds "The body field is required." under the parameter's name.
    const auto no_value = [&] {
        return validation_problem({{"", {"A non-empty request body is required."}}, {"body", {required_body}}},
                                  next_trace_id());
    };
    if (request.body.empty()) {
        result.error = no_value();
        return result;
    }
    // The body's encoding comes from the charset parameter (after the empty-body check, as in the reference).
    std::string transcoded;
    const std::string* body = &request.body;
    switch (json_body_charset(*content_type)) {
    case BodyCharset::utf8: break;
    case BodyCharset::utf16le:
        transcoded = utf16le_to_utf8(request.body);
        body = &transcoded;
        break;
    case BodyCharset::unsupported: result.error = problem(415, next_trace_id()); return result;
    }
    if (!json_nesting_within(*body, 64)) {
        result.error = validation_problem(
            {{"$", {"The maximum configured depth of 64 has been exceeded."}}, {"body", {required_body}}},
            next_trace_id());
        return result;
    }
    const Json document = Json::parse(*body, nullptr, false);
    if (document.is_discarded()) {
        result.error = validation_problem(
            {{"$", {"The JSON value is not valid JSON (malformed text or invalid UTF-8)."}}, {"body", {required_body}}},
            next_trace_id());
        return result;
    }
    if (document.is_null()) {
        result.error = no_value();
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
        result.error =
            validation_problem({{error->path, {error->message}}, {"body", {required_body}}}, next_trace_id());
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

// JSON on the EBS wire: request binding with the reference framework's rules (docs/CONTRACT.md §2)
// and the four response body shapes (CONTRACT.md §1). Handlers never parse request bytes themselves.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/domain/records.h"
#include "sim/core/time.h"
#include "sim/core/json_depth.h"
#include "sim/core/rng.h"
#include "sim/http/message.h"

namespace mgm::backend::api {

using Json = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------------
// Responses

// "00-<32 hex>-<16 hex>-00" (W3C trace id shape); drawn from the component's Rng so runs replay.
std::string make_trace_id(sim::Rng& rng);

// application/json; charset=utf-8, compact, raw UTF-8 (invalid bytes replaced, never thrown).
http::Response json_response(int status, const Json& body);
std::string dump_json(const Json& body);
// {"code","message","details":{}}
http::Response api_error(int status, std::string_view code, std::string_view message);
// application/problem+json {"type","title","status","traceId"} for 401, 404, 415 (and 400/500 fallbacks).
http::Response problem(int status, const std::string& trace_id);
// {"error": message} (E2E harness).
http::Response harness_error(int status, std::string_view message);

// Errors keyed by C# property name, "$.<path>", "body" or "".
using ValidationErrors = std::map<std::string, std::vector<std::string>>;
http::Response validation_problem(const ValidationErrors& errors, const std::string& trace_id);

// Date-times as the reference emits them ("2026-04-04T12:05:00Z", fraction only when non-zero).
inline std::string iso(sim::Instant t) { return sim::format_iso8601(t); }

// Member name for an ordinal (names: backend::kPayoutStatusNames, kGiftRequestStateNames); an out-of-range
// ordinal is written as its number (framework behaviour).
Json enum_json(std::span<const std::string_view> names, int ordinal);

// ---------------------------------------------------------------------------------------------
// Request binding

enum class FieldKind {
    required_string,  // non-nullable string: present, not null, not blank (else ValidationProblem)
    nullable_string,  // string?; null or absent -> JSON null
    int32,  // JSON number or numeric string; absent -> 0
    boolean,  // true/false only; absent -> false
    uuid,  // 36-char hyphenated; absent -> all-zero
    date_time,  // ISO-8601; absent -> 0001-01-01 (bound as Instant ticks)
    payout_status,  // enum name (case-insensitive) or integer; absent -> 0 (Pending)
    gift_state,  // enum name (case-insensitive) or integer; absent -> 0 (Pending)
    object,  // nested required object (`nested` schema)
};

struct FieldSpec;
using Schema = std::vector<FieldSpec>;

struct FieldSpec {
    std::string json_name;  // canonical camelCase name, the key in the bound object
    std::string property_name;  // C# property name used in ValidationProblem keys ("CharacterName")
    FieldKind kind;
    const Schema* nested = nullptr;
};

// The value of 0001-01-01T00:00:00 as an Instant (the zero DateTime).
inline constexpr std::int64_t kZeroDateTimeTicks = -621355968000000000LL;

struct BindResult {
    // Bound object: every schema field present under json_name, converted: strings (or null), int32 as
    // integer, bool, uuid as lowercase 36-char text, date_time as integer ticks, enums as integer ordinal,
    // objects as nested bound objects.
    std::optional<Json> value;
    std::optional<http::Response> error;  // 415 ProblemDetails or 400 ValidationProblem
};

// The request body's encoding from the Content-Type's charset parameter (see json_binding.cpp).
enum class BodyCharset { utf8, utf16le, unsupported };
BodyCharset json_body_charset(std::string_view content_type);
// UTF-16LE bytes to UTF-8; throws std::runtime_error on invalid input (the reference answers 500).
std::string utf16le_to_utf8(std::string_view bytes);

// Content type check (415), JSON parse (UTF-8, depth <= 64), conversion and required checks (400).
BindResult bind_json_body(const http::Request& request, const Schema& schema,
                          const std::function<std::string()>& next_trace_id);

// A JSON date-time string as System.Text.Json reads a DateTime (see json_binding.cpp); nullopt -> 400.
std::optional<sim::Instant> parse_json_date_time(std::string_view text);

// False when arrays/objects nest deeper than max_depth (System.Text.Json's default limit is 64).
using sim::json_nesting_within;

}  // namespace mgm::backend::api

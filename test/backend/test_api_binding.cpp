// Request binding (docs/CONTRACT.md §2) and response shapes.
#include <catch2/catch.hpp>

#include "backend/api/json_binding.h"

using namespace mgm;
using namespace mgm::backend::api;

namespace {

const Schema kItemSchema = {
    {"name", "Name", FieldKind::required_string},
    {"id", "Id", FieldKind::int32},
    {"count", "Count", FieldKind::int32},
    {"link", "Link", FieldKind::required_string},
    {"texture", "Texture", FieldKind::required_string},
    {"bagId", "BagId", FieldKind::int32},
    {"slotId", "SlotId", FieldKind::int32},
};
const Schema kSelectSchema = {{"item", "Item", FieldKind::object, &kItemSchema}};
const Schema kVerifySchema = {
    {"schemaVersion", "SchemaVersion", FieldKind::int32},
    {"spinCycleId", "SpinCycleId", FieldKind::uuid},
    {"characterName", "CharacterName", FieldKind::required_string},
    {"online", "Online", FieldKind::boolean},
    {"capturedAt", "CapturedAt", FieldKind::date_time},
};
const Schema kStatusSchema = {{"status", "Status", FieldKind::payout_status}};
const Schema kPatchGiftSchema = {{"state", "State", FieldKind::gift_state},
                                 {"reason", "Reason", FieldKind::nullable_string}};

http::Request json_request(std::string body, std::string content_type = "application/json") {
    http::Request request;
    request.method = "POST";
    request.path = "/x";
    if (!content_type.empty()) request.headers.add("Content-Type", content_type);
    request.body = std::move(body);
    return request;
}

std::string fixed_trace() { return "00-0123456789abcdef0123456789abcdef-0123456789abcdef-00"; }

BindResult bind_body(const std::string& body, const Schema& schema, std::string content_type = "application/json") {
    return bind_json_body(json_request(body, content_type), schema, fixed_trace);
}

Json error_body(const BindResult& result) {
    REQUIRE(result.error);
    return Json::parse(result.error->body);
}

}  // namespace

TEST_CASE("binding: JSON content types accepted, others 415 ProblemDetails", "[api][binding]") {
    for (const char* type : {"application/json", "application/json; charset=utf-8", "TEXT/JSON",
                             "application/problem+json", "application/vnd.mgm+json;v=1"}) {
        INFO(type);
        REQUIRE(bind_body(R"({"characterName":"Abcd"})", kVerifySchema, type).value);
    }
    for (const char* type : {"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "+json"}) {
        INFO(type);
        auto result = bind_body(R"({"characterName":"Abcd"})", kVerifySchema, type);
        REQUIRE(result.error);
        REQUIRE(result.error->status == 415);
        REQUIRE(result.error->headers.get("Content-Type")->rfind("application/problem+json", 0) == 0);
        auto body = error_body(result);
        REQUIRE(body["title"] == "Unsupported Media Type");
        REQUIRE(body["type"] == "https://tools.ietf.org/html/rfc9110#section-15.5.16");
        REQUIRE(body["status"] == 415);
        REQUIRE(body["traceId"] == fixed_trace());
    }
}

TEST_CASE("binding: case-insensitive names, unknown ignored, numbers as strings, zero values", "[api][binding]") {
    auto result = bind_body(R"({"SCHEMAVERSION":"1","characterNAME":"Hero","extra":[1,{"x":null}],
                           "spinCycleId":"3F2504E0-4F89-11D3-9A0C-0305E82C3301","online":true,
                           "capturedAt":"2026-04-04T12:01:23.4567891Z"})",
                            kVerifySchema);
    REQUIRE(result.value);
    const Json& v = *result.value;
    REQUIRE(v["schemaVersion"] == 1);
    REQUIRE(v["characterName"] == "Hero");
    REQUIRE(v["spinCycleId"] == "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    REQUIRE(v["online"] == true);
    REQUIRE(v["capturedAt"].get<std::int64_t>() == sim::parse_iso8601("2026-04-04T12:01:23.4567891Z")->ticks);

    auto defaults = bind_body(R"({"characterName":"Hero"})", kVerifySchema);
    REQUIRE(defaults.value);
    REQUIRE((*defaults.value)["schemaVersion"] == 0);
    REQUIRE((*defaults.value)["online"] == false);
    REQUIRE((*defaults.value)["spinCycleId"] == "00000000-0000-0000-0000-000000000000");
    REQUIRE((*defaults.value)["capturedAt"] == kZeroDateTimeTicks);
}

TEST_CASE("binding: required strings missing, null or blank give a ValidationProblem", "[api][binding]") {
    for (const char* body :
         {R"({})", R"({"characterName":null})", R"({"characterName":"   "})", R"({"characterName":""})"}) {
        INFO(body);
        auto result = bind_body(body, kVerifySchema);
        REQUIRE(result.error);
        REQUIRE(result.error->status == 400);
        auto problem = error_body(result);
        REQUIRE(problem["title"] == "One or more validation errors occurred.");
        REQUIRE(problem["type"] == "https://tools.ietf.org/html/rfc9110#section-15.5.1");
        REQUIRE(problem["errors"]["CharacterName"][0] == "The CharacterName field is required.");
        REQUIRE(problem["traceId"] == fixed_trace());
    }
}

TEST_CASE("binding: nested required object and its strings (D11: empty texture rejected)", "[api][binding]") {
    auto missing = bind_body(R"({})", kSelectSchema);
    REQUIRE(error_body(missing)["errors"].contains("Item"));
    auto empty_texture =
        bind_body(R"({"item":{"name":"Sword","id":1,"count":1,"link":"l","texture":""}})", kSelectSchema);
    REQUIRE(error_body(empty_texture)["errors"].contains("Item.Texture"));
    auto ok =
        bind_body(R"({"Item":{"NAME":"Sword","id":"19019","count":1,"link":"l","texture":"t","bagId":0,"slotId":3}})",
                  kSelectSchema);
    REQUIRE(ok.value);
    REQUIRE((*ok.value)["item"]["id"] == 19019);
    REQUIRE((*ok.value)["item"]["slotId"] == 3);
}

TEST_CASE("binding: conversion errors name the JSON path and the body", "[api][binding]") {
    struct Case {
        const char* body;
        const char* path;
    };
    const Case cases[] = {
        {R"({"characterName":123})", "$.characterName"},
        {R"({"characterName":"Hero","online":"true"})", "$.online"},
        {R"({"characterName":"Hero","online":1})", "$.online"},
        {R"({"characterName":"Hero","schemaVersion":1.5})", "$.schemaVersion"},
        {R"({"characterName":"Hero","schemaVersion":"one"})", "$.schemaVersion"},
        {R"({"characterName":"Hero","schemaVersion":99999999999})", "$.schemaVersion"},
        {R"({"characterName":"Hero","schemaVersion":null})", "$.schemaVersion"},
        {R"({"characterName":"Hero","spinCycleId":"3f2504e04f8911d39a0c0305e82c3301"})", "$.spinCycleId"},
        {R"({"characterName":"Hero","spinCycleId":"{3f2504e0-4f89-11d3-9a0c-0305e82c3301}"})", "$.spinCycleId"},
        {R"({"characterName":"Hero","capturedAt":"yesterday"})", "$.capturedAt"},
    };
    for (const auto& c : cases) {
        INFO(c.body);
        auto problem = error_body(bind_body(c.body, kVerifySchema));
        REQUIRE(problem["status"] == 400);
        REQUIRE(problem["errors"].contains(c.path));
        REQUIRE(problem["errors"]["body"][0] == "The body field is required.");
    }
}

TEST_CASE("binding: enums by name case-insensitively or by integer", "[api][binding]") {
    REQUIRE((*bind_body(R"({"status":"inProgress"})", kStatusSchema).value)["status"] == 1);
    REQUIRE((*bind_body(R"({"status":"SENT"})", kStatusSchema).value)["status"] == 2);
    REQUIRE((*bind_body(R"({"status":5})", kStatusSchema).value)["status"] == 5);
    REQUIRE((*bind_body(R"({"status":42})", kStatusSchema).value)["status"] == 42);  // unknown value kept
    REQUIRE((*bind_body(R"({})", kStatusSchema).value)["status"] == 0);  // missing -> Pending
    REQUIRE(error_body(bind_body(R"({"status":"shipped"})", kStatusSchema))["errors"].contains("$.status"));
    REQUIRE(error_body(bind_body(R"({"status":null})", kStatusSchema))["errors"].contains("$.status"));
    REQUIRE((*bind_body(R"({"state":"waitingconfirmation","reason":null})", kPatchGiftSchema).value)["state"] == 3);
    REQUIRE(error_body(bind_body(R"({"state":"Failed","reason":7})", kPatchGiftSchema))["errors"].contains("$.reason"));
}

// dotnet/runtime System.Text.Json EnumConverter.cs (.NET 9+): TryParseEnumFromString trims the text, reads
// an integer-looking string (JsonHelpers.IntegerRegex) with Enum.TryParse, else TryParseNamedEnum matches a
// comma-separated list case-insensitively and ORs the members' values, [Flags] or not.
TEST_CASE("binding: JsonStringEnumConverter accepts trimmed names, numeric strings and comma lists (EnumConverter.cs)",
          "[api][binding]") {
    const auto status = [](const std::string& body) -> std::optional<int> {
        auto result = bind_body(body, kStatusSchema);
        if (!result.value) {
            REQUIRE(error_body(result)["errors"].contains("$.status"));
            return std::nullopt;
        }
        return (*result.value)["status"].get<int>();
    };
    REQUIRE(status(R"({"status":" Sent "})") == 2);
    REQUIRE(status("{\"status\":\"\\tSent\\n\"}") == 2);
    REQUIRE(status("{\"status\":\"\xC2\xA0Sent\xE3\x80\x80\"}") == 2);  // NBSP, ideographic space: char.IsWhiteSpace
    REQUIRE(status(R"({"status":"1"})") == 1);  // numeric strings are ordinals
    REQUIRE(status(R"({"status":" +3 "})") == 3);
    REQUIRE(status(R"({"status":"-1"})") == -1);  // any Int32, defined or not
    REQUIRE(status(R"({"status":"42"})") == 42);
    REQUIRE(status(R"({"status":"007"})") == 7);
    REQUIRE_FALSE(status(R"({"status":"2147483648"})"));  // Int32 overflow
    REQUIRE_FALSE(status(R"({"status":"1.0"})"));
    REQUIRE_FALSE(status(R"({"status":"0x1"})"));
    REQUIRE(status(R"({"status":"InProgress, Sent"})") == 3);  // 1 | 2 = Failed
    REQUIRE(status(R"({"status":"sent,cancelled"})") == 6);
    REQUIRE(status(R"({"status":"Sent,"})") == 2);  // one trailing comma ends the list
    REQUIRE_FALSE(status(R"({"status":",Sent"})"));
    REQUIRE_FALSE(status(R"({"status":"Sent,,Failed"})"));
    REQUIRE_FALSE(status(R"({"status":"Sent, 1"})"));  // numbers are not list members
    REQUIRE_FALSE(status(R"({"status":""})"));
    REQUIRE_FALSE(status(R"({"status":"   "})"));
    REQUIRE_FALSE(status(R"({"status":"In Progress"})"));
    REQUIRE_FALSE(status(R"({"status":true})"));
}

// dotnet/runtime System.Text.Json JsonHelpers.Date.cs (TryParseDateTimeOffset): the forms a DateTime
// property such as capturedAt accepts.
TEST_CASE("binding: date-times follow System.Text.Json's ISO-8601 reader (JsonHelpers.Date.cs)", "[api][binding]") {
    const auto utc = [](const char* text) { return sim::parse_iso8601(text)->ticks; };
    const auto parsed = [](const char* text) { return parse_json_date_time(text); };
    REQUIRE(parsed("2026-04-04")->ticks == utc("2026-04-04T00:00:00Z"));  // date only
    REQUIRE(parsed("2026-04-04T12:05")->ticks == utc("2026-04-04T12:05:00Z"));  // no seconds
    REQUIRE(parsed("2026-04-04T12:05Z")->ticks == utc("2026-04-04T12:05:00Z"));
    REQUIRE(parsed("2026-04-04T12:05:07")->ticks == utc("2026-04-04T12:05:07Z"));
    REQUIRE(parsed("2026-04-04T12:05:07.5")->ticks == utc("2026-04-04T12:05:07.5Z"));
    REQUIRE(parsed("2026-04-04T12:05:07.1234567891234567Z")->ticks == utc("2026-04-04T12:05:07.1234567Z"));
    REQUIRE(parsed("2026-04-04T14:05:07+02")->ticks == utc("2026-04-04T12:05:07Z"));  // hours-only offset
    REQUIRE(parsed("2026-04-04T10:05-02:00")->ticks == utc("2026-04-04T12:05:00Z"));
    REQUIRE(parsed("2026-04-05T02:05:07+14:00"));
    for (const char* bad : {"2026-04-04t12:05:07Z",
                            "2026-04-04T12:05:07z",
                            "2026-04-04 12:05:07Z",
                            "2026-04-04T12Z",
                            "2026-04-04T12",
                            "2026-04-04Z",
                            "2026-04",
                            "26-04-04",
                            "2026-04-04T12:05:07.",
                            "2026-04-04T12:05:07.12345678912345678Z",
                            "2026-04-04T12:05:07+0200",
                            "2026-04-04T12:05:07+2",
                            "2026-04-04T12:05:07+14:01",
                            "2026-04-04T12:05:07+15:00",
                            "2026-04-04T24:00:00Z",
                            "2026-04-04T12:05:60Z",
                            "0000-01-01T00:00:00Z",
                            "0001-01-01T00:00:00+01:00",
                            "2026-02-29",
                            "2026-04-04T12:05:07Z ",
                            " 2026-04-04",
                            "2026-04-04T12:5:07Z",
                            ""}) {
        INFO(bad);
        REQUIRE_FALSE(parsed(bad));
    }
    REQUIRE(parsed("2024-02-29"));
    REQUIRE(parsed("9999-12-31T23:59:59.9999999Z"));
    REQUIRE_FALSE(parsed("9999-12-31T23:59:59-01:00"));
    auto result = bind_body(R"({"characterName":"Hero","capturedAt":"2026-04-04t12:00:00z"})", kVerifySchema);
    REQUIRE(error_body(result)["errors"].contains("$.capturedAt"));
    REQUIRE(bind_body(R"({"characterName":"Hero","capturedAt":"2026-04-04"})", kVerifySchema).value);
}

// dotnet/aspnetcore TextInputFormatter.SelectCharacterEncoding + SystemTextJsonInputFormatter (UTF-8 and
// UTF-16LE supported; GetInputStream transcodes UTF-16 with a throwing decoder): the charset parameter.
TEST_CASE("binding: Content-Type charset as SystemTextJsonInputFormatter selects it (TextInputFormatter.cs)",
          "[api][binding]") {
    const std::string json = R"({"characterName":"Hero"})";
    for (const char* type : {"application/json; charset=utf-8", "application/json;charset=UTF-8",
                             "application/json; CHARSET=x-unicode-2-0-utf-8", "text/json; charset=unicode-1-1-utf-8"}) {
        INFO(type);
        REQUIRE(bind_body(json, kVerifySchema, type).value);
    }
    for (const char* type :
         {"application/json; charset=utf8", "application/json; charset=\"utf-8\"", "application/json; charset=us-ascii",
          "application/json; charset=iso-8859-1", "application/json; charset=utf-16be",
          "application/json; charset=utf-32", "application/json; charset=utf-7", "application/json; charset=latin-9",
          "application/json; charset="}) {
        INFO(type);
        auto result = bind_body(json, kVerifySchema, type);
        REQUIRE(result.error);
        REQUIRE(result.error->status == 415);
        REQUIRE(result.error->headers.get("Content-Type") == "application/problem+json; charset=utf-8");
    }
    // An empty body is checked before the charset: 400, not 415.
    REQUIRE(bind_body("", kVerifySchema, "application/json; charset=latin1").error->status == 400);

    // UTF-16 little endian (with or without a byte order mark) is transcoded; names keep their letters.
    const auto utf16le = [](const std::u16string& text, bool bom) {
        std::string bytes = bom ? std::string("\xFF\xFE") : std::string();
        for (char16_t c : text) {
            bytes += static_cast<char>(c & 0xff);
            bytes += static_cast<char>(c >> 8);
        }
        return bytes;
    };
    for (const char* charset : {"utf-16", "UTF-16LE", "unicode", "ucs-2", "iso-10646-ucs-2"}) {
        for (bool bom : {false, true}) {
            INFO(charset << " bom " << bom);
            auto result = bind_body(utf16le(u"{\"characterName\":\"\u0422\u0435\u0441\u0442\"}", bom), kVerifySchema,
                                    std::string("application/json; charset=") + charset);
            REQUIRE(result.value);
            REQUIRE((*result.value)["characterName"] == "\xD0\xA2\xD0\xB5\xD1\x81\xD1\x82");
        }
    }
    // Invalid UTF-16 throws out of the reference's formatter (500 from the EBS's catch-all).
    REQUIRE_THROWS(bind_body(utf16le(u"{}", false) + "x", kVerifySchema, "application/json; charset=utf-16"));
    REQUIRE_THROWS(bind_body(utf16le(u"{\"a\":\"", false) + std::string("\x00\xDC", 2) + utf16le(u"\"}", false),
                             kVerifySchema, "application/json; charset=utf-16"));
    // A UTF-16 body sent as UTF-8 is malformed JSON: 400.
    REQUIRE(bind_body(utf16le(u"{}", false), kVerifySchema).error->status == 400);
}

TEST_CASE("binding: empty, malformed, non-object, deep and invalid UTF-8 bodies are 400, never a crash",
          "[api][binding]") {
    REQUIRE(error_body(bind_body("", kVerifySchema))["errors"].contains("body"));
    // SystemTextJsonInputFormatter returns NoValue for a JSON null as for an empty body: BodyModelBinder's
    // "A non-empty request body is required." under "" plus the required parameter "body".
    for (const char* nothing : {"", "null", " null ", "\xEF\xBB\xBFnull"}) {
        INFO(nothing);
        const auto errors = error_body(bind_body(nothing, kVerifySchema))["errors"];
        REQUIRE(errors.size() == 2);
        REQUIRE(errors[""][0] == "A non-empty request body is required.");
        REQUIRE(errors["body"][0] == "The body field is required.");
    }
    for (std::string body :
         {std::string("{"), std::string("{\"characterName\":\"Hero\",}"), std::string("[1,2]"), std::string("\"Hero\""),
          std::string("42"), std::string("{} {}"), std::string("{\"characterName\":\"\xff\xfe\"}"),
          std::string("{\"a\":\"\xc3\"}"), std::string("// c\n{}"), std::string(100000, '[') + std::string(100000, ']'),
          std::string("{\"characterName\":\"Hero\",\"x\":") + std::string(65, '[') + std::string(65, ']') + "}"}) {
        INFO(body.substr(0, 40));
        auto result = bind_body(body, kVerifySchema);
        REQUIRE(result.error);
        REQUIRE(result.error->status == 400);
    }
    // 64 levels are fine.
    std::string ok =
        std::string("{\"characterName\":\"Hero\",\"x\":") + std::string(63, '[') + std::string(63, ']') + "}";
    REQUIRE(bind_body(ok, kVerifySchema).value);
    // A BOM before the document is skipped.
    REQUIRE(bind_body("\xEF\xBB\xBF{\"characterName\":\"Hero\"}", kVerifySchema).value);
}

TEST_CASE("responses: ApiError, ProblemDetails, harness error and enum names", "[api][binding]") {
    auto error = api_error(409, "active_payout_exists", "User already has an active payout.");
    REQUIRE(error.status == 409);
    REQUIRE(error.body ==
            R"({"code":"active_payout_exists","message":"User already has an active payout.","details":{}})");
    REQUIRE(error.headers.get("Content-Type") == std::optional<std::string>("application/json; charset=utf-8"));

    auto not_found = problem(404, fixed_trace());
    REQUIRE(
        not_found.body ==
        R"({"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Not Found","status":404,"traceId":")" +
            fixed_trace() + "\"}");
    REQUIRE(harness_error(400, "Viewer is not in the pool; run enrollment first.").body ==
            R"({"error":"Viewer is not in the pool; run enrollment first."})");
    // Raw UTF-8, not \u escapes.
    Json cyrillic;
    cyrillic["characterName"] = "Абвг";
    REQUIRE(dump_json(cyrillic) == "{\"characterName\":\"Абвг\"}");
    REQUIRE(enum_json(backend::kPayoutStatusNames, 1) == "InProgress");
    REQUIRE(enum_json(backend::kGiftRequestStateNames, 3) == "WaitingConfirmation");
    REQUIRE(enum_json(backend::kPayoutStatusNames, 42) == 42);

    sim::Rng rng(7);
    const std::string id = make_trace_id(rng);
    REQUIRE(id.size() == 55);
    REQUIRE(id.rfind("00-", 0) == 0);
    REQUIRE(id.substr(35, 1) == "-");
    REQUIRE(id.substr(52) == "-00");
}

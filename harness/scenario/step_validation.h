// Load-time validation helpers shared by the verbs: every error is a ScenarioError at the line of the
// offending value (the closest enclosing value with a known line).
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/scenario/scenario.h"

namespace mgm::harness::scenario {

struct ParseContext {
    const std::string& file;
    const std::map<std::string, int>& lines;  // JSON pointer -> line (json_value_lines)
    int line_of(const std::string& pointer) const;
    [[noreturn]] void fail(const std::string& pointer, const std::string& message) const;
};

// What a verb's validator sees: the step object and the verb's own value, each with its JSON pointer.
struct StepValidation {
    const ParseContext& ctx;
    const std::string& pointer;  // "/steps/3"
    const nlohmann::json& spec;  // the step object
    const std::string& vp;  // "/steps/3/http"
    const nlohmann::json& v;  // the verb's value
    Step& step;  // repeat fills in its children
};

bool has_variable(const nlohmann::json& value);  // a string with "${": checked when it runs
// Anchors are resolved at run time; at load time any identifier-looking anchor is accepted.
std::optional<sim::Instant> parse_instant_shape(const std::string& text);

void require_duration(const ParseContext& ctx, const std::string& pointer, const nlohmann::json& value,
                      const char* what);
void require_instant(const ParseContext& ctx, const std::string& pointer, const nlohmann::json& value,
                     const char* what);
void require_keys(const ParseContext& ctx, const std::string& pointer, const nlohmann::json& object,
                  std::initializer_list<const char*> allowed, std::initializer_list<const char*> required = {});
void require_keys(const ParseContext& ctx, const std::string& pointer, const nlohmann::json& object,
                  const std::vector<const char*>& allowed);
void require_type(const ParseContext& ctx, const std::string& pointer, const nlohmann::json& value, bool ok,
                  const char* what);

// What a value must be. `count` and `integer` also accept a string with a variable ("${n}", "${i+1}"), read
// as a number when the step runs; `matcher` is a value or a matcher object ({"$ne": ..}, {"$oneOf": [..]}).
enum class JsonKind { string, integer, count, number, boolean, object, array, strings, string_or_null, matcher };
struct FieldType {
    const char* key;
    JsonKind kind;
};
// The field a pointer names, as an author reads it: "/steps/3/assert/helix_requests/count" ->
// "assert.helix_requests.count".
std::string field_name(const std::string& pointer);
// "must be an integer" etc., and the offending value ("got the string \"1\"").
void require_kind(const ParseContext& ctx, const std::string& pointer, const nlohmann::json& value, JsonKind kind);
// The types of those keys of `object` that are present.
void require_types(const ParseContext& ctx, const std::string& pointer, const nlohmann::json& object,
                   std::initializer_list<FieldType> fields);
// A domain event name a wait or an assert names: one the EBS records (known_event_names()).
void require_event_name(const ParseContext& ctx, const std::string& pointer, const nlohmann::json& value);
// Every domain event name the EBS records in the trace (backend/domain), sorted; a test keeps it equal to the
// names in the sources.
const std::vector<std::string>& known_event_names();
// A pattern where '*' matches any run of characters (dots and slashes included) and anything else itself:
// event names ("payout.*", "*.created") and call_order's requests ("ebs PATCH /api/payouts/*/status").
bool glob_match(std::string_view pattern, std::string_view text);
// Empty when `pattern` (a glob) matches at least one of known_event_names(); otherwise a sentence saying so,
// with the closest name and the list (for the CLI flags that take event names: mgm-sim trace --event,
// mgm-sim run --break-on).
std::string event_glob_problem(std::string_view pattern);
// A name a scenario may assign (set, capture, repeat's var, vars): not a built-in variable.
void require_assignable(const ParseContext& ctx, const std::string& pointer, const std::string& name);
void validate_expect(const ParseContext& ctx, const std::string& pointer, const nlohmann::json& expect);
void validate_capture(const ParseContext& ctx, const std::string& pointer, const nlohmann::json& capture);
void validate_pool_check(const ParseContext& ctx, const std::string& pointer, const nlohmann::json& pool);

// One step nested in another (until's), validated by its verb; `pointer` is the step object's.
Step parse_nested_step(const ParseContext& ctx, const nlohmann::json& spec, const std::string& pointer,
                       std::size_t index, const std::string& parent_path);
// A steps array (top level or a repeat's), each step validated by its verb.
std::vector<Step> parse_steps(const ParseContext& ctx, const nlohmann::json& steps, const std::string& pointer,
                              const std::string& parent_path);

}  // namespace mgm::harness::scenario

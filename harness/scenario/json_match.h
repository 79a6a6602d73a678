// JSON subset matching for "expect" blocks and JSON paths for "capture" blocks.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mgm::harness::scenario {

// True when `actual` contains `expected`:
//   objects  every expected key is present in actual and matches (extra actual keys are fine);
//            an expected value "$absent" requires the key to be missing;
//   arrays   same length, element by element (use {"$contains": [...]} for "some elements match",
//            {"$len": N} for the length only);
//   matchers {"$ne": X} anything that does not match X; {"$oneOf": [A, B]} anything that matches one of them;
//   strings  equal, or a matcher: "$any" (anything, even null), "$uuid", "$iso" (ISO-8601 instant),
//            "$nonempty" (a non-empty string), "$null" (JSON null);
//   numbers  equal as numbers (1 == 1.0); everything else: equal.
// On mismatch, `where` receives the path of the first difference ("/steps/2/statusCode") and
// `why` a short explanation ("expected 200, got 502").
bool json_subset_match(const nlohmann::json& expected, const nlohmann::json& actual, std::string* where = nullptr,
                       std::string* why = nullptr);

// Looks up "payoutId", "steps.0.name", "/steps/0/name" (JSON pointer) or "" (the whole value).
std::optional<nlohmann::json> json_path_get(const nlohmann::json& root, std::string_view path);

// A value as text for variables: strings unquoted, everything else compact JSON.
std::string json_to_variable_text(const nlohmann::json& value);

}  // namespace mgm::harness::scenario

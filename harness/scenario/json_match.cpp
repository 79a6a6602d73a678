// JSON subset matching (expect blocks) and path lookup (capture blocks).
#include "harness/scenario/json_match.h"

#include <algorithm>
#include <cctype>

#include "sim/core/time.h"
#include "sim/core/uuid.h"

namespace mgm::harness::scenario {
namespace {

using nlohmann::json;

std::string short_dump(const json& value) {
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 160) {
        text.resize(157);
        text += "...";
    }
    return text;
}

bool fail(std::string* where, std::string* why, const std::string& path, std::string reason) {
    if (where) *where = path.empty() ? "/" : path;
    if (why) *why = std::move(reason);
    return false;
}

// String matchers ("$uuid", ...) applied to `actual`; nullopt when `pattern` is not a matcher.
std::optional<bool> match_string_matcher(const std::string& pattern, const json& actual) {
    if (pattern == "$any") return true;
    if (pattern == "$null") return actual.is_null();
    if (pattern == "$nonempty") return actual.is_string() && !actual.get<std::string>().empty();
    if (pattern == "$uuid")
        return actual.is_string() && sim::Uuid::parse_hyphenated(actual.get<std::string>()).has_value();
    if (pattern == "$iso") return actual.is_string() && sim::parse_iso8601(actual.get<std::string>()).has_value();
    return std::nullopt;
}

bool match(const json& expected, const json& actual, const std::string& path, std::string* where, std::string* why);

bool match_string(const std::string& pattern, const json& actual, const std::string& path, std::string* where,
                  std::string* why) {
    if (!pattern.empty() && pattern[0] == '$') {
        if (auto result = match_string_matcher(pattern, actual)) {
            if (*result) return true;
            return fail(where, why, path, "expected " + pattern + ", got " + short_dump(actual));
        }
    }
    if (actual.is_string() && actual.get_ref<const std::string&>() == pattern) return true;
    return fail(where, why, path, "expected " + short_dump(json(pattern)) + ", got " + short_dump(actual));
}

// {"$len": N}: an array's or object's size, or a string's length.
bool match_length(const json& wanted, const json& actual, const std::string& path, std::string* where,
                  std::string* why) {
    if (!actual.is_array() && !actual.is_object() && !actual.is_string())
        return fail(where, why, path, "expected something with a length, got " + short_dump(actual));
    std::size_t n = actual.is_string() ? actual.get_ref<const std::string&>().size() : actual.size();
    if (wanted.is_number_unsigned() || wanted.is_number_integer()) {
        if (n == wanted.get<std::size_t>()) return true;
    }
    return fail(where, why, path, "expected length " + short_dump(wanted) + ", got " + std::to_string(n));
}

// {"$contains": [...]}: each wanted value matches some element of the array.
bool match_contains(const json& wanted, const json& actual, const std::string& path, std::string* where,
                    std::string* why) {
    if (!actual.is_array()) return fail(where, why, path, "expected an array, got " + short_dump(actual));
    const json wanted_list = wanted.is_array() ? wanted : json::array({wanted});
    for (std::size_t i = 0; i < wanted_list.size(); ++i) {
        bool found = false;
        for (const auto& element : actual) {
            if (match(wanted_list[i], element, path, nullptr, nullptr)) {
                found = true;
                break;
            }
        }
        if (!found)
            return fail(where, why, path,
                        "no element matches " + short_dump(wanted_list[i]) + " in " + short_dump(actual));
    }
    return true;
}

bool match_object(const json& expected, const json& actual, const std::string& path, std::string* where,
                  std::string* why) {
    // Structural matchers written as single-key objects.
    if (expected.size() == 1 && expected.contains("$len"))
        return match_length(expected["$len"], actual, path, where, why);
    if (expected.size() == 1 && expected.contains("$contains"))
        return match_contains(expected["$contains"], actual, path, where, why);
    if (expected.size() == 1 && expected.contains("$ne")) {
        if (!match(expected["$ne"], actual, path, nullptr, nullptr)) return true;
        return fail(where, why, path, "expected anything but " + short_dump(expected["$ne"]) + ", got " + short_dump(actual));
    }
    if (expected.size() == 1 && expected.contains("$oneOf") && expected["$oneOf"].is_array()) {
        for (const auto& option : expected["$oneOf"])
            if (match(option, actual, path, nullptr, nullptr)) return true;
        return fail(where, why, path, "expected one of " + short_dump(expected["$oneOf"]) + ", got " + short_dump(actual));
    }
    if (!actual.is_object()) return fail(where, why, path, "expected an object, got " + short_dump(actual));
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        const std::string child = path + "/" + it.key();
        auto found = actual.find(it.key());
        if (it.value().is_string() && it.value().get_ref<const std::string&>() == "$absent") {
            if (found == actual.end()) continue;
            return fail(where, why, child, "expected no such key, got " + short_dump(*found));
        }
        if (found == actual.end()) return fail(where, why, child, "missing (expected " + short_dump(it.value()) + ")");
        if (!match(it.value(), *found, child, where, why)) return false;
    }
    return true;
}

bool match_array(const json& expected, const json& actual, const std::string& path, std::string* where,
                 std::string* why) {
    if (!actual.is_array()) return fail(where, why, path, "expected an array, got " + short_dump(actual));
    if (expected.size() != actual.size())
        return fail(where, why, path,
                    "expected " + std::to_string(expected.size()) + " elements, got " + std::to_string(actual.size()) +
                        ": " + short_dump(actual));
    for (std::size_t i = 0; i < expected.size(); ++i) {
        if (!match(expected[i], actual[i], path + "/" + std::to_string(i), where, why)) return false;
    }
    return true;
}

// Numbers compare as numbers (1 == 1.0), exactly when both are integers.
bool numbers_equal(const json& expected, const json& actual) {
    if (expected.is_number_float() || actual.is_number_float()) return expected.get<double>() == actual.get<double>();
    if (expected.is_number_unsigned() && actual.is_number_unsigned())
        return expected.get<std::uint64_t>() == actual.get<std::uint64_t>();
    return expected.get<std::int64_t>() == actual.get<std::int64_t>();
}

bool match(const json& expected, const json& actual, const std::string& path, std::string* where, std::string* why) {
    if (expected.is_string()) return match_string(expected.get_ref<const std::string&>(), actual, path, where, why);
    if (expected.is_object()) return match_object(expected, actual, path, where, why);
    if (expected.is_array()) return match_array(expected, actual, path, where, why);
    bool equal = expected.is_number() && actual.is_number() ? numbers_equal(expected, actual) : expected == actual;
    if (equal) return true;
    return fail(where, why, path, "expected " + short_dump(expected) + ", got " + short_dump(actual));
}

}  // namespace

bool json_subset_match(const json& expected, const json& actual, std::string* where, std::string* why) {
    return match(expected, actual, "", where, why);
}

std::optional<json> json_path_get(const json& root, std::string_view path) {
    if (path.empty()) return root;
    if (path.front() == '/') {
        try {
            json::json_pointer pointer{std::string(path)};
            if (!root.contains(pointer)) return std::nullopt;
            return root.at(pointer);
        } catch (const json::exception&) { return std::nullopt; }
    }
    const json* node = &root;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        std::size_t dot = path.find('.', pos);
        if (dot == std::string_view::npos) dot = path.size();
        std::string key(path.substr(pos, dot - pos));
        if (node->is_object()) {
            auto it = node->find(key);
            if (it == node->end()) return std::nullopt;
            node = &*it;
        } else if (node->is_array()) {
            if (key.empty() || !std::all_of(key.begin(), key.end(),
                                            [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
                return std::nullopt;
            std::size_t index = std::stoul(key);
            if (index >= node->size()) return std::nullopt;
            node = &(*node)[index];
        } else {
            return std::nullopt;
        }
        pos = dot + 1;
    }
    return *node;
}

std::string json_to_variable_text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace mgm::harness::scenario

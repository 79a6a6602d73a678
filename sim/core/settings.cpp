#include "sim/core/settings.h"

#include <cctype>
#include <cstring>

namespace mgm::sim {

std::string Settings::normalize(std::string_view key) {
    std::string out;
    out.reserve(key.size());
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '_' && i + 1 < key.size() && key[i + 1] == '_') {
            out.push_back(':');
            ++i;
        } else {
            out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(key[i]))));
        }
    }
    return out;
}

Settings Settings::from_environment(char** environ_block) {
    Settings s;
    for (char** e = environ_block; e && *e; ++e) {
        const char* eq = std::strchr(*e, '=');
        if (!eq) continue;
        s.set(std::string_view(*e, static_cast<std::size_t>(eq - *e)), std::string(eq + 1));
    }
    return s;
}

Settings Settings::from_pairs(std::initializer_list<std::pair<std::string, std::string>> pairs) {
    Settings s;
    for (const auto& [k, v] : pairs) s.set(k, v);
    return s;
}

void Settings::set(std::string_view key, std::string value) { values_[normalize(key)] = std::move(value); }
void Settings::erase(std::string_view key) { values_.erase(normalize(key)); }

void Settings::overlay(const Settings& over) {
    for (const auto& [k, v] : over.values_) values_[k] = v;
}

std::optional<std::string> Settings::get(std::string_view key) const {
    auto it = values_.find(normalize(key));
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string Settings::get_or(std::string_view key, std::string_view fallback) const {
    auto v = get(key);
    return v ? *v : std::string(fallback);
}

std::optional<bool> Settings::parse_bool(std::string_view text) {
    std::string lower;
    for (char c : text) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    // .NET trims whitespace when parsing bool.
    while (!lower.empty() && std::isspace(static_cast<unsigned char>(lower.back()))) lower.pop_back();
    std::size_t start = 0;
    while (start < lower.size() && std::isspace(static_cast<unsigned char>(lower[start]))) ++start;
    lower = lower.substr(start);
    if (lower == "true") return true;
    if (lower == "false") return false;
    return std::nullopt;
}

bool Settings::get_bool(std::string_view key, bool fallback) const {
    auto v = get(key);
    if (!v) return fallback;
    return parse_bool(*v).value_or(fallback);
}

}  // namespace mgm::sim

// Configuration in the reference's ASP.NET shape: keys like "Mgm:ApiKey", case-insensitive, with the
// environment form "Mgm__ApiKey" mapped onto them. Later layers override earlier ones.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mgm::sim {

class Settings {
public:
    Settings() = default;
    // Every VAR=value of a POSIX environment block; "__" in names becomes ":".
    static Settings from_environment(char** environ_block);
    static Settings from_pairs(std::initializer_list<std::pair<std::string, std::string>> pairs);

    void set(std::string_view key, std::string value);
    void erase(std::string_view key);
    // Copies every key of `over` onto this (over wins).
    void overlay(const Settings& over);

    std::optional<std::string> get(std::string_view key) const;
    std::string get_or(std::string_view key, std::string_view fallback) const;
    // .NET bool binding: "true"/"false" case-insensitive; anything else (or absent) -> fallback.
    bool get_bool(std::string_view key, bool fallback) const;
    // .NET bool.Parse: "true"/"false" in any case, surrounding white space ignored; nullopt otherwise.
    static std::optional<bool> parse_bool(std::string_view text);
    const std::map<std::string, std::string>& all() const { return values_; }  // keys lower-cased

private:
    static std::string normalize(std::string_view key);
    std::map<std::string, std::string> values_;
};

}  // namespace mgm::sim

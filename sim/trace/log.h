// Human log lines stamped with the (simulated or real) clock time: "[2026-04-04T12:04:00Z] ebs: ...".
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace mgm::sim {

class Clock;

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3, off = 4 };
// "debug", "info", "warn", "error", "off" (the --log-level values); nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view text);

class Log {
public:
    explicit Log(const Clock* clock = nullptr, LogLevel level = LogLevel::warn);
    void set_clock(const Clock* clock) { clock_ = clock; }
    void set_level(LogLevel level) { level_ = level; }
    LogLevel level() const { return level_; }
    // Where lines go (default std::clog). Tests can capture.
    void set_sink(std::function<void(const std::string& line)> sink) { sink_ = std::move(sink); }

    void write(LogLevel level, std::string_view actor, std::string_view message) const;
    void debug(std::string_view actor, std::string_view m) const { write(LogLevel::debug, actor, m); }
    void info(std::string_view actor, std::string_view m) const { write(LogLevel::info, actor, m); }
    void warn(std::string_view actor, std::string_view m) const { write(LogLevel::warn, actor, m); }
    void error(std::string_view actor, std::string_view m) const { write(LogLevel::error, actor, m); }

private:
    const Clock* clock_;
    LogLevel level_;
    std::function<void(const std::string&)> sink_;
};

}  // namespace mgm::sim

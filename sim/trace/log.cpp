// Log lines "[<UTC time>] <actor>: <message>", filtered by level, to std::clog unless a sink is set.
#include "sim/trace/log.h"

#include <iostream>

#include "sim/clock/clock.h"

namespace mgm::sim {

std::optional<LogLevel> parse_log_level(std::string_view text) {
    if (text == "debug") return LogLevel::debug;
    if (text == "info") return LogLevel::info;
    if (text == "warn") return LogLevel::warn;
    if (text == "error") return LogLevel::error;
    if (text == "off") return LogLevel::off;
    return std::nullopt;
}

Log::Log(const Clock* clock, LogLevel level) : clock_(clock), level_(level) {}

void Log::write(LogLevel level, std::string_view actor, std::string_view message) const {
    if (level == LogLevel::off || level_ == LogLevel::off || level < level_) return;
    std::string line;
    line.reserve(actor.size() + message.size() + 32);
    if (clock_ != nullptr) {
        line += '[';
        line += format_iso8601(clock_->now());
        line += "] ";
    }
    line += actor;
    line += ": ";
    line += message;
    if (sink_) {
        sink_(line);
    } else {
        std::clog << line << '\n';
    }
}

}  // namespace mgm::sim

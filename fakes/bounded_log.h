// What the mocks keep of their traffic (MockHelixApi's requests, SyntheticDesktop's runs): the newest N
// entries in a ring, a count of the dropped ones, and pages of it for GET routes (?since=&limit=). Bounded
// whatever the callers send: memory and the size of one answer.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sim/http/message.h"

namespace mgm::fakes {

// The mocks' control routes (MockHelixApi /fail-next and /reset, SyntheticDesktop /run-sequence and
// /run-pending) take at most this much body (413 beyond, before any of it is read): their bodies are tiny,
// and a 29 MB one would stall every service of the process while it is read and parsed.
inline constexpr std::size_t kControlBodyLimitBytes = 16 * 1024;

inline constexpr std::size_t kDefaultPageLimit = 100;
inline constexpr std::size_t kMaxPageLimit = 1000;

// A positive whole number from a setting; throws std::invalid_argument naming the environment variable.
inline std::size_t parse_count_setting(const std::string& text, std::string_view env) {
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0)
        throw std::invalid_argument(std::string(env) + "='" + text + "' is not a positive whole number");
    return value;
}

// Entries carry a `sequence` (1, 2, ... since start/reset).
template <class Entry>
class BoundedLog {
public:
    explicit BoundedLog(std::size_t capacity) : capacity_(capacity) {}

    void push(Entry entry) {
        ++total_;
        entries_.push_back(std::move(entry));
        while (entries_.size() > capacity_) entries_.pop_front();
    }
    void clear() {
        entries_.clear();
        total_ = 0;
    }
    const std::deque<Entry>& entries() const { return entries_; }
    std::uint64_t total() const { return total_; }
    std::uint64_t dropped() const { return total_ - entries_.size(); }
    std::uint64_t next_sequence() const { return total_ + 1; }

    // [first, last) of entries() for `?since=S&limit=L`: oldest first, after S; without since, the newest L.
    // nullopt for a malformed query (the route answers 400).
    struct Page {
        std::size_t first = 0, last = 0;
        std::uint64_t next_since = 0;  // the last sequence in the page (or since, when empty)
    };
    std::optional<Page> page(const http::Request& request) const {
        auto number = [&](std::string_view name) -> std::optional<std::optional<std::uint64_t>> {
            auto text = request.query_param(std::string(name));
            if (!text) return std::optional<std::uint64_t>();
            std::uint64_t value = 0;
            auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
            if (text->empty() || ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
            return std::optional<std::uint64_t>(value);
        };
        auto since = number("since");
        auto limit = number("limit");
        if (!since || !limit) return std::nullopt;
        const std::size_t n = limit->value_or(kDefaultPageLimit);
        if (n == 0 || n > kMaxPageLimit) return std::nullopt;
        Page page;
        if (*since) {
            page.first = static_cast<std::size_t>(
                std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.sequence > **since; }) -
                entries_.begin());
        } else if (entries_.size() > n) {
            page.first = entries_.size() - n;
        }
        page.last = std::min(entries_.size(), page.first + n);
        page.next_since = page.last > page.first ? entries_[page.last - 1].sequence : since->value_or(0);
        return page;
    }

private:
    std::size_t capacity_;
    std::deque<Entry> entries_;
    std::uint64_t total_ = 0;
};

}  // namespace mgm::fakes

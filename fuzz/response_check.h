// Checks that bytes an HTTP/1.1 server wrote are a sequence of complete, well-formed responses.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/ebs_harness.h"

namespace mgm::fuzz {

// Every response: "HTTP/1.1 ddd reason", header lines, blank line, then exactly Content-Length body bytes
// (1xx/204/304 have none). Returns the number of responses; aborts on anything else. A trailing partial
// response is allowed only when the connection was cut mid-write (never here: the loopback delivers all).
inline int check_responses(std::string_view bytes) {
    int count = 0;
    while (!bytes.empty()) {
        require(well_formed_status_line(bytes), "response starts with a well-formed status line");
        const int status = (bytes[9] - '0') * 100 + (bytes[10] - '0') * 10 + (bytes[11] - '0');
        const std::size_t head_end = bytes.find("\r\n\r\n");
        require(head_end != std::string_view::npos, "response head is complete");
        const std::string_view head = bytes.substr(0, head_end + 2);
        std::size_t content_length = 0;
        bool has_length = false;
        std::size_t line_start = head.find("\r\n") + 2;
        while (line_start < head.size()) {
            const std::size_t line_end = head.find("\r\n", line_start);
            const std::string_view line = head.substr(line_start, line_end - line_start);
            const std::size_t colon = line.find(':');
            require(colon != std::string_view::npos && colon > 0, "header line has a name and a colon");
            if (http::iequals(line.substr(0, colon), "Content-Length")) {
                std::string_view value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
                require(!value.empty() && value.size() < 12, "Content-Length is a number");
                for (char c : value) require(c >= '0' && c <= '9', "Content-Length is a number");
                content_length = std::strtoull(std::string(value).c_str(), nullptr, 10);
                has_length = true;
            }
            line_start = line_end + 2;
        }
        const bool bodiless = status < 200 || status == 204 || status == 304;
        require(bodiless || has_length, "response has a Content-Length");
        bytes.remove_prefix(head_end + 4);
        if (!bodiless) {
            require(bytes.size() >= content_length, "response body is complete");
            bytes.remove_prefix(content_length);
        }
        ++count;
    }
    return count;
}

}  // namespace mgm::fuzz

// The bytes of an outgoing HTTP/1.1 message, written straight into one string: what Beast 1.74's serializer
// writes for the same calls on a message (the server's answers and the client's requests), without building
// Beast's field list or walking its buffer views on every write (about an eighth of a busy simulated day's
// CPU: docs/BENCHMARKS.md). Byte-for-byte equal to Beast's output (test/sim/test_http_wire_writer.cpp
// compares the two), since the trace, the real-socket mode and every digest see these bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mgm::http {

// Header fields in the order Beast's basic_fields writes them: insertion order, except that a field joins
// the last field already there with the same name (ASCII case-insensitive); values lose their leading and
// trailing spaces and tabs. Holds views: the names and values must outlive the WireFields.
class WireFields {
public:
    // Room for `expected` fields without growing (one allocation per message).
    explicit WireFields(std::size_t expected = 8) { fields_.reserve(expected); }

    // basic_fields::insert. Throws std::length_error for a name or value of 65,534 bytes or more, as Beast.
    void insert(std::string_view name, std::string_view value);
    // basic_fields::set: every field of that name goes, the new one is appended.
    void set(std::string_view name, std::string_view value);
    bool contains(std::string_view name) const;

    // Appends "Name: value\r\n" per field.
    void write_to(std::string& out) const;
    std::size_t wire_size() const;

private:
    struct Field {
        std::string_view name;
        std::string_view value;
    };
    std::vector<Field> fields_;
};

// "METHOD target HTTP/1.1\r\n" + fields + "\r\n" + body.
std::string wire_request(std::string_view method, std::string_view target, const WireFields& fields,
                         std::string_view body);
// "HTTP/1.1 status reason\r\n" + fields + "\r\n" + body, with Beast's reason phrase for the status.
// Throws std::invalid_argument above 999, as Beast's message::result does.
std::string wire_response(unsigned status, const WireFields& fields, std::string_view body);

}  // namespace mgm::http

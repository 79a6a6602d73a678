#include "sim/http/wire_writer.h"

#include <cstdint>
#include <limits>
#include <stdexcept>

#include <boost/beast/http/status.hpp>  // the reason phrases only (obsolete_reason), none of the serializer

#include "sim/core/text.h"

namespace mgm::http {

namespace {

// Beast keeps a field's name and value lengths (+2) in 16 bits and refuses longer ones.
constexpr std::size_t kMaxFieldPart = std::numeric_limits<std::uint16_t>::max();

std::string_view trim_spaces_and_tabs(std::string_view value) {
    auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!value.empty() && blank(value.front())) value.remove_prefix(1);
    while (!value.empty() && blank(value.back())) value.remove_suffix(1);
    return value;
}

void check_sizes(std::string_view name, std::string_view value) {
    if (name.size() + 2 > kMaxFieldPart) throw std::length_error("field name too large");
    if (value.size() + 2 > kMaxFieldPart) throw std::length_error("field value too large");
}

}  // namespace

void WireFields::insert(std::string_view name, std::string_view value) {
    check_sizes(name, value);
    const Field field{name, trim_spaces_and_tabs(value)};
    for (std::size_t i = fields_.size(); i-- > 0;) {
        if (sim::iequals(fields_[i].name, name)) {
            fields_.insert(fields_.begin() + static_cast<std::ptrdiff_t>(i) + 1, field);
            return;
        }
    }
    fields_.push_back(field);
}

void WireFields::set(std::string_view name, std::string_view value) {
    check_sizes(name, value);
    std::erase_if(fields_, [&](const Field& field) { return sim::iequals(field.name, name); });
    fields_.push_back(Field{name, trim_spaces_and_tabs(value)});
}

bool WireFields::contains(std::string_view name) const {
    for (const auto& field : fields_)
        if (sim::iequals(field.name, name)) return true;
    return false;
}

std::size_t WireFields::wire_size() const {
    std::size_t size = 0;
    for (const auto& field : fields_) size += field.name.size() + field.value.size() + 4;
    return size;
}

void WireFields::write_to(std::string& out) const {
    for (const auto& field : fields_) {
        out.append(field.name);
        out.append(": ", 2);
        out.append(field.value);
        out.append("\r\n", 2);
    }
}

std::string wire_request(std::string_view method, std::string_view target, const WireFields& fields,
                         std::string_view body) {
    std::string out;
    out.reserve(method.size() + target.size() + 13 + fields.wire_size() + 2 + body.size());
    out.append(method);
    out.push_back(' ');
    out.append(target);
    out.append(" HTTP/1.1\r\n", 11);
    fields.write_to(out);
    out.append("\r\n", 2);
    out.append(body);
    return out;
}

std::string wire_response(unsigned status, const WireFields& fields, std::string_view body) {
    if (status > 999) throw std::invalid_argument("invalid status-code");
    const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
    std::string out;
    out.reserve(13 + reason.size() + 2 + fields.wire_size() + 2 + body.size());
    out.append("HTTP/1.1 ", 9);
    out.push_back(static_cast<char>('0' + status / 100));
    out.push_back(static_cast<char>('0' + status / 10 % 10));
    out.push_back(static_cast<char>('0' + status % 10));
    out.push_back(' ');
    out.append(reason.data(), reason.size());
    out.append("\r\n", 2);
    fields.write_to(out);
    out.append("\r\n", 2);
    out.append(body);
    return out;
}

}  // namespace mgm::http

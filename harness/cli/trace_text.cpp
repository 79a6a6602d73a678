#include "harness/cli/trace_text.h"

#include <initializer_list>

#include <nlohmann/json.hpp>

namespace mgm::harness::cli {

namespace {

std::string text_of(const nlohmann::json& value) {
    if (value.is_string()) {
        const auto& s = value.get_ref<const std::string&>();
        // Quoted only when it would not read as one word.
        if (!s.empty() && s.find_first_of(" =\"") == std::string::npos) return s;
        return value.dump();
    }
    return value.dump();
}

std::string field(const nlohmann::json& record, const char* key) {
    auto it = record.find(key);
    return it == record.end() ? std::string() : text_of(*it);
}

bool is_envelope(const std::string& key) {
    return key == "actor" || key == "kind" || key == "seq" || key == "t" || key == "name" || key == "label";
}

// "key=value" for every field but the envelope and `skip` (in key order: the trace's own order).
std::string other_fields(const nlohmann::json& record, std::initializer_list<const char*> skip = {}) {
    std::string out;
    for (auto it = record.begin(); it != record.end(); ++it) {
        if (is_envelope(it.key())) continue;
        bool skipped = false;
        for (const char* s : skip) skipped = skipped || it.key() == s;
        if (skipped) continue;
        if (!out.empty()) out += ' ';
        out += it.key() + "=" + text_of(it.value());
    }
    return out;
}

}  // namespace

std::string trace_summary(const nlohmann::json& record) {
    if (!record.is_object()) return record.dump();
    const std::string kind = field(record, "kind");
    std::string out;
    auto join = [&out](const std::string& part) {
        if (part.empty()) return;
        if (!out.empty()) out += ' ';
        out += part;
    };
    if (kind == "http" || kind == "http.out") {
        join(field(record, "method"));
        join(field(record, "target"));
        if (record.contains("status")) join("-> " + field(record, "status"));
        else if (record.contains("error")) join("-> error: " + record["error"].get<std::string>());
        join(other_fields(record, {"method", "target", "status", "error"}));
    } else if (kind == "event") {
        join(field(record, "name"));
        join(other_fields(record));
    } else if (kind == "timer") {
        join(field(record, "label"));
    } else if (kind == "step") {
        join("step " + field(record, "step"));
        join(field(record, "verb"));
        if (record.contains("line")) join("(line " + field(record, "line") + ")");
    } else if (kind == "net" && record.contains("event")) {
        const std::string event = field(record, "event");
        const bool both_ways = event == "partition" || event == "heal";
        join(event);
        join(field(record, "from"));
        join(both_ways ? "<->" : "->");
        join(field(record, "to"));
        join(other_fields(record, {"event", "from", "to"}));
    } else {
        join(field(record, "name"));
        join(field(record, "label"));
        join(other_fields(record));
    }
    return out;
}

std::string trace_line(const nlohmann::json& record) {
    if (!record.is_object()) return record.dump();
    std::string out;
    // Each column at least this wide: a record number, the longest instant (2026-04-04T12:00:00.1234567Z),
    // the actors (ebs.helix) and the kinds (http.out).
    auto column = [&out](const std::string& text, std::size_t width) {
        out += text;
        if (text.size() < width) out.append(width - text.size(), ' ');
        out += ' ';
    };
    column(record.contains("seq") ? "#" + field(record, "seq") : "-", 7);  // detail lines have no number
    column(field(record, "t"), 28);
    column(field(record, "actor"), 9);
    column(field(record, "kind"), 8);
    out += trace_summary(record);
    return out;
}

}  // namespace mgm::harness::cli

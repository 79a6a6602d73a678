// The timeline model written out: the HTML page (the template embedded at build time, the model inlined
// as JSON) and Chrome trace-event JSON for Perfetto.
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/timeline/timeline.h"
#include "harness/timeline/timeline_template.h"

namespace mgm::harness::timeline {

using nlohmann::json;

namespace {

// JSON that may sit inside a <script> element: no "</" (the element would end), no "<!--".
std::string script_safe_json(const json& value) {
    const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    std::string out;
    out.reserve(text.size() + 16);
    for (char c : text) {
        if (c == '<') out += "\\u003c";
        else out += c;
    }
    return out;
}

void replace_all(std::string& text, std::string_view marker, const std::string& with) {
    for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at + with.size()))
        text.replace(at, marker.size(), with);
}

}  // namespace

std::string render_html(const json& model) {
    std::string page(kTimelineTemplate);
    replace_all(page, "/*@MODEL@*/null", script_safe_json(model));
    return page;
}

std::string render_perfetto(const json& model) {
    json events = json::array();
    constexpr int kPid = 1;
    events.push_back({{"ph", "M"}, {"pid", kPid}, {"name", "process_name"}, {"args", {{"name", model.value("title", "")}}}});
    // One track (thread) per lane, in the page's order, and one for the network's faults.
    std::map<std::string, int> tid;
    int next = 1;
    for (const auto& lane : model["lanes"]) {
        const std::string id = lane["id"];
        tid[id] = next;
        events.push_back({{"ph", "M"}, {"pid", kPid}, {"tid", next}, {"name", "thread_name"}, {"args", {{"name", lane["title"]}}}});
        events.push_back({{"ph", "M"}, {"pid", kPid}, {"tid", next}, {"name", "thread_sort_index"}, {"args", {{"sort_index", next}}}});
        ++next;
    }
    const int faults_tid = next;
    events.push_back({{"ph", "M"}, {"pid", kPid}, {"tid", faults_tid}, {"name", "thread_name"}, {"args", {{"name", "network faults"}}}});
    auto tid_of = [&tid](const json& lane) {
        auto it = lane.is_string() ? tid.find(lane.get<std::string>()) : tid.end();
        return it == tid.end() ? tid["ebs"] : it->second;
    };
    auto us = [](const json& ms) { return ms.get<double>() * 1000.0; };
    const double end_ms = model.value("end_ms", 0.0);
    std::uint64_t flow = 0;
    for (const auto& e : model["exchanges"]) {
        const double sent = us(e["sent"]), done = us(e["t"]);
        const std::string name = e.value("method", "") + " " + e.value("target", "");
        json args = {{"seq", e["seq"]}, {"to", e["to"]}};
        if (e.contains("status")) args["status"] = e["status"];
        if (e.contains("error")) args["error"] = e["error"];
        events.push_back({{"ph", "X"}, {"pid", kPid}, {"tid", tid_of(e["from"])}, {"ts", sent}, {"dur", done - sent},
                          {"name", name}, {"cat", "http"}, {"args", args}});
        if (e.contains("error") || e["to"] == "" || e["to"] == e["from"]) continue;
        // The server's side: from the request's sending until its answer, an arrow from the caller to it.
        const double served = e.contains("served") ? us(e["served"]) : done;
        ++flow;
        events.push_back({{"ph", "X"}, {"pid", kPid}, {"tid", tid_of(e["to"])}, {"ts", sent}, {"dur", served - sent},
                          {"name", name + " -> " + std::to_string(e.value("status", 0))}, {"cat", "http.server"}, {"args", args}});
        events.push_back({{"ph", "s"}, {"pid", kPid}, {"tid", tid_of(e["from"])}, {"ts", sent}, {"id", flow},
                          {"name", "request"}, {"cat", "http"}});
        events.push_back({{"ph", "f"}, {"bp", "e"}, {"pid", kPid}, {"tid", tid_of(e["to"])}, {"ts", sent}, {"id", flow},
                          {"name", "request"}, {"cat", "http"}});
    }
    for (const auto& e : model["events"])
        events.push_back({{"ph", "i"}, {"s", "t"}, {"pid", kPid}, {"tid", tid_of(e["lane"])}, {"ts", us(e["t"])},
                          {"name", e["name"]}, {"cat", "event"}, {"args", e["fields"]}});
    for (const auto& st : model["steps"])
        events.push_back({{"ph", "i"}, {"s", "t"}, {"pid", kPid}, {"tid", tid["driver"]}, {"ts", us(st["t"])},
                          {"name", "step " + st["step"].dump() + " " + st.value("verb", "")}, {"cat", "step"},
                          {"args", {{"line", st["line"]}}}});
    for (const auto& f : model["faults"]) {
        const double t0 = us(f["t0"]), t1 = f["t1"].is_null() ? end_ms * 1000.0 : us(f["t1"]);
        events.push_back({{"ph", "X"}, {"pid", kPid}, {"tid", faults_tid}, {"ts", t0}, {"dur", t1 - t0},
                          {"name", f.value("what", "") + " " + f.value("a", "") + "<->" + f.value("b", "")},
                          {"cat", "fault"}, {"args", f}});
    }
    for (const auto& f : model["failures"])
        events.push_back({{"ph", "i"}, {"s", "g"}, {"pid", kPid}, {"tid", tid["driver"]}, {"ts", us(f["t"])},
                          {"name", "FAILED: " + f.value("failure", "")}, {"cat", "failure"}, {"args", f}});
    return json{{"traceEvents", events}, {"displayTimeUnit", "ms"},
                {"otherData", {{"start", model["start"]}, {"records", model["records"]}}}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

void write_views(std::istream& trace, const std::string& title, const std::string& html_path,
                 const std::string& perfetto_path) {
    TimelineBuilder builder;
    builder.set_title(title);
    try {
        builder.add_stream(trace);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("the trace is not JSONL: ") + e.what());
    }
    const json model = builder.model();
    auto write = [](const std::string& path, const std::string& text) {
        if (path.empty()) return;
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) throw std::runtime_error("cannot write " + path);
    };
    write(html_path, render_html(model));
    write(perfetto_path, render_perfetto(model));
}

}  // namespace mgm::harness::timeline

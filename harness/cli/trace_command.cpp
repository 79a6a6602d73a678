// `mgm-sim trace FILE.jsonl`: a trace (mgm-sim run/workload --trace) as readable lines, one per record,
// filtered by kind, actor, domain event name and simulated time. The file is read one line at a time (a day-long
// trace is never held in memory) and reading stops at the first record after --to (records are in time order).
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/cli/commands.h"
#include "harness/cli/trace_text.h"
#include "harness/scenario/step_validation.h"
#include "harness/scenario/time_expr.h"
#include "sim/core/time.h"

namespace mgm::harness::cli {

namespace {

// The kinds of record the harness writes (sim/trace, sim/http, sim/network, the scenario runner).
const char* const kKinds[] = {"http", "http.out", "event", "timer", "step", "net", "http.detail", "net.faults", "failure"};

// Detail lines (run --trace-detail, --html, sweep artifacts): an exchange's headers and bodies, a link's fault
// knobs. Shown only when --kind asks for them; an http.detail still lends its send time to the exchange it follows.
bool is_detail_kind(std::string_view kind) { return kind == "http.detail" || kind == "net.faults"; }

// " (250 ms)": how long the client waited, from the detail line's "sent" to the record's "t".
std::string latency_text(const nlohmann::json& detail, sim::Instant received) {
    const auto sent_text = detail.find("sent");
    if (sent_text == detail.end() || !sent_text->is_string()) return {};
    const auto sent = sim::parse_iso8601(sent_text->get<std::string>());
    if (!sent || *sent > received) return {};
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(received - *sent).count();
    if (micros >= 10'000'000) return " (" + std::to_string(micros / 1'000'000) + " s)";
    std::string ms = std::to_string(micros / 1000);
    if (const auto rest = micros % 1000; rest != 0) {
        std::string fraction = std::to_string(1000 + rest).substr(1);
        while (fraction.back() == '0') fraction.pop_back();
        ms += "." + fraction;
    }
    return " (" + ms + " ms)";
}

}  // namespace

void trace_help(std::ostream& out) {
    out << "usage: mgm-sim trace FILE.jsonl|- [filters] [--json]\n"
           "  Prints a trace (mgm-sim run/workload --trace FILE) one readable line per record: record number,\n"
           "  simulated time, actor, kind, and what happened (\"GET /api/roulette/state -> 200\", an event's name and\n"
           "  fields, a timer's label, a scenario step). Filters combine (a record must pass all of them); a list\n"
           "  after one flag means any of its items. Reads the file as a stream (constant memory). '-' reads stdin.\n"
           "  Exit 0 = records printed, 1 = no record matched, 2 = bad arguments or an unreadable file.\n"
           "filters:\n"
           "  --kind K[,K...]       http, http.out, event, timer, step, net. http is both sides of an exchange (a\n"
           "                        service answering: http; a client receiving the answer: http.out). A trace\n"
           "                        written with detail lines (--trace-detail, --html) also has http.detail and\n"
           "                        net.faults, printed only when asked for here (an http.out line then shows its\n"
           "                        latency), and failure (printed)\n"
           "  --actor A[,A...]      ebs, eventsub, jwt, helix, desktop, driver (the scenario's client), scenario,\n"
           "                        clock, net; a name also matches its sub-actors (ebs matches ebs.helix)\n"
           "  --event GLOB[,GLOB]   domain events whose name matches: payout.*, roulette.candidate_selected, *.created\n"
           "  --from T, --to T      simulated time window, inclusive: an ISO-8601 instant (2026-04-04T12:04:00Z), an\n"
           "                        offset from the trace's first record (+300s, +1h30m), or start+D\n"
           "  --no-timers           leave out timer records (most records of a long run)\n"
           "  --json                print the matching records as they are (JSONL) instead of readable lines\n";
}

namespace {

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> items;
    std::size_t begin = 0;
    while (begin <= text.size()) {
        const std::size_t comma = std::min(text.find(',', begin), text.size());
        if (comma > begin) items.emplace_back(text.substr(begin, comma - begin));
        begin = comma + 1;
    }
    return items;
}

// `name` equals `wanted` or is one of its sub-names ("http" matches "http.out", "ebs" matches "ebs.helix").
bool same_or_below(std::string_view name, std::string_view wanted) {
    return name == wanted || (name.size() > wanted.size() && name.substr(0, wanted.size()) == wanted &&
                              name[wanted.size()] == '.');
}

bool any_of(std::string_view name, const std::vector<std::string>& wanted) {
    for (const auto& w : wanted)
        if (same_or_below(name, w)) return true;
    return false;
}

// A --from/--to value: resolved against the trace's first instant once it is read.
struct TimeBound {
    std::string text;
    std::optional<sim::Instant> resolve(sim::Instant start) const {
        const std::string expression = !text.empty() && text[0] == '+' ? "start" + text : text;
        return scenario::parse_instant(expression, [start](std::string_view name) -> std::optional<sim::Instant> {
            if (name == "start") return start;
            return std::nullopt;
        });
    }
};

struct Filters {
    std::vector<std::string> kinds, actors, events;
    std::optional<TimeBound> from, to;
    bool no_timers = false;
};

// The envelope of one trace line, read without building a JSON value: a filter rejects most records of a long
// trace (the timer ticks), and parsing each line whole was most of the time a 100 MB trace took.
struct Envelope {
    std::string_view actor, kind, name, t;
};

// The end of the JSON string that starts at text[pos] == '"' (the index after its closing quote), or npos.
std::size_t string_end(std::string_view text, std::size_t pos) {
    for (++pos; pos < text.size(); ++pos) {
        if (text[pos] == '\\') ++pos;
        else if (text[pos] == '"') return pos + 1;
    }
    return std::string_view::npos;
}

// The end of the value that starts at text[pos] (object, array, string or scalar), or npos.
std::size_t value_end(std::string_view text, std::size_t pos) {
    if (pos >= text.size()) return std::string_view::npos;
    if (text[pos] == '"') return string_end(text, pos);
    int depth = 0;
    for (; pos < text.size(); ++pos) {
        const char c = text[pos];
        if (c == '"') {
            pos = string_end(text, pos);
            if (pos == std::string_view::npos) return pos;
            --pos;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth == 0) return pos;
            if (--depth == 0) return pos + 1;
        } else if (c == ',' && depth == 0) {
            return pos;
        }
    }
    return depth == 0 ? pos : std::string_view::npos;
}

// The top-level "actor", "kind", "name" and "t" of a canonical trace line (no spaces between tokens: what the
// trace writes). False for anything else; the caller then parses the line whole, which says what is wrong.
bool scan_envelope(std::string_view line, Envelope& out) {
    out = {};
    if (line.size() < 2 || line.front() != '{' || line.back() != '}') return false;
    std::size_t pos = 1;
    while (pos < line.size() - 1) {
        if (line[pos] != '"') return false;
        const std::size_t key_end = string_end(line, pos);
        if (key_end == std::string_view::npos || key_end >= line.size() || line[key_end] != ':') return false;
        const std::string_view key = line.substr(pos + 1, key_end - pos - 2);
        const std::size_t begin = key_end + 1;
        const std::size_t end = value_end(line, begin);
        if (end == std::string_view::npos || end <= begin) return false;
        if (line[begin] == '"') {
            const std::string_view value = line.substr(begin + 1, end - begin - 2);
            if (key == "actor") out.actor = value;
            else if (key == "kind") out.kind = value;
            else if (key == "name") out.name = value;
            else if (key == "t") out.t = value;
        }
        pos = end;
        if (line[pos] == ',') ++pos;
        else if (pos != line.size() - 1) return false;
    }
    return !out.t.empty();
}

}  // namespace

int trace_main(int argc, char** argv) {
    auto usage = [](const std::string& message) {
        std::cerr << "mgm-sim trace: " << message << " (see mgm-sim trace --help)\n";
        return 2;
    };
    Filters filters;
    std::string file;
    bool json_out = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) return std::nullopt;
            return std::string(argv[++i]);
        };
        if (arg == "--kind") {
            auto v = value();
            if (!v || split_list(*v).empty()) return usage("--kind needs a list of kinds, e.g. http,event");
            for (const auto& kind : split_list(*v)) {
                bool known = false;
                for (const char* k : kKinds) known = known || kind == k;
                if (!known) {
                    std::string list;
                    for (const char* k : kKinds) list += (list.empty() ? "" : ", ") + std::string(k);
                    return usage("--kind: unknown kind '" + kind + "' (the kinds: " + list + ")");
                }
                filters.kinds.push_back(kind);
            }
        } else if (arg == "--actor") {
            auto v = value();
            if (!v || split_list(*v).empty()) return usage("--actor needs a list of actors, e.g. ebs,helix");
            filters.actors = split_list(*v);
        } else if (arg == "--event") {
            auto v = value();
            if (!v || split_list(*v).empty()) return usage("--event needs an event name or pattern, e.g. payout.*");
            for (const auto& pattern : split_list(*v)) {
                if (auto problem = scenario::event_glob_problem(pattern); !problem.empty())
                    return usage("--event: " + problem);
                filters.events.push_back(pattern);
            }
        } else if (arg == "--from" || arg == "--to") {
            auto v = value();
            TimeBound bound{v.value_or("")};
            // Checked now against any start: a value that cannot be read is refused before the file is opened.
            if (!v || !bound.resolve(sim::Instant{})) {
                return usage(std::string(arg) + " wants an ISO-8601 instant (2026-04-04T12:04:00Z) or an offset from "
                             "the trace's start (+300s, +1h30m)" + (v ? ", got '" + *v + "'" : std::string()));
            }
            (arg == "--from" ? filters.from : filters.to) = bound;
        } else if (arg == "--no-timers") {
            filters.no_timers = true;
        } else if (arg == "--json") {
            json_out = true;
        } else if (arg.size() > 1 && arg[0] == '-') {
            return usage("unknown option '" + std::string(arg) + "'");
        } else if (file.empty()) {
            file = std::string(arg);
        } else {
            return usage("one trace file at a time");
        }
    }
    if (file.empty()) return usage("no trace file given");
    std::ifstream opened;
    if (file != "-") {
        opened.open(file, std::ios::binary);
        if (!opened) {
            std::cerr << "mgm-sim trace: cannot read " << file << "\n";
            return 2;
        }
    }
    std::istream& in = file == "-" ? std::cin : opened;

    std::optional<sim::Instant> from, to;
    bool resolved = false;
    std::uint64_t printed = 0, number = 0;
    // An http.out line waits for the next line: a detail line right after it gives its latency.
    std::string held;
    std::string held_seq;
    sim::Instant held_at{};
    auto release_held = [&held](const std::string& suffix = {}) {
        if (held.empty()) return;
        std::cout << held << suffix << '\n';
        held.clear();
    };
    std::string line;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) continue;
        Envelope envelope;
        const bool scanned = scan_envelope(line, envelope);
        const auto at = scanned ? sim::parse_iso8601(envelope.t) : std::nullopt;
        if (!at) {
            std::cerr << "mgm-sim trace: " << file << ":" << number
                      << ": not a trace record (a JSON object with an ISO-8601 \"t\")\n";
            return 2;
        }
        if (!resolved) {  // the first record is the trace's start
            resolved = true;
            if (filters.from) from = filters.from->resolve(*at);
            if (filters.to) to = filters.to->resolve(*at);
            if (from && to && *from > *to)
                return usage("--from " + filters.from->text + " (" + sim::format_iso8601(*from) + ") is after --to " +
                             filters.to->text + " (" + sim::format_iso8601(*to) + ")");
        }
        const std::string_view kind = envelope.kind;
        if (!held.empty()) {
            std::string suffix;
            if (kind == "http.detail") {
                const auto detail = nlohmann::json::parse(line, nullptr, false);
                if (detail.is_object() && detail.contains("after") && detail["after"].dump() == held_seq)
                    suffix = latency_text(detail, held_at);
            }
            release_held(suffix);
        }
        if (to && *at > *to) break;  // records are in time order: nothing later can match
        if (from && *at < *from) continue;
        // Asked for by name: --kind http means the exchanges, not their detail lines.
        const bool detail_asked = std::find(filters.kinds.begin(), filters.kinds.end(), kind) != filters.kinds.end();
        if (is_detail_kind(kind) && !detail_asked) continue;
        if (filters.no_timers && kind == "timer") continue;
        if (!filters.kinds.empty() && !any_of(kind, filters.kinds)) continue;
        if (!filters.actors.empty() && !any_of(envelope.actor, filters.actors)) continue;
        if (!filters.events.empty()) {
            if (kind != "event") continue;
            bool match = false;
            for (const auto& pattern : filters.events) match = match || scenario::glob_match(pattern, envelope.name);
            if (!match) continue;
        }
        if (json_out) {
            std::cout << line << '\n';
        } else {
            const auto record = nlohmann::json::parse(line, nullptr, false);
            if (record.is_discarded()) {
                std::cerr << "mgm-sim trace: " << file << ":" << number << ": not a trace record (not JSON)\n";
                return 2;
            }
            if (kind == "http.out" && record.contains("seq")) {
                held = trace_line(record);
                held_seq = record["seq"].dump();
                held_at = *at;
            } else {
                std::cout << trace_line(record) << '\n';
            }
        }
        ++printed;
    }
    release_held();
    std::cout.flush();
    if (printed == 0) std::cerr << "mgm-sim trace: no record matched (" << number << " records read)\n";
    return printed > 0 ? 0 : 1;
}

}  // namespace mgm::harness::cli

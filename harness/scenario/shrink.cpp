#include "harness/scenario/shrink.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <regex>
#include <sstream>

#include "backend/domain/character_name.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/time_expr.h"

namespace mgm::harness::scenario {

using nlohmann::json;

namespace {

std::string normalise(std::string text) { return normalise_failure_text(std::move(text)); }

std::string line_after(const std::string& text, const std::string& marker);

}  // namespace

// Ids, numbers and times differ between a run and its shrunk form; the wording of the failure does not.
std::string normalise_failure_text(std::string text) {
    static const std::regex request_number("#[0-9]+");
    static const std::regex uuid("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    static const std::regex instant("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z");
    static const std::regex long_number("[0-9]{5,}");  // sequence numbers, ticks; statuses and counts stay
    text = std::regex_replace(text, uuid, "<id>");
    text = std::regex_replace(text, instant, "<time>");
    text = std::regex_replace(text, long_number, "#");
    text = std::regex_replace(text, request_number, "#");
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    std::size_t start = 0;
    while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
    return text.substr(start);
}

namespace {

std::string line_after(const std::string& text, const std::string& marker) {
    auto at = text.find(marker);
    if (at == std::string::npos) return "";
    at += marker.size();
    return text.substr(at, text.find('\n', at) - at);
}

std::string first_line_with(const std::string& text, const std::string& word) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.find(word) != std::string::npos) return line;
    return "";
}

struct Shrinker {
    std::string file;
    ShrinkOptions options;
    std::string target;
    std::chrono::steady_clock::time_point deadline;
    std::size_t runs = 0;
    bool out_of_time = false;
    ShrinkRun last;  // the last run (its failing step's number, when it stopped)

    ShrinkRun run_scenario_document(const json& document) {
        ShrinkRun out;
        Scenario scenario;
        try {
            scenario = parse_scenario(document.dump(), file);
        } catch (const ScenarioError&) {
            return out;  // a reduction that breaks the file (a captured variable's step removed) is no reduction
        }
        RunOptions run;
        run.check_invariants = true;
        run.log_level = sim::LogLevel::off;
        try {
            const RunResult result = run_scenario(scenario, run);
            out.failure = result.failure;
            out.signature = failure_signature(result);
        } catch (const std::exception&) {
        }
        return out;
    }

    std::string signature_of(const json& document) {
        ++runs;
        last = options.run ? options.run(document) : run_scenario_document(document);
        return last.signature;
    }

    bool time_left() {
        if (std::chrono::steady_clock::now() >= deadline) out_of_time = true;
        return !out_of_time;
    }

    // Keeps `candidate` as the new document when it fails the same way.
    bool keep_if_same(json& document, const json& candidate) {
        if (!time_left()) return false;
        if (signature_of(candidate) != target) return false;
        if (options.passes_without_bug && !options.passes_without_bug(candidate)) return false;
        document = candidate;
        return true;
    }

    // A failed expectation without a reference build: only the steps after the failing one go (they never ran).
    bool drop_steps_after_failure(json& document, const std::string& failure) {
        static const std::regex step_number(", step ([0-9]+)");
        std::smatch m;
        if (!std::regex_search(failure, m, step_number)) return false;
        const std::size_t failing = std::stoul(m[1]);
        if (!document.contains("steps") || document["steps"].size() <= failing) return false;
        json candidate = document;
        candidate["steps"].erase(candidate["steps"].begin() + static_cast<std::ptrdiff_t>(failing),
                                 candidate["steps"].end());
        return keep_if_same(document, candidate);
    }

    // An explicit workload run: the actions after the instant the run stopped never ran.
    bool drop_actions_after_stop(json& document, std::optional<sim::Duration> stopped_at) {
        if (!stopped_at || !document.contains("actions")) return false;
        json candidate = document;
        json kept = json::array();
        for (const auto& a : candidate["actions"]) {
            auto at = parse_duration(a.value("at", "+0s").substr(1));
            if (!at || *at <= *stopped_at) kept.push_back(a);
        }
        if (kept.size() == candidate["actions"].size()) return false;
        candidate["actions"] = kept;
        return keep_if_same(document, candidate);
    }

    // Delta debugging (ddmin, complement removal) over the array at `pointer`.
    bool reduce_list(json& document, const json::json_pointer& pointer, std::size_t keep_at_least) {
        bool progress = false;
        std::size_t chunks = 2;
        while (time_left()) {
            const std::size_t n = document.at(pointer).size();
            if (n <= keep_at_least) break;
            chunks = std::min(chunks, n);
            bool removed = false;
            for (std::size_t c = 0; c < chunks && !removed; ++c) {
                const std::size_t from = c * n / chunks, to = (c + 1) * n / chunks;
                if (n - (to - from) < keep_at_least) continue;
                json candidate = document;
                json& list = candidate.at(pointer);
                list.erase(list.begin() + static_cast<std::ptrdiff_t>(from), list.begin() + static_cast<std::ptrdiff_t>(to));
                if (keep_if_same(document, candidate)) removed = progress = true;
            }
            if (removed) chunks = std::max<std::size_t>(chunks - 1, 2);
            else if (chunks < n) chunks = std::min(chunks * 2, n);
            else break;
        }
        return progress;
    }

    // Halves the duration text at `key` of the object at `pointer` while the failure stays (down to 0.2 s).
    bool halve_duration(json& document, const json::json_pointer& pointer, const char* key) {
        bool progress = false;
        while (time_left()) {
            const json& holder = document.at(pointer);
            if (!holder.contains(key) || !holder[key].is_string()) break;
            std::string text = holder[key].get<std::string>();
            const bool plus = !text.empty() && text[0] == '+';
            auto length = parse_duration(plus ? text.substr(1) : text);
            if (!length || length->count() < 2'000'000) break;  // 0.2 s: short enough to read
            json candidate = document;
            candidate.at(pointer)[key] = (plus ? "+" : "") + format_duration(sim::Duration{length->count() / 2});
            if (!keep_if_same(document, candidate)) break;
            progress = true;
        }
        return progress;
    }

    bool reduce_fault_mix(json& document) {
        bool progress = false;
        if (document.contains("fault_mix")) {
            for (const char* key : {"helix_fail", "shuffle_same_instant", "split", "refuse", "drop", "latency"}) {
                if (!document["fault_mix"].contains(key)) continue;
                json candidate = document;
                candidate["fault_mix"].erase(key);
                progress |= keep_if_same(document, candidate);
            }
            if (document["fault_mix"].contains("partitions")) {
                progress |= reduce_list(document, json::json_pointer("/fault_mix/partitions"), 0);
                for (std::size_t i = 0; i < document["fault_mix"]["partitions"].size(); ++i)
                    progress |= halve_duration(document, json::json_pointer("/fault_mix/partitions") / i, "for");
            }
        }
        // An explicit workload run's timed fault parts (the mix's partitions and Helix failures, hourly).
        if (document.contains("fault_plan")) {
            progress |= reduce_list(document, json::json_pointer("/fault_plan"), 0);
            for (std::size_t i = 0; i < document["fault_plan"].size(); ++i)
                if (document["fault_plan"][i].contains("partition"))
                    progress |= halve_duration(document, json::json_pointer("/fault_plan") / i, "for");
        }
        return progress;
    }

    static bool relative_advance(const json& step) {
        if (!step.is_object() || step.size() != 1 || !step.contains("advance")) return false;
        const json& a = step["advance"];
        if (a.is_string()) return parse_duration(a.get<std::string>()).has_value();
        return a.is_object() && a.size() == 1 && a.contains("by") && a["by"].is_string();
    }
    static sim::Duration advance_length(const json& step) {
        const json& a = step["advance"];
        return *parse_duration(a.is_string() ? a.get<std::string>() : a["by"].get<std::string>());
    }

    // Merge waits: two `advance` steps by a duration in a row become one; then each such wait is halved while
    // the failure stays (lower durations).
    bool merge_waits(json& document, const json::json_pointer& pointer) {
        bool progress = false;
        for (std::size_t i = 0; i + 1 < document.at(pointer).size() && time_left();) {
            const json& list = document.at(pointer);
            if (relative_advance(list[i]) && relative_advance(list[i + 1])) {
                json candidate = document;
                json& steps = candidate.at(pointer);
                steps[i] = json{{"advance", format_duration(advance_length(list[i]) + advance_length(list[i + 1]))}};
                steps.erase(steps.begin() + static_cast<std::ptrdiff_t>(i + 1));
                if (keep_if_same(document, candidate)) {
                    progress = true;
                    continue;
                }
            }
            ++i;
        }
        for (std::size_t i = 0; i < document.at(pointer).size() && time_left(); ++i) {
            if (!relative_advance(document.at(pointer)[i])) continue;
            const json::json_pointer step = pointer / i;
            if (document.at(step)["advance"].is_string()) {
                json candidate = document;  // the plain form, so halve_duration can read it
                candidate.at(step) = json{{"advance", json{{"by", document.at(step)["advance"]}}}};
                document = candidate;
            }
            progress |= halve_duration(document, step / "advance", "by");
        }
        return progress;
    }

    // Steps: ddmin over every steps list (top level, then each repeat's), smaller repeat counts, shorter
    // fault spans in fault steps, merged and shorter waits.
    bool reduce_steps(json& document, const json::json_pointer& pointer) {
        bool progress = reduce_list(document, pointer, 1);
        for (std::size_t i = 0; i < document.at(pointer).size() && time_left(); ++i) {
            const json::json_pointer step = pointer / i;
            const json& spec = document.at(step);
            if (spec.contains("repeat") && spec["repeat"].is_number_integer()) {
                for (int count = spec["repeat"].get<int>() / 2; count >= 1 && time_left(); count /= 2) {
                    json candidate = document;
                    candidate.at(step)["repeat"] = count;
                    if (!keep_if_same(document, candidate)) break;
                    progress = true;
                }
                if (document.at(step).contains("steps")) progress |= reduce_steps(document, step / "steps");
            }
            if (document.at(step).contains("fault") && document.at(step).contains("for") &&
                document.at(step)["for"].is_string()) {
                json candidate = document;
                auto length = parse_duration(candidate.at(step)["for"].get<std::string>());
                if (length && length->count() >= 2'000'000) {
                    candidate.at(step)["for"] = format_duration(sim::Duration{length->count() / 2});
                    progress |= keep_if_same(document, candidate);
                }
            }
        }
        progress |= merge_waits(document, pointer);
        return progress;
    }

    static std::string actor_of(const json& action) {
        if (action.contains("by")) return action["by"].get<std::string>();
        const std::string what = action.value("do", "");
        return what == "heal" ? "" : what == "e2e" ? "e2e" : "desktop";
    }

    // Removes every action of one group at once, for each group `group_of` names in turn ("" = never removed).
    bool drop_groups(json& document, const std::function<std::string(const json&)>& group_of) {
        std::vector<std::string> groups;
        for (const auto& a : document["actions"]) {
            const std::string group = group_of(a);
            if (!group.empty() && std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
        }
        bool progress = false;
        for (const auto& group : groups) {
            if (!time_left()) break;
            json candidate = document;
            json kept = json::array();
            for (const auto& a : candidate["actions"])
                if (group_of(a) != group) kept.push_back(a);
            candidate["actions"] = kept;
            progress |= keep_if_same(document, candidate);
        }
        return progress;
    }

    // Drop actors: every action one viewer sent ("by"), then the Desktop's and the E2E route's, at once.
    bool drop_actors(json& document) { return drop_groups(document, actor_of); }

    // Drop kinds: every action of one kind at once (all polls of roulette/state, all gift-list reads, all
    // pending reads that took nothing, ...): most of a long run is reads, and one candidate removes them all.
    bool drop_kinds(json& document) {
        return drop_groups(document, [](const json& a) {
            const std::string what = a.value("do", "");
            return what == "heal" || (what == "pending" && a.contains("take")) ? std::string() : what;
        });
    }

    // Simplify values: chat message ids and enrollment request ids become m1, m2, ... and r1, r2, ... (the same
    // id always the same short one, so a duplicate delivery stays a duplicate), all at once.
    bool simplify_ids(json& document) {
        json candidate = document;
        std::map<std::string, std::string> renamed;
        std::size_t messages = 0, requests = 0;
        bool changed = false;
        for (auto& a : candidate["actions"]) {
            for (const char* key : {"message_id", "request_id"}) {
                if (!a.contains(key) || !a[key].is_string()) continue;
                const std::string old = a[key].get<std::string>();
                auto it = renamed.find(old);
                if (it == renamed.end())
                    it = renamed
                             .emplace(old, std::string(key[0] == 'm' ? "m" : "r") +
                                               std::to_string(key[0] == 'm' ? ++messages : ++requests))
                             .first;
                changed = changed || it->second != old;
                a[key] = it->second;
            }
        }
        return changed && keep_if_same(document, candidate);
    }

    // Simplify values: character names. The names a file uses - an explicit run's actions' "name", a
    // scenario's "characterName" values and "!twgold NAME" chat texts - become Na, Nb, ... consistently
    // across the whole file (every string, as a whole word: a claim, its expectation and the chat that
    // enrolled the name all change together), so who holds which name and which names are equal stay as they
    // were. A name that breaks the character-name rule stays: its invalidity is usually the point. A
    // replacement is never a word the file already has. All names at once first, then one at a time.
    static bool word_byte(char c) {
        const auto u = static_cast<unsigned char>(c);
        return std::isalnum(u) || u >= 0x80 || c == '_';
    }
    static void note_names(const json& value, const std::string& key, std::vector<std::string>& names) {
        auto add = [&names](const std::string& name) {
            if (mgm::backend::is_valid_character_name(name) && mgm::backend::trim_dotnet(name) == name &&
                std::find(names.begin(), names.end(), name) == names.end())
                names.push_back(name);
        };
        if (value.is_object()) {
            for (auto it = value.begin(); it != value.end(); ++it) note_names(it.value(), it.key(), names);
        } else if (value.is_array()) {
            for (const auto& v : value) note_names(v, "", names);
        } else if (value.is_string()) {
            const std::string text = value.get<std::string>();
            if (key == "name" || key == "characterName") add(text);
            static const std::regex chat_name("!twgold ([^\\s\"]+)");
            for (auto it = std::sregex_iterator(text.begin(), text.end(), chat_name); it != std::sregex_iterator(); ++it)
                add((*it)[1]);
            static const std::regex embedded("\"characterName\"\\s*:\\s*\"([^\"]*)\"");
            for (auto it = std::sregex_iterator(text.begin(), text.end(), embedded); it != std::sregex_iterator(); ++it)
                add((*it)[1]);
        }
    }
    static std::string replace_words(const std::string& text, const std::map<std::string, std::string>& renamed) {
        std::string out;
        for (std::size_t i = 0; i < text.size();) {
            if (!word_byte(text[i])) {
                out += text[i++];
                continue;
            }
            std::size_t end = i;
            while (end < text.size() && word_byte(text[end])) ++end;
            const std::string word = text.substr(i, end - i);
            auto it = renamed.find(word);
            out += it == renamed.end() ? word : it->second;
            i = end;
        }
        return out;
    }
    static bool has_word(const std::string& text, const std::string& word) {
        for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1))
            if ((at == 0 || !word_byte(text[at - 1])) &&
                (at + word.size() == text.size() || !word_byte(text[at + word.size()])))
                return true;
        return false;
    }
    static void rename_all(json& value, const std::map<std::string, std::string>& renamed) {
        if (value.is_object() || value.is_array()) {
            for (auto& v : value) rename_all(v, renamed);
        } else if (value.is_string()) {
            value = replace_words(value.get<std::string>(), renamed);
        }
    }
    bool simplify_names(json& document) {
        std::vector<std::string> names;
        note_names(document, "", names);
        if (names.empty()) return false;
        const std::string whole = document.dump();
        std::map<std::string, std::string> renamed;
        std::size_t next = 0;
        static const std::regex already_simple("N[a-z]{1,3}");
        for (const auto& name : names) {
            if (std::regex_match(name, already_simple)) continue;  // simplified before
            std::string simple;
            do {
                simple = "N";
                std::size_t n = next++;
                do {
                    simple += static_cast<char>('a' + n % 26);
                    n /= 26;
                } while (n > 0);
            } while (has_word(whole, simple));
            if (simple != name) renamed[name] = simple;
        }
        if (renamed.empty()) return false;
        json candidate = document;
        rename_all(candidate, renamed);
        if (keep_if_same(document, candidate)) return true;
        // One run per name: only on small files (a long explicit run is still being cut down).
        if (renamed.size() == 1 || (document.contains("actions") && document["actions"].size() > 64)) return false;
        bool progress = false;
        for (const auto& one : renamed) {
            if (!time_left()) break;
            json single = document;
            rename_all(single, {one});
            progress |= keep_if_same(document, single);
        }
        return progress;
    }

    static sim::Duration offset_of(const json& entry) {
        auto at = parse_duration(entry.value("at", "+0s").substr(1));
        return at ? *at : sim::Duration{0};
    }

    // Lower counts: an explicit workload run keeps only the viewers its actions name, renumbered viewer-01, ...
    // in their order (so the last ones stay the non-subscribers). Only with an explicit viewers.count.
    bool fewer_viewers(json& document) {
        if (!document.contains("viewers") || !document["viewers"].is_object() ||
            !document["viewers"].contains("count") || !document["viewers"]["count"].is_number_integer())
            return false;
        const int count = document["viewers"]["count"].get<int>();
        const int non_subscribers = document["viewers"].value("non_subscribers", 1);
        static const std::regex viewer_id("viewer-([0-9]+)");
        std::set<int> used;
        auto note = [&](const json& value) {
            std::smatch m;
            if (!value.is_string()) return;
            const std::string text = value.get<std::string>();
            if (std::regex_match(text, m, viewer_id)) used.insert(std::stoi(m[1]));
        };
        for (const auto& a : document["actions"]) {
            for (const char* key : {"by", "of", "user"})
                if (a.contains(key)) note(a[key]);
            if (a.contains("take") && a["take"].contains("of")) note(a["take"]["of"]);
        }
        if (used.empty() || static_cast<int>(used.size()) >= count) return false;
        std::map<std::string, std::string> renamed;
        int kept_non_subscribers = 0, next = 0;
        for (int old : used) {
            char from[32], to[32];
            std::snprintf(from, sizeof from, "viewer-%02d", old);
            std::snprintf(to, sizeof to, "viewer-%02d", ++next);
            renamed[from] = to;
            kept_non_subscribers += old > count - non_subscribers;
        }
        json candidate = document;
        auto rename = [&renamed](json& value) {
            if (!value.is_string()) return;
            auto it = renamed.find(value.get<std::string>());
            if (it != renamed.end()) value = it->second;
        };
        for (auto& a : candidate["actions"]) {
            for (const char* key : {"by", "of", "user"})
                if (a.contains(key)) rename(a[key]);
            if (a.contains("take") && a["take"].contains("of")) rename(a["take"]["of"]);
        }
        candidate["viewers"]["count"] = next;
        candidate["viewers"]["non_subscribers"] = kept_non_subscribers;
        return keep_if_same(document, candidate);
    }

    // Lower durations: an explicit workload run's span halved while the failure stays, never below its last
    // action (heal_after kept within it).
    bool shorten_span(json& document) {
        sim::Duration last{0};
        for (const auto& a : document["actions"]) last = std::max(last, offset_of(a));
        last += std::chrono::seconds(1);
        bool progress = false;
        while (time_left() && document.contains("span") && document["span"].is_string()) {
            auto span = parse_duration(document["span"].get<std::string>());
            if (!span || span->count() < 600'000'000) break;  // a minute
            const sim::Duration half = std::max(sim::Duration{span->count() / 2}, last);
            if (half >= *span) break;
            json candidate = document;
            candidate["span"] = format_duration(half);
            if (candidate.contains("heal_after")) {
                auto heal = parse_duration(candidate["heal_after"].get<std::string>());
                if (heal && *heal > half) candidate["heal_after"] = format_duration(half);
            }
            if (!keep_if_same(document, candidate)) break;
            progress = true;
        }
        return progress;
    }

    // Merge waits: a quiet gap of more than ten minutes between two actions (or before the first) is closed by
    // whole 5-minute cycles - every later action, fault part and the span move earlier together, so each keeps
    // its place in the roulette's grid - leaving one cycle plus the remainder. Run on small files only (each
    // gap is one candidate run).
    bool close_gaps(json& document) {
        if (document["actions"].size() > 64) return false;
        constexpr std::int64_t kCycle = 300LL * 10'000'000;
        bool progress = false;
        for (std::size_t i = 0; i < document["actions"].size() && time_left(); ++i) {
            const sim::Duration before = i == 0 ? sim::Duration{0} : offset_of(document["actions"][i - 1]);
            const sim::Duration at = offset_of(document["actions"][i]);
            const std::int64_t cycles = (at - before).count() / kCycle - 1;
            if ((at - before).count() <= 2 * kCycle || cycles < 1) continue;
            // As much of the gap as keeps the failure: all but one cycle, else half of that, ...
            for (std::int64_t c = cycles; c >= 1 && time_left(); c /= 2) {
                const sim::Duration shift{c * kCycle};
                json candidate = document;
                auto move = [&](json& entry) {
                    if (offset_of(entry) >= at) entry["at"] = "+" + format_duration(offset_of(entry) - shift);
                };
                for (auto& a : candidate["actions"]) move(a);
                if (candidate.contains("fault_plan"))
                    for (auto& f : candidate["fault_plan"]) move(f);
                for (const char* key : {"span", "heal_after"}) {
                    if (!candidate.contains(key) || !candidate[key].is_string()) continue;
                    auto d = parse_duration(candidate[key].get<std::string>());
                    if (d && *d >= at) candidate[key] = format_duration(*d - shift);
                }
                if (keep_if_same(document, candidate)) {
                    progress = true;
                    break;
                }
            }
        }
        return progress;
    }
};

}  // namespace

std::string failure_signature(const RunResult& result) {
    if (result.passed) return "";
    switch (result.failure_kind) {
    case FailureKind::none: return "";
    case FailureKind::invariant: return "invariant: " + line_after(result.failure, "invariant violated: ");
    case FailureKind::internal: return "internal: " + normalise(line_after(result.failure, "internal error: "));
    case FailureKind::step: {
        // "  at FILE:LINE, step P: VERB SUMMARY" names the step; where it is in which file does not matter.
        std::string step = first_line_with(result.failure, ", step ");
        static const std::regex where("^\\s*at .*?, step [0-9.]+: ");
        step = std::regex_replace(step, where, "");
        std::string expected = first_line_with(result.failure, "expected");
        if (expected.empty()) {  // the line after the step line says what went wrong
            std::istringstream in(result.failure);
            std::string line;
            while (std::getline(in, line))
                if (line.find(", step ") == std::string::npos && line.find("simulated time") == std::string::npos &&
                    !line.empty()) {
                    expected = line;
                    break;
                }
        }
        return "step: " + normalise(step) + " | " + normalise(expected);
    }
    }
    return "";
}

std::size_t count_steps(const json& steps) {
    std::size_t n = 0;
    if (!steps.is_array()) return 0;
    for (const auto& step : steps) {
        ++n;
        if (step.is_object() && step.contains("steps")) n += count_steps(step["steps"]);
    }
    return n;
}

std::size_t count_faults(const json& document) {
    std::size_t n = 0;
    if (document.contains("fault_mix") && document["fault_mix"].is_object())
        for (auto it = document["fault_mix"].begin(); it != document["fault_mix"].end(); ++it)
            n += it.key() == "partitions" ? it->size() : 1;
    if (document.contains("fault_plan") && document["fault_plan"].is_array()) n += document["fault_plan"].size();
    std::function<void(const json&)> steps = [&](const json& list) {
        if (!list.is_array()) return;
        for (const auto& step : list) {
            if (!step.is_object()) continue;
            if (step.contains("fault") || step.contains("helix_fail")) ++n;
            if (step.contains("steps")) steps(step["steps"]);
        }
    };
    if (document.contains("steps")) steps(document["steps"]);
    return n;
}

json materialise(const json& document, std::uint64_t seed, const FaultMix& mix, const std::string& signature,
                 const std::string& reproduce, const std::string& commit) {
    json out = document;
    out["seed"] = seed;
    if (mix.any()) out["fault_mix"] = to_json(mix);
    else out.erase("fault_mix");
    json regression{{"failure", signature}, {"found_by", reproduce}};
    if (!commit.empty()) regression["commit"] = commit;
    out["regression"] = regression;
    return out;
}

bool needs_reference(const std::string& signature) {
    return signature.rfind("step:", 0) == 0 || signature.rfind("oracle", 0) == 0 ||
           signature.rfind("liveness", 0) == 0;
}

std::size_t count_size(const json& document) {
    if (document.contains("actions")) {
        std::size_t n = 0;
        for (const auto& a : document["actions"]) n += a.value("do", "") != "heal";
        return n;
    }
    return count_steps(document.value("steps", json::array()));
}

ShrinkResult shrink(const json& document, const std::string& file, const ShrinkOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    Shrinker s{file, options, "", started + options.budget, 0, false, {}};
    ShrinkResult result;
    result.document = document;
    result.steps_before = result.steps_after = count_size(document);
    result.faults_before = result.faults_after = count_faults(document);
    s.target = s.signature_of(document);
    result.signature = s.target;
    result.reproduced = !s.target.empty();
    if (result.reproduced) {
        json best = document;
        auto report = [&](const char* what) {
            if (options.progress)
                options.progress(std::string(what) + ": " + std::to_string(count_size(best)) + " steps, " +
                                 std::to_string(count_faults(best)) + " faults, " + std::to_string(s.runs) + " runs");
        };
        const bool guarded = !needs_reference(s.target) || static_cast<bool>(options.passes_without_bug);
        const ShrinkRun first = s.last;
        const bool workload = best.contains("actions");
        // Actions after the stop never ran: dropping them is always safe, and makes every later run shorter.
        if (workload && s.drop_actions_after_stop(best, first.stopped_at)) report("actions after the failure");
        // A candidate that no longer fails runs to the end of the span: cut the span down to the last action
        // first, so every later candidate stops there instead of simulating the rest of the day.
        if (workload && guarded && s.shorten_span(best)) report("span");
        bool progress = true;
        while (progress && s.time_left()) {
            progress = false;
            if (s.reduce_fault_mix(best)) progress = true, report("fault mix");
            if (!guarded) continue;
            if (workload) {
                if (s.drop_actors(best)) progress = true, report("actors");
                if (s.drop_kinds(best)) progress = true, report("kinds");
                if (s.reduce_list(best, json::json_pointer("/actions"), 0)) progress = true, report("actions");
                if (s.simplify_ids(best)) progress = true, report("ids");
                if (s.simplify_names(best)) progress = true, report("names");
                if (s.fewer_viewers(best)) progress = true, report("viewers");
                if (s.close_gaps(best)) progress = true, report("waits");
                if (s.shorten_span(best)) progress = true, report("span");
            } else if (best.contains("steps") && s.reduce_steps(best, json::json_pointer("/steps"))) {
                progress = true, report("steps");
            }
            if (!workload && s.simplify_names(best)) progress = true, report("names");
        }
        if (!guarded) {
            if (!workload && s.drop_steps_after_failure(best, first.failure)) report("steps after the failing one");
            result.steps_kept = true;
        }
        // Leave no empty husks behind: an empty partition list, then an empty mix, an empty fault plan.
        if (best.contains("fault_mix")) {
            auto& mix = best["fault_mix"];
            if (mix.contains("partitions") && mix["partitions"].empty()) mix.erase("partitions");
            if (mix.empty()) best.erase("fault_mix");
        }
        if (best.contains("fault_plan") && best["fault_plan"].empty()) best.erase("fault_plan");
        result.document = best;
        result.steps_after = count_size(best);
        result.faults_after = count_faults(best);
    }
    result.runs = s.runs;
    result.budget_exhausted = s.out_of_time;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace mgm::harness::scenario

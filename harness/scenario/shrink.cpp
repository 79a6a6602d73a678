#include "harness/scenario/shrink.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <sstream>

#include "harness/scenario/scenario.h"
#include "harness/scenario/time_expr.h"

namespace mgm::harness::scenario {

using nlohmann::json;

namespace {

// Ids, numbers and times differ between a run and its shrunk form; the wording of the failure does not.
std::string normalise(std::string text) {
    static const std::regex uuid("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    static const std::regex instant("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z");
    static const std::regex long_number("[0-9]{5,}");  // sequence numbers, ticks; statuses and counts stay
    text = std::regex_replace(text, uuid, "<id>");
    text = std::regex_replace(text, instant, "<time>");
    text = std::regex_replace(text, long_number, "#");
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    std::size_t start = 0;
    while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
    return text.substr(start);
}

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

    std::string last_failure;  // the report of the last run (its failing step's number)

    std::string signature_of(const json& document) {
        ++runs;
        Scenario scenario;
        try {
            scenario = parse_scenario(document.dump(), file);
        } catch (const ScenarioError&) {
            return "";  // a reduction that breaks the file (a captured variable's step removed) is no reduction
        }
        RunOptions run;
        run.check_invariants = true;
        run.log_level = sim::LogLevel::off;
        try {
            const RunResult result = run_scenario(scenario, run);
            last_failure = result.failure;
            return failure_signature(result);
        } catch (const std::exception&) {
            return "";
        }
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

    bool reduce_fault_mix(json& document) {
        if (!document.contains("fault_mix")) return false;
        bool progress = false;
        for (const char* key : {"helix_fail", "shuffle_same_instant", "split", "refuse", "drop", "latency"}) {
            if (!document["fault_mix"].contains(key)) continue;
            json candidate = document;
            candidate["fault_mix"].erase(key);
            progress |= keep_if_same(document, candidate);
        }
        if (document["fault_mix"].contains("partitions")) {
            progress |= reduce_list(document, json::json_pointer("/fault_mix/partitions"), 0);
            // Shorter partitions: halve each span while the failure stays.
            for (std::size_t i = 0; i < document["fault_mix"]["partitions"].size(); ++i) {
                while (time_left()) {
                    json candidate = document;
                    json& span = candidate["fault_mix"]["partitions"][i]["for"];
                    auto length = parse_duration(span.get<std::string>());
                    if (!length || length->count() < 2'000'000) break;  // 0.2 s: short enough to read
                    span = format_duration(sim::Duration{length->count() / 2});
                    if (!keep_if_same(document, candidate)) break;
                    progress = true;
                }
            }
        }
        return progress;
    }

    // Steps: ddmin over every steps list (top level, then each repeat's), smaller repeat counts, shorter
    // fault spans in fault steps.
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

ShrinkResult shrink(const json& document, const std::string& file, const ShrinkOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    Shrinker s{file, options, "", started + options.budget};
    ShrinkResult result;
    result.document = document;
    result.steps_before = result.steps_after = count_steps(document.value("steps", json::array()));
    result.faults_before = result.faults_after = count_faults(document);
    s.target = s.signature_of(document);
    result.signature = s.target;
    result.reproduced = !s.target.empty();
    if (result.reproduced) {
        json best = document;
        auto report = [&](const char* what) {
            if (options.progress)
                options.progress(std::string(what) + ": " + std::to_string(count_steps(best["steps"])) + " steps, " +
                                 std::to_string(count_faults(best)) + " faults, " + std::to_string(s.runs) + " runs");
        };
        const bool expectation = s.target.rfind("step:", 0) == 0;
        const bool guarded = !expectation || static_cast<bool>(options.passes_without_bug);
        const std::string first_failure = s.last_failure;
        bool progress = true;
        while (progress && s.time_left()) {
            progress = false;
            if (s.reduce_fault_mix(best)) progress = true, report("fault mix");
            if (guarded && s.reduce_steps(best, json::json_pointer("/steps"))) progress = true, report("steps");
        }
        if (!guarded) {
            if (s.drop_steps_after_failure(best, first_failure)) report("steps after the failing one");
            result.steps_kept = true;
        }
        // Leave no empty husks behind: an empty partition list, then an empty mix.
        if (best.contains("fault_mix")) {
            auto& mix = best["fault_mix"];
            if (mix.contains("partitions") && mix["partitions"].empty()) mix.erase("partitions");
            if (mix.empty()) best.erase("fault_mix");
        }
        result.document = best;
        result.steps_after = count_steps(best["steps"]);
        result.faults_after = count_faults(best);
    }
    result.runs = s.runs;
    result.budget_exhausted = s.out_of_time;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace mgm::harness::scenario

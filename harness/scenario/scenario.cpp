// Scenario file parsing: JSON with comments -> Scenario, the top-level keys, every step validated by its
// verb (verbs.cpp), every error reported as file:line.
#include "harness/scenario/scenario.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/scenario/step_validation.h"
#include "harness/scenario/verbs.h"

namespace mgm::harness::scenario {

using nlohmann::json;

ScenarioError::ScenarioError(std::string file, int line, const std::string& message)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + message), file_(std::move(file)), line_(line) {}

ScenarioError::ScenarioError(std::string file, int line, std::string text, std::size_t count)
    : std::runtime_error(text), file_(std::move(file)), line_(line), count_(count) {}

ScenarioError ScenarioError::combined(const std::vector<ScenarioError>& errors) {
    if (errors.size() == 1) return errors.front();
    std::string text;
    std::size_t count = 0;
    for (const auto& e : errors) {
        text += (text.empty() ? "" : "\n") + std::string(e.what());
        count += e.count();
    }
    return ScenarioError(errors.front().file(), errors.front().line(), text, count);
}

// ---------------------------------------------------------------------------------------------------------
// Line map: a small scanner over the raw text that records where each JSON value starts.
namespace {

class LineScanner {
public:
    explicit LineScanner(std::string_view text) : text_(text) {}

    std::map<std::string, int> run() {
        skip_space();
        if (pos_ < text_.size()) value("");
        return lines_;
    }

private:
    void skip_space() {
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c == '\n') {
                ++line_;
                ++pos_;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                ++pos_;
            } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
                while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
            } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
                pos_ += 2;
                while (pos_ + 1 < text_.size() && !(text_[pos_] == '*' && text_[pos_ + 1] == '/')) {
                    if (text_[pos_] == '\n') ++line_;
                    ++pos_;
                }
                pos_ += 2;
            } else {
                break;
            }
        }
    }

    std::string string_token() {
        std::string out;
        ++pos_;  // opening quote
        while (pos_ < text_.size() && text_[pos_] != '"') {
            if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
                char e = text_[pos_ + 1];
                out += e == 'n' ? '\n' : e == 't' ? '\t' : e;  // good enough for keys
                pos_ += 2;
                continue;
            }
            if (text_[pos_] == '\n') ++line_;
            out += text_[pos_++];
        }
        ++pos_;  // closing quote
        return out;
    }

    static std::string escape_pointer_token(const std::string& key) {
        std::string out;
        for (char c : key) {
            if (c == '~') out += "~0";
            else if (c == '/') out += "~1";
            else out += c;
        }
        return out;
    }

    void value(const std::string& pointer) {
        skip_space();
        if (pos_ >= text_.size()) return;
        lines_[pointer] = line_;
        char c = text_[pos_];
        if (c == '{') {
            ++pos_;
            while (true) {
                skip_space();
                if (pos_ >= text_.size()) return;
                if (text_[pos_] == '}') {
                    ++pos_;
                    return;
                }
                if (text_[pos_] == ',') {
                    ++pos_;
                    continue;
                }
                if (text_[pos_] != '"') {
                    ++pos_;
                    continue;
                }  // malformed: the real parser reports it
                std::string key = string_token();
                skip_space();
                if (pos_ < text_.size() && text_[pos_] == ':') ++pos_;
                value(pointer + "/" + escape_pointer_token(key));
            }
        } else if (c == '[') {
            ++pos_;
            std::size_t index = 0;
            while (true) {
                skip_space();
                if (pos_ >= text_.size()) return;
                if (text_[pos_] == ']') {
                    ++pos_;
                    return;
                }
                if (text_[pos_] == ',') {
                    ++pos_;
                    continue;
                }
                value(pointer + "/" + std::to_string(index++));
            }
        } else if (c == '"') {
            string_token();
        } else {
            while (pos_ < text_.size() && std::string_view(",]}\n\r\t /").find(text_[pos_]) == std::string_view::npos)
                ++pos_;
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    int line_ = 1;
    std::map<std::string, int> lines_;
};

std::string file_stem(const std::string& path) {
    auto slash = path.find_last_of('/');
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    auto dot = base.rfind('.');
    return dot == std::string::npos ? base : base.substr(0, dot);
}

std::string setting_text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
    return value.dump();
}

json parse_json_with_comments(std::string_view text, const std::string& file) {
    try {
        return json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    } catch (const json::parse_error& e) {
        // byte position -> line
        std::size_t byte = std::min<std::size_t>(e.byte, text.size());
        int line =
            1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
        throw ScenarioError(file, line, std::string("invalid JSON: ") + e.what());
    }
}

// seed, start and portable.
void read_run_keys(const ParseContext& ctx, const json& root, Scenario& scenario) {
    if (root.contains("seed")) {
        require_type(ctx, "/seed", root["seed"], root["seed"].is_number_unsigned() || root["seed"].is_number_integer(),
                     "seed must be a non-negative integer");
        scenario.seed = root["seed"].get<std::uint64_t>();
    }
    scenario.start = kDefaultScenarioStart;
    if (root.contains("start")) {
        if (!root["start"].is_string()) ctx.fail("/start", "start must be an ISO-8601 instant");
        auto start = sim::parse_iso8601(root["start"].get<std::string>());
        if (!start) ctx.fail("/start", "start: cannot read instant \"" + root["start"].get<std::string>() + "\"");
        scenario.start = *start;
    }
    if (root.contains("portable")) {
        require_type(ctx, "/portable", root["portable"], root["portable"].is_boolean(), "portable must be true/false");
        scenario.portable = root["portable"].get<bool>();
    }
    if (root.contains("strict")) {
        require_type(ctx, "/strict", root["strict"], root["strict"].is_boolean(), "strict must be true/false");
        scenario.strict = root["strict"].get<bool>();
    }
    if (root.contains("fault_mix")) {
        try {
            scenario.fault_mix = fault_mix_from_json(root["fault_mix"]);
        } catch (const std::invalid_argument& e) {
            ctx.fail("/fault_mix", e.what());
        }
        if (scenario.portable) ctx.fail("/fault_mix", "a portable scenario cannot carry a fault mix (it needs the simulated network)");
    }
}

// config (setting overrides) and vars (initial variables).
void read_settings_and_vars(const ParseContext& ctx, const json& root, Scenario& scenario) {
    if (root.contains("config")) {
        if (!root["config"].is_object()) ctx.fail("/config", "config must map setting keys (\"Mgm:ApiKey\") to values");
        for (auto it = root["config"].begin(); it != root["config"].end(); ++it) {
            if (it.value().is_object() || it.value().is_array())
                ctx.fail("/config/" + it.key(), "a setting value must be a string, number or boolean");
            scenario.config[it.key()] = setting_text(it.value());
        }
    }
    if (root.contains("vars")) {
        if (!root["vars"].is_object()) ctx.fail("/vars", "vars must map names to values");
        for (auto it = root["vars"].begin(); it != root["vars"].end(); ++it) {
            require_assignable(ctx, "/vars/" + it.key(), it.key());
            scenario.vars[it.key()] = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
        }
    }
}

// Portable scenarios never touch the clock or simulation-only state (the verb table says which steps do).
void require_portable(const std::string& file, const std::vector<Step>& steps) {
    for (const auto& step : steps) {
        if (needs_simulation(step))
            throw ScenarioError(file, step.line,
                                "step " + step.path + " (" + std::string(step_kind_name(step.kind)) +
                                    ") needs simulation, but the scenario is marked \"portable\": true");
        require_portable(file, step.children);
    }
}

}  // namespace

std::map<std::string, int> json_value_lines(std::string_view text) { return LineScanner(text).run(); }

Scenario parse_scenario(std::string_view text, const std::string& file) {
    const json root = parse_json_with_comments(text, file);
    const auto lines = json_value_lines(text);
    ParseContext ctx{file, lines};
    require_keys(ctx, "", root, {"name", "description", "seed", "start", "portable", "config", "vars", "steps", "tags", "fault_mix",
                  "strict", "regression"},
                 {"steps"});

    Scenario scenario;
    scenario.file = file;
    if (root.contains("name")) require_kind(ctx, "/name", root["name"], JsonKind::string);
    scenario.name = root.contains("name") ? root["name"].get<std::string>() : file_stem(file);
    if (root.contains("description")) {
        require_type(ctx, "/description", root["description"], root["description"].is_string(),
                     "description must be a string");
        scenario.description = root["description"].get<std::string>();
    }
    read_run_keys(ctx, root, scenario);
    read_settings_and_vars(ctx, root, scenario);
    scenario.steps = parse_steps(ctx, root["steps"], "/steps", "");
    if (scenario.portable) require_portable(file, scenario.steps);
    return scenario;
}

nlohmann::json parse_scenario_json(std::string_view text, const std::string& file) {
    return parse_json_with_comments(text, file);
}

Scenario load_scenario_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ScenarioError(path, 0, "cannot open file");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return parse_scenario(buffer.str(), path);
}

std::vector<std::string> scenario_files(const std::vector<std::string>& inputs) {
    std::vector<std::string> files;
    for (const auto& input : inputs) {
        std::error_code ec;
        if (!std::filesystem::is_directory(input, ec)) {
            files.push_back(input);
            continue;
        }
        std::vector<std::string> found;
        for (const auto& entry : std::filesystem::directory_iterator(input, ec))
            if (entry.path().extension() == ".json") found.push_back(entry.path().string());
        if (ec) throw ScenarioError(input, 0, "cannot list directory: " + ec.message());
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    return files;
}

std::vector<Scenario> load_scenario_inputs(const std::vector<std::string>& inputs) {
    std::vector<Scenario> scenarios;
    for (const auto& file : scenario_files(inputs)) scenarios.push_back(load_scenario_file(file));
    return scenarios;
}

LoadedScenarios load_all_scenario_inputs(const std::vector<std::string>& inputs) {
    LoadedScenarios loaded;
    std::vector<std::string> files;
    try {
        files = scenario_files(inputs);
    } catch (const ScenarioError& e) {
        loaded.errors.push_back(e);
        return loaded;
    }
    for (const auto& file : files) {
        try {
            loaded.scenarios.push_back(load_scenario_file(file));
        } catch (const ScenarioError& e) { loaded.errors.push_back(e); }
    }
    return loaded;
}

}  // namespace mgm::harness::scenario

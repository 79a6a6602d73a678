#include "harness/cli/regression_file.h"

#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <fstream>

#include <unistd.h>

namespace mgm::harness::cli {

std::string default_regression_path(const nlohmann::json& document, const std::string& input) {
    std::string name = document.value("name", std::filesystem::path(input).stem().string());
    for (auto& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '-';
    return "scenarios/regressions/" + name + ".json";
}

bool write_regression_file(const std::string& path, const scenario::ShrinkResult& result) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    const nlohmann::json& regression = result.document.value("regression", nlohmann::json::object());
    out << "// Regression scenario written by `mgm-sim shrink` (docs/RELIABILITY.md, \"From a failing seed to a\n"
           "// regression scenario\"). It fails while the bug below exists and passes once it is fixed.\n"
        << "// Failure: " << result.signature << "\n";
    if (regression.contains("found_by")) out << "// Found by: " << regression["found_by"].get<std::string>() << "\n";
    if (regression.contains("commit")) out << "// Commit: " << regression["commit"].get<std::string>() << "\n";
    if (result.runs > 1)
        out << "// Shrunk from " << result.steps_before << " steps and " << result.faults_before << " faults to "
            << result.steps_after << " steps and " << result.faults_after << " faults (" << result.runs << " runs).\n";
    else
        out << "// Not shrunk: the failing run as it happened (mgm-sim shrink reduces it).\n";
    out << result.document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return static_cast<bool>(out.flush());
}

std::string current_commit() {
    FILE* pipe = ::popen("git rev-parse --short HEAD 2>/dev/null", "r");
    if (!pipe) return "";
    char buffer[64] = {};
    std::string commit;
    if (std::fgets(buffer, sizeof buffer, pipe)) commit = buffer;
    ::pclose(pipe);
    while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r')) commit.pop_back();
    return commit;
}

std::function<bool(const nlohmann::json&)> reference_build(const std::string& mgm_sim) {
    return [mgm_sim](const nlohmann::json& document) {
        char path[] = "/tmp/mgm-shrink-candidate-XXXXXX";
        const int fd = ::mkstemp(path);
        if (fd < 0) return false;
        ::close(fd);
        {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out << document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        }
        const std::string command = "'" + mgm_sim + "' run --log-level off '" + path + "' > /dev/null 2>&1";
        const int status = std::system(command.c_str());
        std::remove(path);
        return status == 0;
    };
}

}  // namespace mgm::harness::cli

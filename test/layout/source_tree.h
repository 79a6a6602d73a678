// Reading the project's own source tree: the layout tests (include rule, determinism tripwire) scan it
// line by line and report "path:line: ..." so a failure names the offending place.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#ifndef MGM_SOURCE_DIR
#error "MGM_SOURCE_DIR must name the project source directory (set in test/CMakeLists.txt)"
#endif

namespace mgm::layout {

namespace fs = std::filesystem;

inline bool is_source(const fs::path& path) {
    const std::string ext = path.extension().string();
    return ext == ".h" || ext == ".hpp" || ext == ".cpp" || ext == ".cc" || ext == ".ipp" || ext == ".inl";
}

// Calls visit(relative path, line number, line) for every line of every source file under root/<dirs>.
inline void for_each_source_line(
    const fs::path& root, const std::vector<std::string>& dirs,
    const std::function<void(const fs::path& relative, int number, const std::string& line)>& visit) {
    for (const std::string& dir : dirs) {
        if (!fs::exists(root / dir)) continue;
        for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
            if (!entry.is_regular_file() || !is_source(entry.path())) continue;
            const fs::path relative = fs::relative(entry.path(), root);
            std::ifstream in(entry.path());
            std::string line;
            for (int number = 1; std::getline(in, line); ++number) visit(relative, number, line);
        }
    }
}

// Code part of a line: empty for comment-only lines, text before a trailing "//" comment otherwise.
inline std::string code_part(const std::string& line) {
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    const std::string_view trimmed = std::string_view(line).substr(first);
    if (trimmed.rfind("//", 0) == 0 || trimmed.rfind("/*", 0) == 0 || trimmed.rfind("*", 0) == 0) return {};
    return line.substr(0, line.find("//"));
}

inline std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
}

// A throwaway source tree for the scanners' self-tests, removed afterwards. The process id keeps parallel
// test runs (ctest -j, several checkouts on one machine) out of each other's way.
struct TempTree {
    fs::path root;
    explicit TempTree(const std::string& name)
        : root(fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
        fs::remove_all(root);
        fs::create_directories(root);
    }
    ~TempTree() { fs::remove_all(root); }
    TempTree(const TempTree&) = delete;
    TempTree& operator=(const TempTree&) = delete;
    void write(const std::string& relative, const std::string& text) const {
        fs::create_directories((root / relative).parent_path());
        std::ofstream(root / relative) << text;
    }
};

}  // namespace mgm::layout

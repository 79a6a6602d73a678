// Determinism tripwire: business code and the simulated runtime must not reach real time, real
// randomness or threads. Scans the source tree and lists every file:line that does.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#ifndef MGM_SOURCE_DIR
#error "MGM_SOURCE_DIR must name the project source directory (set in test/CMakeLists.txt)"
#endif

namespace fs = std::filesystem;

namespace {

// What simulation code must never call; each has a seam (Clock, Scheduler, Rng, the SimLoop).
const std::vector<std::string> kForbidden = {
    "system_clock::now", "steady_clock::now", "high_resolution_clock::now", "std::random_device",
    "rand(",             "std::thread",       "sleep_for",
};
const std::vector<std::string> kScannedDirs = {"backend", "fakes", "sim"};

bool is_identifier_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The real-mode implementations are the one allowed exception (the PostgreSQL store exists only in serve: its
// startup waits, in real time, for the server to accept connections).
bool is_exempt(const fs::path& relative) {
    const std::string path = relative.generic_string();
    const std::string name = relative.filename().string();
    return path.rfind("sim/clock/system_clock.", 0) == 0 ||
           (path.rfind("sim/network/", 0) == 0 && name.rfind("tcp_", 0) == 0) ||
           path.rfind("backend/store/pg_store.", 0) == 0;
}

bool is_source(const fs::path& path) {
    const std::string ext = path.extension().string();
    return ext == ".h" || ext == ".hpp" || ext == ".cpp" || ext == ".cc" || ext == ".ipp" || ext == ".inl";
}

// Code part of a line: empty for comment-only lines, text before a trailing "//" comment otherwise.
std::string code_part(const std::string& line) {
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    const std::string_view trimmed = std::string_view(line).substr(first);
    if (trimmed.rfind("//", 0) == 0 || trimmed.rfind("/*", 0) == 0 || trimmed.rfind("*", 0) == 0) return {};
    return line.substr(0, line.find("//"));
}

bool contains_forbidden(const std::string& code, const std::string& pattern) {
    for (std::size_t at = code.find(pattern); at != std::string::npos; at = code.find(pattern, at + 1)) {
        // "rand(" must be the call itself, not the tail of "operand(" or "srand(" (srand is caught by
        // being pointless without rand()).
        if (pattern == "rand(" && at > 0 && is_identifier_char(code[at - 1])) continue;
        return true;
    }
    return false;
}

// Every "file:line: pattern" hit under root/<dirs>, sorted so the report is stable.
std::vector<std::string> scan_tree(const fs::path& root) {
    std::vector<std::string> hits;
    for (const std::string& dir : kScannedDirs) {
        if (!fs::exists(root / dir)) continue;
        for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
            if (!entry.is_regular_file() || !is_source(entry.path())) continue;
            const fs::path relative = fs::relative(entry.path(), root);
            if (is_exempt(relative)) continue;
            std::ifstream in(entry.path());
            std::string line;
            for (int number = 1; std::getline(in, line); ++number) {
                const std::string code = code_part(line);
                for (const std::string& pattern : kForbidden)
                    if (contains_forbidden(code, pattern))
                        hits.push_back(relative.generic_string() + ":" + std::to_string(number) + ": " + pattern);
            }
        }
    }
    std::sort(hits.begin(), hits.end());
    return hits;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
}

// A throwaway source tree for the scanner's self-test.
struct TempTree {
    fs::path root = fs::temp_directory_path() / "mgm_tripwire_selftest";
    TempTree() {
        fs::remove_all(root);
        fs::create_directories(root);
    }
    ~TempTree() { fs::remove_all(root); }
    void write(const std::string& relative, const std::string& text) const {
        fs::create_directories((root / relative).parent_path());
        std::ofstream(root / relative) << text;
    }
};

}  // namespace

TEST_CASE("no real time, real randomness or threads in backend/, fakes/ and sim/", "[determinism]") {
    const fs::path root = MGM_SOURCE_DIR;
    REQUIRE(fs::exists(root / "sim"));
    const std::vector<std::string> hits = scan_tree(root);
    INFO("forbidden calls (use the Clock/Scheduler/Rng seams instead):\n" << join_lines(hits));
    CHECK(hits.empty());
}

TEST_CASE("the tripwire scanner finds a planted hit and honours comments and exemptions", "[determinism]") {
    TempTree tree;
    tree.write("backend/planted.cpp",
               "#include <chrono>\n"
               "// std::chrono::system_clock::now() in a comment is fine\n"
               "auto t = std::chrono::system_clock::now();  // this one is not\n"
               "int operand(int x) { return x; }\n"
               "int r = rand();\n");
    tree.write("fakes/deep/worker.h", "void go() { std::thread worker([] {}); }\n");
    tree.write("sim/clock/system_clock.cpp", "auto t = std::chrono::system_clock::now();\n");
    tree.write("sim/network/tcp_network.cpp", "std::random_device device;\n");
    tree.write("sim/network/loopback_network.cpp", "std::this_thread::sleep_for(1s);\n");
    tree.write("test/sim/anything.cpp", "auto t = std::chrono::steady_clock::now();\n");
    tree.write("sim/notes.md", "system_clock::now\n");

    CHECK(scan_tree(tree.root) == std::vector<std::string>{
                                      "backend/planted.cpp:3: system_clock::now",
                                      "backend/planted.cpp:5: rand(",
                                      "fakes/deep/worker.h:1: std::thread",
                                      "sim/network/loopback_network.cpp:1: sleep_for",
                                  });
}

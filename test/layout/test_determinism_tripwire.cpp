// Determinism tripwire: business code and the simulated runtime must not reach real time, real
// randomness, threads or the process environment. Scans the source tree and lists every file:line that does.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "source_tree.h"

namespace mgm::layout {
namespace {

// What simulation code must never use; each has a seam (Clock, Scheduler, Rng, the SimLoop, Settings).
const std::vector<std::string> kForbidden = {
    // real time and real timers
    "system_clock::now",
    "steady_clock::now",
    "high_resolution_clock::now",
    "time(",
    "gettimeofday",
    "clock_gettime",
    "steady_timer",
    "system_timer",
    "sleep_for",
    // real randomness
    "std::random_device",
    "rand(",
    // threads (anything running outside the one event loop)
    "std::thread",
    "std::jthread",
    "std::async",
    // the process environment: read once at the edge (harness/cli, the scenario runner in real mode) and
    // handed in as sim::Settings
    "getenv",
    "environ",
};
const std::vector<std::string> kScannedDirs = {"backend", "fakes", "sim"};

bool is_identifier_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The allow-list: the real-mode implementations, which exist to reach the real world. sim/clock/
// system_clock.* reads wall-clock time and runs Asio steady timers; sim/network/tcp_* owns real sockets.
// Nothing else needs an exception: the environment is read, and serve waits for PostgreSQL to accept
// connections, in harness/ (not scanned: it assembles the runtime); business code gets only Settings.
bool is_exempt(const fs::path& relative) {
    const std::string path = relative.generic_string();
    const std::string name = relative.filename().string();
    return path.rfind("sim/clock/system_clock.", 0) == 0 ||
           (path.rfind("sim/network/", 0) == 0 && name.rfind("tcp_", 0) == 0);
}

bool contains_forbidden(const std::string& code, const std::string& pattern) {
    const bool word_start = is_identifier_char(pattern.front());
    const bool word_end = is_identifier_char(pattern.back());
    for (std::size_t at = code.find(pattern); at != std::string::npos; at = code.find(pattern, at + 1)) {
        // A pattern that starts or ends a name must be that whole name: "rand(" is not the tail of
        // "operand(" or "srand(", "time(" not of "current_time(", "environ" not the head of "environ_block".
        if (word_start && at > 0 && is_identifier_char(code[at - 1])) continue;
        const std::size_t end = at + pattern.size();
        if (word_end && end < code.size() && is_identifier_char(code[end])) continue;
        // A member called time() (x.time(), p->time()) is not the C library's.
        if (word_start && at > 0 && (code[at - 1] == '.' || (at > 1 && code.compare(at - 2, 2, "->") == 0))) continue;
        return true;
    }
    return false;
}

// Every "file:line: pattern" hit under root/<dirs>, sorted so the report is stable.
std::vector<std::string> scan_tree(const fs::path& root) {
    std::vector<std::string> hits;
    for_each_source_line(root, kScannedDirs, [&](const fs::path& relative, int number, const std::string& line) {
        if (is_exempt(relative)) return;
        const std::string code = code_part(line);
        for (const std::string& pattern : kForbidden)
            if (contains_forbidden(code, pattern))
                hits.push_back(relative.generic_string() + ":" + std::to_string(number) + ": " + pattern);
    });
    std::sort(hits.begin(), hits.end());
    return hits;
}

}  // namespace
}  // namespace mgm::layout

using namespace mgm::layout;

TEST_CASE("no real time, real randomness, threads or environment in backend/, fakes/ and sim/", "[determinism]") {
    const fs::path root = MGM_SOURCE_DIR;
    REQUIRE(fs::exists(root / "sim"));
    const std::vector<std::string> hits = scan_tree(root);
    INFO("forbidden calls (use the Clock/Scheduler/Rng seams and Settings instead):\n" << join_lines(hits));
    CHECK(hits.empty());
}

TEST_CASE("the tripwire scanner finds a planted hit and honours comments and exemptions", "[determinism]") {
    TempTree tree("mgm_tripwire_selftest");
    tree.write("backend/planted.cpp",
               "#include <chrono>\n"
               "// std::chrono::system_clock::now() in a comment is fine\n"
               "auto t = std::chrono::system_clock::now();  // this one is not\n"
               "int operand(int x) { return x; }\n"
               "int r = rand();\n");
    tree.write("backend/more.cpp",
               "boost::asio::steady_timer timer(io);\n"
               "boost::asio::system_timer wall(io);\n"
               "auto f = std::async([] {});\n"
               "std::jthread worker([] {});\n"
               "auto now = std::time(nullptr);\n"
               "const char* home = getenv(\"HOME\");\n"
               "extern char** environ;\n"
               "int current_time(int x);\n"
               "auto a = spin.time(); auto b = spin->time();\n"
               "Settings from_environment(char** environ_block);\n"
               "const char* p = std::getenv(\"PATH\");\n");
    tree.write("fakes/deep/worker.h", "void go() { std::thread worker([] {}); }\n");
    tree.write("sim/clock/system_clock.cpp", "auto t = std::chrono::system_clock::now();\nsteady_timer t;\n");
    tree.write("sim/network/tcp_network.cpp", "std::random_device device;\n");
    tree.write("sim/network/loopback_network.cpp", "std::this_thread::sleep_for(1s);\n");
    tree.write("test/sim/anything.cpp", "auto t = std::chrono::steady_clock::now();\n");
    tree.write("harness/cli/serve.cpp", "extern char** environ;\n");
    tree.write("sim/notes.md", "system_clock::now\n");

    CHECK(scan_tree(tree.root) == std::vector<std::string>{
                                      "backend/more.cpp:11: getenv",
                                      "backend/more.cpp:1: steady_timer",
                                      "backend/more.cpp:2: system_timer",
                                      "backend/more.cpp:3: std::async",
                                      "backend/more.cpp:4: std::jthread",
                                      "backend/more.cpp:5: time(",
                                      "backend/more.cpp:6: getenv",
                                      "backend/more.cpp:7: environ",
                                      "backend/planted.cpp:3: system_clock::now",
                                      "backend/planted.cpp:5: rand(",
                                      "fakes/deep/worker.h:1: std::thread",
                                      "sim/network/loopback_network.cpp:1: sleep_for",
                                  });
}

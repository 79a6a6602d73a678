// Guards ctest registration: catch_discover_tests splits names on ';' (a CMake list separator) and an
// unbalanced '[' or ']' stops that splitting; either silently drops later tests of that binary. Catch
// reads a name starting with '-' as an option.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

TEST_CASE("test case names survive ctest discovery: no semicolon, no square bracket, no leading dash", "[meta]") {
    namespace fs = std::filesystem;
    const std::regex name_re(R"re(TEST_CASE\s*\(\s*"([^"]*)")re");
    std::vector<std::string> bad;
    std::size_t seen = 0;
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(MGM_SOURCE_DIR) / "test")) {
        if (!entry.is_regular_file() || entry.path().extension() != ".cpp") continue;
        std::ifstream in(entry.path());
        std::string line;
        for (int number = 1; std::getline(in, line); ++number) {
            std::smatch m;
            if (!std::regex_search(line, m, name_re)) continue;
            ++seen;
            const std::string name = m[1];
            if (name.find_first_of(";[]") != std::string::npos || (!name.empty() && name[0] == '-'))
                bad.push_back(entry.path().filename().string() + ":" + std::to_string(number) + ": " + name);
        }
    }
    INFO("names that break discovery:\n"
         << [&] {
                std::string s;
                for (auto& b : bad) s += b + "\n";
                return s;
            }());
    CHECK(seen > 100);  // the scan really read the test sources
    CHECK(bad.empty());
}

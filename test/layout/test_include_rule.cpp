// The dependency rule, checked on every `#include` of the tree (README.md, "Layout"):
//   harness -> {backend, fakes} -> sim; fakes and backend never include each other; nothing includes harness/
//   from below. Inside sim/ the floors only include downward: core < clock < trace < network < http <
//   seams.h. Business code (backend/, fakes/) sees sim/ through the seams, never through the runtime's
//   implementations or Boost.Asio. A failure names every offending file:line.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "source_tree.h"

namespace mgm::layout {
namespace {

// Which top-level areas a file in each area may include ("test", "bench", "fuzz" are consumers of
// everything and are not checked).
const std::map<std::string, std::set<std::string>> kMayInclude = {
    {"sim", {"sim"}},
    {"backend", {"backend", "sim"}},
    {"fakes", {"fakes", "sim"}},
    {"harness", {"harness", "backend", "fakes", "sim"}},
};

// sim/'s floors, lowest first. A file directly in sim/ (seams.h) is the top floor.
const std::vector<std::string> kSimFloors = {"core", "clock", "trace", "network", "http", ""};

// The runtime's implementations, which only the harness (and tests) put together: business code gets the
// seams instead. any_stream.h carries the Asio executor.
const std::set<std::string> kRuntimeOnly = {
    "sim/clock/virtual_clock.h", "sim/clock/sim_loop.h",           "sim/clock/system_clock.h",
    "sim/network/any_stream.h",  "sim/network/loopback_network.h", "sim/network/tcp_network.h",
};

std::string area_of(const std::string& path) { return path.substr(0, path.find('/')); }

// Floor index of a path under sim/, nullopt for a folder that has not been given a floor.
std::optional<std::size_t> sim_floor(const std::string& path) {
    const std::string rest = path.substr(4);  // after "sim/"
    const std::size_t slash = rest.find('/');
    const std::string folder = slash == std::string::npos ? "" : rest.substr(0, slash);
    const auto it = std::find(kSimFloors.begin(), kSimFloors.end(), folder);
    if (it == kSimFloors.end()) return std::nullopt;
    return static_cast<std::size_t>(it - kSimFloors.begin());
}

std::string floor_name(std::size_t floor) { return kSimFloors[floor].empty() ? "seams.h" : kSimFloors[floor]; }

// The target of `#include "x"` / `#include <x>` on this line, with the bracket kind; nullopt otherwise.
struct Include {
    std::string target;
    bool quoted = false;
};
std::optional<Include> parse_include(const std::string& line) {
    const std::string code = code_part(line);
    std::size_t at = code.find_first_not_of(" \t");
    if (at == std::string::npos || code[at] != '#') return std::nullopt;
    at = code.find_first_not_of(" \t", at + 1);
    if (at == std::string::npos || code.compare(at, 7, "include") != 0) return std::nullopt;
    at = code.find_first_of("\"<", at + 7);
    if (at == std::string::npos) return std::nullopt;
    const char close = code[at] == '"' ? '"' : '>';
    const std::size_t end = code.find(close, at + 1);
    if (end == std::string::npos) return std::nullopt;
    return Include{code.substr(at + 1, end - at - 1), close == '"'};
}

// Why `target`, included from `from`, breaks the rule; empty when it does not.
std::string violation(const std::string& from, const Include& include) {
    const std::string area = area_of(from);
    const std::string& target = include.target;
    const bool business = area == "backend" || area == "fakes";
    if (!include.quoted) {
        if (business && target.rfind("boost/asio", 0) == 0) return "business code does not use Boost.Asio";
        if (from == "sim/seams.h" && target.rfind("boost/asio", 0) == 0) return "seams.h stays free of Boost.Asio";
        return {};
    }
    if (target.find('/') == std::string::npos) return "include project headers by their path from the root";
    const std::string target_area = area_of(target);
    if (!kMayInclude.count(target_area)) return {};  // a third-party path that happens to be quoted
    const auto& allowed = kMayInclude.at(area);
    if (!allowed.count(target_area)) return area + "/ may not include " + target_area + "/";
    if (business && kRuntimeOnly.count(target)) return "business code reaches sim/ through the seams only";
    if (area == "sim") {
        const auto from_floor = sim_floor(from);
        const auto to_floor = sim_floor(target);
        if (!from_floor) return from + " is in no floor of sim/";
        if (!to_floor) return target + " is in no floor of sim/";
        if (*to_floor > *from_floor)
            return "sim floor " + floor_name(*from_floor) + " may not include the floor above, " +
                   floor_name(*to_floor);
    }
    return {};
}

std::vector<std::string> scan_includes(const fs::path& root) {
    std::vector<std::string> hits;
    std::vector<std::string> areas;
    for (const auto& [area, _] : kMayInclude) areas.push_back(area);
    for_each_source_line(root, areas, [&](const fs::path& relative, int number, const std::string& line) {
        const auto include = parse_include(line);
        if (!include) return;
        const std::string from = relative.generic_string();
        const std::string why = violation(from, *include);
        if (!why.empty())
            hits.push_back(from + ":" + std::to_string(number) + ": includes \"" + include->target + "\": " + why);
    });
    std::sort(hits.begin(), hits.end());
    return hits;
}

// Project headers reachable from `start` through quoted includes (start included).
std::set<std::string> include_closure(const fs::path& root, const std::string& start) {
    std::set<std::string> seen;
    std::vector<std::string> work = {start};
    while (!work.empty()) {
        const std::string path = work.back();
        work.pop_back();
        if (!seen.insert(path).second) continue;
        std::ifstream in(root / path);
        std::string line;
        while (std::getline(in, line)) {
            const auto include = parse_include(line);
            if (include && include->quoted && fs::exists(root / include->target)) work.push_back(include->target);
        }
    }
    return seen;
}

}  // namespace
}  // namespace mgm::layout

using namespace mgm::layout;

TEST_CASE("every #include follows the dependency rule and sim/'s floors", "[layout]") {
    const fs::path root = MGM_SOURCE_DIR;
    REQUIRE(fs::exists(root / "sim" / "seams.h"));
    const std::vector<std::string> hits = scan_includes(root);
    INFO("includes against the dependency rule (README.md, \"Layout\"):\n" << join_lines(hits));
    CHECK(hits.empty());
}

TEST_CASE("sim/seams.h pulls in no Boost.Asio header, directly or through the floors below", "[layout]") {
    const fs::path root = MGM_SOURCE_DIR;
    const std::set<std::string> closure = include_closure(root, "sim/seams.h");
    CHECK(closure.count("sim/network/network.h") == 1);  // the walk does follow the seams' includes
    std::vector<std::string> asio;
    for (const std::string& header : closure) {
        std::ifstream in(root / header);
        std::string line;
        for (int number = 1; std::getline(in, line); ++number) {
            const auto include = parse_include(line);
            if (include && !include->quoted && include->target.rfind("boost/asio", 0) == 0)
                asio.push_back(header + ":" + std::to_string(number) + ": " + include->target);
        }
    }
    INFO(join_lines(asio));
    CHECK(asio.empty());
}

TEST_CASE("the include scanner reports planted violations by file:line and accepts allowed ones", "[layout]") {
    TempTree tree("mgm_include_rule_selftest");
    tree.write("sim/core/ok.h", "#include <string>\n#include \"sim/core/time.h\"\n");
    tree.write("sim/core/up.cpp",
               "// #include \"sim/http/client.h\" in a comment is fine\n"
               "#include \"sim/clock/clock.h\"\n");
    tree.write("sim/clock/virtual_clock.cpp", "#include \"sim/clock/clock.h\"\n#include \"sim/trace/trace.h\"\n");
    tree.write("sim/http/server.cpp", "#include \"sim/network/network.h\"\n#include \"sim/seams.h\"\n");
    tree.write("sim/seams.h", "#include \"sim/http/client.h\"\n#include <boost/asio/io_context.hpp>\n");
    tree.write("sim/extra/thing.h", "#include \"sim/core/rng.h\"\n");
    tree.write("sim/core/back.h", "#include \"backend/ebs.h\"\n");
    tree.write("backend/api/x.cpp", "#include \"sim/seams.h\"\n  #  include \"fakes/mock_helix_api.h\"\n");
    tree.write("backend/api/y.cpp", "#include \"harness/world/world.h\"\n#include \"sim/network/any_stream.h\"\n");
    tree.write("fakes/z.cpp", "#include \"backend/domain/records.h\"\n#include <boost/asio/post.hpp>\n");
    tree.write("fakes/local.cpp", "#include \"local.h\"\n");
    tree.write("harness/world/w.cpp",
               "#include \"backend/ebs.h\"\n#include \"fakes/a.h\"\n"
               "#include \"sim/network/tcp_network.h\"\n#include <boost/asio/io_context.hpp>\n");
    tree.write("test/anything.cpp", "#include \"harness/world/world.h\"\n");

    CHECK(
        scan_includes(tree.root) ==
        std::vector<std::string>{
            "backend/api/x.cpp:2: includes \"fakes/mock_helix_api.h\": backend/ may not include fakes/",
            "backend/api/y.cpp:1: includes \"harness/world/world.h\": backend/ may not include harness/",
            "backend/api/y.cpp:2: includes \"sim/network/any_stream.h\": business code reaches sim/ through the seams "
            "only",
            "fakes/local.cpp:1: includes \"local.h\": include project headers by their path from the root",
            "fakes/z.cpp:1: includes \"backend/domain/records.h\": fakes/ may not include backend/",
            "fakes/z.cpp:2: includes \"boost/asio/post.hpp\": business code does not use Boost.Asio",
            "sim/clock/virtual_clock.cpp:2: includes \"sim/trace/trace.h\": sim floor clock may not include the floor "
            "above, trace",
            "sim/core/back.h:1: includes \"backend/ebs.h\": sim/ may not include backend/",
            "sim/core/up.cpp:2: includes \"sim/clock/clock.h\": sim floor core may not include the floor above, clock",
            "sim/extra/thing.h:1: includes \"sim/core/rng.h\": sim/extra/thing.h is in no floor of sim/",
            "sim/http/server.cpp:2: includes \"sim/seams.h\": sim floor http may not include the floor above, seams.h",
            "sim/seams.h:2: includes \"boost/asio/io_context.hpp\": seams.h stays free of Boost.Asio",
        });
}

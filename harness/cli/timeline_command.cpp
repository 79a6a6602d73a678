// `mgm-sim timeline TRACE.jsonl -o OUT.html [--perfetto OUT.json]`: the picture of a recorded run
// (docs/TIMELINE.md). A trace recorded with --trace-detail adds each exchange's headers and bodies.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "harness/cli/commands.h"
#include "harness/timeline/timeline.h"

namespace mgm::harness::cli {

void timeline_help(std::ostream& out) {
    out << "usage: mgm-sim timeline TRACE.jsonl [-o OUT.html] [--perfetto OUT.json] [--title TEXT]\n"
           "  Draws a trace (mgm-sim run --trace FILE, best with --trace-detail) as one self-contained HTML page:\n"
           "  a lane per service, simulated time across with the 5-minute grid, every HTTP exchange as an arrow\n"
           "  (click it for its request and response), faults, domain events, payouts, failures; idle stretches\n"
           "  compressed. --perfetto writes Chrome trace-event JSON for ui.perfetto.dev or chrome://tracing.\n"
           "  Without -o and --perfetto, writes TRACE.html beside the trace. Exit 0, or 2 for a bad file.\n";
}

int timeline_main(int argc, char** argv) {
    std::string input, html, perfetto, title;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value = [&](std::string& into) {
            if (i + 1 >= argc) {
                std::cerr << "mgm-sim timeline: " << arg << " needs a value\n";
                return false;
            }
            into = argv[++i];
            return true;
        };
        if (arg == "-o" || arg == "--html") {
            if (!value(html)) return 2;
        } else if (arg == "--perfetto") {
            if (!value(perfetto)) return 2;
        } else if (arg == "--title") {
            if (!value(title)) return 2;
        } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
            std::cerr << "mgm-sim timeline: unknown option '" << arg << "' (see mgm-sim timeline --help)\n";
            return 2;
        } else if (input.empty()) {
            input = arg;
        } else {
            std::cerr << "mgm-sim timeline: one trace file at a time (got '" << input << "' and '" << arg << "')\n";
            return 2;
        }
    }
    if (input.empty()) {
        std::cerr << "mgm-sim timeline: no trace file given (see mgm-sim timeline --help)\n";
        return 2;
    }
    if (html.empty() && perfetto.empty())
        html = (std::filesystem::path(input).parent_path() / (std::filesystem::path(input).stem().string() + ".html")).string();
    std::ifstream in(input, std::ios::binary);
    if (!in) {
        std::cerr << "mgm-sim timeline: cannot read " << input << "\n";
        return 2;
    }
    try {
        timeline::write_views(in, title.empty() ? std::filesystem::path(input).filename().string() : title, html, perfetto);
    } catch (const std::exception& e) {
        std::cerr << "mgm-sim timeline: " << input << ": " << e.what() << "\n";
        return 2;
    }
    if (!html.empty()) std::cout << "timeline: " << html << "\n";
    if (!perfetto.empty()) std::cout << "perfetto: " << perfetto << "\n";
    return 0;
}

}  // namespace mgm::harness::cli

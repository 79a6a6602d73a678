// `mgm-sim diff-trace A.jsonl B.jsonl`: where two traces of what should be the same run part ways. Both files
// are read one record at a time (a day-long trace is never held in memory); the report names the first record
// that differs, the fields that differ in it, and the records just before it, which usually show the cause
// (a timer fired in another order, an exchange that took another path).
#include <deque>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/cli/commands.h"
#include "harness/cli/trace_text.h"

namespace mgm::harness::cli {

void diff_trace_help(std::ostream& out) {
    out << "usage: mgm-sim diff-trace A.jsonl B.jsonl [--context N]\n"
           "  Compares two traces (mgm-sim run/sweep --trace) record by record and reports the first record that\n"
           "  differs: its number, simulated time, the fields that differ, both versions, and the N records before\n"
           "  it (default 5), which both traces share. Exit 0 = identical, 1 = they differ, 2 = unreadable input.\n";
}

namespace {

// "status: 200 -> 409" for each top-level field that differs (the sequence number and time come first).
void print_field_differences(std::ostream& out, const nlohmann::json& a, const nlohmann::json& b) {
    for (auto it = a.begin(); it != a.end(); ++it) {
        auto other = b.find(it.key());
        if (other == b.end()) out << "    " << it.key() << ": " << it->dump() << " -> (absent)\n";
        else if (*other != *it) out << "    " << it.key() << ": " << it->dump() << " -> " << other->dump() << "\n";
    }
    for (auto it = b.begin(); it != b.end(); ++it)
        if (!a.contains(it.key())) out << "    " << it.key() << ": (absent) -> " << it->dump() << "\n";
}

std::optional<nlohmann::json> parse(const std::string& line) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

}  // namespace

int diff_trace_main(int argc, char** argv) {
    std::vector<std::string> files;
    std::size_t context = 5;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--context") {
            if (i + 1 >= argc) {
                std::cerr << "mgm-sim diff-trace: --context needs a number\n";
                return 2;
            }
            try {
                context = std::stoul(argv[++i]);
            } catch (const std::exception&) {
                std::cerr << "mgm-sim diff-trace: --context wants a number, got '" << argv[i] << "'\n";
                return 2;
            }
        } else if (!arg.empty() && arg[0] == '-') {
            std::cerr << "mgm-sim diff-trace: unknown option '" << arg << "'\n";
            return 2;
        } else {
            files.emplace_back(arg);
        }
    }
    if (files.size() != 2) {
        std::cerr << "mgm-sim diff-trace: needs exactly two trace files (see mgm-sim diff-trace --help)\n";
        return 2;
    }
    std::ifstream a(files[0]), b(files[1]);
    if (!a || !b) {
        std::cerr << "mgm-sim diff-trace: cannot read " << (!a ? files[0] : files[1]) << "\n";
        return 2;
    }
    std::deque<std::string> before;  // the last `context` records both traces share
    std::string line_a, line_b;
    // The next record: detail lines (--trace-detail, docs/TIMELINE.md; they have no "seq") are outside the
    // digest and skipped, so a trace with them compares equal to the same run's trace without them.
    auto next_record = [](std::istream& in, std::string& line) {
        while (std::getline(in, line))
            if (line.find("\"seq\":") != std::string::npos) return true;
        return false;
    };
    for (std::uint64_t number = 1;; ++number) {
        const bool more_a = next_record(a, line_a);
        const bool more_b = next_record(b, line_b);
        if (!more_a && !more_b) {
            std::cout << "diff-trace: identical, " << number - 1 << " records\n";
            return 0;
        }
        if (more_a && more_b && line_a == line_b) {
            before.push_back(std::move(line_a));
            if (before.size() > context) before.pop_front();
            continue;
        }
        std::cout << "diff-trace: the traces agree on " << number - 1 << " records; record " << number << " differs\n";
        if (!before.empty()) {
            std::cout << "  the records before it (in both):\n";
            for (const auto& line : before) {
                auto j = parse(line);
                std::cout << "    " << (j ? trace_line(*j) : line) << "\n";
            }
        }
        if (!more_a || !more_b) {
            std::cout << "  " << (more_a ? files[1] : files[0]) << " ends here; the other goes on with:\n    "
                      << (more_a ? line_a : line_b) << "\n";
            return 1;
        }
        auto ja = parse(line_a), jb = parse(line_b);
        std::cout << "  " << files[0] << ":\n    " << line_a << "\n  " << files[1] << ":\n    " << line_b << "\n";
        if (ja && jb && ja->is_object() && jb->is_object()) {
            std::cout << "  fields that differ:\n";
            print_field_differences(std::cout, *ja, *jb);
        }
        return 1;
    }
}

}  // namespace mgm::harness::cli

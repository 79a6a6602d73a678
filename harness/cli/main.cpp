// mgm-sim: one executable for the harness. Subcommands are rows of kCommands (adding one = one line).
#include <cstring>
#include <iostream>
#include <string_view>

#include "harness/cli/commands.h"
#if __has_include("harness/cli/run_command.h")
#include "harness/cli/run_command.h"
#endif

namespace mgm::harness::cli {
namespace {

const Command kCommands[] = {
    {"serve", "start the EBS and the four mocks on real sockets (127.0.0.1:8080/9051-9054)", serve_main, serve_help},
    {"e2e", "drive the Tier A + Tier B CI flow against running services (exit 1 on the first failed check)", e2e_main,
     e2e_help},
#if __has_include("harness/cli/run_command.h")
    {"run", "replay scenario files (simulation, or --target real for portable ones); prints each trace digest",
     run_main, run_help},
    {"sweep", "replay scenarios under a seed range, optionally with a random fault mix per seed; invariants checked",
     sweep_main, sweep_help},
    {"sweep-merge", "combine the --jsonl records of sweep shards: failures first, points summed, determinism checked",
     sweep_merge_main, sweep_merge_help},
    {"shrink", "reduce a failing scenario while the same failure persists; write it as a regression scenario",
     shrink_main, shrink_help},
    {"diff-trace", "name the first record where two traces differ, with the fields and the records before it",
     diff_trace_main, diff_trace_help},
    {"trace", "print a trace file as readable lines, filtered by kind, actor, event name and simulated time",
     trace_main, trace_help},
    {"workload", "run a workload file: seeded actors for hours of simulated time, an oracle for every answer, liveness",
     workload_main, workload_help},
    {"timeline", "draw a JSONL trace as one self-contained HTML page (and/or Perfetto JSON): lanes, exchanges, faults",
     timeline_main, timeline_help},
#endif
};

// Bare `mgm-sim`: the commands only (the full help is `mgm-sim --help`).
void print_usage(std::ostream& out) {
    out << "usage: mgm-sim <command> [options]   (mgm-sim --help: every command's options)\ncommands:\n";
    for (const auto& c : kCommands) {
        out << "  " << c.name;
        for (std::size_t i = std::strlen(c.name); i < 12; ++i) out << ' ';
        out << c.summary << "\n";
    }
}

void print_help(std::ostream& out) {
    out << "mgm-sim — deterministic harness and real-socket stand-in for the Mimiron's Gold-O-Matic Tier B CI stack\n\n"
           "usage: mgm-sim <command> [options]\n"
           "       mgm-sim <command> --help\n\n"
           "commands:\n";
    for (const auto& c : kCommands) {
        out << "  " << c.name;
        for (std::size_t i = std::strlen(c.name); i < 12; ++i) out << ' ';
        out << c.summary << "\n";
    }
    out << "\nThe services: ebs (8080), eventsub = MockEventSubWebhook (9051), jwt = MockExtensionJwt (9052),\n"
           "helix = MockHelixApi (9053), desktop = SyntheticDesktop (9054). See docs/REAL_SOCKET_MODE.md.\n\n";
    for (const auto& c : kCommands) {
        out << "---- mgm-sim " << c.name << " ----\n";
        c.help(out);
        out << "\n";
    }
}

}  // namespace
}  // namespace mgm::harness::cli

int main(int argc, char** argv) {
    using namespace mgm::harness::cli;
    if (argc < 2) {
        print_usage(std::cerr);
        return 2;
    }
    if (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h" ||
        std::string_view(argv[1]) == "help") {
        print_help(std::cout);
        return 0;
    }
    std::string_view name = argv[1];
    for (const auto& c : kCommands) {
        if (name != c.name) continue;
        for (int i = 2; i < argc; ++i) {
            std::string_view arg = argv[i];
            if (arg == "--help" || arg == "-h") {
                c.help(std::cout);
                return 0;
            }
        }
        return c.run(argc - 1, argv + 1);
    }
    std::cerr << "mgm-sim: unknown command '" << name << "' (try mgm-sim --help)\n";
    return 2;
}

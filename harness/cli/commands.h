// mgm-sim subcommands: each is a main-like function plus a help text, listed in main.cpp's kCommands.
#pragma once

#include <iosfwd>

namespace mgm::harness::cli {

// One subcommand. `run` gets argv after the subcommand name (argv[0] = "mgm-sim <name>").
struct Command {
    const char* name;
    const char* summary;  // one line for `mgm-sim --help`
    int (*run)(int argc, char** argv);  // process exit code
    void (*help)(std::ostream& out);  // `mgm-sim <name> --help`
};

int serve_main(int argc, char** argv);
void serve_help(std::ostream& out);

int e2e_main(int argc, char** argv);
void e2e_help(std::ostream& out);

int sweep_main(int argc, char** argv);
void sweep_help(std::ostream& out);

int shrink_main(int argc, char** argv);
void shrink_help(std::ostream& out);

int diff_trace_main(int argc, char** argv);
void diff_trace_help(std::ostream& out);

int sweep_merge_main(int argc, char** argv);
void sweep_merge_help(std::ostream& out);
int trace_main(int argc, char** argv);
void trace_help(std::ostream& out);

int workload_main(int argc, char** argv);
void workload_help(std::ostream& out);

int timeline_main(int argc, char** argv);
void timeline_help(std::ostream& out);

}  // namespace mgm::harness::cli

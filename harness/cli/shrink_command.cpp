// `mgm-sim shrink FILE`: reduces a failing scenario (typically one a sweep materialised) while the same failure
// persists, and writes the result as a regression scenario with a header saying what it catches.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include <unistd.h>

#include "harness/cli/commands.h"
#include "harness/cli/regression_file.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/shrink.h"
#include "harness/scenario/time_expr.h"
#include "harness/workload/workload.h"
#include "backend/store/store_recycler.h"

namespace mgm::harness::cli {

void shrink_help(std::ostream& out) {
    out << "usage: mgm-sim shrink FILE [--budget DURATION] [-o OUT.json] [--reference MGM_SIM]\n"
           "  Runs FILE (a scenario, usually one written by `mgm-sim sweep --materialize` with its seed and\n"
           "  \"fault_mix\"), then keeps every reduction that fails the same way (same invariant, internal error or\n"
           "  failed expectation): drops fault-mix parts and steps (delta debugging), halves partition spans and\n"
           "  repeat counts, merges and shortens waits. An explicit workload run (`workload --materialize`) keeps\n"
           "  its oracle, liveness or invariant failure while actions after it, whole actors (every action of one\n"
           "  viewer, the Desktop's), single actions, timed fault parts and the span go, and ids get short. Writes the smallest failing file with a header (the failure, how it was found, the\n"
           "  commit) to OUT (default scenarios/regressions/<name>.json, which ctest picks up as a test), and prints\n"
           "  the sizes before and after. Exit 0 = written, 1 = FILE does not fail, 2 = usage or file error.\n"
           "options:\n"
           "  --budget D   wall-time budget (default 2m); the smallest file found so far is written when it ends\n"
           "  -o OUT       output path\n"
           "  --reference MGM_SIM  a build without the bug (the last green commit's mgm-sim): a reduction is kept\n"
           "               only if it passes there. Needed to shrink a failed expectation below the failing step\n"
           "               (without it only fault parts and later steps go); invariant violations and internal\n"
           "               errors shrink fully without it\n";
}

int shrink_main(int argc, char** argv) {
    std::optional<std::string> input, output, reference;
    std::chrono::milliseconds budget = std::chrono::minutes(2);
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if ((arg == "--budget" || arg == "-o" || arg == "--reference") && i + 1 >= argc) {
            std::cerr << "mgm-sim shrink: " << arg << " needs a value\n";
            return 2;
        }
        if (arg == "--budget") {
            auto d = scenario::parse_duration(argv[++i]);
            if (!d || d->count() <= 0) {
                std::cerr << "mgm-sim shrink: --budget wants a duration such as 90s or 2m, got '" << argv[i] << "'\n";
                return 2;
            }
            budget = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
        } else if (arg == "-o") {
            output = argv[++i];
        } else if (arg == "--reference") {
            reference = argv[++i];
        } else if (!arg.empty() && arg[0] == '-') {
            std::cerr << "mgm-sim shrink: unknown option '" << arg << "' (see mgm-sim shrink --help)\n";
            return 2;
        } else if (input) {
            std::cerr << "mgm-sim shrink: one file at a time\n";
            return 2;
        } else {
            input = std::string(arg);
        }
    }
    if (!input) {
        std::cerr << "mgm-sim shrink: needs a scenario file (see mgm-sim shrink --help)\n";
        return 2;
    }
    nlohmann::json document;
    const bool workload_file = workload::is_workload_file(*input);
    try {
        if (workload_file) workload::load_workload(*input);  // validates, naming the bad field
        else scenario::load_scenario_file(*input);  // validates, with file:line errors
        std::ifstream in(*input, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        document = scenario::parse_scenario_json(text.str(), *input);
    } catch (const scenario::ScenarioError& e) {
        std::cerr << "mgm-sim shrink: " << e.what() << "\n";
        return 2;
    } catch (const workload::WorkloadError& e) {
        std::cerr << "mgm-sim shrink: " << e.what() << "\n";
        return 2;
    }
    if (workload_file && !document.contains("actions")) {
        std::cerr << "mgm-sim shrink: " << *input
                  << " is a workload without \"actions\": write one run of it with `mgm-sim workload FILE --seed N"
                     " --materialize OUT.json` (or sweep --materialize) and shrink that\n";
        return 2;
    }
    const bool tty = isatty(STDERR_FILENO) != 0;
    scenario::ShrinkOptions options;
    options.budget = budget;
    if (workload_file) {
        auto recycler = std::make_shared<backend::StoreRecycler>();
        options.run = [file = *input, recycler](const nlohmann::json& candidate) {
            workload::WorkloadOptions run;
            run.store_recycler = recycler;
            return workload::run_for_shrink(candidate, file, run);
        };
    }
    if (reference) options.passes_without_bug = reference_build(*reference);
    options.progress = [tty](const std::string& line) {
        if (tty) std::cerr << "\rshrink: " << line << "\x1b[K" << std::flush;
    };
    scenario::ShrinkResult result = scenario::shrink(document, *input, options);
    if (tty) std::cerr << "\r\x1b[K";
    if (!result.reproduced) {
        std::cout << "shrink: " << *input << " does not fail (or only tolerably under its fault mix): nothing to shrink\n";
        return 1;
    }
    const std::string path = output ? *output : default_regression_path(result.document, *input);
    if (!write_regression_file(path, result)) {
        std::cerr << "mgm-sim shrink: cannot write " << path << "\n";
        return 2;
    }
    std::cout << "shrink: " << result.signature << "\n  " << result.steps_before << " -> " << result.steps_after
              << " steps, " << result.faults_before << " -> " << result.faults_after << " faults, " << result.runs
              << " runs in " << static_cast<int>(result.seconds * 10) / 10.0 << " s"
              << (result.budget_exhausted ? " (budget used up: the file is the smallest found so far)" : "")
              << (result.steps_kept ? " (a failed expectation without --reference: the steps before it kept)" : "")
              << "\n"
              << "  wrote " << path << "\n";
    return 0;
}

}  // namespace mgm::harness::cli

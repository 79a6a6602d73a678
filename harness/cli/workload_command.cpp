// `mgm-sim workload FILE [--seed N | --seeds A..B] [--faults random] [--span D] [--trace F]`: runs a workload
// (docs/WORKLOADS.md): seeded actors against the simulated stack, every answer checked by the oracle, the
// invariants after every event, liveness once the faults are healed; prints the coverage points reached and
// the faults that fired. Exit 0 = every run passed, 1 = a run failed (with the command that replays it),
// 2 = usage or file error.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <unistd.h>

#include "backend/store/store_recycler.h"
#include "harness/cli/cli_numbers.h"
#include "harness/cli/commands.h"
#include "harness/cli/regression_file.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/time_expr.h"
#include "harness/timeline/timeline.h"
#include "harness/workload/workload.h"

namespace mgm::harness::cli {

void workload_help(std::ostream& out) {
    out << "usage: mgm-sim workload FILE [--seed N | --seeds A..B] [--faults random|none] [--span D] [--trace F]\n"
           "  Runs the workload file's actors (viewers, an autopilot Desktop, gifts, the E2E route) over its\n"
           "  simulated span; an oracle predicts every answer, the invariants are checked after every event, and\n"
           "  after the fault period every fault is healed and liveness must hold (docs/WORKLOADS.md).\n"
           "  Exit 0 = every run passed, 1 = a run failed (report + reproduce command), 2 = usage or file error.\n"
           "options:\n"
           "  --seed N          the seed (default: the file's)\n"
           "  --seeds A..B      run every seed in A..B; prints one line per run and the totals: runs that\n"
           "                    reached their end, runs per coverage point, faults fired\n"
           "  --faults random   the seed's random fault mix (as mgm-sim sweep draws it) until heal_after\n"
           "  --span D          simulate D instead of the file's span (heal_after scales with it)\n"
           "  --trace F         write the JSONL trace of the (last) run to F\n"
           "  --trace-detail    with detail lines: each exchange's peer, headers and bodies (docs/TIMELINE.md)\n"
           "  --html F          draw the (last) run as one self-contained HTML page (docs/TIMELINE.md)\n"
           "  --perfetto F      the (last) run as Chrome trace-event JSON (ui.perfetto.dev)\n"
           "  --materialize OUT write the run (one seed) as an explicit file: every actor action at its simulated\n"
           "                    instant, the fault mix and its timed parts; `mgm-sim run OUT` replays it (same\n"
           "                    failure, or for a passing run the same trace digest) and `mgm-sim shrink OUT`\n"
           "                    reduces it. A file that has \"actions\" replays them instead of drawing actions,\n"
           "                    with its own seed and fault mix\n"
        << scenario::kBreakFlagsHelp;
}

int workload_main(int argc, char** argv) {
    std::string file;
    std::optional<std::uint64_t> first, last;
    bool faults = false;
    std::optional<std::string> materialize, html, perfetto;
    workload::WorkloadOptions options;
    auto usage = [](const std::string& message) {
        std::cerr << "mgm-sim workload: " << message << " (see mgm-sim workload --help)\n";
        return 2;
    };
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) return std::nullopt;
            return std::string(argv[++i]);
        };
        if (auto error = scenario::parse_break_flag(argc, argv, i, options.breaks)) {
            if (!error->empty()) return usage(*error);
        } else if (arg == "--seed") {
            auto v = value();
            auto n = v ? parse_u64(*v) : std::nullopt;
            if (!n) return usage("--seed needs a number");
            first = last = *n;
        } else if (arg == "--seeds") {
            auto v = value();
            if (!v) return usage("--seeds needs A..B");
            auto range = parse_seed_range(*v);
            if (!range) return usage("--seeds needs A..B with A <= B");
            first = range->first;
            last = range->last;
        } else if (arg == "--faults") {
            auto v = value();
            if (!v || (*v != "random" && *v != "none")) return usage("--faults is random or none");
            faults = *v == "random";
        } else if (arg == "--span") {
            auto v = value();
            auto d = v ? scenario::parse_duration(*v) : std::nullopt;
            if (!d || d->count() <= 0) return usage("--span needs a duration (\"2h\")");
            options.span = *d;
        } else if (arg == "--materialize") {
            materialize = value();
            if (!materialize) return usage("--materialize needs a file");
        } else if (arg == "--trace") {
            auto v = value();
            if (!v) return usage("--trace needs a file");
            options.trace_file = *v;
        } else if (arg == "--trace-detail") {
            options.trace_detail = true;
        } else if (arg == "--html" || arg == "--perfetto") {
            auto v = value();
            if (!v) return usage(std::string(arg) + " needs a file");
            (arg == "--html" ? html : perfetto) = *v;
        } else if (!arg.empty() && arg[0] == '-') {
            return usage("unknown option " + std::string(arg));
        } else if (file.empty()) {
            file = std::string(arg);
        } else {
            return usage("one workload file at a time");
        }
    }
    if (file.empty()) return usage("no workload file");
    workload::Workload w;
    try {
        w = workload::load_workload(file);
    } catch (const workload::WorkloadError& e) {
        std::cerr << "mgm-sim workload: " << e.what() << "\n";
        return 2;
    }
    if (!first) first = last = w.seed;
    if (materialize && *first != *last) return usage("--materialize writes one run: give one --seed");
    if (w.fault_mix && faults) return usage(file + " has its own fault_mix; --faults random does not apply");
    options.record = materialize.has_value();
    // --html/--perfetto draw the last run from its trace (with detail lines): --trace's file, or a temporary one.
    std::string temporary_trace;
    if (html || perfetto) {
        options.trace_detail = true;
        if (options.trace_file.empty()) {
            temporary_trace = (std::filesystem::temp_directory_path() /
                               ("mgm-workload-" + std::to_string(::getpid()) + ".jsonl"))
                                  .string();
            options.trace_file = temporary_trace;
        }
    }
    options.store_recycler = std::make_shared<backend::StoreRecycler>();
    std::uint64_t runs = 0, passed = 0, reached_end = 0;
    workload::Coverage total;
    std::map<std::string, std::uint64_t> runs_per_point;
    std::string last_failure;  // the last run's failure line for the drawn trace, if it failed
    for (std::uint64_t seed = *first;; ++seed) {
        const scenario::FaultMix mix = workload::workload_fault_mix(w, seed, faults);
        workload::WorkloadOutcome outcome;
        try {
            outcome = workload::run_workload(w, seed, mix, options);
        } catch (const workload::WorkloadError& e) {
            std::cerr << "mgm-sim workload: " << e.what() << "\n";
            return 2;
        }
        std::cout << workload::format_outcome(w, outcome) << std::flush;
        last_failure = outcome.verdict == workload::WorkloadVerdict::pass
                           ? ""
                           : timeline::failure_line(sim::format_iso8601(outcome.ended_at), outcome.failure_kind,
                                                    outcome.failure);
        if (materialize) {
            std::ifstream in(file, std::ios::binary);
            std::stringstream text;
            text << in.rdbuf();
            nlohmann::json document = scenario::parse_scenario_json(text.str(), file);
            nlohmann::json explicit_run = workload::materialise_workload(
                document, outcome, workload::failure_signature(outcome),
                w.actions ? "mgm-sim run " + file : workload::reproduce_command(file, seed, faults), current_commit());
            explicit_run["name"] = w.name + "-seed" + std::to_string(seed);
            std::ofstream out(*materialize, std::ios::binary | std::ios::trunc);
            out << "// An explicit workload run written by `mgm-sim workload --materialize` (docs/WORKLOADS.md,\n"
                   "// \"Explicit runs\"): `mgm-sim run` replays it; `mgm-sim shrink` reduces it.\n"
                << explicit_run.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
            if (!out.flush()) {
                std::cerr << "mgm-sim workload: cannot write " << *materialize << "\n";
                return 2;
            }
            std::cout << "workload: wrote " << *materialize << " (" << scenario::count_size(explicit_run)
                      << " actions, " << scenario::count_faults(explicit_run) << " faults)\n";
        }
        ++runs;
        passed += outcome.verdict == workload::WorkloadVerdict::pass;
        reached_end += outcome.reached_end;
        total.merge(outcome.coverage);
        for (const auto& [name, n] : outcome.coverage.points)
            if (n > 0) ++runs_per_point[name];
        if (seed == *last) break;
    }
    if (runs > 1) {
        std::cout << "workload " << w.name << ": " << runs << " runs, " << passed << " passed, " << reached_end
                  << " reached their end (" << (100.0 * static_cast<double>(reached_end) / static_cast<double>(runs))
                  << "%)\n  runs per coverage point:";
        for (const auto& name : workload::coverage_point_names())
            std::cout << "\n    " << name << ": " << runs_per_point[name];
        std::cout << "\n  faults fired (total):";
        for (const auto& [name, n] : total.faults) std::cout << " " << name << " x" << n;
        std::cout << "\n";
    }
    if (html || perfetto) {
        if (!last_failure.empty()) std::ofstream(options.trace_file, std::ios::binary | std::ios::app) << last_failure << "\n";
        std::ifstream in(options.trace_file, std::ios::binary);
        try {
            timeline::write_views(in, w.name + " (seed " + std::to_string(*last) + ")", html.value_or(""),
                                  perfetto.value_or(""));
        } catch (const std::exception& e) {
            std::cerr << "mgm-sim workload: " << e.what() << "\n";
            return 2;
        }
        in.close();
        if (!temporary_trace.empty()) std::filesystem::remove(temporary_trace);
    }
    return passed == runs ? 0 : 1;
}

}  // namespace mgm::harness::cli

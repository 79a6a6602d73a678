// `mgm-sim run FILE...`: parse every file first (every malformed file is reported with file:line), then run
// each scenario in simulation (or against running services with --target real) and print PASS/FAIL,
// the step count, the simulated time span and the trace digest; optionally a JUnit report.
#include "harness/cli/run_command.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <chrono>

#include "backend/store/store_recycler.h"
#include "harness/cli/cli_numbers.h"
#include "harness/scenario/fault_mix.h"
#include "harness/scenario/junit.h"
#include "harness/workload/workload.h"
#include "harness/scenario/runner.h"
#include "harness/scenario/divergence_probe.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/sweep.h"
#include "harness/timeline/timeline.h"
#include "harness/world/world.h"
#include "sim/core/time.h"

namespace mgm::harness::cli {

void run_help(std::ostream& out) {
    out << "usage: mgm-sim run [options] FILE|DIR...\n"
           "  Replays scenario files (docs/SCENARIOS.md). A directory means every *.json in it (sorted).\n"
           "  Prints one PASS/FAIL line per scenario with its trace digest; a failure also prints the\n"
           "  step (file:line), expected vs actual and the simulated time. Exit 0 = all passed, 1 = a scenario\n"
           "  failed, 2 = usage or file error (every file is loaded and every malformed one reported; the others\n"
           "  still run).\n"
           "options:\n"
           "  --seed N            override every scenario's seed\n"
           "  --faults random     with --seed N: replay the fault mix `mgm-sim sweep --faults random` draws for seed N\n"
           "                      (network faults, Helix failures, same-instant order), to look at a sweep seed with\n"
           "                      --trace, --break-at and -v. --faults none (default): a perfect network\n"
           "  --junit FILE        write a JUnit XML report: one testcase per scenario (failure report, reproduce\n"
           "                      command, trace digest)\n"
           "  --trace FILE        write the JSONL trace (several scenarios: FILE gets .<name> before its extension)\n"
           "  --trace-detail      add detail lines to the trace: each exchange's headers and bodies, link faults, how\n"
           "                      the run failed (outside the digest; for mgm-sim timeline, docs/TIMELINE.md)\n"
           "  --html FILE         draw the run as one self-contained HTML page (several scenarios: like --trace)\n"
           "  --perfetto FILE     write the run as Chrome trace-event JSON (ui.perfetto.dev, chrome://tracing)\n"
           "  --break-at INSTANT  raise SIGTRAP just before the first event at or after INSTANT (ISO-8601,\n"
           "                      e.g. 2026-04-04T12:04:00Z); run under gdb (see docs/DEBUGGING.md)\n"
        << scenario::kBreakFlagsHelp <<
           "  --target sim|real   sim (default): a fresh simulated World per scenario; real: against services\n"
           "                      already listening on the CI ports (mgm-sim serve); only \"portable\" files\n"
           "  --twice             run each scenario twice (the rerun on the first run's emptied, reused store) and\n"
           "                      fail unless both digests are identical\n"
           "  --log-level LEVEL   debug|info|warn|error|off for the services' log (stderr, simulated time, each line\n"
           "                      prefixed with its scenario's name); default warn\n"
           "  -v, --verbose       one line per step, stamped with simulated time\n"
           "  --list              print each scenario's name and description instead of running it\n"
           "  --no-invariants     do not check the EBS invariants after every event (docs/RELIABILITY.md)\n";
}

namespace {

std::string trace_path_for(const std::string& base, const std::string& name, bool several) {
    if (!several) return base;
    std::filesystem::path p(base);
    return (p.parent_path() / (p.stem().string() + "." + name + p.extension().string())).string();
}

// The command line that replays one scenario as this run did.
const char* failure_kind_name(scenario::FailureKind kind) {
    switch (kind) {
    case scenario::FailureKind::step: return "step";
    case scenario::FailureKind::invariant: return "invariant";
    case scenario::FailureKind::internal: return "internal";
    case scenario::FailureKind::none: break;
    }
    return "none";
}

std::string reproduce_run_command(const scenario::Scenario& s, std::uint64_t seed, bool faults) {
    return "mgm-sim run --seed " + std::to_string(seed) + (faults ? " --faults random" : "") + " " + s.file;
}

}  // namespace

int run_main(int argc, char** argv) {
    scenario::RunOptions options;
    std::vector<std::string> inputs;
    std::optional<std::string> trace_file;
    std::optional<std::string> junit_file;
    std::optional<std::string> html_file, perfetto_file;
    bool trace_detail = false;
    bool twice = false, list = false, verbose = false, faults = false;
    auto need_value = [&](int& i, std::string_view flag) -> std::optional<std::string> {
        if (i + 1 >= argc) {
            std::cerr << "mgm-sim run: " << flag << " needs a value\n";
            return std::nullopt;
        }
        return std::string(argv[++i]);
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (auto error = scenario::parse_break_flag(argc, argv, i, options.breaks)) {
            if (error->empty()) continue;
            std::cerr << "mgm-sim run: " << *error << "\n";
            return 2;
        }
        if (arg == "--seed") {
            auto v = need_value(i, arg);
            if (!v) return 2;
            const auto seed = parse_u64(*v);
            if (!seed) {
                std::cerr << "mgm-sim run: --seed wants a non-negative integer, got '" << *v << "'\n";
                return 2;
            }
            options.seed = *seed;
        } else if (arg == "--trace") {
            auto v = need_value(i, arg);
            if (!v) return 2;
            trace_file = *v;
        } else if (arg == "--html" || arg == "--perfetto") {
            auto v = need_value(i, arg);
            if (!v) return 2;
            (arg == "--html" ? html_file : perfetto_file) = *v;
        } else if (arg == "--trace-detail") {
            trace_detail = true;
        } else if (arg == "--break-at") {
            auto v = need_value(i, arg);
            if (!v) return 2;
            auto when = sim::parse_iso8601(*v);
            if (!when) {
                std::cerr << "mgm-sim run: --break-at wants an ISO-8601 instant like 2026-04-04T12:04:00Z, got '" << *v
                          << "'\n";
                return 2;
            }
            options.break_at = *when;
        } else if (arg == "--target") {
            auto v = need_value(i, arg);
            if (!v) return 2;
            if (*v == "sim" || *v == "simulation") options.target = scenario::Target::simulation;
            else if (*v == "real") options.target = scenario::Target::real;
            else {
                std::cerr << "mgm-sim run: --target is sim or real, got '" << *v << "'\n";
                return 2;
            }
        } else if (arg == "--log-level") {
            auto v = need_value(i, arg);
            if (!v) return 2;
            auto level = sim::parse_log_level(*v);
            if (!level) {
                std::cerr << "mgm-sim run: --log-level is debug|info|warn|error|off, got '" << *v << "'\n";
                return 2;
            }
            options.log_level = *level;
        } else if (arg == "--junit") {
            auto v = need_value(i, arg);
            if (!v) return 2;
            junit_file = *v;
        } else if (arg == "--faults") {
            auto v = need_value(i, arg);
            if (!v) return 2;
            if (*v == "random") faults = true;
            else if (*v == "none") faults = false;
            else {
                std::cerr << "mgm-sim run: --faults is random or none, got '" << *v << "'\n";
                return 2;
            }
        } else if (arg == "--no-invariants") {
            options.check_invariants = false;
        } else if (arg == "--twice") {
            twice = true;
        } else if (arg == "--list") {
            list = true;
        } else if (arg == "-v" || arg == "--verbose") {
            verbose = true;
        } else if (!arg.empty() && arg[0] == '-') {
            std::cerr << "mgm-sim run: unknown option '" << arg << "' (see mgm-sim run --help)\n";
            return 2;
        } else {
            inputs.emplace_back(arg);
        }
    }
    if (inputs.empty()) {
        std::cerr << "mgm-sim run: no scenario files given (see mgm-sim run --help)\n";
        return 2;
    }
    if (faults && !options.seed) {
        std::cerr << "mgm-sim run: --faults random replays a sweep seed's fault mix and needs --seed N\n";
        return 2;
    }
    if (faults && options.target == scenario::Target::real) {
        std::cerr << "mgm-sim run: --faults needs the simulation target\n";
        return 2;
    }
    if (options.breaks.any() && options.target == scenario::Target::real) {
        std::cerr << "mgm-sim run: --break-at-event, --break-on and --break-on-invariant need the simulation target\n";
        return 2;
    }
    if (options.breaks.on_invariant && !options.check_invariants) {
        std::cerr << "mgm-sim run: --break-on-invariant needs the invariant checks (drop --no-invariants)\n";
        return 2;
    }
    if ((html_file || perfetto_file) && options.target == scenario::Target::real) {
        std::cerr << "mgm-sim run: --html and --perfetto draw simulated runs (--target sim)\n";
        return 2;
    }
    const bool views = html_file || perfetto_file;
    trace_detail = trace_detail || views;
    if (verbose) options.progress = &std::cout;
    // The Worlds of this invocation reuse one in-memory EBS store, emptied between runs (same results as a
    // new store; --twice compares a run with its rerun on the recycled store).
    auto recycler = std::make_shared<backend::StoreRecycler>();
    options.configure_world = [recycler, trace_detail](harness::WorldConfig& config) {
        config.store_recycler = recycler;
        config.trace_detail = trace_detail;
    };
    // --faults random: the seed's fault mix, installed as `mgm-sim sweep --faults random` installs it for that
    // seed (a file with its own "fault_mix" keeps it, as in the sweep), so the run replays the sweep run.
    const scenario::FaultMix mix = faults ? scenario::draw_fault_mix(*options.seed) : scenario::FaultMix{};
    if (faults) std::cout << "faults of seed " << *options.seed << ": " << mix.describe() << "\n";
    auto with_seed_faults = [faults, &mix](scenario::RunOptions run_options, const scenario::Scenario& s) {
        if (faults && mix.any() && !s.fault_mix) scenario::install_fault_mix(run_options, mix);
        return run_options;
    };
    // --trace FILE: each line goes to the file as it is recorded (not kept in memory), so memory stays flat
    // however long the run. --html/--perfetto without --trace: into memory, drawn after the run.
    std::ofstream trace_out;
    std::stringstream trace_memory;
    std::ostream* trace_sink = trace_file ? static_cast<std::ostream*>(&trace_out) : &trace_memory;
    auto with_trace_sink = [&options, trace_sink] {
        scenario::RunOptions traced = options;
        traced.configure_world = [configure = options.configure_world, trace_sink](harness::WorldConfig& config) {
            configure(config);
            config.trace_sink = trace_sink;
        };
        return traced;
    };

    // Workload files (explicit runs written by --materialize, or a shrunk one in scenarios/regressions/) run
    // through the workload runner: their oracle, liveness and invariants decide.
    std::vector<std::string> workload_files;
    try {
        std::vector<std::string> scenario_inputs;
        for (const auto& file : scenario::scenario_files(inputs))
            (workload::is_workload_file(file) ? workload_files : scenario_inputs).push_back(file);
        inputs = scenario_inputs;
    } catch (const scenario::ScenarioError&) {  // reported by the loader below
    }
    int workloads_failed = 0;
    for (const auto& file : workload_files) {
        try {
            const workload::Workload w = workload::load_workload(file);
            const std::uint64_t seed = options.seed.value_or(w.seed);
            workload::WorkloadOptions run;
            run.store_recycler = recycler;
            run.breaks = options.breaks;
            if (trace_file) run.trace_file = trace_path_for(*trace_file, w.name, workload_files.size() + inputs.size() > 1);
            const auto mix = workload::workload_fault_mix(w, seed, faults);
            const workload::WorkloadOutcome outcome = workload::run_workload(w, seed, mix, run);
            std::cout << workload::format_outcome(w, outcome) << std::flush;
            bool failed_run = outcome.verdict != workload::WorkloadVerdict::pass;
            if (twice && !failed_run) {
                run.trace_file.clear();
                run.breaks = {};
                const workload::WorkloadOutcome again = workload::run_workload(w, seed, mix, run);
                if (again.digest != outcome.digest) {
                    std::cout << "FAIL " << w.name << ": not deterministic: digest " << outcome.digest << " then "
                              << again.digest << "\n";
                    failed_run = true;
                }
            }
            workloads_failed += failed_run;
        } catch (const workload::WorkloadError& e) {
            std::cerr << "mgm-sim run: " << e.what() << "\n";
            return 2;
        }
    }
    if (inputs.empty() && !workload_files.empty()) return workloads_failed == 0 ? 0 : 1;

    // Every file is loaded and every error reported, before anything runs.
    scenario::LoadedScenarios loaded = scenario::load_all_scenario_inputs(inputs);
    for (const auto& error : loaded.errors) std::cerr << "mgm-sim run: " << error.what() << "\n";
    std::vector<scenario::Scenario>& scenarios = loaded.scenarios;
    if (!loaded.errors.empty()) {
        std::size_t count = 0;
        for (const auto& error : loaded.errors) count += error.count();
        std::cerr << "mgm-sim run: " << count << " error" << (count == 1 ? "" : "s") << " in " << loaded.errors.size()
                  << " file" << (loaded.errors.size() == 1 ? "" : "s")
                  << (scenarios.empty() ? "" : "; running the files that loaded") << "\n";
    }
    if (list) {
        for (const auto& s : scenarios)
            std::cout << s.name << (s.portable ? " [portable]" : "") << " - " << s.description << "\n";
        return loaded.errors.empty() ? 0 : 2;
    }

    int failed = 0;
    std::vector<scenario::JunitTestcase> testcases;
    for (const auto& error : loaded.errors) {
        scenario::JunitTestcase testcase;
        testcase.classname = "scenarios";
        testcase.name = error.file();
        testcase.file = error.file();
        testcase.outcome = scenario::JunitTestcase::Outcome::error;
        testcase.message = std::string(error.what()).substr(0, std::string(error.what()).find('\n'));
        testcase.type = "file";
        testcase.details = error.what();
        testcases.push_back(std::move(testcase));
    }
    for (const auto& s : scenarios) {
        scenario::RunResult result;
        const auto began = std::chrono::steady_clock::now();
        std::string trace_path;
        trace_memory = std::stringstream();
        if (trace_file) {
            trace_path = trace_path_for(*trace_file, s.name, scenarios.size() > 1);
            trace_out = std::ofstream(trace_path, std::ios::binary | std::ios::trunc);
            if (!trace_out) {
                std::cerr << "mgm-sim run: cannot write " << trace_path << "\n";
                return 2;
            }
        }
        try {
            // --twice: the first run fingerprints each trace record, the rerun names the first one that differs.
            scenario::DivergenceProbe probe;
            scenario::RunOptions first = trace_file || views ? with_trace_sink() : options;
            if (twice) first.on_world = [&probe](harness::World& world) { probe.record(world); };
            result = scenario::run_scenario(s, with_seed_faults(first, s));
            if (twice && result.passed) {
                scenario::RunOptions quiet = options;
                quiet.progress = nullptr;
                quiet.break_at.reset();
                quiet.breaks = {};
                quiet.keep_trace = false;
                quiet.on_world = [&probe](harness::World& world) { probe.compare(world); };
                auto second = scenario::run_scenario(s, with_seed_faults(quiet, s));
                if (second.digest != result.digest) {
                    result.passed = false;
                    result.failure = "  not deterministic: the same seed gave digest " + result.digest + " then " +
                                     second.digest + "\n" + probe.report().value_or("");
                }
            }
        } catch (const std::exception& e) {
            std::cout << "FAIL " << s.name << " (" << s.file << "): cannot build the simulated world: " << e.what()
                      << "\n";
            ++failed;
            result.scenario_name = s.name;
            result.file = s.file;
            result.failure = std::string("  cannot build the simulated world: ") + e.what() + "\n";
            result.failure_kind = scenario::FailureKind::internal;
            testcases.push_back(scenario::junit_testcase(result, reproduce_run_command(s, s.seed, faults), 0));
            continue;
        }
        // How the run failed, as the trace's last (detail) line: the timeline marks it.
        if (!result.passed && trace_detail && (trace_file || views))
            *trace_sink << timeline::failure_line(sim::format_iso8601(result.ended_at), failure_kind_name(result.failure_kind),
                                                  result.failure)
                        << "\n";
        if (trace_file) {
            trace_out.close();
            if (!trace_out) {
                std::cerr << "mgm-sim run: cannot write " << trace_path << "\n";
                return 2;
            }
        }
        if (views) {
            try {
                std::ifstream reread;
                std::istream* trace_in = &trace_memory;
                if (trace_file) {
                    reread.open(trace_path, std::ios::binary);
                    trace_in = &reread;
                }
                const std::string html = html_file ? trace_path_for(*html_file, s.name, scenarios.size() > 1) : "";
                const std::string perfetto =
                    perfetto_file ? trace_path_for(*perfetto_file, s.name, scenarios.size() > 1) : "";
                timeline::write_views(*trace_in, s.name + " (seed " + std::to_string(result.seed) + ")", html, perfetto);
            } catch (const std::exception& e) {
                std::cerr << "mgm-sim run: " << e.what() << "\n";
                return 2;
            }
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
        testcases.push_back(scenario::junit_testcase(result, reproduce_run_command(s, result.seed, faults), seconds));
        std::cout << scenario::format_result(result) << std::flush;
        if (options.break_at && !result.break_reached && options.target == scenario::Target::simulation)
            std::cerr << "mgm-sim run: warning: --break-at " << sim::format_iso8601(*options.break_at)
                      << " was never reached: " << s.name << " ended at " << sim::format_iso8601(result.ended_at)
                      << "\n";
        if (options.breaks.at_record && options.target == scenario::Target::simulation &&
            std::none_of(result.break_hits.begin(), result.break_hits.end(),
                         [](const scenario::BreakHit& hit) { return hit.reason == "--break-at-event"; }))
            std::cerr << "mgm-sim run: warning: --break-at-event " << *options.breaks.at_record
                      << " was never reached: " << s.name << " wrote " << result.trace_records << " records\n";
        if (!result.passed) ++failed;
    }
    if (scenarios.size() > 1)
        std::cout << (scenarios.size() - failed) << "/" << scenarios.size() << " scenarios passed\n";
    if (junit_file) {
        try {
            scenario::write_junit_file(*junit_file, "mgm-sim run", testcases);
        } catch (const std::exception& e) {
            std::cerr << "mgm-sim run: " << e.what() << "\n";
            return 2;
        }
    }
    if (!loaded.errors.empty()) return 2;
    return failed + workloads_failed == 0 ? 0 : 1;
}

}  // namespace mgm::harness::cli

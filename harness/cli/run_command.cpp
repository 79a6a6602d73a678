// `mgm-sim run FILE...`: parse every file first (a malformed file fails fast with file:line), then run
// each scenario in simulation (or against running services with --target real) and print PASS/FAIL,
// the step count, the simulated time span and the trace digest.
#include "harness/cli/run_command.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/store/store_recycler.h"
#include "sim/core/time.h"
#include "harness/scenario/runner.h"
#include "harness/scenario/divergence_probe.h"
#include "harness/scenario/scenario.h"
#include "harness/world/world.h"

namespace mgm::harness::cli {

void run_help(std::ostream& out) {
    out << "usage: mgm-sim run [options] FILE|DIR...\n"
           "  Replays scenario files (docs/SCENARIOS.md). A directory means every *.json in it (sorted).\n"
           "  Prints one PASS/FAIL line per scenario with its trace digest; a failure also prints the\n"
           "  step (file:line), expected vs actual and the simulated time. Exit 0 = all passed, 1 = a scenario\n"
           "  failed, 2 = usage or file error.\n"
           "options:\n"
           "  --seed N            override every scenario's seed\n"
           "  --trace FILE        write the JSONL trace (several scenarios: FILE gets .<name> before its extension)\n"
           "  --break-at INSTANT  raise SIGTRAP just before the first event at or after INSTANT (ISO-8601,\n"
           "                      e.g. 2026-04-04T12:04:00Z); run under gdb (see docs/SCENARIOS.md)\n"
           "  --target sim|real   sim (default): a fresh simulated World per scenario; real: against services\n"
           "                      already listening on the CI ports (mgm-sim serve); only \"portable\" files\n"
           "  --twice             run each scenario twice (the rerun on the first run's emptied, reused store) and\n"
           "                      fail unless both digests are identical\n"
           "  --log-level LEVEL   debug|info|warn|error|off for the services' log (stderr, simulated time)\n"
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

}  // namespace

int run_main(int argc, char** argv) {
    scenario::RunOptions options;
    std::vector<std::string> inputs;
    std::optional<std::string> trace_file;
    bool twice = false, list = false, verbose = false;
    auto need_value = [&](int& i, std::string_view flag) -> std::optional<std::string> {
        if (i + 1 >= argc) {
            std::cerr << "mgm-sim run: " << flag << " needs a value\n";
            return std::nullopt;
        }
        return std::string(argv[++i]);
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--seed") {
            auto v = need_value(i, arg);
            if (!v) return 2;
            char* end = nullptr;
            unsigned long long seed = std::strtoull(v->c_str(), &end, 10);
            if (v->empty() || *end != '\0') {
                std::cerr << "mgm-sim run: --seed wants a non-negative integer, got '" << *v << "'\n";
                return 2;
            }
            options.seed = seed;
        } else if (arg == "--trace") {
            auto v = need_value(i, arg);
            if (!v) return 2;
            trace_file = *v;
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
    if (verbose) options.progress = &std::cout;
    // The Worlds of this invocation reuse one in-memory EBS store, emptied between runs (same results as a
    // new store; --twice compares a run with its rerun on the recycled store).
    auto recycler = std::make_shared<backend::StoreRecycler>();
    options.configure_world = [recycler](harness::WorldConfig& config) { config.store_recycler = recycler; };
    // --trace FILE: each line goes to the file as it is recorded (not kept in memory), so memory stays flat
    // however long the run.
    std::ofstream trace_out;
    auto with_trace_sink = [&options, &trace_out] {
        scenario::RunOptions traced = options;
        traced.configure_world = [configure = options.configure_world, &trace_out](harness::WorldConfig& config) {
            configure(config);
            config.trace_sink = &trace_out;
        };
        return traced;
    };

    std::vector<scenario::Scenario> scenarios;
    try {
        scenarios = scenario::load_scenario_inputs(inputs);
    } catch (const scenario::ScenarioError& e) {
        std::cerr << "mgm-sim run: " << e.what() << "\n";
        return 2;
    }
    if (list) {
        for (const auto& s : scenarios)
            std::cout << s.name << (s.portable ? " [portable]" : "") << " - " << s.description << "\n";
        return 0;
    }

    int failed = 0;
    for (const auto& s : scenarios) {
        scenario::RunResult result;
        std::string trace_path;
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
            scenario::RunOptions first = trace_file ? with_trace_sink() : options;
            if (twice) first.on_world = [&probe](harness::World& world) { probe.record(world); };
            result = scenario::run_scenario(s, first);
            if (twice && result.passed) {
                scenario::RunOptions quiet = options;
                quiet.progress = nullptr;
                quiet.break_at.reset();
                quiet.keep_trace = false;
                quiet.on_world = [&probe](harness::World& world) { probe.compare(world); };
                auto second = scenario::run_scenario(s, quiet);
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
            continue;
        }
        if (trace_file) {
            trace_out.close();
            if (!trace_out) {
                std::cerr << "mgm-sim run: cannot write " << trace_path << "\n";
                return 2;
            }
        }
        std::cout << scenario::format_result(result) << std::flush;
        if (!result.passed) ++failed;
    }
    if (scenarios.size() > 1)
        std::cout << (scenarios.size() - failed) << "/" << scenarios.size() << " scenarios passed\n";
    return failed == 0 ? 0 : 1;
}

}  // namespace mgm::harness::cli

// `mgm-sim sweep SCENARIO... --seeds A..B [--faults random]`: replays scenarios under many seeds (each seed
// with its own fault mix when asked), invariants checked after every event; progress bar on a terminal,
// summary at the end, and the exact command that reproduces each failing seed.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <unistd.h>

#include "backend/store/store_recycler.h"
#include "harness/cli/cli_numbers.h"
#include "harness/cli/commands.h"
#include "harness/cli/regression_file.h"
#include "harness/scenario/shrink.h"
#include "harness/scenario/time_expr.h"
#include "harness/scenario/junit.h"
#include "harness/workload/workload.h"
#include "harness/scenario/sweep_report.h"
#include "harness/scenario/worker_pool.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/sweep.h"
#include "harness/timeline/timeline.h"

namespace mgm::harness::cli {

void sweep_help(std::ostream& out) {
    out << "usage: mgm-sim sweep FILE|DIR... --seeds A..B [--faults random|none] [--strict] [--jobs N]\n"
           "                     [--shard K/N] [--jsonl FILE] [--recheck N] [-v]\n"
           "  Replays each scenario once per seed in A..B (inclusive) in simulation, checking the EBS invariants\n"
           "  after every simulated event (docs/RELIABILITY.md). Prints a progress bar when stdout is a terminal\n"
           "  and a summary at the end; each failing seed is printed with its failure report and the exact\n"
           "  command that replays it. Exit 0 = no seed failed, 1 = a seed failed, 2 = usage or file error.\n"
           "options:\n"
           "  --seeds A..B      seed range (or a single seed N)\n"
           "  --faults random   each seed draws its own fault mix: latency, dropped and refused connections, byte\n"
           "                    splits, short partitions, Helix failures, the order of timers due at the same\n"
           "                    instant. A step whose expectation diverges under faults is 'tolerated' (the\n"
           "                    faults legitimately change HTTP outcomes); invariant violations, crashes and\n"
           "                    stuck simulations fail. --faults none (default): every expectation must hold\n"
           "  --strict          with --faults: expectations must hold too (for fault-tolerant scenarios)\n"
           "  --max-reports N   print full reports for the first N failing seeds (default 3)\n"
           "  -v, --verbose     one line per seed (verdict, fault mix, faults fired, digest)\n"
           "  --jobs N          runs at once, each in a forked worker process (default: all cores). A run that\n"
           "                    crashes its worker is reported as that seed's failure and the sweep goes on.\n"
           "                    --jobs 1 runs in this process (for a debugger). Output is in seed order either way\n"
           "  --shard K/N       run only the K-th of N interleaved slices of the runs (K = 1..N), for CI matrix\n"
           "                    jobs or Kubernetes Indexed Jobs; combine the shards' --jsonl files with sweep-merge\n"
           "  --jsonl FILE      one JSON record per run: file, seed, verdict, digest, fault mix, faults fired,\n"
           "                    coverage points, failure, reproduce command\n"
           "  --recheck N       re-run N of this shard's runs in a fresh process and compare their digests\n"
           "                    (default 2; a difference is a determinism bug and fails the sweep)\n"
           "  --require-point P fail unless coverage point P was reached by at least one run (repeatable)\n"
           "  --materialize DIR write each failing run as an explicit scenario (its seed, its fault mix as\n"
           "                    \"fault_mix\") in DIR - a workload run as an explicit run (every action at its\n"
           "                    instant, the timed fault parts): `mgm-sim run` of that file fails the same way\n"
           "  --shrink          shrink each failing run (mgm-sim shrink) into scenarios/regressions/<name>-seed<N>.json\n"
           "  --regressions DIR where --shrink writes (default scenarios/regressions)\n"
           "  --junit FILE      a JUnit XML report: one testcase per run (the failure report, the reproduce\n"
           "                    command, the digest and the fault mix)\n"
           "  --shrink-budget D time per shrink (default 2m)\n"
           "  --shrink-reference MGM_SIM  a build without the bug, as for mgm-sim shrink --reference\n"
           "  --artifacts DIR   replay each failing run in this process and write its trace (with detail lines) and\n"
           "                    its timeline page there: DIR/<name>-seed<N>.jsonl and .html (docs/TIMELINE.md); the\n"
           "                    first 20 failing runs\n";
}

void sweep_merge_help(std::ostream& out) {
    out << "usage: mgm-sim sweep-merge FILE.jsonl... [--max-reports N] [--require-point P]... [--junit FILE]\n"
           "  Combines the --jsonl records of sweep shards into one report: failing seeds first with their\n"
           "  reproduce commands, per-file counts, coverage points and faults fired summed over all shards.\n"
           "  Fails (exit 1) when a run failed, when one seed gave two different digests (in two records or on a\n"
           "  re-run), when a shard K of N sent no records, or when a required point was never reached.\n"
           "  Exit 2 on unreadable input.\n";
}

namespace {

// "[#########...........]  137/300 seeds  2 tolerated  0 failed  natural-cycle" on one rewritten line.
void draw_progress(std::uint64_t done, std::uint64_t total, std::uint64_t tolerated, std::uint64_t failed,
                   const std::string& current) {
    constexpr int kWidth = 30;
    const int filled = total == 0 ? kWidth : static_cast<int>(done * kWidth / total);
    std::cout << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] " << done << "/" << total
              << " runs  " << tolerated << " tolerated  " << failed << " failed  " << current << "\x1b[K" << std::flush;
}


struct Shard {
    std::uint64_t k = 1, n = 1;
};

std::optional<Shard> parse_shard(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto k = parse_u64(text.substr(0, slash));
    auto n = parse_u64(text.substr(slash + 1));
    if (!k || !n || *n == 0 || *k == 0 || *k > *n) return std::nullopt;
    return Shard{*k, *n};
}

// One planned run: an input file and a seed; `index` numbers the runs of the whole (unsharded) sweep.
struct PlannedRun {
    std::size_t input = 0;
    std::uint64_t seed = 0;
    std::uint64_t index = 0;
    bool recheck = false;
};

unsigned default_jobs() {
    long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? static_cast<unsigned>(cores) : 1;
}

// A worker that died mid-run: the run's failure, with what is needed to replay it in a debugger.
// One input of a sweep: a scenario file or a workload file (docs/WORKLOADS.md), told apart by their keys.
struct SweepInput {
    std::string file;
    std::string name;
    std::optional<scenario::Scenario> scenario;
    std::optional<workload::Workload> workload;
};

std::string input_reproduce(const SweepInput& input, std::uint64_t seed, const scenario::SweepOptions& options) {
    if (input.workload)  // a file with its own fault mix keeps it (--faults random does not apply)
        return workload::reproduce_command(input.file, seed, options.faults && !input.workload->fault_mix);
    return scenario::reproduce_command(input.file, seed, options);
}

// Directories expand to their *.json files in name order; a file with "span" and no "steps" is a workload.
std::vector<SweepInput> load_inputs(const std::vector<std::string>& paths) {
    const std::vector<std::string> files = scenario::scenario_files(paths);
    std::vector<SweepInput> inputs;
    for (const auto& file : files) {
        bool is_workload = false;
        {
            std::ifstream in(file, std::ios::binary);
            std::stringstream text;
            text << in.rdbuf();
            try {
                const nlohmann::json root = scenario::parse_scenario_json(text.str(), file);
                is_workload = workload::is_workload_document(root);
            } catch (const scenario::ScenarioError&) {  // reported by the scenario loader below
            }
        }
        SweepInput input;
        input.file = file;
        if (is_workload) {
            input.workload = workload::load_workload(file);
            input.name = input.workload->name;
        } else {
            input.scenario = std::move(scenario::load_scenario_inputs({file}).front());
            input.name = input.scenario->name;
        }
        inputs.push_back(std::move(input));
    }
    return inputs;
}

// A run record as a JUnit testcase: one per seed, grouped by file.
scenario::JunitTestcase junit_case(const scenario::RunRecord& r) {
    scenario::JunitTestcase c;
    c.classname = "sweep." + r.name;
    c.name = r.name + " seed " + std::to_string(r.seed) + (r.recheck ? " (re-run)" : "");
    c.file = r.file;
    c.seconds = r.seconds;
    c.type = r.failure_kind;
    if (r.verdict == scenario::Verdict::fail) {
        c.outcome = r.failure_kind == "crash" ? scenario::JunitTestcase::Outcome::error
                                              : scenario::JunitTestcase::Outcome::failed;
        std::istringstream lines(r.failure);
        std::string line;
        while (std::getline(lines, line) && line.find_first_not_of(' ') == std::string::npos) {}
        c.message = line.substr(std::min(line.find_first_not_of(' '), line.size()));
        c.details = r.failure;
    }
    c.properties = {{"seed", std::to_string(r.seed)}, {"digest", r.digest}, {"fault_mix", r.fault_mix},
                    {"reproduce", r.reproduce}, {"verdict", scenario::to_string(r.verdict)}};
    c.system_out = "reproduce: " + r.reproduce + "\nfault mix: " + r.fault_mix + "\ndigest: " + r.digest + "\n";
    if (r.verdict == scenario::Verdict::tolerated)
        c.system_out += "tolerated: an expectation diverged under the fault mix, invariants held\n" + r.failure;
    return c;
}

bool write_junit(const std::string& path, const char* suite, const std::vector<scenario::RunRecord>& records,
                 const char* command) {
    std::vector<scenario::JunitTestcase> cases;
    for (const auto& r : records) cases.push_back(junit_case(r));
    try {
        scenario::write_junit_file(path, suite, cases);
        return true;
    } catch (const std::exception& e) {
        std::cerr << "mgm-sim " << command << ": " << e.what() << "\n";
        return false;
    }
}

// A workload run as a sweep record: its oracle, liveness and invariant failures, coverage points and the
// faults that fired.
scenario::RunRecord workload_record(const SweepInput& input, std::uint64_t seed, const scenario::SweepOptions& options) {
    const scenario::FaultMix mix = workload::workload_fault_mix(*input.workload, seed, options.faults);
    workload::WorkloadOptions run;
    run.store_recycler = options.store_recycler;
    const workload::WorkloadOutcome outcome = workload::run_workload(*input.workload, seed, mix, run);
    scenario::RunRecord record;
    record.file = input.file;
    record.name = input.name;
    record.seed = seed;
    record.verdict = outcome.verdict == workload::WorkloadVerdict::pass ? scenario::Verdict::pass : scenario::Verdict::fail;
    record.failure_kind = outcome.failure_kind;
    record.failure = outcome.failure.empty() ? "" : "  " + outcome.failure_kind + " failure:\n  " + outcome.failure + "\n";
    record.digest = outcome.digest;
    record.fault_mix = mix.describe();
    record.faults_fired = outcome.coverage.faults;
    record.points = outcome.coverage.points;
    record.trace_records = outcome.trace_records;
    record.reproduce = input_reproduce(input, seed, options);
    return record;
}

scenario::RunRecord crash_record(const SweepInput& s, const PlannedRun& run, const scenario::SweepOptions& options,
                                 const std::string& how) {
    scenario::RunRecord record;
    record.file = s.file;
    record.name = s.name;
    record.seed = run.seed;
    record.verdict = scenario::Verdict::fail;
    record.failure_kind = "crash";
    record.failure = "  the run crashed its worker process: " + how +
                     "\n  replay it in this process under a debugger: add --jobs 1 to the reproduce command\n";
    if (options.faults) record.fault_mix = scenario::draw_fault_mix(run.seed).describe();
    record.reproduce = input_reproduce(s, run.seed, options);
    return record;
}

// --materialize / --shrink: each failing run as an explicit scenario, shrunk on request.
struct FailureFiles {
    std::optional<std::string> materialize_dir;
    bool shrink;
    std::string regressions_dir;
    std::chrono::milliseconds budget;
    const scenario::SweepOptions& options;
    std::optional<std::string> reference;
    std::string commit = current_commit();

    void write(const SweepInput& input, const scenario::RunRecord& record) {
        if (record.failure_kind == "crash" || record.failure_kind == "nondeterminism") {
            std::cout << "sweep: " << input.name << " seed " << record.seed << ": a " << record.failure_kind
                      << " is not materialised (replaying it would take this process down or not reproduce);"
                         " use its reproduce command\n";
            return;
        }
        std::ifstream in(input.file, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        const nlohmann::json document = scenario::parse_scenario_json(text.str(), input.file);
        nlohmann::json explicit_run;
        scenario::ShrinkOptions quick;
        if (input.workload) {
            // The run again, recording every action: the explicit file replays it (docs/WORKLOADS.md).
            workload::WorkloadOptions run;
            run.record = true;
            const auto outcome = workload::run_workload(
                *input.workload, record.seed, workload::workload_fault_mix(*input.workload, record.seed, options.faults), run);
            explicit_run = workload::materialise_workload(document, outcome, record.failure_kind, record.reproduce, commit);
            auto recycler = std::make_shared<backend::StoreRecycler>();
            quick.run = [file = input.file, recycler](const nlohmann::json& candidate) {
                workload::WorkloadOptions shrink_run;
                shrink_run.store_recycler = recycler;
                return workload::run_for_shrink(candidate, file, shrink_run);
            };
        } else {
            const scenario::Scenario& s = *input.scenario;
            const scenario::FaultMix mix =
                s.fault_mix ? *s.fault_mix : options.faults ? scenario::draw_fault_mix(record.seed) : scenario::FaultMix{};
            explicit_run = scenario::materialise(document, record.seed, mix, record.failure_kind, record.reproduce, commit);
        }
        explicit_run["name"] = input.name + "-seed" + std::to_string(record.seed);
        quick.budget = std::chrono::milliseconds(0);  // runs the file once: its failure signature
        if (materialize_dir) {
            scenario::ShrinkResult once = scenario::shrink(explicit_run, input.file, quick);
            report(input.name, record, once, *materialize_dir + "/" + explicit_run["name"].get<std::string>() + ".json");
        }
        if (shrink) {
            scenario::ShrinkOptions full = quick;
            full.budget = budget;
            if (reference) full.passes_without_bug = reference_build(*reference);
            scenario::ShrinkResult shrunk = scenario::shrink(explicit_run, input.file, full);
            report(input.name, record, shrunk, regressions_dir + "/" + explicit_run["name"].get<std::string>() + ".json");
        }
    }

    void report(const std::string& name, const scenario::RunRecord& record, scenario::ShrinkResult& result,
                const std::string& path) {
        if (!result.reproduced) {
            std::cout << "sweep: " << name << " seed " << record.seed
                      << ": its explicit scenario does not fail - a harness bug (the run is not fully described by"
                         " its seed and fault mix); please report it with: "
                      << record.reproduce << "\n";
            return;
        }
        result.document["regression"]["failure"] = result.signature;
        if (!write_regression_file(path, result)) {
            std::cout << "sweep: cannot write " << path << "\n";
            return;
        }
        std::cout << "sweep: wrote " << path << " (" << result.steps_before << " -> " << result.steps_after
                  << " steps, " << result.faults_before << " -> " << result.faults_after << " faults, "
                  << static_cast<int>(result.seconds * 10) / 10.0 << " s; " << result.signature << ")\n";
    }
};

// --artifacts DIR: a failing run replayed here (the same seed and fault mix give the same run) with its trace
// and detail lines going to DIR/<name>-seed<N>.jsonl, then drawn as DIR/<name>-seed<N>.html.
void write_artifacts(const std::string& dir, const SweepInput& input, const scenario::RunRecord& record,
                     const scenario::SweepOptions& options) {
    const std::string label = input.name + " seed " + std::to_string(record.seed);
    if (record.failure_kind == "crash") {
        std::cout << "sweep: " << label << ": a crash is not replayed in this process for artifacts; use " << record.reproduce
                  << "\n";
        return;
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const std::string base = (std::filesystem::path(dir) / (input.name + "-seed" + std::to_string(record.seed))).string();
    const std::string trace_path = base + ".jsonl", html_path = base + ".html";
    try {
        if (input.workload) {
            workload::WorkloadOptions run;
            run.store_recycler = options.store_recycler;
            run.trace_file = trace_path;
            run.trace_detail = true;
            const scenario::FaultMix mix = options.faults ? scenario::draw_fault_mix(record.seed) : scenario::FaultMix{};
            const workload::WorkloadOutcome outcome = workload::run_workload(*input.workload, record.seed, mix, run);
            if (outcome.verdict != workload::WorkloadVerdict::pass) {
                std::ofstream out(trace_path, std::ios::binary | std::ios::app);
                out << timeline::failure_line(sim::format_iso8601(outcome.ended_at), outcome.failure_kind, outcome.failure)
                    << "\n";
            }
        } else {
            std::ofstream out(trace_path, std::ios::binary | std::ios::trunc);
            scenario::SweepOptions traced = options;
            traced.trace_sink = &out;
            traced.trace_detail = true;
            const scenario::SeedOutcome outcome = scenario::run_seed(*input.scenario, record.seed, traced);
            if (!outcome.result.passed)
                out << timeline::failure_line(sim::format_iso8601(outcome.result.ended_at), record.failure_kind,
                                              outcome.result.failure)
                    << "\n";
            out.close();
            if (!out) throw std::runtime_error("cannot write " + trace_path);
        }
        std::ifstream in(trace_path, std::ios::binary);
        timeline::write_views(in, label, html_path, "");
    } catch (const std::exception& e) {
        std::cout << "sweep: " << label << ": no artifacts: " << e.what() << "\n";
        return;
    }
    std::cout << "sweep: artifacts of " << label << ": " << trace_path << " " << html_path << "\n";
}

}  // namespace

int sweep_main(int argc, char** argv) {
    std::vector<std::string> inputs;
    std::optional<SeedRange> seeds;
    scenario::SweepOptions options;
    options.store_recycler = std::make_shared<backend::StoreRecycler>();
    bool verbose = false;
    scenario::SummaryOptions summary_options;
    Shard shard;
    bool sharded = false;
    unsigned jobs = default_jobs();
    std::uint64_t rechecks = 2;
    std::optional<std::string> jsonl_path, materialize_dir, junit_path, shrink_reference, artifacts_dir;
    bool shrink_failures = false;
    std::string regressions_dir = "scenarios/regressions";
    std::chrono::milliseconds shrink_budget = std::chrono::minutes(2);
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) {
                std::cerr << "mgm-sim sweep: " << arg << " needs a value\n";
                return std::nullopt;
            }
            return std::string(argv[++i]);
        };
        auto number = [&](std::uint64_t& out) {
            auto v = value();
            if (!v) return false;
            auto n = parse_u64(*v);
            if (!n) {
                std::cerr << "mgm-sim sweep: " << arg << " wants a number, got '" << *v << "'\n";
                return false;
            }
            out = *n;
            return true;
        };
        if (arg == "--seeds") {
            auto v = value();
            if (!v) return 2;
            seeds = parse_seed_range(*v);
            if (!seeds) {
                std::cerr << "mgm-sim sweep: --seeds wants A..B with A <= B (or one seed), got '" << *v << "'\n";
                return 2;
            }
        } else if (arg == "--faults") {
            auto v = value();
            if (!v) return 2;
            if (*v == "random") options.faults = true;
            else if (*v == "none") options.faults = false;
            else {
                std::cerr << "mgm-sim sweep: --faults is random or none, got '" << *v << "'\n";
                return 2;
            }
        } else if (arg == "--strict") {
            options.strict = true;
        } else if (arg == "--max-reports") {
            std::uint64_t n = 0;
            if (!number(n)) return 2;
            summary_options.max_reports = n;
        } else if (arg == "--jobs" || arg == "-j") {
            std::uint64_t n = 0;
            if (!number(n)) return 2;
            if (n == 0) {
                std::cerr << "mgm-sim sweep: --jobs wants at least 1\n";
                return 2;
            }
            jobs = static_cast<unsigned>(n);
        } else if (arg == "--recheck") {
            if (!number(rechecks)) return 2;
        } else if (arg == "--shard") {
            auto v = value();
            if (!v) return 2;
            auto parsed = parse_shard(*v);
            if (!parsed) {
                std::cerr << "mgm-sim sweep: --shard wants K/N with 1 <= K <= N, got '" << *v << "'\n";
                return 2;
            }
            shard = *parsed;
            sharded = true;
        } else if (arg == "--jsonl") {
            jsonl_path = value();
            if (!jsonl_path) return 2;
        } else if (arg == "--require-point") {
            auto v = value();
            if (!v) return 2;
            summary_options.required_points.push_back(*v);
        } else if (arg == "--artifacts") {
            artifacts_dir = value();
            if (!artifacts_dir) return 2;
        } else if (arg == "--materialize") {
            materialize_dir = value();
            if (!materialize_dir) return 2;
        } else if (arg == "--junit") {
            junit_path = value();
            if (!junit_path) return 2;
        } else if (arg == "--shrink") {
            shrink_failures = true;
        } else if (arg == "--shrink-reference") {
            shrink_reference = value();
            if (!shrink_reference) return 2;
        } else if (arg == "--regressions") {
            auto v = value();
            if (!v) return 2;
            regressions_dir = *v;
        } else if (arg == "--shrink-budget") {
            auto v = value();
            if (!v) return 2;
            auto d = scenario::parse_duration(*v);
            if (!d || d->count() <= 0) {
                std::cerr << "mgm-sim sweep: --shrink-budget wants a duration such as 90s, got '" << *v << "'\n";
                return 2;
            }
            shrink_budget = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
        } else if (arg == "-v" || arg == "--verbose") {
            verbose = true;
        } else if (!arg.empty() && arg[0] == '-') {
            std::cerr << "mgm-sim sweep: unknown option '" << arg << "' (see mgm-sim sweep --help)\n";
            return 2;
        } else {
            inputs.emplace_back(arg);
        }
    }
    if (inputs.empty() || !seeds) {
        std::cerr << "mgm-sim sweep: needs scenario files and --seeds A..B (see mgm-sim sweep --help)\n";
        return 2;
    }

    std::vector<SweepInput> scenarios;
    try {
        scenarios = load_inputs(inputs);
    } catch (const scenario::ScenarioError& e) {
        std::cerr << "mgm-sim sweep: " << e.what() << "\n";
        return 2;
    } catch (const workload::WorkloadError& e) {
        std::cerr << "mgm-sim sweep: " << e.what() << "\n";
        return 2;
    }
    std::ofstream jsonl;
    if (jsonl_path) {
        jsonl.open(*jsonl_path, std::ios::trunc);
        if (!jsonl) {
            std::cerr << "mgm-sim sweep: cannot write --jsonl " << *jsonl_path << "\n";
            return 2;
        }
    }

    // The plan: every (input, seed) numbered input-major; a shard keeps every N-th, so each shard gets a
    // similar mix of inputs and seeds. Re-runs of a few of them follow, each in a fresh worker.
    std::vector<PlannedRun> plan;
    std::uint64_t index = 0;
    for (std::size_t input = 0; input < scenarios.size(); ++input)
        for (std::uint64_t seed = seeds->first;; ++seed) {
            if (index % shard.n == shard.k - 1) plan.push_back({input, seed, index, false});
            ++index;
            if (seed == seeds->last) break;
        }
    const std::size_t planned = plan.size();
    const std::size_t recheck_count = std::min<std::size_t>(rechecks, planned);
    for (std::size_t r = 0; r < recheck_count; ++r) {  // evenly spread over the shard, the first one included
        PlannedRun again = plan[r * planned / recheck_count];
        again.recheck = true;
        plan.push_back(again);
    }

    auto execute = [&](const PlannedRun& run) {
        const SweepInput& input = scenarios[run.input];
        const auto started = std::chrono::steady_clock::now();
        scenario::RunRecord record;
        if (input.workload) {
            record = workload_record(input, run.seed, options);
        } else {
            scenario::SeedOutcome outcome = scenario::run_seed(*input.scenario, run.seed, options);
            record = scenario::make_record(input.file, input.name, outcome, options);
        }
        record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return record;
    };
    auto stamp = [&](scenario::RunRecord& record, const PlannedRun& run) {
        record.run = run.index;
        record.recheck = run.recheck;
        if (sharded) record.shard = std::to_string(shard.k) + "/" + std::to_string(shard.n);
    };

    const bool tty = isatty(STDOUT_FILENO) != 0 && !verbose;
    std::vector<std::optional<scenario::RunRecord>> results(plan.size());
    std::size_t done = 0, emitted = 0, tolerated = 0, failed = 0;
    // Records leave in plan order whatever order the workers finish in: --jsonl and -v read like a 1-job run.
    auto emit_ready = [&] {
        while (emitted < results.size() && results[emitted]) {
            const scenario::RunRecord& r = *results[emitted];
            if (jsonl) jsonl << scenario::to_line(r) << "\n";
            if (verbose) {
                std::cout << scenario::to_string(r.verdict) << " " << r.name << " seed " << r.seed
                          << (r.recheck ? " (re-run)" : "") << " (" << r.fault_mix << ")";
                if (!r.faults_fired.empty()) {
                    std::cout << ", fired:";
                    for (const auto& [name, n] : r.faults_fired) std::cout << " " << name << "=" << n;
                }
                std::cout << ", " << r.trace_records << " trace records, " << r.invariant_checks
                          << " invariant checks, digest " << r.digest.substr(0, 16) << "\n";
            }
            ++emitted;
        }
    };
    auto finished = [&](std::size_t job, scenario::RunRecord record) {
        stamp(record, plan[job]);
        ++done;
        if (record.verdict == scenario::Verdict::tolerated) ++tolerated;
        if (record.verdict == scenario::Verdict::fail) ++failed;
        results[job] = std::move(record);
        emit_ready();
        if (tty) {
            const PlannedRun& next = plan[std::min(done, plan.size() - 1)];
            draw_progress(done, plan.size(), tolerated, failed,
                          scenarios[next.input].name + " seed " + std::to_string(next.seed));
        }
    };

    if (jobs <= 1 || plan.size() <= 1) {
        for (std::size_t job = 0; job < plan.size(); ++job) finished(job, execute(plan[job]));
    } else {
        std::vector<std::size_t> all(plan.size());
        for (std::size_t job = 0; job < plan.size(); ++job) all[job] = job;
        try {
            scenario::run_in_workers(
                all, jobs,
                [&](std::size_t job) {
                    const scenario::RunRecord record = execute(plan[job]);
                    nlohmann::json line = scenario::to_json(record);
                    line["seconds"] = record.seconds;  // for --junit; --jsonl leaves it out
                    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
                },
                [&](std::size_t job, const scenario::JobResult& result) {
                    const PlannedRun& run = plan[job];
                    if (result.crashed) {
                        finished(job, crash_record(scenarios[run.input], run, options, result.crash));
                        return;
                    }
                    try {
                        finished(job, scenario::record_from_json(nlohmann::json::parse(result.output)));
                    } catch (const std::exception& e) {
                        finished(job, crash_record(scenarios[run.input], run, options,
                                                   std::string("its answer was unreadable: ") + e.what()));
                    }
                });
        } catch (const std::exception& e) {
            std::cerr << "mgm-sim sweep: " << e.what() << "\n";
            return 2;
        }
    }
    if (tty) std::cout << "\r\x1b[K";
    if (jsonl && !jsonl.flush()) {
        std::cerr << "mgm-sim sweep: writing --jsonl " << *jsonl_path << " failed\n";
        return 2;
    }

    std::vector<scenario::RunRecord> records;
    for (auto& r : results) records.push_back(std::move(*r));
    if (sharded)
        std::cout << "shard " << shard.k << "/" << shard.n << ": " << planned << " of " << index << " runs\n";
    scenario::SweepSummary summary = scenario::summarize(records, summary_options, std::cout);
    if (junit_path && !write_junit(*junit_path, "mgm-sim sweep", records, "sweep")) return 2;
    if (recheck_count > 0 && summary.nondeterministic == 0)
        std::cout << "sweep: " << recheck_count << " run(s) re-run in a fresh process gave the same digests\n";
    if (artifacts_dir) {
        // Each is a replay in this process: a bug that fails every seed should not double the sweep's time.
        constexpr std::size_t kMaxArtifacts = 20;
        std::size_t failing = 0;
        for (const auto& record : records) {
            if (record.verdict != scenario::Verdict::fail || record.recheck) continue;
            if (++failing > kMaxArtifacts) continue;
            for (const auto& input : scenarios)
                if (input.file == record.file) write_artifacts(*artifacts_dir, input, record, options);
        }
        if (failing == 0) std::cout << "sweep: no failing run, nothing written to " << *artifacts_dir << "\n";
        if (failing > kMaxArtifacts)
            std::cout << "sweep: artifacts written for the first " << kMaxArtifacts << " of " << failing
                      << " failing runs (replay the others with their reproduce commands and mgm-sim run --html)\n";
    }
    if (materialize_dir || shrink_failures) {
        FailureFiles files{materialize_dir, shrink_failures, regressions_dir, shrink_budget, options, shrink_reference};
        for (const auto& record : records) {
            if (record.verdict != scenario::Verdict::fail) continue;
            for (const auto& input : scenarios)
                if (input.file == record.file) files.write(input, record);
        }
    }
    return summary.ok() ? 0 : 1;
}

int sweep_merge_main(int argc, char** argv) {
    scenario::SummaryOptions summary_options;
    summary_options.check_shards = true;
    std::optional<std::string> merge_junit;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if ((arg == "--max-reports" || arg == "--require-point" || arg == "--junit") && i + 1 >= argc) {
            std::cerr << "mgm-sim sweep-merge: " << arg << " needs a value\n";
            return 2;
        }
        if (arg == "--max-reports") {
            auto n = parse_u64(argv[++i]);
            if (!n) {
                std::cerr << "mgm-sim sweep-merge: --max-reports wants a number, got '" << argv[i] << "'\n";
                return 2;
            }
            summary_options.max_reports = *n;
        } else if (arg == "--require-point") {
            summary_options.required_points.emplace_back(argv[++i]);
        } else if (arg == "--junit") {
            merge_junit = argv[++i];
        } else if (!arg.empty() && arg[0] == '-') {
            std::cerr << "mgm-sim sweep-merge: unknown option '" << arg << "' (see mgm-sim sweep-merge --help)\n";
            return 2;
        } else {
            files.emplace_back(arg);
        }
    }
    if (files.empty()) {
        std::cerr << "mgm-sim sweep-merge: needs the --jsonl files of a sweep's shards\n";
        return 2;
    }
    std::vector<scenario::RunRecord> records;
    for (const auto& file : files) {
        std::ifstream in(file);
        if (!in) {
            std::cerr << "mgm-sim sweep-merge: cannot read " << file << "\n";
            return 2;
        }
        std::string line;
        for (std::size_t number = 1; std::getline(in, line); ++number) {
            if (line.empty()) continue;
            try {
                records.push_back(scenario::record_from_json(nlohmann::json::parse(line)));
            } catch (const std::exception& e) {
                std::cerr << "mgm-sim sweep-merge: " << file << ":" << number << ": " << e.what() << "\n";
                return 2;
            }
        }
    }
    // The order of the unsharded sweep, each re-run right after its original (the report lists failures
    // first on its own).
    std::stable_sort(records.begin(), records.end(), [](const scenario::RunRecord& a, const scenario::RunRecord& b) {
        return std::make_tuple(a.run, a.recheck) < std::make_tuple(b.run, b.recheck);
    });
    std::cout << "sweep-merge: " << records.size() << " records from " << files.size() << " file(s)\n";
    scenario::SweepSummary summary = scenario::summarize(records, summary_options, std::cout);
    if (merge_junit && !write_junit(*merge_junit, "mgm-sim sweep-merge", records, "sweep-merge")) return 2;
    return summary.ok() ? 0 : 1;
}

}  // namespace mgm::harness::cli

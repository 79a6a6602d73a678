#include "harness/scenario/sweep_report.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <tuple>

namespace mgm::harness::scenario {

using scenario::RunRecord;
using scenario::Verdict;

namespace {

struct FileCounts {
    std::size_t runs = 0, passed = 0, tolerated = 0, failed = 0;
    std::map<std::string, std::size_t> deviations;  // known deviation -> runs that showed it
};

std::string short_digest(const std::string& digest) { return digest.substr(0, 16); }

// A re-run that disagrees with its original, or two records of one (file, seed) that disagree, mark the
// original as failed: the same seed must give the same trace.
std::size_t fold_duplicates(std::vector<RunRecord>& records) {
    std::map<std::pair<std::string, std::uint64_t>, std::size_t> first;  // (file, seed) -> index of the original
    std::vector<RunRecord> kept;
    std::size_t conflicts = 0;
    for (auto& r : records) {
        auto key = std::make_pair(r.file, r.seed);
        auto it = first.find(key);
        if (it == first.end()) {
            if (r.recheck) continue;  // its original is in another shard's file: nothing to compare with
            first.emplace(key, kept.size());
            kept.push_back(std::move(r));
            continue;
        }
        RunRecord& original = kept[it->second];
        if (r.digest == original.digest && r.verdict == original.verdict) continue;
        ++conflicts;
        original.failure = "the same seed gave two different traces: digest " + short_digest(original.digest) + " (" +
                           scenario::to_string(original.verdict) + ") and " + short_digest(r.digest) + " (" +
                           scenario::to_string(r.verdict) + ")" + (r.recheck ? " on a re-run" : " in another record") +
                           "; a determinism bug (docs/RELIABILITY.md: nondeterminism)\n" + original.failure;
        original.failure_kind = "nondeterminism";
        original.verdict = Verdict::fail;
    }
    records = std::move(kept);
    return conflicts;
}

std::vector<std::string> missing_shards(const std::vector<RunRecord>& records) {
    std::map<std::uint64_t, std::set<std::uint64_t>> seen;  // N -> K seen
    for (const auto& r : records) {
        auto slash = r.shard.find('/');
        if (slash == std::string::npos) continue;
        seen[std::stoull(r.shard.substr(slash + 1))].insert(std::stoull(r.shard.substr(0, slash)));
    }
    std::vector<std::string> missing;
    for (const auto& [n, ks] : seen)
        for (std::uint64_t k = 1; k <= n; ++k)
            if (!ks.count(k)) missing.push_back(std::to_string(k) + "/" + std::to_string(n));
    return missing;
}

void print_counts(std::ostream& out, const char* title, const std::map<std::string, std::pair<std::size_t, std::uint64_t>>& counts,
                  std::size_t runs) {
    if (counts.empty()) return;
    out << title << " (runs that reached it of " << runs << ", total hits):\n";
    for (const auto& [name, c] : counts) out << "  " << name << ": " << c.first << " runs, " << c.second << "\n";
}

}  // namespace

SweepSummary summarize(std::vector<RunRecord>& records, const SummaryOptions& options, std::ostream& out) {
    SweepSummary summary;
    if (options.check_shards) summary.missing_shards = missing_shards(records);
    summary.nondeterministic = fold_duplicates(records);

    std::vector<std::string> order;
    std::map<std::string, FileCounts> files;
    std::map<std::string, std::pair<std::size_t, std::uint64_t>> points, fired;
    std::size_t deviating = 0;
    std::uint64_t trace_records = 0, checks = 0;
    for (const auto& r : records) {
        auto [it, inserted] = files.try_emplace(r.name);
        if (inserted) order.push_back(r.name);
        FileCounts& f = it->second;
        ++f.runs, ++summary.runs;
        switch (r.verdict) {
        case Verdict::pass: ++f.passed, ++summary.passed; break;
        case Verdict::tolerated: ++f.tolerated, ++summary.tolerated; break;
        case Verdict::fail: ++f.failed, ++summary.failed; break;
        }
        for (const auto& d : r.known_deviations) ++f.deviations[d];
        if (!r.known_deviations.empty()) ++deviating;
        for (const auto& [name, n] : r.points) ++points[name].first, points[name].second += n;
        for (const auto& [name, n] : r.faults_fired) ++fired[name].first, fired[name].second += n;
        trace_records += r.trace_records;
        checks += r.invariant_checks;
    }
    for (const auto& name : order) {
        const FileCounts& f = files[name];
        out << name << ": " << f.runs << " seeds, " << f.passed << " passed, " << f.tolerated << " tolerated, "
            << f.failed << " failed\n";
        // Tolerated, documented departures (docs/RELIABILITY.md §1) are shown, never silently swallowed.
        for (const auto& [deviation, seen] : f.deviations)
            out << "  known deviation (" << seen << " of " << f.runs << " seeds): " << deviation << "\n";
    }
    out << "\nsweep: " << summary.runs << " runs, " << summary.passed << " passed, " << summary.tolerated
        << " tolerated (expectation diverged under faults, invariants held), " << summary.failed << " failed; "
        << trace_records << " trace records, " << checks << " invariant checks\n";
    if (deviating > 0)
        out << "sweep: " << deviating << " run(s) showed a known deviation (listed above; docs/RELIABILITY.md)\n";
    print_counts(out, "\ncoverage points", points, summary.runs);
    print_counts(out, "\nfaults that fired", fired, summary.runs);
    for (const auto& point : options.required_points)
        if (!points.count(point)) summary.missing_points.push_back(point);

    // Failing runs first: the full report of the first few, the reproduce command of every one.
    std::size_t shown = 0;
    for (const auto& r : records) {
        if (r.verdict != Verdict::fail) continue;
        if (shown++ < options.max_reports)
            out << "\nFAIL " << r.name << " seed " << r.seed << " (" << r.fault_mix << ")\n" << r.failure;
        out << "  reproduce: " << r.reproduce << "\n";
    }
    if (summary.nondeterministic > 0)
        out << "\nsweep: " << summary.nondeterministic << " seed(s) gave two different traces (listed above)\n";
    for (const auto& point : summary.missing_points)
        out << "sweep: required coverage point '" << point << "' was never reached\n";
    for (const auto& shard : summary.missing_shards)
        out << "sweep: shard " << shard << " has no records (a lost or unfinished job?)\n";
    return summary;
}

}  // namespace mgm::harness::scenario

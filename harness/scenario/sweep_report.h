// The summary of a sweep's run records, shared by `mgm-sim sweep` (its own records) and `mgm-sim sweep-merge`
// (records of many shards): per-file counts, known deviations, failing runs first with their reproduce
// commands, coverage points and the faults that actually fired, and the checks that only a whole sweep can
// make (a seed that gave two digests, a shard that never reported).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "harness/scenario/sweep.h"

namespace mgm::harness::scenario {

struct SummaryOptions {
    std::size_t max_reports = 3;  // full failure reports printed; every failure's reproduce line is printed
    std::vector<std::string> required_points;  // coverage points every sweep must reach at least once
    bool check_shards = false;  // merge: every K of each K/N must have reported
};

struct SweepSummary {
    std::size_t runs = 0, passed = 0, tolerated = 0, failed = 0;
    std::size_t nondeterministic = 0;  // seeds whose re-run (or a second record) gave another digest
    std::vector<std::string> missing_points;
    std::vector<std::string> missing_shards;
    bool ok() const { return failed == 0 && nondeterministic == 0 && missing_points.empty() && missing_shards.empty(); }
};

// Folds determinism re-runs into their originals (a differing digest becomes a failure of kind
// "nondeterminism"), prints the report, and returns the totals. Records are printed in the order given.
SweepSummary summarize(std::vector<scenario::RunRecord>& records, const SummaryOptions& options, std::ostream& out);

}  // namespace mgm::harness::scenario

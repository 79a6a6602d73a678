// Runs independent jobs (sweep runs) in forked worker processes, so a sweep uses every core and a run that
// crashes the process is reported as that run's failure instead of ending the sweep. Each worker is a fresh
// fork of the parent before any World exists, so runs stay as deterministic as in-process ones.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace mgm::harness::scenario {

struct JobResult {
    bool crashed = false;  // the worker died during the job (signal or exit) before answering
    std::string output;  // the job's one-line answer when !crashed
    std::string crash;  // "killed by signal 6 (Aborted)" when crashed
};

// Calls `work(job)` in a worker for every job in `jobs` (at most `workers` at a time) and `done(job, result)`
// in the parent as each one finishes, in completion order. `work` returns one line (no '\n').
void run_in_workers(const std::vector<std::size_t>& jobs, unsigned workers,
                    const std::function<std::string(std::size_t job)>& work,
                    const std::function<void(std::size_t job, const JobResult& result)>& done);

}  // namespace mgm::harness::scenario

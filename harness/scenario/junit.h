// JUnit XML reports for CI systems: one <testcase> per scenario run (mgm-sim run --junit) or per seed (sweep),
// the failure report as the failure's text, its headline as the message, the reproduce command and the trace
// digest as properties and in <system-out>. The format is the one GitLab, Jenkins, GitHub Actions reporters and
// ctest --output-junit share (docs/SCENARIOS.md, "CI reports").
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "harness/scenario/runner.h"

namespace mgm::harness::scenario {

struct JunitTestcase {
    enum class Outcome { passed, failed, error, skipped };
    std::string classname;  // groups testcases in a CI system's view: "scenarios", "sweep.natural-cycle"
    std::string name;  // "natural-cycle", "natural-cycle seed 137"
    std::string file;  // the scenario file
    double seconds = 0;  // wall-clock time of the run
    Outcome outcome = Outcome::passed;
    std::string message;  // one line: what did not hold
    std::string type;  // the failure's kind: "step", "invariant", "internal", ...
    std::string details;  // the whole failure report
    std::string system_out;  // reproduce command, digest, anything a reader wants beside the verdict
    std::vector<std::pair<std::string, std::string>> properties;  // ("digest", "..."), ("reproduce", "...")
};

// A testcase for one scenario run: the failure report as details, its "expected vs actual" line as the message,
// the seed, digest and `reproduce` command as properties and in system-out.
JunitTestcase junit_testcase(const RunResult& result, const std::string& reproduce, double seconds);

// The whole document: <testsuites> with one <testsuite name=suite> holding `cases`, counts and times summed.
std::string junit_xml(const std::string& suite, const std::vector<JunitTestcase>& cases);
// Writes junit_xml to `path`; throws std::runtime_error naming the path when it cannot.
void write_junit_file(const std::string& path, const std::string& suite, const std::vector<JunitTestcase>& cases);

}  // namespace mgm::harness::scenario

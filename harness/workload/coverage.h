// What a workload run reached: named coverage points ("sometimes" assertions: an offline candidate, a 429 and
// its recovery, a Helix retry, ...) and the faults that actually fired (a dropped connection, a refused
// connect, a partition, an injected Helix failure). Kept apart from the runner so a sweep can count and merge
// them across runs without knowing how a workload runs. docs/WORKLOADS.md lists every point.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mgm::harness::workload {

struct Coverage {
    std::map<std::string, std::uint64_t> points;  // point name -> times reached in the run (or runs, merged)
    std::map<std::string, std::uint64_t> faults;  // fault kind -> times it fired

    void reach(const std::string& point, std::uint64_t times = 1) { points[point] += times; }
    void fired(const std::string& fault, std::uint64_t times = 1) { faults[fault] += times; }
    bool reached(const std::string& point) const {
        auto it = points.find(point);
        return it != points.end() && it->second > 0;
    }
    // Adds another run's counts (a sweep's totals).
    void merge(const Coverage& other) {
        for (const auto& [name, n] : other.points) points[name] += n;
        for (const auto& [name, n] : other.faults) faults[name] += n;
    }
};

// Every point a workload can report, in a stable order (what a sweep prints, reached or not).
const std::vector<std::string>& coverage_point_names();

}  // namespace mgm::harness::workload

// Finds where a rerun of the same seed leaves the first run's path, without keeping either trace: the first
// run keeps one 64-bit fingerprint per trace record, the rerun compares each of its records as it is written
// and keeps the first one that differs with the few records before it (`mgm-sim run --twice`).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/trace/trace.h"

namespace mgm::harness {
class World;
}

namespace mgm::harness::scenario {

class DivergenceProbe {
public:
    explicit DivergenceProbe(std::size_t context = 5) : context_(context) {}

    // Attach to the first run's World (records fingerprints), then to the rerun's (compares them).
    void record(harness::World& world);
    void compare(harness::World& world);

    // After the rerun: "record 1234 (2026-...Z ebs event payout.created) is the first that differs: ..."
    // with the shared records before it; nullopt when every record matched and the counts agree.
    std::optional<std::string> report() const;

private:
    void on_record(const std::string& line);
    std::size_t context_;
    bool comparing_ = false;
    std::vector<std::uint64_t> fingerprints_;  // the first run's, one per record
    std::uint64_t compared_ = 0;  // records of the rerun seen so far
    std::deque<std::string> recent_;  // the rerun's last records before the divergence
    std::optional<std::string> divergent_;  // the rerun's first differing record
    std::uint64_t divergent_index_ = 0;
    sim::Trace::Subscription subscription_;
};

}  // namespace mgm::harness::scenario

#include "harness/scenario/divergence_probe.h"

#include <nlohmann/json.hpp>

#include "harness/world/world.h"

namespace mgm::harness::scenario {

namespace {

std::uint64_t fnv1a(const std::string& text) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

}  // namespace

void DivergenceProbe::record(harness::World& world) {
    comparing_ = false;
    fingerprints_.clear();
    subscription_ = world.trace().add_listener([this](const nlohmann::json& r) { on_record(r.dump()); });
}

void DivergenceProbe::compare(harness::World& world) {
    comparing_ = true;
    compared_ = 0;
    recent_.clear();
    divergent_.reset();
    subscription_ = world.trace().add_listener([this](const nlohmann::json& r) { on_record(r.dump()); });
}

void DivergenceProbe::on_record(const std::string& line) {
    if (!comparing_) {
        fingerprints_.push_back(fnv1a(line));
        return;
    }
    if (divergent_) return;
    const std::uint64_t index = compared_++;
    if (index >= fingerprints_.size() || fingerprints_[index] != fnv1a(line)) {
        divergent_ = line;
        divergent_index_ = index + 1;
        return;
    }
    recent_.push_back(line);
    if (recent_.size() > context_) recent_.pop_front();
}

std::optional<std::string> DivergenceProbe::report() const {
    std::string text;
    if (divergent_) {
        text = "  the rerun left the first run's path at trace record " + std::to_string(divergent_index_) + " of " +
               std::to_string(fingerprints_.size()) + "; the rerun wrote:\n    " + *divergent_ +
               "\n  (the first run wrote something else there; compare both with --trace and mgm-sim diff-trace)\n";
    } else if (compared_ != fingerprints_.size()) {
        text = "  every record matched, but the first run wrote " + std::to_string(fingerprints_.size()) +
               " records and the rerun " + std::to_string(compared_) + "\n";
    } else {
        return std::nullopt;
    }
    if (!recent_.empty()) {
        text += "  the records before it, the same in both runs:\n";
        for (const auto& line : recent_) text += "    " + line + "\n";
    }
    return text;
}

}  // namespace mgm::harness::scenario

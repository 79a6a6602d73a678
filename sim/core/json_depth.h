// A bound on JSON nesting, checked on the raw text before any parser or copy recurses into it. Every service
// (the EBS and the mocks) applies it to what it parses from the network, like System.Text.Json's default
// MaxDepth of 64: a body of 80,000 nested arrays is refused instead of overflowing the stack.
#pragma once

#include <string_view>

namespace mgm::sim {

inline constexpr int kJsonMaxDepth = 64;  // System.Text.Json's JsonReaderOptions default

// False when arrays/objects nest deeper than max_depth (string contents are skipped).
bool json_nesting_within(std::string_view text, int max_depth = kJsonMaxDepth);

}  // namespace mgm::sim

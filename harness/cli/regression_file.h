// Writing a shrunk failing scenario as a regression file (scenarios/regressions/<name>.json): a header comment
// a person reads first (what fails, how it was found, the commit), then the scenario itself.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/scenario/shrink.h"

namespace mgm::harness::cli {

// scenarios/regressions/<name>.json, the name from the document ("name") or the input file's stem.
std::string default_regression_path(const nlohmann::json& document, const std::string& input);
bool write_regression_file(const std::string& path, const scenario::ShrinkResult& result);
// The commit being tested (`git rev-parse --short HEAD` in the working directory), or "" outside a checkout.
std::string current_commit();
// ShrinkOptions::passes_without_bug through another build: writes the candidate to a temporary file and runs
// `REFERENCE run FILE`; passes when it exits 0.
std::function<bool(const nlohmann::json&)> reference_build(const std::string& mgm_sim);

}  // namespace mgm::harness::cli

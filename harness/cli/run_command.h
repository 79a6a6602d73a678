// `mgm-sim run FILE...`: replays scenario files (harness/scenario) and prints each one's result and digest.
#pragma once

#include <iosfwd>

namespace mgm::harness::cli {

int run_main(int argc, char** argv);
void run_help(std::ostream& out);

}  // namespace mgm::harness::cli

// `mgm-sim run FILE...`: replays scenario files (sim/scenario) and prints each one's result and digest.
#pragma once

#include <iosfwd>

namespace mgm::cli {

int run_main(int argc, char** argv);
void run_help(std::ostream& out);

}  // namespace mgm::cli

// The scenario language's step verbs in one table: each verb's name, its validation when the file is
// loaded, its execution, and whether it may run over real sockets (--target real, "portable" files).
// Adding a verb: a StepKind value (scenario.h), one row in verbs.cpp, its validate/run functions in the file
// of its concern (steps.h lists them), its line in docs/SCENARIOS.md, and an example step in
// test/scenario/verbs_test.cpp (which fails without one).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/scenario/scenario.h"

namespace mgm::harness::scenario {

class RunContext;
struct StepValidation;

// Where a verb (or an assert check) may run: also over real sockets (--target real, so a "portable" file may
// use it), or only in the simulation (it moves the clock or reads simulated state).
enum class Reach { real_sockets, simulation_only };

// When a step's variables are substituted: the whole step before it runs, or (repeat) each nested step as
// it runs, since the counter changes between them.
enum class Substitution { whole_step, nested_steps };

struct Verb {
    StepKind kind;
    std::string_view name;  // the step's verb key
    // Load time: the step's shape (keys, types, durations, instants). Throws ScenarioError (file:line).
    void (*validate)(const StepValidation& step);
    // Run time: `spec` is the step object, its variables substituted as `substitution` says.
    void (*execute)(RunContext& run, const Step& step, const nlohmann::json& spec);
    // Checked at load (portable files) and before the step runs. Parts of a step that may otherwise run over
    // real sockets can still need the simulation (an assert's store checks): `needs_simulation` says so.
    Reach reach;
    bool (*needs_simulation)(const nlohmann::json& spec) = nullptr;
    // What follows the verb in a step's one-line summary; nullptr: the verb's value as compact JSON.
    std::string (*detail)(const nlohmann::json& spec, const nlohmann::json& value) = nullptr;
    Substitution substitution = Substitution::whole_step;
};

// In the order messages list them.
const std::vector<Verb>& verbs();
const Verb& verb(StepKind kind);
// The step needs the simulation target: its verb never runs over real sockets, or this use of it does not.
bool needs_simulation(const Step& step);

}  // namespace mgm::harness::scenario

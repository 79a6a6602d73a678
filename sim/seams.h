// Everything business code (backend/, fakes/) may use to touch time, randomness, the network and the
// trace. Handed in by the World; never reach around it (the determinism tripwire test enforces this).
// The top floor of sim/: it may include every floor below, and stays free of Boost.Asio so that business
// code neither pays for Asio's headers nor gets a handle on the event loop.
#pragma once

#include "sim/clock/clock.h"
#include "sim/core/rng.h"
#include "sim/network/network.h"
#include "sim/trace/log.h"
#include "sim/trace/trace.h"

namespace mgm::sim {

struct Seams {
    Clock& clock;
    Scheduler& scheduler;
    Network& network;
    Rng rng;  // already derived for this component (World: root.derive("ebs"))
    Trace& trace;
    const Log& log;
};

}  // namespace mgm::sim

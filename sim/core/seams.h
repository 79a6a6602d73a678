// Everything business code (backend/, fakes/) may use to touch time, randomness, the network and the
// trace. Handed in by the World; never reach around it (the determinism tripwire test enforces this).
#pragma once

#include <boost/asio/io_context.hpp>

#include "sim/clock/clock.h"
#include "sim/core/log.h"
#include "sim/core/rng.h"
#include "sim/network/network.h"
#include "sim/trace/trace.h"

namespace mgm::sim {

struct Seams {
    Clock& clock;
    Scheduler& scheduler;
    Network& network;
    Rng rng;          // already derived for this component (World: root.derive("ebs"))
    Trace& trace;
    const Log& log;
};

}  // namespace mgm::sim

// What every domain service needs: configuration, the store, the clock, trace and log (no randomness:
// services that draw get their own derived sim::Rng).
#pragma once

#include "backend/config.h"
#include "backend/domain/store.h"
#include "sim/clock/clock.h"
#include "sim/trace/log.h"
#include "sim/trace/trace.h"

namespace mgm::backend {

struct ServiceContext {
    const EbsConfig& config;
    Store& store;
    const sim::Clock& clock;
    sim::Trace& trace;
    const sim::Log& log;
};

// Actor name used for every EBS trace event and log line.
inline constexpr const char* kEbsActor = "ebs";

}  // namespace mgm::backend

// The whole EBS domain in one object: every service wired to one store, clock, trace, log and Helix
// gateway, plus the workers. backend/ebs.cpp builds one and puts the HTTP surface on top.
#pragma once

#include "backend/domain/chat_events.h"
#include "backend/domain/enrollment_service.h"
#include "backend/domain/gift_service.h"
#include "backend/domain/payout_service.h"
#include "backend/domain/roulette.h"
#include "backend/domain/workers.h"

namespace mgm::backend {

class Domain {
public:
    // `rng` is this EBS's generator; each drawing service gets rng.derive("roulette") / derive("gift").
    Domain(ServiceContext ctx, sim::Scheduler& scheduler, const sim::Rng& rng, HelixGateway& helix)
        : enrollment(ctx),
          roulette(ctx, rng.derive("roulette")),
          payouts(ctx, helix),
          gifts(ctx, rng.derive("gift"), helix),
          chat(ctx, enrollment, gifts),
          workers(scheduler, ctx.log, roulette, payouts, gifts) {}

    EnrollmentService enrollment;
    RouletteService roulette;
    PayoutService payouts;
    GiftService gifts;
    ChatEventHandler chat;
    Workers workers;
};

}  // namespace mgm::backend

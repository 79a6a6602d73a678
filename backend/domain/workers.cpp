#include "backend/domain/workers.h"

#include <exception>

namespace mgm::backend {

void Workers::start() {
    if (running_) return;
    running_ = true;
    // First run "immediately" (delay 0, from the loop), in the reference's registration order.
    synchronizer_timer_ = scheduler_.after(sim::Duration::zero(), "roulette.tick", [this] { run_synchronizer(); });
    expiration_timer_ = scheduler_.after(sim::Duration::zero(), "payout.expiration", [this] { run_expiration(); });
    gift_timer_ = scheduler_.after(sim::Duration::zero(), "gift.timeouts", [this] { run_gift_timeouts(); });
}

void Workers::stop() {
    if (!running_) return;
    running_ = false;
    scheduler_.cancel(synchronizer_timer_);
    scheduler_.cancel(expiration_timer_);
    scheduler_.cancel(gift_timer_);
    synchronizer_timer_ = expiration_timer_ = gift_timer_ = sim::TimerHandle{};
}

void Workers::run_synchronizer() {
    if (!running_) return;
    try {
        roulette_.tick();
    } catch (const std::exception& e) {
        log_.error("ebs", std::string("roulette synchronizer tick failed: ") + e.what());
    }
    if (running_)
        synchronizer_timer_ = scheduler_.after(kSynchronizerPeriod, "roulette.tick", [this] { run_synchronizer(); });
}

void Workers::run_expiration() {
    if (!running_) return;
    try {
        payouts_.expire_stale();
    } catch (const std::exception& e) { log_.error("ebs", std::string("payout expiration sweep failed: ") + e.what()); }
    if (running_)
        expiration_timer_ = scheduler_.after(kExpirationPeriod, "payout.expiration", [this] { run_expiration(); });
}

void Workers::run_gift_timeouts() {
    if (!running_) return;
    try {
        gifts_.sweep_timeouts();
    } catch (const std::exception& e) { log_.error("ebs", std::string("gift timeout sweep failed: ") + e.what()); }
    if (running_) gift_timer_ = scheduler_.after(kGiftTimeoutPeriod, "gift.timeouts", [this] { run_gift_timeouts(); });
}

}  // namespace mgm::backend

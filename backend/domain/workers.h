// The three background workers on the Scheduler (docs/CONTRACT.md §6): first run right after start(),
// then roulette synchronizer every 1 s, payout expiration every 1 h, gift timeouts every 5 s. Each run's
// exceptions are logged and the loop continues. stop() cancels the pending timers.
#pragma once

#include "backend/domain/gift_service.h"
#include "backend/domain/payout_service.h"
#include "backend/domain/roulette.h"
#include "sim/clock/clock.h"
#include "sim/trace/log.h"

namespace mgm::backend {

inline constexpr sim::Duration kSynchronizerPeriod = std::chrono::seconds(1);
inline constexpr sim::Duration kExpirationPeriod = std::chrono::hours(1);
inline constexpr sim::Duration kGiftTimeoutPeriod = std::chrono::seconds(5);

// Timer labels: "roulette.tick", "payout.expiration", "gift.timeouts".
class Workers {
public:
    Workers(sim::Scheduler& scheduler, const sim::Log& log, RouletteService& roulette, PayoutService& payouts,
            GiftService& gifts)
        : scheduler_(scheduler), log_(log), roulette_(roulette), payouts_(payouts), gifts_(gifts) {}
    ~Workers() { stop(); }
    Workers(const Workers&) = delete;
    Workers& operator=(const Workers&) = delete;

    // Schedules the first run of each worker "now" (delay 0, FIFO: synchronizer, expiration, gifts).
    void start();
    void stop();
    bool running() const { return running_; }

private:
    void run_synchronizer();
    void run_expiration();
    void run_gift_timeouts();

    sim::Scheduler& scheduler_;
    const sim::Log& log_;
    RouletteService& roulette_;
    PayoutService& payouts_;
    GiftService& gifts_;
    bool running_ = false;
    sim::TimerHandle synchronizer_timer_;
    sim::TimerHandle expiration_timer_;
    sim::TimerHandle gift_timer_;
};

}  // namespace mgm::backend

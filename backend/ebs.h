// The EBS (extension backend service) as one object: store, services, workers and the HTTP surface.
// It touches time, randomness and the network only through the Seams it is given.
#pragma once

#include <functional>
#include <memory>

#include "backend/config.h"
#include "sim/seams.h"
#include "sim/http/message.h"

namespace mgm::backend {

class Store;
class StoreRecycler;

class Ebs {
public:
    // Validates the configuration (throws ConfigError, D10) and opens the store (runs migrations). With a
    // recycler, an in-memory store ("Mgm:SqlitePath" unset) comes from it and goes back to it afterwards.
    Ebs(EbsConfig config, sim::Seams seams, std::shared_ptr<StoreRecycler> recycler = nullptr);
    ~Ebs();
    Ebs(const Ebs&) = delete;
    Ebs& operator=(const Ebs&) = delete;

    // Starts the three background workers on the Scheduler (first runs immediately, as the reference):
    // roulette synchronizer (1 s), payout expiration (1 h), gift timeouts (5 s).
    void start();
    void stop();

    // The whole HTTP pipeline (routing, auth, rate limiter, handlers); plug into http::Server.
    void handle(const http::Request& request, std::function<void(http::Response)> respond);

    const EbsConfig& config() const;
    Store& store();  // read access for assertions and invariant checks

    struct Parts;

private:
    std::unique_ptr<Parts> parts_;
};

}  // namespace mgm::backend

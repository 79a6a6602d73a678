// Builds a World from the installed package, asks the EBS its version and runs to the first boundary.
#include <iostream>

#include "backend/domain/roulette.h"
#include "harness/world/driver.h"
#include "harness/world/world.h"
#include "sim/clock/sim_loop.h"

int main() {
    using namespace mgm;
    harness::World world(harness::WorldConfig{});
    auto version = world.driver().get(world.url(harness::Service::ebs) + "/api/version");
    if (!version.ok() || version.response->status != 200) {
        std::cerr << "consumer: GET /api/version failed: " << version.describe() << "\n";
        return 1;
    }
    world.loop().run_until(backend::next_5_minute_boundary(world.clock().now()));
    std::cout << "consumer: " << version.response->body << " at " << sim::format_iso8601(world.clock().now()) << "\n";
    return 0;
}

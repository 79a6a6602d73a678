// Benchmark: schedule N timers at random deadlines (seeded) and fire them all through VirtualClock +
// SimLoop. Prints the wall time; target < 1 s for 1,000,000 timers. `--smoke` runs 10,000 (CI).
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "sim/clock/sim_loop.h"
#include "sim/clock/virtual_clock.h"
#include "sim/core/rng.h"

using namespace mgm::sim;

int main(int argc, char** argv) {
    std::uint64_t timer_count = 1'000'000;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--smoke") == 0) {
            timer_count = 10'000;
        } else {
            std::fprintf(stderr, "usage: %s [--smoke]\n", argv[0]);
            return 2;
        }
    }

    const Instant start = Instant::from_unix_seconds(1775304000);  // 2026-04-04T12:00:00Z
    const Duration span = std::chrono::hours(24);
    boost::asio::io_context io;
    VirtualClock clock(start);
    SimLoop loop(io, clock);
    Rng rng(20260404);

    // Callbacks capture one pointer and an index, like business callbacks capturing `this` (no allocation).
    struct Observed {
        VirtualClock* clock;
        std::uint64_t fired = 0;
        std::uint64_t checksum = 0;
        bool in_order = true;
        Instant last;
    } observed{&clock, 0, 0, true, start};
    // Wall and CPU time (the machine may be shared: CPU time is the steadier number).
    const std::clock_t cpu_start = std::clock();
    const auto wall_start = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < timer_count; ++i) {
        const Instant deadline = start + Duration{static_cast<std::int64_t>(rng.uniform(span.count()))};
        clock.at(deadline, "bench.timer", [state = &observed, i] {
            ++state->fired;
            state->checksum = state->checksum * 31 + i;
            state->in_order = state->in_order && state->clock->now() >= state->last;
            state->last = state->clock->now();
        });
    }
    const auto wall_scheduled = std::chrono::steady_clock::now();
    loop.run_until_idle();
    const auto wall_end = std::chrono::steady_clock::now();
    const double cpu_ms = 1000.0 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;

    using ms = std::chrono::duration<double, std::milli>;
    const double total_ms = ms(wall_end - wall_start).count();
    std::printf(
        "bench_timers: %llu timers scheduled in %.1f ms, fired in %.1f ms, total %.1f ms (%.0f ns/timer), cpu %.1f "
        "ms\n",
        static_cast<unsigned long long>(timer_count), ms(wall_scheduled - wall_start).count(),
        ms(wall_end - wall_scheduled).count(), total_ms, total_ms * 1e6 / static_cast<double>(timer_count), cpu_ms);
    std::printf("bench_timers: simulated end %s, checksum %016llx\n", format_iso8601(clock.now()).c_str(),
                static_cast<unsigned long long>(observed.checksum));
    if (observed.fired != timer_count || !observed.in_order) {
        std::fprintf(stderr, "bench_timers: FAILED (fired %llu of %llu, in order: %s)\n",
                     static_cast<unsigned long long>(observed.fired), static_cast<unsigned long long>(timer_count),
                     observed.in_order ? "yes" : "no");
        return 1;
    }
    return 0;
}

// Wall time of one Tier A + Tier B slice (harness/flows/tier_b_flow.h: probes, signed EventSub enrollment via
// the webhook mock, JWT, pool/me, prepare-pending-payout, the desktop's run-sequence, Helix checks, last-run,
// pool/me) in simulation versus the same flow over real sockets against a `mgm-sim serve` child process.
// Runs alternate (sim, real, sim, real, ...) so both see the same machine load; medians are printed.
// Simulation is timed three ways: building a World + the flow, the flow alone (both with the sim Worlds
// sharing a StoreRecycler, as in a sweep: the EBS's in-memory store is emptied and reused), and, every other
// round, a World that opens a new store + the flow. Real: the flow alone against a freshly started serve (one serve per run: the EBS's shared
// 5/min desktop budget allows one flow per minute per process), the process start is not counted.
// Usage: bench_tier_b_slice [--smoke] [--runs N] [--real-runs N] [--mgm-sim PATH]
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "backend/store/store_recycler.h"
#include "bench/bench_util.h"
#include "harness/world/driver.h"
#include "harness/flows/tier_b_flow.h"
#include "harness/world/world.h"

using namespace mgm;

int main(int argc, char** argv) {
    int runs = 200;
    int real_runs = 30;
    std::string mgm_sim = bench::default_mgm_sim_path(argv[0]);
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--smoke") == 0) {
            runs = 3;
            real_runs = 1;
        } else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--real-runs") == 0 && i + 1 < argc) {
            real_runs = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--mgm-sim") == 0 && i + 1 < argc) {
            mgm_sim = argv[++i];
        } else {
            std::fprintf(stderr, "usage: %s [--smoke] [--runs N] [--real-runs N] [--mgm-sim PATH]\n", argv[0]);
            return 2;
        }
    }
    std::printf("bench_tier_b_slice: load average at start %.2f\n", bench::load_average());

    std::vector<double> sim_with_world_ms, sim_flow_ms, real_flow_ms, fresh_store_ms;
    // The sim runs share a StoreRecycler, as a sweep does: each World's EBS gets an emptied in-memory store
    // that kept its schema and prepared statements. Every other round also runs a World that opens a new
    // store (the cost of a single World in a process), side by side.
    auto recycler = std::make_shared<backend::StoreRecycler>();
    auto run_sim = [&](int index, bool recycled) {
        const auto start = bench::Wall::now();
        harness::WorldConfig config;
        config.seed = static_cast<std::uint64_t>(index + 1);
        if (recycled) config.store_recycler = recycler;
        harness::World world(config);
        const auto flow_start = bench::Wall::now();
        auto report = harness::run_tier_a_b_flow(world.driver(), harness::flow_options_for(world));
        const double flow = bench::ms_since(flow_start);
        const double total = bench::ms_since(start);
        if (!report.ok) {
            std::fprintf(stderr, "simulated flow failed: %s\n", report.failure().c_str());
            std::exit(1);
        }
        if (!recycled) {
            fresh_store_ms.push_back(total);
            return;
        }
        sim_flow_ms.push_back(flow);
        sim_with_world_ms.push_back(total);  // World destruction is not counted (emptying a store is)
    };
    auto run_real = [&](int index) {
        bench::Child serve =
            bench::spawn({mgm_sim, "serve", "--quiet", "--seed", std::to_string(index + 1), "--ebs-port", "0",
                          "--eventsub-port", "0", "--jwt-port", "0", "--helix-port", "0", "--desktop-port", "0"},
                         {"Mgm__SqlitePath=:memory:"});
        auto output = serve.read_until("serve: ready", 10'000);
        if (!output) {
            std::fprintf(stderr, "mgm-sim serve (%s) did not get ready\n", mgm_sim.c_str());
            std::exit(1);
        }
        harness::TierBFlowOptions options;
        options.ebs_url = bench::listening_url(*output, "ebs");
        options.eventsub_url = bench::listening_url(*output, "eventsub");
        options.jwt_url = bench::listening_url(*output, "jwt");
        options.helix_url = bench::listening_url(*output, "helix");
        options.desktop_url = bench::listening_url(*output, "desktop");
        options.message_id_seed = static_cast<std::uint64_t>(index + 1000);
        auto driver = harness::RealDriver::standalone();
        const auto start = bench::Wall::now();
        auto report = harness::run_tier_a_b_flow(*driver, options);
        const double flow = bench::ms_since(start);
        if (!report.ok) {
            std::fprintf(stderr, "real-socket flow failed: %s\n", report.failure().c_str());
            std::exit(1);
        }
        real_flow_ms.push_back(flow);
        if (serve.stop() != 0) {
            std::fprintf(stderr, "mgm-sim serve did not exit 0 after SIGTERM\n");
            std::exit(1);
        }
    };

    run_sim(-1, true);  // warm-up (page faults, first SQLite open; leaves one store in the recycler)
    sim_with_world_ms.clear();
    sim_flow_ms.clear();
    const int rounds = std::max(runs, real_runs);
    for (int i = 0; i < rounds; ++i) {
        if (i < runs) run_sim(i, true);
        if (i < runs && i % 2 == 0) run_sim(i, false);
        if (i < real_runs) run_real(i);
    }

    const double sim_total = bench::median(sim_with_world_ms);
    const double sim_flow = bench::median(sim_flow_ms);
    const double real_flow = bench::median(real_flow_ms);
    std::printf("sim  World + flow   n=%-4d median %8.3f ms  p90 %8.3f ms\n", runs, sim_total,
                bench::quantile(sim_with_world_ms, 0.9));
    std::printf("sim  flow only      n=%-4d median %8.3f ms  p90 %8.3f ms\n", runs, sim_flow,
                bench::quantile(sim_flow_ms, 0.9));
    std::printf("sim  World (new store) + flow n=%-4zu median %8.3f ms  p90 %8.3f ms  (stores reused: %zu)\n",
                fresh_store_ms.size(), bench::median(fresh_store_ms), bench::quantile(fresh_store_ms, 0.9),
                recycler->reused());
    std::printf("real flow (serve)   n=%-4d median %8.3f ms  p90 %8.3f ms\n", real_runs, real_flow,
                bench::quantile(real_flow_ms, 0.9));
    std::printf("ratio real flow / sim flow: %.1f   real flow / sim World+flow: %.1f\n",
                sim_flow > 0 ? real_flow / sim_flow : 0, sim_total > 0 ? real_flow / sim_total : 0);
    std::printf("target: sim World + flow median <= 2 ms: %s\n", sim_total <= 2.0 ? "met" : "NOT met");
    std::printf("bench_tier_b_slice: load average at end %.2f\n", bench::load_average());
    return 0;
}

// Real-socket readiness: wall time from starting `mgm-sim serve` (fork + exec) until all five ports answer
// an HTTP request (GET /health -> any status line; the EBS answers 404 there, the mocks 200), as
// scripts/ci-real-socket-stage.sh waits for them (the "ready" line must also appear). Each run starts
// a fresh process on fixed high ports (default 28080, 29051..29054: away from the CI ports other jobs use),
// then SIGTERM; the exit status must be 0.
// Usage: bench_readiness [--smoke] [--runs N] [--base-port P] [--mgm-sim PATH]
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench/bench_util.h"

namespace {

// One HTTP exchange on a fresh connection; true when a status line came back.
bool answers(int port) {
    int fd = bench::connect_loopback(port);
    if (fd < 0) return false;
    const char request[] = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    bool ok = bench::write_all(fd, request, sizeof request - 1);
    std::string carry;
    ok = ok && bench::read_response(fd, carry) > 0;
    close(fd);
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 30;
    int base_port = 28080;
    std::string mgm_sim = bench::default_mgm_sim_path(argv[0]);
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--smoke") == 0) {
            runs = 2;
        } else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--base-port") == 0 && i + 1 < argc) {
            base_port = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--mgm-sim") == 0 && i + 1 < argc) {
            mgm_sim = argv[++i];
        } else {
            std::fprintf(stderr, "usage: %s [--smoke] [--runs N] [--base-port P] [--mgm-sim PATH]\n", argv[0]);
            return 2;
        }
    }
    const int ports[5] = {base_port, base_port + 971, base_port + 972, base_port + 973, base_port + 974};
    std::printf("bench_readiness: ports %d %d %d %d %d, load average at start %.2f\n", ports[0], ports[1], ports[2],
                ports[3], ports[4], bench::load_average());

    std::vector<double> all_answer_ms;
    for (int run = 0; run < runs; ++run) {
        for (int port : ports) {
            if (answers(port)) {
                std::fprintf(stderr, "port %d already answers before start: something else is running there\n", port);
                return 1;
            }
        }
        const auto start = bench::Wall::now();
        bench::Child serve =
            bench::spawn({mgm_sim, "serve", "--quiet", "--ebs-port", std::to_string(ports[0]), "--eventsub-port",
                          std::to_string(ports[1]), "--jwt-port", std::to_string(ports[2]), "--helix-port",
                          std::to_string(ports[3]), "--desktop-port", std::to_string(ports[4])},
                         {"Mgm__SqlitePath=:memory:"});
        bool answered[5] = {false, false, false, false, false};
        int remaining = 5;
        while (remaining > 0) {
            if (bench::ms_since(start) > 5000) {
                std::fprintf(stderr, "mgm-sim serve (%s): ports not answering after 5 s\n", mgm_sim.c_str());
                return 1;
            }
            for (int k = 0; k < 5; ++k) {
                if (!answered[k] && answers(ports[k])) {
                    answered[k] = true;
                    --remaining;
                }
            }
            if (remaining > 0) usleep(200);  // poll every ~0.2 ms: finer than the thing measured
        }
        all_answer_ms.push_back(bench::ms_since(start));
        // "ready" is printed before the io_context runs, so it is already in the pipe by now.
        if (!serve.read_until("serve: ready", 5000)) {
            std::fprintf(stderr, "no ready line\n");
            return 1;
        }
        if (serve.stop() != 0) {
            std::fprintf(stderr, "mgm-sim serve did not exit 0 after SIGTERM\n");
            return 1;
        }
    }
    const double med = bench::median(all_answer_ms);
    std::printf("start -> all five ports answer   n=%-3d median %7.2f ms  p90 %7.2f ms  max %7.2f ms\n", runs, med,
                bench::quantile(all_answer_ms, 0.9), bench::quantile(all_answer_ms, 1.0));
    std::printf("target: median <= 100 ms: %s\n", med <= 100.0 ? "met" : "NOT met");
    std::printf("bench_readiness: load average at end %.2f\n", bench::load_average());
    return 0;
}

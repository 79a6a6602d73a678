// EventSub ingestion over real sockets: `mgm-sim serve --only ebs` with a SQLite file store (WAL mode),
// loaded by a keep-alive HTTP/1.1 client in this program: N distinct signed "!twgold <name>" messages
// (distinct message id, viewer and character name), each an HMAC check + JSON parse + SQLite transaction in
// the EBS. Requests are built and signed before the clock starts. The count of enrolled viewers is checked
// in the database file afterwards. With --ceiling-url the same client, connections and request count run
// against another server (nginx serving a small static file: bench/run-eventsub-vs-nginx.sh) in the same
// run, for the ratio to the loopback HTTP/1.1 ceiling on this machine. Each run also repeats the load with
// group commit off (one COMMIT per message; --no-compare skips it) for the before/after ratio, and reports
// the server's CPU time per enrollment, which machine load disturbs less than throughput. With --postgresql
// CONN each run also loads serve on that PostgreSQL database (group commit on; a fresh schema per pass, made
// and counted with psql, which reads the server from PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE).
// Usage: bench_eventsub_ingest [--smoke] [--messages N] [--connections C] [--runs R] [--ceiling-url URL]
//                              [--mgm-sim PATH] [--db PATH] [--no-compare] [--write-requests PATH]
//                              [--postgresql CONN]
// --write-requests writes the signed requests (NUL after each) for wrk + bench/eventsub-wrk.lua and exits.
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <sys/epoll.h>

#include <sqlite3.h>

#include "bench/bench_util.h"
#include "fakes/eventsub_delivery.h"
#include "sim/core/rng.h"

using namespace mgm;

namespace {

std::string character_name(std::uint64_t index) {
    std::string name = "Hero";
    for (int k = 0; k < 6; ++k) {
        name.push_back(static_cast<char>('a' + index % 26));
        index /= 26;
    }
    return name;
}

std::vector<std::string> signed_enrollments(std::size_t count, std::uint64_t first, const std::string& secret) {
    std::vector<std::string> requests;
    requests.reserve(count);
    sim::Rng ids(first + 99);
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint64_t n = first + i;
        fakes::eventsub::ChatMessage message;
        message.message_id = ids.uuid_v4().str();
        message.chatter_user_id = "viewer-" + std::to_string(n);
        message.chatter_user_login = "viewer" + std::to_string(n);
        message.text = "!twgold " + character_name(n);
        const std::string raw = fakes::eventsub::chat_message_body(message);
        std::string request = "POST /api/twitch/eventsub HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        const http::Headers headers = fakes::eventsub::delivery_headers(secret, message.message_id, "1775304000", raw);
        for (const auto& header : headers.all()) request += header.name + ": " + header.value + "\r\n";
        requests.push_back(request + "Content-Length: " + std::to_string(raw.size()) + "\r\n\r\n" + raw);
    }
    return requests;
}

int port_of(const std::string& url) {
    auto colon = url.rfind(':');
    return colon == std::string::npos ? 0 : std::atoi(url.c_str() + colon + 1);
}

struct LoadResult {
    double seconds = 0;
    std::size_t ok = 0, failed = 0;
    double per_second() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
};

// One thread drives `connections` non-blocking keep-alive connections under epoll, one request in flight on
// each: the next request goes out as soon as the previous response is complete. A thread per connection
// cost as much CPU per request as the server (every response woke a thread); this client costs a fraction
// of it, so the server under test gets most of the second core.
LoadResult load(int port, const std::vector<std::string>& requests, int connections) {
    struct Connection {
        int fd = -1;
        std::string received;
        const std::string* sending = nullptr;  // request being written; null when idle
        std::size_t sent = 0;
    };
    std::vector<Connection> conns(static_cast<std::size_t>(connections));
    const int epoll = epoll_create1(EPOLL_CLOEXEC);
    for (std::size_t c = 0; c < conns.size(); ++c) {
        conns[c].fd = bench::connect_loopback(port);
        if (conns[c].fd < 0) {
            std::fprintf(stderr, "cannot connect to 127.0.0.1:%d\n", port);
            std::exit(1);
        }
        fcntl(conns[c].fd, F_SETFL, fcntl(conns[c].fd, F_GETFL) | O_NONBLOCK);
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = c;
        epoll_ctl(epoll, EPOLL_CTL_ADD, conns[c].fd, &event);
    }
    LoadResult result;
    std::size_t next = 0, in_flight = 0;
    // Writes what the socket takes; waits for EPOLLOUT only when a request did not fit (rare: ~600 bytes).
    auto flush = [&](std::size_t c) {
        Connection& conn = conns[c];
        while (conn.sent < conn.sending->size()) {
            const ssize_t n = write(conn.fd, conn.sending->data() + conn.sent, conn.sending->size() - conn.sent);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) break;
            if (n <= 0) return false;
            conn.sent += static_cast<std::size_t>(n);
        }
        epoll_event event{};
        event.events = EPOLLIN | (conn.sent < conn.sending->size() ? EPOLLOUT : 0u);
        event.data.u64 = c;
        if (conn.sent < conn.sending->size()) epoll_ctl(epoll, EPOLL_CTL_MOD, conn.fd, &event);
        return true;
    };
    auto send_next = [&](std::size_t c) {
        conns[c].sending = next < requests.size() ? &requests[next++] : nullptr;
        conns[c].sent = 0;
        if (!conns[c].sending) return true;
        ++in_flight;
        return flush(c);
    };
    const auto start = bench::Wall::now();
    bool lost = false;
    for (std::size_t c = 0; c < conns.size() && !lost; ++c) lost = !send_next(c);
    epoll_event events[64];
    while (in_flight > 0 && !lost) {
        const int ready = epoll_wait(epoll, events, 64, 10'000);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;  // ten seconds without any answer: the server is stuck
        for (int e = 0; e < ready && !lost; ++e) {
            const std::size_t c = events[e].data.u64;
            Connection& conn = conns[c];
            if ((events[e].events & EPOLLOUT) && conn.sending && !flush(c)) lost = true;
            if (!(events[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) continue;
            char chunk[16384];
            const ssize_t n = read(conn.fd, chunk, sizeof chunk);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (n <= 0) {
                lost = true;  // the server closed a keep-alive connection mid-load
                break;
            }
            conn.received.append(chunk, static_cast<std::size_t>(n));
            while (const int status = bench::take_response(conn.received)) {
                --in_flight;
                if (status == 200) ++result.ok;
                else ++result.failed;
                if (!send_next(c)) lost = true;
            }
        }
    }
    result.seconds = std::chrono::duration<double>(bench::Wall::now() - start).count();
    result.failed += in_flight + (requests.size() - next);  // never answered or never sent
    for (auto& conn : conns) close(conn.fd);
    close(epoll);
    return result;
}

// psql -Atc SQL in `schema`; the first line of its output as a number, or -1.
long long psql_number(const std::string& schema, const std::string& sql) {
    const std::string command = "PGOPTIONS='-c search_path=" + schema + "' psql -X -Atq -c \"" + sql + "\" 2>&1";
    FILE* out = popen(command.c_str(), "r");
    if (!out) return -1;
    char line[256] = {0};
    const bool read = std::fgets(line, sizeof line, out) != nullptr;
    const int status = pclose(out);
    return read && status == 0 ? std::atoll(line) : -1;
}

long long count_rows(const std::string& db_path, const char* sql) {
    sqlite3* db = nullptr;
    long long count = -1;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            count = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return count;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t messages = 100'000;
    int connections = 16;  // concurrent EventSub deliveries (keep-alive connections)
    int runs = 3;
    std::string ceiling_url;
    bool compare_commit = true;  // also run each load with one COMMIT per message (Mgm:GroupCommit=false)
    std::string mgm_sim = bench::default_mgm_sim_path(argv[0]);
    std::string db_path = "/tmp/bench_eventsub_ingest-" + std::to_string(getpid()) + ".db";
    std::string requests_path;  // --write-requests: only write the signed requests for another client (wrk)
    std::string postgresql;  // --postgresql: also load serve on this ConnectionStrings:PostgreSQL
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--smoke") == 0) {
            messages = 500;
            runs = 1;
        } else if (std::strcmp(argv[i], "--messages") == 0 && i + 1 < argc) {
            messages = std::strtoul(argv[++i], nullptr, 10);
        } else if (std::strcmp(argv[i], "--connections") == 0 && i + 1 < argc) {
            connections = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--ceiling-url") == 0 && i + 1 < argc) {
            ceiling_url = argv[++i];
        } else if (std::strcmp(argv[i], "--mgm-sim") == 0 && i + 1 < argc) {
            mgm_sim = argv[++i];
        } else if (std::strcmp(argv[i], "--no-compare") == 0) {
            compare_commit = false;
        } else if (std::strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db_path = argv[++i];
        } else if (std::strcmp(argv[i], "--write-requests") == 0 && i + 1 < argc) {
            requests_path = argv[++i];
        } else if (std::strcmp(argv[i], "--postgresql") == 0 && i + 1 < argc) {
            postgresql = argv[++i];
        } else {
            std::fprintf(stderr,
                         "usage: %s [--smoke] [--messages N] [--connections C] [--runs R] [--ceiling-url URL] "
                         "[--mgm-sim PATH] [--db PATH] [--no-compare] [--write-requests PATH] [--postgresql CONN]\n",
                         argv[0]);
            return 2;
        }
    }
    const std::string secret = "e2e-ci-eventsub-secret";
    if (!requests_path.empty()) {
        // For bench/eventsub-wrk.lua: the requests, each followed by a NUL byte.
        FILE* out = std::fopen(requests_path.c_str(), "wb");
        if (!out) {
            std::perror(requests_path.c_str());
            return 1;
        }
        for (const auto& request : signed_enrollments(messages, 0, secret)) {
            std::fwrite(request.data(), 1, request.size(), out);
            std::fputc('\0', out);
        }
        return std::fclose(out) == 0 ? 0 : 1;
    }
    std::printf("bench_eventsub_ingest: %zu messages, %d connections, %d runs, load average at start %.2f\n", messages,
                connections, runs, bench::load_average());

    // One EBS pass: a fresh `mgm-sim serve` with `env` on a fresh store (every message is a new enrollment);
    // `count(sql)` reads the store afterwards.
    struct Pass {
        double rate = 0, cpu_us = 0, kernel_us = 0;
        LoadResult load;
        std::string batches;  // serve's "group commit: <commits> commits for <writes> held writes" line
    };
    auto run_pass = [&](const std::vector<std::string>& requests,
                        const std::vector<std::string>& env) -> std::optional<Pass> {
        bench::Child serve = bench::spawn({mgm_sim, "serve", "--only", "ebs", "--ebs-port", "0", "--quiet"}, env);
        auto output = serve.read_until("serve: ready", 20'000);
        if (!output) {
            std::fprintf(stderr, "mgm-sim serve (%s) did not get ready\n", mgm_sim.c_str());
            return std::nullopt;
        }
        Pass pass;
        const auto cpu_before = serve.cpu_times();
        pass.load = load(port_of(bench::listening_url(*output, "ebs")), requests, connections);
        const auto cpu_after = serve.cpu_times();
        const double per_message = 1e6 / static_cast<double>(messages);
        pass.rate = pass.load.per_second();
        pass.cpu_us = (cpu_after.total() - cpu_before.total()) * per_message;
        pass.kernel_us = (cpu_after.system - cpu_before.system) * per_message;
        if (serve.stop() != 0) {
            std::fprintf(stderr, "mgm-sim serve did not exit 0 after SIGTERM\n");
            return std::nullopt;
        }
        if (const auto at = serve.buffered.find("group commit: "); at != std::string::npos)
            pass.batches = serve.buffered.substr(at + 14, serve.buffered.find('\n', at) - at - 14);
        return pass;
    };
    auto report = [&](const char* label, const Pass& pass, long long enrolled, const std::string& extra) {
        std::printf("  %s: %zu ok, %zu failed in %.3f s = %6.0f enrollments/s (pool %lld rows%s), "
                    "server CPU %.0f us per enrollment (%.0f us in the kernel)%s%s\n",
                    label, pass.load.ok, pass.load.failed, pass.load.seconds, pass.rate, enrolled, extra.c_str(),
                    pass.cpu_us, pass.kernel_us, pass.batches.empty() ? "" : "; ", pass.batches.c_str());
        if (pass.load.failed != 0 || enrolled != static_cast<long long>(messages)) {
            std::fprintf(stderr, "bench_eventsub_ingest: FAILED: expected %zu enrollments (%s)\n", messages, label);
            return false;
        }
        return true;
    };
    // SQLite: a fresh WAL database file.
    auto run_ebs = [&](const std::vector<std::string>& requests, bool group_commit) -> std::optional<Pass> {
        for (const char* suffix : {"", "-wal", "-shm"}) unlink((db_path + suffix).c_str());
        auto pass = run_pass(requests, {"Mgm__SqlitePath=" + db_path, "Twitch__EventSubSecret=" + secret,
                                        std::string("Mgm__GroupCommit=") + (group_commit ? "true" : "false")});
        if (!pass) return std::nullopt;
        const long long enrolled = count_rows(db_path, "SELECT COUNT(*) FROM pool_member");
        const long long deduped = count_rows(db_path, "SELECT COUNT(*) FROM chat_dedup");
        if (!report(group_commit ? "EBS, group commit    " : "EBS, commit per message", *pass, enrolled,
                    ", dedup " + std::to_string(deduped) + " rows"))
            return std::nullopt;
        return pass;
    };
    // PostgreSQL (group commit on): a fresh schema per pass, dropped afterwards.
    int pg_pass = 0;
    auto run_pg = [&](const std::vector<std::string>& requests) -> std::optional<Pass> {
        const std::string schema = "bench_ingest_" + std::to_string(getpid()) + "_" + std::to_string(pg_pass++);
        if (psql_number("public", "CREATE SCHEMA " + schema + "; SELECT 1") != 1) {
            std::fprintf(stderr, "bench_eventsub_ingest: psql cannot create schema %s (PG* variables?)\n",
                         schema.c_str());
            return std::nullopt;
        }
        auto pass = run_pass(requests, {"ConnectionStrings__PostgreSQL=" + postgresql + ";Search Path=" + schema,
                                        "Twitch__EventSubSecret=" + secret});
        const long long enrolled = pass ? psql_number(schema, "SELECT COUNT(*) FROM pool_member") : -1;
        psql_number("public", "DROP SCHEMA " + schema + " CASCADE; SELECT 1");
        if (!pass || !report("EBS on PostgreSQL     ", *pass, enrolled, "")) return std::nullopt;
        return pass;
    };

    // Per run, side by side: the default (group commit), the same load with one COMMIT per message
    // (Mgm:GroupCommit=false), PostgreSQL when asked for, and the ceiling server.
    std::vector<double> ebs_rates, per_message_rates, cpu, per_message_cpu, ceiling_rates, ratios, pg_rates, pg_cpu;
    for (int run = 0; run < runs; ++run) {
        std::printf("run %d:\n", run + 1);
        const auto requests = signed_enrollments(messages, static_cast<std::uint64_t>(run) * messages, secret);
        const auto grouped = run_ebs(requests, true);
        if (!grouped) return 1;
        ebs_rates.push_back(grouped->rate);
        cpu.push_back(grouped->cpu_us);
        if (compare_commit) {
            const auto single = run_ebs(requests, false);
            if (!single) return 1;
            per_message_rates.push_back(single->rate);
            per_message_cpu.push_back(single->cpu_us);
        }
        if (!postgresql.empty()) {
            const auto pg = run_pg(requests);
            if (!pg) return 1;
            pg_rates.push_back(pg->rate);
            pg_cpu.push_back(pg->cpu_us);
        }
        if (!ceiling_url.empty()) {
            const std::string path = ceiling_url.substr(ceiling_url.find('/', 7));
            std::vector<std::string> gets(messages, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            LoadResult ceiling = load(port_of(ceiling_url.substr(0, ceiling_url.find('/', 7))), gets, connections);
            std::printf("  ceiling: %zu ok, %zu failed in %.3f s = %6.0f requests/s (%s)\n", ceiling.ok, ceiling.failed,
                        ceiling.seconds, ceiling.per_second(), ceiling_url.c_str());
            if (ceiling.failed != 0) return 1;
            ceiling_rates.push_back(ceiling.per_second());
            ratios.push_back(grouped->rate / ceiling.per_second());
        }
    }
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((db_path + suffix).c_str());
    const double med = bench::median(ebs_rates);
    std::printf(
        "median EBS ingestion %.0f enrollments/s (WAL file store, group commit), server CPU %.0f us per "
        "enrollment\n",
        med, bench::median(cpu));
    if (!per_message_rates.empty())
        std::printf(
            "median with a COMMIT per message %.0f enrollments/s, server CPU %.0f us per enrollment; "
            "group commit / per message: %.2fx\n",
            bench::median(per_message_rates), bench::median(per_message_cpu), med / bench::median(per_message_rates));
    if (!pg_rates.empty())
        std::printf("median on PostgreSQL %.0f enrollments/s, server CPU %.0f us per enrollment; SQLite / PostgreSQL: "
                    "%.2fx\n",
                    bench::median(pg_rates), bench::median(pg_cpu), med / bench::median(pg_rates));
    if (!ceiling_rates.empty())
        std::printf("median ceiling %.0f requests/s; median per-run ratio EBS / ceiling %.3f\n",
                    bench::median(ceiling_rates), bench::median(ratios));
    std::printf("target: >= 10000 enrollments/s: %s\n", med >= 10000 ? "met" : "NOT met");
    std::printf("bench_eventsub_ingest: load average at end %.2f\n", bench::load_average());
    return 0;
}

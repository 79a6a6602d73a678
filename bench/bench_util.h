// Small helpers shared by the benchmark programs: wall-clock timing, medians, peak RSS, and starting
// `mgm-sim serve` as a child process (real-socket benchmarks measure the same binary CI runs).
// Benchmarks may use the real clock and threads: they are outside the simulator's determinism rules.
#pragma once

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bench {

using Wall = std::chrono::steady_clock;

inline double ms_since(Wall::time_point start) {
    return std::chrono::duration<double, std::milli>(Wall::now() - start).count();
}

inline double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

inline double quantile(std::vector<double> values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, static_cast<std::size_t>(q * values.size()))];
}

// Peak resident set size of this process so far, in MiB (Linux reports ru_maxrss in KiB).
inline double peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// 1-minute load average, to print next to every measurement (the machine is shared).
inline double load_average() {
    double loads[1] = {0};
    return getloadavg(loads, 1) == 1 ? loads[0] : -1;
}

// The mgm-sim binary: --mgm-sim PATH, else <dir of argv[0]>/../harness/cli/mgm-sim (the CMake build layout).
inline std::string default_mgm_sim_path(const char* argv0) {
    std::string self = argv0;
    auto slash = self.rfind('/');
    std::string dir = slash == std::string::npos ? "." : self.substr(0, slash);
    return dir + "/../harness/cli/mgm-sim";
}

// A child process started with fork/exec; stdout is a pipe we can read lines from.
struct Child {
    pid_t pid = -1;
    int stdout_fd = -1;
    std::string buffered;

    // Reads stdout until a line containing `needle` (returns all text read so far) or timeout (nullopt).
    std::optional<std::string> read_until(const std::string& needle, int timeout_ms) {
        const auto deadline = Wall::now() + std::chrono::milliseconds(timeout_ms);
        while (buffered.find(needle) == std::string::npos) {
            int left =
                static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Wall::now()).count());
            if (left <= 0) return std::nullopt;
            pollfd p{stdout_fd, POLLIN, 0};
            if (poll(&p, 1, left) <= 0) continue;
            char chunk[4096];
            ssize_t n = read(stdout_fd, chunk, sizeof chunk);
            if (n <= 0) return std::nullopt;
            buffered.append(chunk, static_cast<std::size_t>(n));
        }
        return buffered;
    }

    // CPU seconds the child has used so far, user and system (/proc/<pid>/stat fields 14 and 15): a
    // per-request cost that, unlike throughput, does not depend on what else the machine is running.
    struct CpuTimes {
        double user = -1, system = -1;
        double total() const { return user + system; }
    };
    CpuTimes cpu_times() const {
        std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
        if (!f) return {};
        char text[1024] = {};
        const std::size_t n = std::fread(text, 1, sizeof text - 1, f);
        std::fclose(f);
        const char* fields = std::strrchr(text, ')');  // the command name may contain spaces
        if (n == 0 || !fields) return {};
        unsigned long long utime = 0, stime = 0;
        if (std::sscanf(fields + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
            return {};
        const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
        return {static_cast<double>(utime) / tick, static_cast<double>(stime) / tick};
    }

    // SIGTERM and wait; returns the exit status (or -1). What the child printed until it exited is appended
    // to `buffered`.
    int stop() {
        if (pid <= 0) return -1;
        kill(pid, SIGTERM);
        int status = 0;
        waitpid(pid, &status, 0);
        pid = -1;
        char chunk[4096];
        for (ssize_t n; stdout_fd >= 0 && (n = read(stdout_fd, chunk, sizeof chunk)) > 0;)
            buffered.append(chunk, static_cast<std::size_t>(n));
        if (stdout_fd >= 0) close(stdout_fd);
        stdout_fd = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    ~Child() { stop(); }
};

// Starts `argv[0] argv[1..]` with extra environment entries ("KEY=VALUE"); stderr goes to /dev/null.
inline Child spawn(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    int fds[2];
    if (pipe(fds) != 0) {
        std::perror("pipe");
        std::exit(1);
    }
    Child child;
    child.pid = fork();
    if (child.pid == 0) {
        dup2(fds[1], 1);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 2);
        close(fds[0]);
        close(fds[1]);
        for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
        std::vector<char*> cargs;
        for (const auto& a : args) cargs.push_back(const_cast<char*>(a.c_str()));
        cargs.push_back(nullptr);
        execv(cargs[0], cargs.data());
        _exit(127);
    }
    close(fds[1]);
    child.stdout_fd = fds[0];
    return child;
}

// "mgm-sim serve: ebs listening on http://127.0.0.1:41234" lines -> the URL for `name`.
inline std::string listening_url(const std::string& serve_output, const std::string& name) {
    const std::string key = "serve: " + name + " listening on ";
    auto at = serve_output.find(key);
    if (at == std::string::npos) return {};
    auto end = serve_output.find('\n', at);
    return serve_output.substr(at + key.size(), end - at - key.size());
}

// A blocking TCP connection to 127.0.0.1:port (Nagle off); -1 when refused.
inline int connect_loopback(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

inline bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// Takes one complete HTTP/1.1 response (Content-Length body or none) off the front of `buffer`: its status
// code, 0 when the buffer does not hold a whole response yet (nothing is consumed then).
inline int take_response(std::string& buffer) {
    const auto head_end = buffer.find("\r\n\r\n");
    if (head_end == std::string::npos) return 0;
    std::size_t length = 0;
    // Case-insensitive search for content-length in the head.
    for (std::size_t line = buffer.find("\r\n"); line < head_end; line = buffer.find("\r\n", line + 2)) {
        static constexpr char name[] = "content-length:";
        std::size_t k = 0;
        while (k + 1 < sizeof name && line + 2 + k < head_end &&
               std::tolower(static_cast<unsigned char>(buffer[line + 2 + k])) == name[k])
            ++k;
        if (k + 1 == sizeof name) {
            length = std::strtoul(buffer.c_str() + line + 2 + k, nullptr, 10);
            break;
        }
    }
    const std::size_t total = head_end + 4 + length;
    if (buffer.size() < total) return 0;
    const int status = buffer.size() > 12 ? std::atoi(buffer.c_str() + 9) : -1;
    buffer.erase(0, total);
    return status;
}

// Reads one HTTP/1.1 response from a blocking keep-alive connection. `carry` keeps bytes already read past
// the previous response. Returns the status code, or -1.
inline int read_response(int fd, std::string& carry) {
    for (;;) {
        if (const int status = take_response(carry); status != 0) return status;
        char chunk[16384];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        carry.append(chunk, static_cast<std::size_t>(n));
    }
}

}  // namespace bench

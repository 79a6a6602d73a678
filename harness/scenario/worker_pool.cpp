#include "harness/scenario/worker_pool.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <iostream>
#include <optional>
#include <stdexcept>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mgm::harness::scenario {

namespace {

constexpr int kWorkerThrew = 70;  // EX_SOFTWARE

bool write_all(int fd, const std::string& text) {
    std::size_t offset = 0;
    while (offset < text.size()) {
        ssize_t n = ::write(fd, text.data() + offset, text.size() - offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        offset += static_cast<std::size_t>(n);
    }
    return true;
}

// The worker's side: read a job number per line, answer one line per job, until the parent closes the pipe.
[[noreturn]] void worker_loop(int tasks, int results, const std::function<std::string(std::size_t)>& work) {
    std::string pending;
    char buffer[256];
    while (true) {
        auto newline = pending.find('\n');
        if (newline == std::string::npos) {
            ssize_t n = ::read(tasks, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) std::_Exit(0);
            pending.append(buffer, static_cast<std::size_t>(n));
            continue;
        }
        const std::size_t job = std::stoull(pending.substr(0, newline));
        pending.erase(0, newline + 1);
        std::string answer;
        try {
            answer = work(job);
        } catch (const std::exception& e) {  // never unwind into the parent's code: this is a forked copy
            std::cerr << "sweep worker: job " << job << " threw: " << e.what() << "\n";
            std::_Exit(kWorkerThrew);
        } catch (...) {
            std::cerr << "sweep worker: job " << job << " threw a non-standard exception\n";
            std::_Exit(kWorkerThrew);
        }
        answer += '\n';
        std::cout.flush();
        std::cerr.flush();
        if (!write_all(results, answer)) std::_Exit(1);
    }
}

struct Worker {
    pid_t pid = -1;
    int tasks = -1;  // parent writes job numbers
    int results = -1;  // parent reads answers
    std::optional<std::size_t> job;  // the job it is running
    std::string buffer;
};

Worker spawn(const std::function<std::string(std::size_t)>& work, const std::vector<Worker>& others) {
    int to_worker[2], from_worker[2];
    if (::pipe(to_worker) != 0 || ::pipe(from_worker) != 0)
        throw std::runtime_error(std::string("cannot create a pipe for a sweep worker: ") + std::strerror(errno));
    std::cout.flush();
    std::cerr.flush();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("cannot fork a sweep worker: ") + std::strerror(errno));
    if (pid == 0) {
        for (const Worker& w : others) {
            if (w.tasks >= 0) ::close(w.tasks);
            if (w.results >= 0) ::close(w.results);
        }
        ::close(to_worker[1]);
        ::close(from_worker[0]);
        worker_loop(to_worker[0], from_worker[1], work);
    }
    ::close(to_worker[0]);
    ::close(from_worker[1]);
    Worker w;
    w.pid = pid;
    w.tasks = to_worker[1];
    w.results = from_worker[0];
    return w;
}

std::string describe_exit(int status) {
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        const char* name = ::strsignal(sig);
        return "killed by signal " + std::to_string(sig) + " (" + (name ? name : "?") + ")";
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == kWorkerThrew) return "an exception escaped the run (see stderr)";
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status)) + " mid-run";
    return "ended unexpectedly";
}

void retire(Worker& w) {
    if (w.tasks >= 0) ::close(w.tasks);
    if (w.results >= 0) ::close(w.results);
    w.tasks = w.results = -1;
}

}  // namespace

void run_in_workers(const std::vector<std::size_t>& jobs, unsigned workers,
                    const std::function<std::string(std::size_t)>& work,
                    const std::function<void(std::size_t, const JobResult&)>& done) {
    std::signal(SIGPIPE, SIG_IGN);  // a dead worker shows as EOF on its pipe, not as our death
    std::deque<std::size_t> queue(jobs.begin(), jobs.end());
    std::vector<Worker> pool;
    auto give_work = [&](Worker& w) {
        if (queue.empty()) {
            ::close(w.tasks);
            w.tasks = -1;
            return;
        }
        w.job = queue.front();
        queue.pop_front();
        write_all(w.tasks, std::to_string(*w.job) + "\n");  // a dead worker is noticed by its results pipe
    };
    const std::size_t count = std::min<std::size_t>(workers == 0 ? 1 : workers, queue.size());
    for (std::size_t i = 0; i < count; ++i) {
        pool.push_back(spawn(work, pool));
        give_work(pool.back());
    }
    while (true) {
        std::vector<pollfd> fds;
        std::vector<std::size_t> owners;
        for (std::size_t i = 0; i < pool.size(); ++i)
            if (pool[i].results >= 0) {
                fds.push_back({pool[i].results, POLLIN, 0});
                owners.push_back(i);
            }
        if (fds.empty()) break;
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string("poll failed in the sweep: ") + std::strerror(errno));
        }
        for (std::size_t f = 0; f < fds.size(); ++f) {
            if (fds[f].revents == 0) continue;
            Worker& w = pool[owners[f]];
            char buffer[65536];
            ssize_t n = ::read(w.results, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n > 0) {
                w.buffer.append(buffer, static_cast<std::size_t>(n));
                std::size_t newline;
                while ((newline = w.buffer.find('\n')) != std::string::npos) {
                    JobResult result;
                    result.output = w.buffer.substr(0, newline);
                    w.buffer.erase(0, newline + 1);
                    const std::size_t job = *w.job;
                    w.job.reset();
                    done(job, result);
                    give_work(w);
                }
                continue;
            }
            // EOF: the worker ended (normally once its task pipe is closed, or by crashing mid-job).
            int status = 0;
            ::waitpid(w.pid, &status, 0);
            retire(w);
            if (w.job) {
                JobResult result;
                result.crashed = true;
                result.crash = describe_exit(status);
                const std::size_t job = *w.job;
                w.job.reset();
                done(job, result);
                if (!queue.empty()) {  // a replacement takes over the remaining jobs
                    Worker fresh = spawn(work, pool);
                    pool[owners[f]] = fresh;
                    give_work(pool[owners[f]]);
                }
            }
        }
    }
}

}  // namespace mgm::harness::scenario

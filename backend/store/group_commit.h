// Group commit for real-socket mode: the store's write transactions of one event-loop pass share one
// COMMIT, and every byte the process writes to a socket meanwhile waits for that COMMIT. So an answer
// still leaves only after what it acknowledges is committed (an EventSub 200 is never ahead of its
// enrollment; docs/RELIABILITY.md §4), while the per-transaction cost of a commit (WAL frames, locks) is
// paid once per pass instead of once per request (docs/BENCHMARKS.md §4). Not used in simulation, where
// every transaction commits on its own and nothing about the trace changes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "sim/network/output_barrier.h"

#include "sim/clock/clock.h"

namespace mgm::sim {
class Log;
}

namespace mgm::backend {

class Store;

class GroupCommit final : public sim::OutputBarrier {
public:
    // Turns group commit on in `store`. The commit runs from a timer due at once: on the real clock its
    // completion comes out of the next reactor pass after the socket completions of that same pass, so the
    // requests that arrived meanwhile are served into the batch first (a plain post would run before them
    // and commit every request on its own).
    GroupCommit(Store& store, sim::Scheduler& scheduler, const sim::Log& log);
    ~GroupCommit() override;  // commits what is pending
    GroupCommit(const GroupCommit&) = delete;
    GroupCommit& operator=(const GroupCommit&) = delete;

    void when_durable(std::function<void()> send, std::function<void()> abort) override;
    // Commits now and releases (or, if the commit failed, aborts) every held write.
    void flush();

    std::uint64_t commits() const { return commits_; }  // batches committed
    std::uint64_t held_writes() const { return held_writes_; }  // writes that waited for a commit

private:
    void schedule_flush();

    Store& store_;
    sim::Scheduler& scheduler_;
    const sim::Log& log_;
    std::optional<sim::TimerHandle> flush_timer_;
    std::vector<std::pair<std::function<void()>, std::function<void()>>> held_;  // (send, abort)
    std::uint64_t commits_ = 0;
    std::uint64_t held_writes_ = 0;
};

}  // namespace mgm::backend

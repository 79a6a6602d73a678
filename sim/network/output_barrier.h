// A gate on a process's outgoing bytes: they leave only once the durable state they may acknowledge has
// been committed. Real-socket mode installs one on the TcpNetwork (group commit, backend/store/group_commit.h);
// without a barrier, writes go out at once.
#pragma once

#include <functional>

namespace mgm::sim {

class OutputBarrier {
public:
    virtual ~OutputBarrier() = default;
    // Calls `send` at once when nothing is waiting to be committed, otherwise right after the commit; calls
    // `abort` instead when that commit failed (the bytes might acknowledge work that was rolled back).
    virtual void when_durable(std::function<void()> send, std::function<void()> abort) = 0;
};

}  // namespace mgm::sim

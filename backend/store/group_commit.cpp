#include "backend/store/group_commit.h"

#include <string>

#include "backend/domain/store.h"
#include "sim/trace/log.h"

namespace mgm::backend {

GroupCommit::GroupCommit(Store& store, sim::Scheduler& scheduler, const sim::Log& log)
    : store_(store), scheduler_(scheduler), log_(log) {
    store_.enable_group_commit([this] { schedule_flush(); });
}

GroupCommit::~GroupCommit() {
    store_.enable_group_commit({});
    flush();
}

void GroupCommit::schedule_flush() {
    if (flush_timer_) return;
    flush_timer_ = scheduler_.after(sim::Duration{0}, "ebs.group_commit", [this] {
        flush_timer_.reset();
        flush();
    });
}

void GroupCommit::when_durable(std::function<void()> send, std::function<void()> abort) {
    if (!store_.has_uncommitted_batch()) {
        send();
        return;
    }
    ++held_writes_;
    held_.emplace_back(std::move(send), std::move(abort));
    schedule_flush();
}

void GroupCommit::flush() {
    if (flush_timer_) scheduler_.cancel(*flush_timer_);
    flush_timer_.reset();
    bool committed = true;
    try {
        if (store_.has_uncommitted_batch()) {
            store_.commit_batch();
            ++commits_;
        }
    } catch (const StoreError& e) {
        committed = false;
        log_.error("ebs", std::string("group commit failed, the batch was rolled back and its answers are dropped: ") +
                              e.what());
    }
    auto held = std::move(held_);
    held_.clear();
    for (auto& [send, abort] : held) committed ? send() : abort();
}

}  // namespace mgm::backend

// AnyStream: a ByteStream (loopback or TCP) dressed as an Asio AsyncReadStream/AsyncWriteStream, so
// Beast's http::async_read/async_write work unchanged over the simulated and the real network.
// Include only from the few translation units that use Beast (sim/http/server.cpp, client.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "sim/network/network.h"

namespace mgm::sim {

// The one way from a Network to its event loop (Network::io is private so that business code, which only
// sees the seams, cannot reach the Asio executor). For the HTTP floor, which runs Beast on it.
struct NetworkLoop {
    static boost::asio::io_context& of(Network& network) { return network.io(); }
};

// Adapts one ByteStream end to Asio's stream concepts. At most one read and one write in flight
// (the ByteStream contract; Beast's HTTP algorithms respect it).
class AnyStream {
public:
    using executor_type = boost::asio::io_context::executor_type;

    AnyStream(std::unique_ptr<ByteStream> stream, executor_type executor)
        : stream_(std::move(stream)),
          executor_(executor),
          writes_(std::make_shared<Writes>()) {}

    AnyStream(AnyStream&&) = default;
    AnyStream& operator=(AnyStream&&) = default;

    executor_type get_executor() const noexcept { return executor_; }

    ByteStream& byte_stream() { return *stream_; }
    bool is_open() const { return stream_ && stream_->is_open(); }
    void close() {
        if (stream_) stream_->close();
    }
    // While set, the bytes read are also appended to `tap` (up to kReadTapLimit): the HTTP server looks at a
    // request's raw header lines, which the parser does not keep. nullptr = off.
    static constexpr std::size_t kReadTapLimit = 64 * 1024;
    void set_read_tap(std::shared_ptr<std::string> tap) { tap_ = std::move(tap); }
    // Bytes the ByteStream has accepted so far (what a minimum response data rate is measured on).
    std::uint64_t bytes_written() const { return writes_->written; }
    std::string local_address() const { return stream_ ? stream_->local_address() : std::string(); }
    std::string remote_address() const { return stream_ ? stream_->remote_address() : std::string(); }

    // Reads into the first non-empty buffer of the sequence (Asio allows a read_some to fill less).
    template <class MutableBufferSequence, class ReadHandler>
    auto async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
        return boost::asio::async_initiate<ReadHandler, void(boost::system::error_code, std::size_t)>(
            [this](auto&& completion, const MutableBufferSequence& seq) {
                boost::asio::mutable_buffer target;
                for (auto it = boost::asio::buffer_sequence_begin(seq); it != boost::asio::buffer_sequence_end(seq);
                     ++it) {
                    boost::asio::mutable_buffer b(*it);
                    if (b.size() > 0) {
                        target = b;
                        break;
                    }
                }
                auto wrapped = wrap(std::move(completion));
                if (target.size() == 0) {  // zero-size read completes at once (Asio semantics), but posted
                    boost::asio::post(executor_, [wrapped = std::move(wrapped)] { wrapped(ErrorCode{}, 0); });
                    return;
                }
                if (!stream_) {
                    boost::asio::post(executor_, [wrapped = std::move(wrapped)] {
                        wrapped(boost::asio::error::bad_descriptor, 0);
                    });
                    return;
                }
                if (!tap_) {
                    stream_->async_read_some(static_cast<char*>(target.data()), target.size(), std::move(wrapped));
                    return;
                }
                char* data = static_cast<char*>(target.data());
                stream_->async_read_some(data, target.size(),
                                         [tap = tap_, data, wrapped = std::move(wrapped)](ErrorCode ec, std::size_t n) {
                                             if (tap->size() < kReadTapLimit) tap->append(data, n);
                                             wrapped(ec, n);
                                         });
            },
            handler, buffers);
    }

    // Gathers the whole buffer sequence into one contiguous copy and hands it to the ByteStream in one
    // call; the byte count reported is what the ByteStream accepted (callers loop, like asio::async_write).
    template <class ConstBufferSequence, class WriteHandler>
    auto async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
        return boost::asio::async_initiate<WriteHandler, void(boost::system::error_code, std::size_t)>(
            [this](auto&& completion, const ConstBufferSequence& seq) {
                auto wrapped = wrap(std::move(completion));
                std::size_t total = boost::asio::buffer_size(seq);
                if (total == 0) {
                    boost::asio::post(executor_, [wrapped = std::move(wrapped)] { wrapped(ErrorCode{}, 0); });
                    return;
                }
                if (!stream_) {
                    boost::asio::post(executor_, [wrapped = std::move(wrapped)] {
                        wrapped(boost::asio::error::bad_descriptor, 0);
                    });
                    return;
                }
                // The copy is shared with the completion so it outlives this AnyStream if a TCP write is
                // still in flight when the session goes away.
                auto writes = writes_;
                std::string& copy = writes->copy;
                copy.resize(total);
                boost::asio::buffer_copy(boost::asio::buffer(copy.data(), copy.size()), seq);
                stream_->async_write_some(copy.data(), copy.size(),
                                          [writes = std::move(writes), wrapped = std::move(wrapped)](ErrorCode ec,
                                                                                                     std::size_t n) {
                                              writes->written += n;
                                              wrapped(ec, n);
                                          });
            },
            handler, buffers);
    }

private:
    // Stores a (possibly move-only) completion handler in a ByteStream completion and completes it
    // through the handler's associated executor, keeping that executor's work count while pending.
    template <class Handler>
    ByteStream::Completion wrap(Handler&& handler) {
        using Decayed = std::decay_t<Handler>;
        auto executor = boost::asio::get_associated_executor(handler, executor_);
        return [handler = Decayed(std::forward<Handler>(handler)),
                work = boost::asio::make_work_guard(executor)](ErrorCode ec, std::size_t n) mutable {
            auto executor = work.get_executor();
            auto held = std::move(work);
            boost::asio::dispatch(executor,
                                  [handler = std::move(handler), ec, n]() mutable { std::move(handler)(ec, n); });
            held.reset();
        };
    }

    std::unique_ptr<ByteStream> stream_;
    executor_type executor_;
    // The gathered copy of the write in flight and the bytes accepted so far: one allocation for both.
    struct Writes {
        std::string copy;
        std::uint64_t written = 0;
    };
    std::shared_ptr<Writes> writes_;
    std::shared_ptr<std::string> tap_;
};

}  // namespace mgm::sim

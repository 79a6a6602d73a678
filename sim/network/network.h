// The Network seam: byte streams between addresses ("127.0.0.1:8080"). Loopback (simulated) or TCP (real).
// HTTP code talks to ByteStream through AnyStream (any_stream.h), which Beast can read and write.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

#include <boost/system/error_code.hpp>

namespace boost::asio {
class io_context;
}

namespace mgm::sim {

using ErrorCode = boost::system::error_code;

// What a ByteStream calls when a read or write completes. Unlike std::function it holds move-only callables
// (Asio and Beast completion handlers are move-only), so wrapping one costs a single allocation, not a
// shared_ptr plus a std::function.
class StreamCompletion {
public:
    StreamCompletion() = default;
    StreamCompletion(std::nullptr_t) {}
    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, StreamCompletion>>>
    StreamCompletion(F&& f) : impl_(std::make_unique<Impl<std::decay_t<F>>>(std::forward<F>(f))) {}
    StreamCompletion(StreamCompletion&&) noexcept = default;
    StreamCompletion& operator=(StreamCompletion&&) noexcept = default;
    StreamCompletion& operator=(std::nullptr_t) {
        impl_.reset();
        return *this;
    }
    explicit operator bool() const { return impl_ != nullptr; }
    void operator()(ErrorCode ec, std::size_t n) const { impl_->call(ec, n); }

private:
    struct Base {
        virtual ~Base() = default;
        virtual void call(ErrorCode ec, std::size_t n) = 0;
    };
    template <class F>
    struct Impl final : Base {
        explicit Impl(F&& f) : f(std::move(f)) {}
        explicit Impl(const F& f) : f(f) {}
        void call(ErrorCode ec, std::size_t n) override { f(ec, n); }
        F f;
    };
    std::unique_ptr<Base> impl_;
};

// One end of a bidirectional byte stream. Completions never run inside the initiating call; they are
// posted to the network's event loop. At most one read and one write may be outstanding at a time.
class ByteStream {
public:
    using Completion = StreamCompletion;
    virtual ~ByteStream() = default;
    // Reads at least 1 byte (or fails with asio::error::eof / connection_reset / operation_aborted).
    virtual void async_read_some(char* data, std::size_t size, Completion done) = 0;
    // Writes up to `size` bytes; may accept fewer (callers loop, as Asio's async_write does).
    virtual void async_write_some(const char* data, std::size_t size, Completion done) = 0;
    // Closes both directions; pending operations complete with operation_aborted; the peer sees eof.
    virtual void close() = 0;
    virtual bool is_open() const = 0;
    // "127.0.0.1:8080" for the server side's local end; clients get a distinct "127.0.0.1:<port>".
    virtual std::string local_address() const = 0;
    virtual std::string remote_address() const = 0;
};

class Network {
public:
    using AcceptHandler = std::function<void(std::unique_ptr<ByteStream>)>;
    using ConnectHandler = std::function<void(ErrorCode, std::unique_ptr<ByteStream>)>;
    virtual ~Network() = default;

    // Starts accepting on `address` ("127.0.0.1:8080"; port 0 on TCP picks a free port, see bound_address).
    virtual ErrorCode listen(const std::string& address, AcceptHandler on_accept) = 0;
    // The address actually bound (resolves port 0).
    virtual std::string bound_address(const std::string& requested) const = 0;
    virtual void stop_listening(const std::string& address) = 0;
    // `from` names the caller's endpoint (its own service address, e.g. "127.0.0.1:9054", or a client
    // name like "driver"); the loopback network applies partitions and fault rules per (from, to).
    // Fails with connection_refused when nothing listens at `to`.
    virtual void connect(const std::string& from, const std::string& to, ConnectHandler done) = 0;

private:
    // The Asio event loop the streams complete on. Only the HTTP floor needs it (Beast runs on its
    // executor), through NetworkLoop in any_stream.h; business code holds a Network through the seams and
    // so cannot post to, run or time anything on the loop behind the Scheduler's back.
    friend struct NetworkLoop;
    virtual boost::asio::io_context& io() = 0;
};

}  // namespace mgm::sim

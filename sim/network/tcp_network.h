// Real sockets on 127.0.0.1 for real-socket mode, behind the same Network seam.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "sim/network/network.h"
#include "sim/network/output_barrier.h"

namespace mgm::sim {

class TcpNetwork final : public Network {
public:
    explicit TcpNetwork(boost::asio::io_context& io);
    ~TcpNetwork() override;

    ErrorCode listen(const std::string& address, AcceptHandler on_accept) override;
    std::string bound_address(const std::string& requested) const override;
    void stop_listening(const std::string& address) override;
    void connect(const std::string& from, const std::string& to, ConnectHandler done) override;
    // Every stream's writes (existing and future ones) pass through `barrier` (nullptr: none). Not owned.
    void set_output_barrier(OutputBarrier* barrier);
    // Where accept-loop trouble is reported (out of descriptors: once per episode). Default: nowhere.
    void set_warning_sink(std::function<void(const std::string&)> sink);

    struct Impl;

private:
    boost::asio::io_context& io() override { return io_; }
    boost::asio::io_context& io_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mgm::sim

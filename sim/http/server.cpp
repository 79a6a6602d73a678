// HTTP/1.1 server: a listener on the Network and one Beast session per connection (keep-alive),
// identical over the loopback and TCP networks. Timeouts run on the Scheduler, never the real clock.
#include "sim/http/server.h"

#include <map>
#include <optional>
#include <utility>

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "sim/network/any_stream.h"
#include "sim/trace/log.h"
#include "sim/trace/trace.h"

namespace mgm::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

class Session;

// Kestrel leaves an encoded '/' ("%2F") encoded in Request.Path so it cannot forge a segment boundary.
std::string decode_path(std::string_view raw) {
    std::string out;
    std::size_t start = 0;
    for (;;) {
        std::size_t found = std::string_view::npos;
        for (std::size_t i = start; i + 3 <= raw.size(); ++i) {
            if (raw[i] == '%' && raw[i + 1] == '2' && (raw[i + 2] == 'F' || raw[i + 2] == 'f')) {
                found = i;
                break;
            }
        }
        if (found == std::string_view::npos) {
            out += percent_decode(raw.substr(start), false);
            return out;
        }
        out += percent_decode(raw.substr(start, found - start), false);
        out += "%2F";
        start = found + 3;
    }
}

bool status_has_no_body(int status) { return (status >= 100 && status < 200) || status == 204 || status == 304; }

}  // namespace

struct Server::State : std::enable_shared_from_this<Server::State> {
    State(sim::Network& network, sim::Scheduler& scheduler, std::string address, ServerHandler handler,
          ServerOptions options, sim::Trace* trace, const sim::Log* log)
        : network(network), scheduler(scheduler), address(std::move(address)), handler(std::move(handler)),
          options(std::move(options)), trace(trace), log(log) {}

    sim::Network& network;
    sim::Scheduler& scheduler;
    std::string address;
    ServerHandler handler;
    ServerOptions options;
    sim::Trace* trace;
    const sim::Log* log;
    bool listening = false;
    std::size_t served = 0;
    std::uint64_t next_session_id = 1;
    std::map<std::uint64_t, std::weak_ptr<Session>> sessions;  // ordered by id: deterministic shutdown

    void accept(std::unique_ptr<sim::ByteStream> stream);
    void close_all();
};

namespace {

// One connection: reads a request, hands it to the handler, writes the response, repeats while
// keep-alive. The handler may answer later; the session waits (no read of the next request meanwhile).
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(std::shared_ptr<Server::State> server, std::uint64_t id, std::unique_ptr<sim::ByteStream> stream)
        : server_(std::move(server)), id_(id),
          stream_(std::move(stream), sim::NetworkLoop::of(server_->network).get_executor()),
          remote_address_(stream_.remote_address()) {}

    void start() { read_request(); }

    void close() {
        if (closed_) return;
        closed_ = true;
        cancel_timer();
        stream_.close();
        server_->sessions.erase(id_);
    }

private:
    using Parser = bhttp::request_parser<bhttp::string_body>;

    void read_request() {
        parser_.emplace();
        parser_->body_limit(server_->options.body_limit_bytes);
        parser_->header_limit(static_cast<std::uint32_t>(server_->options.header_limit_bytes));
        if (buffer_.size() == 0) {
            // Waiting for the first byte: the keep-alive (idle) timeout, or the headers timeout on a
            // fresh connection, as Kestrel does.
            arm_timer(first_request_ ? server_->options.request_headers_timeout : server_->options.idle_timeout);
            stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](sim::ErrorCode ec, std::size_t n) {
                if (self->closed_) return;
                if (ec) {
                    self->close();
                    return;
                }
                self->buffer_.commit(n);
                self->read_rest();
            });
        } else {
            read_rest();  // pipelined bytes already buffered
        }
    }

    // From the first byte on, the whole request (headers and body) must arrive within the headers timeout.
    void read_rest() {
        arm_timer(server_->options.request_headers_timeout);
        bhttp::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->on_header(ec);
        });
    }

    void on_header(beast::error_code ec) {
        if (closed_) return;
        if (ec || parser_->is_done()) {
            on_read(ec);
            return;
        }
        // A client that asked "Expect: 100-continue" (curl, for larger bodies) waits for this before
        // sending the body; Kestrel sends it when the body is read, so do we.
        if (iequals(parser_->get()[bhttp::field::expect], "100-continue")) {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            boost::asio::async_write(stream_, boost::asio::buffer(kContinue.data(), kContinue.size()),
                                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                         if (self->closed_) return;
                                         if (ec) {
                                             self->close();
                                             return;
                                         }
                                         self->read_body();
                                     });
            return;
        }
        read_body();
    }

    void read_body() {
        bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->on_read(ec);
        });
    }

    void on_read(beast::error_code ec) {
        if (closed_) return;
        cancel_timer();
        if (!ec) {
            dispatch();
        } else if (ec == bhttp::error::body_limit) {
            respond_error(413);
        } else if (ec == bhttp::error::header_limit) {
            respond_error(431);
        } else if (is_malformed(ec)) {
            respond_error(400);  // bad request line, header or chunked framing
        } else {
            close();  // transport ended (eof, reset, aborted) or a partial request: nobody to answer
        }
    }

    static bool is_malformed(beast::error_code ec) {
        if (ec.category() != beast::error_code(bhttp::error::bad_method).category()) return false;
        return ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
               ec != bhttp::error::need_more && ec != bhttp::error::need_buffer && ec != bhttp::error::buffer_overflow;
    }

    void respond_error(int status) {
        Response response = Response::empty(status);
        std::string method, target;
        if (parser_ && parser_->is_header_done()) {
            method = std::string(parser_->get().method_string());
            target = std::string(parser_->get().target());
        }
        send(std::move(response), method, target, /*keep_alive=*/false);
    }

    void dispatch() {
        auto& message = parser_->get();
        Request request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        std::string_view target = origin_form_target(message.target());
        auto question = target.find('?');
        request.path = remove_dot_segments(decode_path(target.substr(0, question)));
        if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
        for (const auto& field : message) request.headers.add(std::string(field.name_string()), std::string(field.value()));
        request.body = std::move(message.body());
        request.remote_address = remote_address_;
        bool keep_alive = message.keep_alive();

        // respond() may be called now, later, or (by mistake) twice: only the first call counts, and
        // a call after the connection closed is dropped. It owns the session until then.
        auto answered = std::make_shared<bool>(false);
        auto respond = [self = shared_from_this(), answered, method = request.method, target = request.target,
                        keep_alive](Response response) {
            if (*answered) return;
            *answered = true;
            if (response.drop_connection) {  // fault injection: close without answering
                self->close();
                return;
            }
            if (!self->closed_) self->send(std::move(response), method, target, keep_alive);
        };
        try {
            server_->handler(request, respond);
        } catch (const std::exception& e) {
            if (server_->log) server_->log->error(server_->options.actor, std::string("handler threw: ") + e.what());
            respond(Response::empty(500));
        } catch (...) {
            if (server_->log) server_->log->error(server_->options.actor, "handler threw a non-exception");
            respond(Response::empty(500));
        }
    }

    void send(Response response, const std::string& method, const std::string& target, bool keep_alive) {
        auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
        message->version(11);
        message->result(static_cast<unsigned>(response.status));
        bool handler_closes = false;
        for (const auto& header : response.headers.all()) {
            if (iequals(header.name, "Content-Length") || iequals(header.name, "Transfer-Encoding")) continue;
            if (iequals(header.name, "Connection")) {
                handler_closes = handler_closes || iequals(header.value, "close");
                continue;
            }
            message->insert(header.name, header.value);
        }
        if (!server_->options.server_header.empty() && message->find(bhttp::field::server) == message->end())
            message->set(bhttp::field::server, server_->options.server_header);
        if (status_has_no_body(response.status)) {
            response.body.clear();
        } else {
            message->content_length(response.body.size());
        }
        message->body() = std::move(response.body);
        keep_alive = keep_alive && !handler_closes;
        message->keep_alive(keep_alive);

        ++server_->served;
        if (server_->trace && server_->trace->enabled())   // no JSON built for a trace that is off (serve)
            server_->trace->record(server_->options.actor, "http",
                                   nlohmann::json{{"method", method}, {"target", target}, {"status", response.status}});
        if (server_->log && server_->log->level() <= sim::LogLevel::info)
            server_->log->info(server_->options.actor, method + " " + target + " -> " + std::to_string(response.status));

        bhttp::async_write(stream_, *message,
                           [self = shared_from_this(), message, keep_alive](beast::error_code ec, std::size_t) {
                               if (self->closed_) return;
                               if (ec || !keep_alive) {
                                   self->close();
                                   return;
                               }
                               self->first_request_ = false;
                               self->read_request();
                           });
    }

    void arm_timer(sim::Duration timeout) {
        cancel_timer();
        std::weak_ptr<Session> weak = shared_from_this();
        timer_ = server_->scheduler.after(timeout, "http.server.timeout", [weak] {
            if (auto self = weak.lock()) {
                self->timer_ = {};
                self->close();  // idle keep-alive or a too-slow request: drop the connection
            }
        });
    }

    void cancel_timer() {
        if (timer_) server_->scheduler.cancel(timer_);
        timer_ = {};
    }

    std::shared_ptr<Server::State> server_;
    std::uint64_t id_;
    sim::AnyStream stream_;
    std::string remote_address_;
    beast::flat_buffer buffer_;
    std::optional<Parser> parser_;
    sim::TimerHandle timer_;
    bool first_request_ = true;
    bool closed_ = false;
};

}  // namespace

void Server::State::accept(std::unique_ptr<sim::ByteStream> stream) {
    if (!listening) return;
    std::uint64_t id = next_session_id++;
    auto session = std::make_shared<Session>(shared_from_this(), id, std::move(stream));
    sessions.emplace(id, session);
    session->start();
}

void Server::State::close_all() {
    auto open = std::move(sessions);
    sessions.clear();
    for (auto& [id, weak] : open)
        if (auto session = weak.lock()) session->close();
}

Server::Server(sim::Network& network, sim::Scheduler& scheduler, std::string address, ServerHandler handler,
               ServerOptions options, sim::Trace* trace, const sim::Log* log)
    : address_(std::move(address)),
      state_(std::make_shared<State>(network, scheduler, address_, std::move(handler), std::move(options), trace, log)) {}

Server::~Server() { stop(); }

sim::ErrorCode Server::start() {
    if (state_->listening) return {};
    std::weak_ptr<State> weak = state_;
    auto ec = state_->network.listen(address_, [weak](std::unique_ptr<sim::ByteStream> stream) {
        if (auto state = weak.lock()) state->accept(std::move(stream));
    });
    if (ec) return ec;
    state_->listening = true;
    address_ = state_->network.bound_address(address_);  // resolves "127.0.0.1:0" on TCP
    return {};
}

void Server::stop() {
    if (state_->listening) {
        state_->network.stop_listening(state_->address);
        state_->listening = false;
    }
    state_->close_all();
}

std::size_t Server::requests_served() const { return state_->served; }

}  // namespace mgm::http

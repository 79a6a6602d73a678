// HTTP/1.1 server: a listener on the Network and one Beast session per connection (keep-alive),
// identical over the loopback and TCP networks. Timeouts run on the Scheduler, never the real clock.
#include "sim/http/server.h"

#include <iterator>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "sim/http/wire_writer.h"
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
        : network(network),
          scheduler(scheduler),
          address(std::move(address)),
          handler(std::move(handler)),
          options(std::move(options)),
          trace(trace),
          log(log) {}

    sim::Network& network;
    sim::Scheduler& scheduler;
    std::string address;
    ServerHandler handler;
    ServerOptions options;
    sim::Trace* trace;
    const sim::Log* log;
    bool listening = false;
    bool draining = false;
    std::function<void()> drained;
    bool refusing = false;  // over max_connections: logged once until an accept succeeds again
    std::size_t served = 0;
    std::uint64_t next_session_id = 1;
    std::map<std::uint64_t, std::weak_ptr<Session>> sessions;  // ordered by id: deterministic shutdown

    void accept(std::unique_ptr<sim::ByteStream> stream);
    void close_all();
    void session_closed();
    void warn(const std::string& message) const {
        if (log) log->warn(options.actor, message);
    }
};

namespace {

// One connection: reads a request, hands it to the handler, writes the response, repeats while
// keep-alive. The handler may answer later; the session waits (no read of the next request meanwhile).
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(std::shared_ptr<Server::State> server, std::uint64_t id, std::unique_ptr<sim::ByteStream> stream)
        : server_(std::move(server)),
          id_(id),
          stream_(std::move(stream), sim::NetworkLoop::of(server_->network).get_executor()),
          remote_address_(stream_.remote_address()) {}

    void start() { read_request(); }

    void close() {
        if (closed_) return;
        closed_ = true;
        cancel_timer();
        stream_.close();
        server_->sessions.erase(id_);
        server_->session_closed();
    }

    // Draining: a connection waiting for its next request is closed now; one in the middle of a request is
    // answered first (send() then closes it).
    void close_if_idle() {
        if (!busy_) close();
    }

private:
    using Parser = bhttp::request_parser<bhttp::string_body>;

    void read_request() {
        // The raw bytes of this request's header (pipelined bytes already buffered, then what is read).
        raw_header_->assign(static_cast<const char*>(buffer_.data().data()), buffer_.size());
        stream_.set_read_tap(raw_header_);
        parser_.emplace();
        parser_->body_limit(server_->options.body_limit_bytes);
        parser_->header_limit(static_cast<std::uint32_t>(server_->options.header_limit_bytes));
        if (buffer_.size() == 0) {
            // Waiting for the first byte: the keep-alive (idle) timeout, or the headers timeout on a
            // fresh connection, as Kestrel does.
            arm_timer(first_request_ ? server_->options.request_headers_timeout : server_->options.idle_timeout);
            stream_.async_read_some(buffer_.prepare(4096),
                                    [self = shared_from_this()](sim::ErrorCode ec, std::size_t n) {
                                        if (self->closed_) return;
                                        if (ec) {
                                            self->close();
                                            return;
                                        }
                                        self->buffer_.commit(n);
                                        self->busy_ = true;
                                        self->read_rest();
                                    });
        } else {
            busy_ = true;
            read_rest();  // pipelined bytes already buffered
        }
    }

    // From the first byte on, the whole request (headers and body) must arrive within the headers timeout.
    void read_rest() {
        arm_timer(server_->options.request_headers_timeout);
        bhttp::async_read_header(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
    }

    // RFC 9112 and Kestrel's request checks, before any body byte is read. 0 = acceptable.
    int header_rejection() const {
        const auto& message = parser_->get();
        // A Transfer-Encoding whose final coding is not chunked leaves the body length unknown: a server that
        // read none would parse the body as the next request (request smuggling). RFC 9112 §6.3: 400 + close.
        if (message.count(bhttp::field::transfer_encoding) != 0 && !parser_->chunked()) return 400;
        const auto hosts = message.count(bhttp::field::host);
        if (hosts > 1 || (hosts == 0 && message.version() >= 11)) return 400;  // RFC 9112 §3.2, as Kestrel
        // obs-fold (a header line starting with SP/HT continues the previous one): RFC 9112 §5.2 lets a server
        // reject it, and Kestrel does. The parser unfolds it silently, so look at the raw header lines.
        const std::string_view raw(*raw_header_);
        const std::string_view head = raw.substr(0, raw.find("\r\n\r\n"));
        if (head.find("\r\n ") != std::string_view::npos || head.find("\r\n\t") != std::string_view::npos) return 400;
        const std::size_t line = message.method_string().size() + 1 + message.target().size() + 9;
        if (line > server_->options.max_request_line_bytes) return 414;
        if (message.count(bhttp::field::expect) != 0 && !iequals(message[bhttp::field::expect], "100-continue"))
            return 417;
        if (server_->options.route_body_limit) {
            std::string_view target = message.target();
            if (auto limit =
                    server_->options.route_body_limit(message.method_string(), target.substr(0, target.find('?')))) {
                if (auto length = parser_->content_length(); length && *length > *limit) return 413;
            }
        }
        return 0;
    }

    void on_header(beast::error_code ec) {
        if (closed_) return;
        stream_.set_read_tap(nullptr);  // the body is not tapped
        if (!ec && parser_->is_header_done()) {
            if (int status = header_rejection()) {
                cancel_timer();
                respond_error(status);
                return;
            }
            if (server_->options.route_body_limit) {  // chunked bodies are counted against it as they arrive
                std::string_view target = parser_->get().target();
                if (auto limit = server_->options.route_body_limit(parser_->get().method_string(),
                                                                   target.substr(0, target.find('?'))))
                    parser_->body_limit(*limit);
            }
        }
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
        bhttp::async_read(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
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
        const std::string_view raw_path = target.substr(0, question);
        // Nothing to decode and no dot segment (the usual path): both steps would return it unchanged.
        request.path = raw_path.find_first_of("%.") == std::string_view::npos
                           ? std::string(raw_path)
                           : remove_dot_segments(decode_path(raw_path));
        if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
        request.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
        for (const auto& field : message)
            request.headers.add(std::string(field.name_string()), std::string(field.value()));
        request.body = std::move(message.body());
        request.remote_address = remote_address_;
        bool keep_alive = message.keep_alive() && !server_->draining;

        // respond() may be called now, later, or (by mistake) twice: only the first call counts, and
        // a call after the connection closed is dropped. It owns the session until then. The method and
        // target are read from the parser when answering: it is only replaced after the answer is written.
        const std::uint64_t request_number = ++requests_;
        answered_ = false;
        auto respond = [self = shared_from_this(), request_number, keep_alive](Response response) {
            if (self->answered_ || self->requests_ != request_number) return;
            self->answered_ = true;
            if (response.drop_connection) {  // fault injection: close without answering
                self->close();
                return;
            }
            if (!self->closed_)
                self->send(std::move(response), self->parser_->get().method_string(), self->parser_->get().target(),
                           keep_alive);
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

    void send(Response response, std::string_view method, std::string_view target, bool keep_alive) {
        // The answer as Beast's response message would carry it: the handler's fields in order (its
        // Content-Length, Transfer-Encoding and Connection are the server's business), then Server, Date,
        // Content-Length and, when the connection ends, "Connection: close".
        WireFields fields(response.headers.all().size() + 4);  // + Server, Date, Content-Length, Connection
        bool handler_closes = false;
        for (const auto& header : response.headers.all()) {
            if (iequals(header.name, "Content-Length") || iequals(header.name, "Transfer-Encoding")) continue;
            if (iequals(header.name, "Connection")) {
                handler_closes = handler_closes || iequals(header.value, "close");
                continue;
            }
            fields.insert(header.name, header.value);
        }
        if (!server_->options.server_header.empty() && !fields.contains("Server"))
            fields.set("Server", server_->options.server_header);
        std::string date;
        if (server_->options.date_clock && !fields.contains("Date")) {
            date = sim::format_http_date(server_->options.date_clock->now());
            fields.set("Date", date);
        }
        std::string content_length;
        if (status_has_no_body(response.status)) {
            response.body.clear();
        } else {
            content_length = std::to_string(response.body.size());
            fields.set("Content-Length", content_length);
        }
        keep_alive = keep_alive && !handler_closes && !server_->draining;
        if (!keep_alive) fields.set("Connection", "close");
        auto bytes = std::make_shared<std::string>(
            wire_response(static_cast<unsigned>(response.status), fields, response.body));

        ++server_->served;
        if (server_->trace && server_->trace->enabled())  // no JSON built for a trace that is off (serve)
            server_->trace->record_fields(server_->options.actor, "http",
                                          {{"method", method}, {"target", target}, {"status", response.status}});
        if (server_->log && server_->log->level() <= sim::LogLevel::info)
            server_->log->info(server_->options.actor, std::string(method) + " " + std::string(target) + " -> " +
                                                           std::to_string(response.status));

        arm_write_check(stream_.bytes_written());
        boost::asio::async_write(stream_, boost::asio::buffer(*bytes),
                           [self = shared_from_this(), bytes, keep_alive](beast::error_code ec, std::size_t) {
                               if (self->closed_) return;
                               self->cancel_timer();
                               self->busy_ = false;
                               if (ec || !keep_alive || self->server_->draining) {
                                   self->close();
                                   return;
                               }
                               self->first_request_ = false;
                               self->read_request();
                           });
    }

    // Kestrel's MinResponseDataRate: while a response is being written, every grace period must move at
    // least rate x grace bytes; a client that stops reading (pipelining and never reading, say) is cut off
    // instead of holding its connection and the buffered response forever.
    void arm_write_check(std::uint64_t mark_bytes) {
        const auto& rate = server_->options.min_response_bytes_per_second;
        if (!rate) return;
        cancel_timer();
        const sim::Duration grace = server_->options.min_response_rate_grace;
        const auto needed =
            static_cast<std::uint64_t>(static_cast<double>(*rate) * std::chrono::duration<double>(grace).count());
        std::weak_ptr<Session> weak = shared_from_this();
        timer_ = server_->scheduler.after(grace, "http.server.write_rate", [weak, mark_bytes, needed] {
            auto self = weak.lock();
            if (!self || self->closed_) return;
            self->timer_ = {};
            const std::uint64_t now_bytes = self->stream_.bytes_written();
            if (now_bytes - mark_bytes >= needed) {
                self->arm_write_check(now_bytes);
                return;
            }
            self->server_->warn("closing the connection of " + self->remote_address_ + ": the response moved " +
                                std::to_string(now_bytes - mark_bytes) + " bytes in the grace period, below the " +
                                "minimum response data rate");
            self->close();
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
    std::shared_ptr<std::string> raw_header_ = std::make_shared<std::string>();
    std::optional<Parser> parser_;
    sim::TimerHandle timer_;
    std::uint64_t requests_ = 0;  // dispatched on this connection; numbers the current respond()
    bool answered_ = false;  // the current request's respond() was called
    bool first_request_ = true;
    bool busy_ = false;  // from a request's first byte until its answer is written
    bool closed_ = false;
};

}  // namespace

void Server::State::accept(std::unique_ptr<sim::ByteStream> stream) {
    if (!listening) return;
    // Connection caps (Kestrel's MaxConcurrentConnections closes a connection over the limit at once).
    const bool over_own = options.max_connections != 0 && sessions.size() >= options.max_connections;
    ConnectionBudget* budget = options.shared_budget.get();
    const bool over_total = budget && budget->limit != 0 && budget->open >= budget->limit;
    if (over_own || over_total) {
        bool& logged = over_own ? refusing : budget->refusing;
        if (!logged)
            warn(over_own ? "connection limit of " + std::to_string(options.max_connections) +
                                " reached: closing new connections until one ends"
                          : "process connection limit of " + std::to_string(budget->limit) +
                                " reached: closing new connections until one ends");
        logged = true;
        stream->close();
        return;
    }
    refusing = false;
    if (budget) {
        budget->refusing = false;
        ++budget->open;
    }
    std::uint64_t id = next_session_id++;
    auto session = std::make_shared<Session>(shared_from_this(), id, std::move(stream));
    sessions.emplace(id, session);
    session->start();
}

void Server::State::session_closed() {
    if (options.shared_budget && options.shared_budget->open > 0) --options.shared_budget->open;
    if (draining && sessions.empty() && drained) {
        auto done = std::move(drained);
        drained = nullptr;
        done();
    }
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
      state_(
          std::make_shared<State>(network, scheduler, address_, std::move(handler), std::move(options), trace, log)) {}

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

std::size_t Server::open_connections() const { return state_->sessions.size(); }

void Server::drain(std::function<void()> drained) {
    if (state_->listening) {
        state_->network.stop_listening(state_->address);
        state_->listening = false;
    }
    state_->draining = true;
    state_->drained = std::move(drained);
    std::vector<std::shared_ptr<Session>> open;
    for (auto& [id, weak] : state_->sessions)
        if (auto session = weak.lock()) open.push_back(std::move(session));
    for (auto& session : open) session->close_if_idle();
    if (state_->sessions.empty() && state_->drained) {
        auto done = std::move(state_->drained);
        state_->drained = nullptr;
        done();
    }
}

}  // namespace mgm::http

// HTTP/1.1 client: one connection per request over the Network, Beast for the wire format, timeouts
// and retries on the Scheduler so simulated runs time out at exact simulated instants.
#include "sim/http/client.h"

#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "sim/http/wire_writer.h"
#include "sim/network/any_stream.h"
#include "sim/trace/trace.h"

namespace mgm::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

std::string describe_error(const sim::ErrorCode& ec, bool timed_out) {
    if (timed_out) return "timeout";
    if (ec == boost::asio::error::connection_refused) return "connection refused";
    if (ec == boost::asio::error::connection_reset) return "connection reset";
    if (ec == boost::asio::error::eof || ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message)
        return "connection closed";
    if (ec == boost::asio::error::invalid_argument) return "invalid address";
    if (ec == boost::asio::error::operation_aborted) return "aborted";
    return ec.message();
}

bool method_allows_body(const std::string& method) { return method == "POST" || method == "PUT" || method == "PATCH"; }

// A message's headers and body for a detail line, bounded so a trace with details stays a sensible size.
constexpr std::size_t kDetailBodyBytes = 4096;
constexpr std::size_t kDetailHeaderBytes = 512;

nlohmann::json detail_message(const Headers& headers, const std::string& body) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& header : headers.all()) {
        std::string value(std::string_view(header.value).substr(0, kDetailHeaderBytes));
        if (header.value.size() > kDetailHeaderBytes) value += "...";
        list.push_back({header.name, std::move(value)});
    }
    nlohmann::json message = {{"headers", std::move(list)}, {"bytes", body.size()}};
    message["body"] = body.size() > kDetailBodyBytes ? body.substr(0, kDetailBodyBytes) : body;
    if (body.size() > kDetailBodyBytes) message["truncated"] = true;
    return message;
}

}  // namespace

std::string ClientResult::describe() const {
    if (ok()) return {};
    return describe_error(error, timed_out);
}

class Exchange;

struct Client::State {
    State(sim::Network& network, sim::Scheduler& scheduler, std::string from, sim::Trace* trace, std::string actor)
        : network(network), scheduler(scheduler), from(std::move(from)), trace(trace), actor(std::move(actor)) {}

    sim::Network& network;
    sim::Scheduler& scheduler;
    std::string from;
    sim::Trace* trace;
    std::string actor;
    std::uint64_t next_exchange_id = 1;
    // Exchanges in progress, owned here so a Client going away can abandon them (by id: deterministic).
    std::map<std::uint64_t, std::shared_ptr<Exchange>> exchanges;
};

// One request with its attempts. Callbacks of a finished attempt are recognised by a stale token and
// ignored, so a late connect, a late response or a late timer can never complete the exchange twice.
class Exchange : public std::enable_shared_from_this<Exchange> {
public:
    Exchange(Client::State& client, std::uint64_t id, std::string address, Request request, ClientOptions options,
             std::function<void(ClientResult)> done)
        : client_(client),
          id_(id),
          address_(std::move(address)),
          request_(std::move(request)),
          options_(options),
          done_(std::move(done)) {
        if (options_.max_attempts < 1) options_.max_attempts = 1;
    }

    void start_attempt() {
        ++result_.attempts;
        if (client_.trace) sent_ = client_.trace->now();
        ++token_;
        const std::uint64_t token = token_;
        std::weak_ptr<Exchange> weak = shared_from_this();
        timer_ = client_.scheduler.after(options_.timeout, "http.client.timeout", [weak, token] {
            if (auto self = weak.lock(); self && self->token_ == token) {
                self->timer_ = {};
                self->attempt_failed(boost::asio::error::timed_out, /*timed_out=*/true);
            }
        });
        client_.network.connect(client_.from, address_,
                                [weak, token](sim::ErrorCode ec, std::unique_ptr<sim::ByteStream> stream) {
                                    auto self = weak.lock();
                                    if (!self || self->token_ != token) return;  // the stream (if any) closes here
                                    if (ec) {
                                        self->attempt_failed(ec, false);
                                        return;
                                    }
                                    self->on_connected(std::move(stream));
                                });
    }

    // Drops the exchange without calling back (the Client is going away).
    void abandon() {
        ++token_;
        end_attempt();
    }

private:
    void on_connected(std::unique_ptr<sim::ByteStream> stream) {
        stream_.emplace(std::move(stream), sim::NetworkLoop::of(client_.network).get_executor());
        auto bytes = std::make_shared<std::string>(wire_message());
        buffer_.clear();
        parser_.emplace();
        // Responses come from our own services: no size cap. (Beast 1.74 compares the length against an
        // empty optional as "exceeded", so "unlimited" must be the largest value, not boost::none.)
        parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
        const std::uint64_t token = token_;
        // Read and write at once: a server may answer (413, 400) before it has read the whole body.
        boost::asio::async_write(*stream_, boost::asio::buffer(*bytes),
                           [self = shared_from_this(), token, bytes](beast::error_code ec, std::size_t) {
                               // A failed write is reported by the read (reset/eof) or the timeout.
                               (void)self, (void)token, (void)ec;
                           });
        bhttp::async_read(*stream_, buffer_, *parser_,
                          [self = shared_from_this(), token](beast::error_code ec, std::size_t) {
                              if (self->token_ != token) return;
                              if (ec) {
                                  self->attempt_failed(ec, false);
                                  return;
                              }
                              self->on_response();
                          });
    }

    // The request as Beast's request message would carry it: the caller's fields in order (its
    // Content-Length and Transfer-Encoding are ours to write), then Host and "Connection: close" unless the
    // caller set them, then Content-Length for a body or a method that carries one.
    std::string wire_message() const {
        WireFields fields(request_.headers.all().size() + 3);  // + Host, Connection, Content-Length
        bool has_connection = false;
        for (const auto& header : request_.headers.all()) {
            if (iequals(header.name, "Content-Length") || iequals(header.name, "Transfer-Encoding")) continue;
            if (iequals(header.name, "Connection")) has_connection = true;
            fields.insert(header.name, header.value);
        }
        if (!fields.contains("Host")) fields.set("Host", address_);
        if (!has_connection) fields.set("Connection", "close");
        std::string content_length;
        if (!request_.body.empty() || method_allows_body(request_.method)) {
            content_length = std::to_string(request_.body.size());
            fields.set("Content-Length", content_length);
        }
        return wire_request(request_.method, request_.target.empty() ? "/" : request_.target, fields, request_.body);
    }

    void on_response() {
        auto& message = parser_->get();
        Response response;
        response.status = static_cast<int>(message.result_int());
        response.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
        for (const auto& field : message)
            response.headers.add(std::string(field.name_string()), std::string(field.value()));
        response.body = std::move(message.body());
        if (client_.trace)
            client_.trace->record_fields(client_.actor, "http.out",
                                         {{"method", request_.method}, {"target", request_.target}, {"status", response.status}});
        note_detail(&response, {});
        end_attempt();
        result_.response = std::move(response);
        result_.error = {};
        result_.timed_out = false;
        finish();
    }

    void attempt_failed(sim::ErrorCode ec, bool timed_out) {
        const std::string error = describe_error(ec, timed_out);
        record(nlohmann::json{{"method", request_.method}, {"target", request_.target}, {"error", error}});
        note_detail(nullptr, error);
        end_attempt();
        result_.error = ec;
        result_.timed_out = timed_out;
        if (result_.attempts < options_.max_attempts) {
            std::weak_ptr<Exchange> weak = shared_from_this();
            const std::uint64_t token = token_;
            timer_ = client_.scheduler.after(options_.retry_delay, "http.client.retry", [weak, token] {
                if (auto self = weak.lock(); self && self->token_ == token) {
                    self->timer_ = {};
                    self->start_attempt();
                }
            });
            return;
        }
        finish();
    }

    // Ends the current attempt: later callbacks of it become stale; its stream and timer go away.
    void end_attempt() {
        ++token_;
        if (timer_) client_.scheduler.cancel(timer_);
        timer_ = {};
        if (stream_) stream_->close();
    }

    void finish() {
        auto self = shared_from_this();  // erase() below would otherwise destroy us mid-call
        client_.exchanges.erase(id_);
        auto done = std::move(done_);
        if (done) done(std::move(result_));
    }

    // With trace details on: the attempt's peer, when it was sent, and both messages (timeline, Perfetto).
    void note_detail(const Response* response, std::string_view error) {
        if (!client_.trace || !client_.trace->detail()) return;
        nlohmann::json fields = {{"to", address_},
                                 {"sent", sim::format_iso8601(sent_)},
                                 {"attempt", result_.attempts},
                                 {"request", detail_message(request_.headers, request_.body)}};
        if (response) {
            fields["response"] = detail_message(response->headers, response->body);
            fields["response"]["status"] = response->status;
        } else {
            fields["error"] = error;
        }
        client_.trace->note(client_.actor, "http.detail", fields);
    }

    void record(const nlohmann::json& fields) {
        if (client_.trace) client_.trace->record(client_.actor, "http.out", fields);
    }

    Client::State& client_;
    std::uint64_t id_;
    std::string address_;
    Request request_;
    ClientOptions options_;
    std::function<void(ClientResult)> done_;
    ClientResult result_;
    std::uint64_t token_ = 0;
    sim::TimerHandle timer_;
    sim::Instant sent_{};  // when the current attempt began (detail lines)
    std::optional<sim::AnyStream> stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
};

Client::Client(sim::Network& network, sim::Scheduler& scheduler, std::string from, sim::Trace* trace, std::string actor)
    : state_(std::make_shared<State>(network, scheduler, std::move(from), trace, std::move(actor))) {}

Client::~Client() {
    auto exchanges = std::move(state_->exchanges);
    state_->exchanges.clear();
    for (auto& [id, exchange] : exchanges) exchange->abandon();
}

void Client::send(const std::string& address, Request request, ClientOptions options,
                  std::function<void(ClientResult)> done) {
    std::uint64_t id = state_->next_exchange_id++;
    auto exchange = std::make_shared<Exchange>(*state_, id, address, std::move(request), options, std::move(done));
    state_->exchanges.emplace(id, exchange);
    exchange->start_attempt();
}

void Client::send_url(const std::string& url, Request request, ClientOptions options,
                      std::function<void(ClientResult)> done) {
    auto parsed = parse_http_url(url);
    if (!parsed) {
        boost::asio::post(sim::NetworkLoop::of(state_->network), [done = std::move(done)] {
            ClientResult result;
            result.error = boost::asio::error::invalid_argument;
            result.attempts = 0;
            done(std::move(result));
        });
        return;
    }
    request.target = parsed->path_and_query;
    send(parsed->address, std::move(request), options, std::move(done));
}

}  // namespace mgm::http

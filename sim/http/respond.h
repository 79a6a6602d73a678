// How a handler answers: Respond sends the response, possibly later (after an outgoing call completes).
// RespondOnce is the one guard for "exactly one response per request", used wherever a handler could answer
// twice (answer and then throw, or an error path after a success path).
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "sim/http/message.h"

namespace mgm::http {

// Sends the response; call exactly once, possibly later.
using Respond = std::function<void(Response)>;

// Wraps a Respond so that only the first response goes out; later ones are dropped. Copies share the state,
// so it can be handed on as a Respond and still be asked whether it has answered.
class RespondOnce {
public:
    explicit RespondOnce(Respond respond) : state_(std::make_shared<State>(State{std::move(respond), false})) {}

    void operator()(Response response) const {
        if (state_->answered) return;
        state_->answered = true;
        state_->respond(std::move(response));
    }
    bool answered() const { return state_->answered; }

private:
    struct State {
        Respond respond;
        bool answered;
    };
    std::shared_ptr<State> state_;
};

}  // namespace mgm::http

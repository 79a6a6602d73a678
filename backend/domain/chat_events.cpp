#include "backend/domain/chat_events.h"

#include "backend/domain/character_name.h"
#include "backend/domain/chat_command.h"

namespace mgm::backend {

void ChatEventHandler::handle(const ChatEvent& event, std::function<void()> done) {
    enrollment_.enroll_from_chat(event.message);

    const auto gift_name = parse_twgift(event.message.text);
    if (!gift_name) {
        done();
        return;
    }
    const std::string streamer = event.broadcaster_user_id.value_or(ctx_.config.broadcaster_user_id);
    if (is_blank(streamer)) {
        done();
        return;
    }
    GiftCreateRequest request{streamer, event.message.chatter_user_id, event.message.chatter_user_login, *gift_name};
    gifts_.create(request, [this, done = std::move(done)](Outcome<GiftRequestView> outcome) {
        if (!outcome) ctx_.log.info(kEbsActor, "!twgift from chat rejected: " + outcome.error().code);
        done();
    });
}

}  // namespace mgm::backend

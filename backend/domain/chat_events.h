// What the EventSub route does with one channel.chat.message (docs/CONTRACT.md §5.2): chat
// enrollment, then "!twgift" → gift creation (failures only logged).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "backend/domain/enrollment_service.h"
#include "backend/domain/gift_service.h"

namespace mgm::backend {

struct ChatEvent {
    ChatMessage message;
    // event.broadcaster_user_id: nullopt when the property is absent or JSON null (→ Twitch:BroadcasterUserId);
    // an empty string is kept (and then no gift is created).
    std::optional<std::string> broadcaster_user_id;
};

class ChatEventHandler {
public:
    ChatEventHandler(ServiceContext ctx, EnrollmentService& enrollment, GiftService& gifts)
        : ctx_(ctx), enrollment_(enrollment), gifts_(gifts) {}

    // Enrollment (store errors throw synchronously → the route answers 500), then the gift path.
    // `done` runs once everything finished (possibly before this returns); the route then answers 200.
    void handle(const ChatEvent& event, std::function<void()> done);

private:
    ServiceContext ctx_;
    EnrollmentService& enrollment_;
    GiftService& gifts_;
};

}  // namespace mgm::backend

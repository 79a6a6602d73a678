// What an EventSub notification body asks of the EBS, read the way the reference's JsonElement accessors
// read it (docs/CONTRACT.md §5.2): challenge echo, subscription filter, the chat event's fields and the badge
// rule, and the shapes the reference throws on (→ 500). One SAX pass keeps only the values the EBS looks at,
// so a body costs no DOM (the DOM's ~70 allocations were a sixth of an EventSub message's CPU).
#pragma once

#include <string>
#include <string_view>

#include "backend/domain/chat_events.h"

namespace mgm::backend::api {

struct EventSubBodyReading {
    enum class Kind {
        challenge,  // answer 200 with `challenge` as text/plain
        ignored,  // answer an empty 200 (no subscription, another type, no event)
        chat_message,  // hand `event` to the chat handler
        malformed,  // the reference throws: an empty 500; `error` says why (logged)
    };
    Kind kind = Kind::ignored;
    std::string challenge;
    ChatEvent event;
    std::string error;
};

// `body` is the text after eventsub_body_text(); an empty body reads as "{}". Invalid JSON or nesting deeper
// than 64 is `malformed`.
EventSubBodyReading read_eventsub_body(std::string_view body);

}  // namespace mgm::backend::api

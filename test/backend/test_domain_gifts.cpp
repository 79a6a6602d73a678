// Gift queue (docs/CONTRACT.md §5.13–5.17, §6.6; GAP-33): create, promote, position/D8, Desktop PATCH/select/confirm,
// queue views, timeouts (D2: they fire), and the EventSub chat handler's !twgift path.
#include "test_domain_fixture.h"

using namespace mgm;
using namespace mgm::backend;
using namespace mgm::backend::testing;
using trompeloeil::_;

namespace {

Outcome<GiftRequestView> create(DomainWorld& w, std::string streamer, std::string viewer, std::string name) {
    std::optional<Outcome<GiftRequestView>> result;
    w.gifts.create(GiftCreateRequest{std::move(streamer), viewer, "disp-" + viewer, std::move(name)},
                   [&](Outcome<GiftRequestView> o) { result.emplace(std::move(o)); });
    w.run_timers();
    REQUIRE(result.has_value());
    return *result;
}

GiftItem item() {
    return GiftItem{"Linen Cloth", 2589, 5, "|Hitem:2589|h[Linen Cloth]|h", "Interface\\Icons\\Linen", 0, 3};
}

// Subscribed for every check, answered asynchronously.
#define ALLOW_SUBSCRIBED(w) ALLOW_CALL((w).helix, check_user_subscription(_, _, _)).LR_SIDE_EFFECT((w).later(_3, true))

}  // namespace

TEST_CASE("gift create: validation, subscriber check, then 201 promoted to SelectingItem", "[domain][gifts]") {
    DomainWorld w;
    CHECK(create(w, "42", "v1", "1bad").error() == ApiError{400, "invalid_character_name", "Invalid character name."});
    {
        REQUIRE_CALL(w.helix, check_user_subscription("42", "v1", _)).LR_SIDE_EFFECT(w.later(_3, false));
        CHECK(create(w, "42", "v1", "Abcd").error() ==
              ApiError{403, "not_subscriber", "Only subscribers can use !twgift."});
    }
    ALLOW_SUBSCRIBED(w);
    const auto r = create(w, "42", "v1", "  Abcd ");
    REQUIRE(r.ok());
    const auto& g = r.value().request;
    CHECK(g.state == GiftRequestState::SelectingItem);
    CHECK(g.character_name == "Abcd");
    CHECK(g.viewer_display_name == "disp-v1");
    CHECK(g.timeout_at == w.clock.now() + std::chrono::seconds(60));
    CHECK(r.value().queue_position == 1);
    CHECK(r.value().estimated_wait_seconds == 0);
    const auto events = w.store.list_events(g.id.str());
    REQUIRE(events.size() == 2);
    CHECK(events[0].type == "GiftRequestInitiated");
    CHECK(events[1].type == "GiftRequestStateChanged");
}

TEST_CASE("gift create: subscriber-check skip rules answer not_subscriber without a Helix call", "[domain][gifts]") {
    auto config = test_config();
    config.helix_client_id.clear();
    DomainWorld w(at("2026-04-05T10:00:00Z"), config);
    FORBID_CALL(w.helix, check_user_subscription(_, _, _));
    CHECK(create(w, "42", "v1", "Abcd").error().code == "not_subscriber");
    DomainWorld w2;
    FORBID_CALL(w2.helix, check_user_subscription(_, _, _));
    CHECK(create(w2, "", "v1", "Abcd").error().code == "not_subscriber");
}

TEST_CASE("gift create: second request waits in Pending with position and wait", "[domain][gifts]") {
    DomainWorld w;
    ALLOW_SUBSCRIBED(w);
    const auto first = create(w, "42", "v1", "Abcd");
    w.advance(std::chrono::seconds(1));
    const auto second = create(w, "42", "v2", "Efgh");
    REQUIRE(second.ok());
    CHECK(second.value().request.state == GiftRequestState::Pending);
    CHECK(second.value().queue_position == 2);
    CHECK(second.value().estimated_wait_seconds == 65);
    CHECK_FALSE(second.value().request.timeout_at.has_value());
    // Another streamer's queue is independent.
    const auto other = create(w, "77", "v2", "Efgh");
    CHECK(other.value().request.state == GiftRequestState::SelectingItem);
    CHECK(other.value().queue_position == 1);
}

TEST_CASE("gift create: gift_request_active and gift_already_used", "[domain][gifts]") {
    DomainWorld w;
    ALLOW_SUBSCRIBED(w);
    const auto first = create(w, "42", "v1", "Abcd");
    CHECK(create(w, "42", "v1", "Abcd").error() ==
          ApiError{409, "gift_request_active", "Active gift request already exists."});
    const auto id = first.value().request.id;
    REQUIRE(w.gifts.select_item(id, item()).ok());
    REQUIRE(w.gifts.confirm(id, true).ok());
    CHECK(w.store.find_gift_usage("42:v1").has_value());
    CHECK(create(w, "42", "v1", "Abcd").error() ==
          ApiError{409, "gift_already_used", "!twgift can be used once per streamer."});
    // A failed request does not mark usage: the viewer may try again.
    const auto v2 = create(w, "42", "v2", "Efgh");
    REQUIRE(w.gifts.patch_state(v2.value().request.id, GiftRequestState::Failed, std::nullopt).ok());
    CHECK(create(w, "42", "v2", "Efgh").ok());
}

TEST_CASE("D8 gift create returns the promoted older request", "[domain][gifts]") {
    DomainWorld w;
    ALLOW_SUBSCRIBED(w);
    const auto a = create(w, "42", "a", "Aaaa");  // SelectingItem
    w.advance(std::chrono::seconds(1));
    const auto b = create(w, "42", "b", "Bbbb");  // Pending
    // The Desktop puts a back to Pending by PATCH (any → any): nothing is in promotion now.
    REQUIRE(w.gifts.patch_state(a.value().request.id, GiftRequestState::ItemSelected, std::nullopt).ok());
    w.advance(std::chrono::seconds(1));
    const auto c = create(w, "42", "c", "Cccc");
    REQUIRE(c.ok());
    CHECK(c.value().request.id == b.value().request.id);  // the older pending one was promoted and returned
    CHECK(c.value().request.state == GiftRequestState::SelectingItem);
    CHECK(c.value().queue_position == 2);  // a (ItemSelected) is still ahead
}

TEST_CASE("gift PATCH: any state from any state, reason, timeouts, usage and promotion", "[domain][gifts]") {
    DomainWorld w;
    ALLOW_SUBSCRIBED(w);
    CHECK(w.gifts.patch_state(uuid("2d2b7b2a-1111-2222-3333-444444444444"), GiftRequestState::Failed, std::nullopt)
              .error() == ApiError{404, "not_found", "Gift request not found."});
    const auto a = create(w, "42", "a", "Aaaa");
    w.advance(std::chrono::seconds(1));
    const auto b = create(w, "42", "b", "Bbbb");
    const auto id = a.value().request.id;

    auto r = w.gifts.patch_state(id, GiftRequestState::Failed, std::nullopt);
    REQUIRE(r.ok());
    CHECK(r.value().request.failure_reason == std::optional<std::string>("failed"));
    CHECK_FALSE(r.value().request.timeout_at.has_value());
    CHECK(r.value().queue_position == 1);
    CHECK(w.store.find_gift(b.value().request.id)->state == GiftRequestState::SelectingItem);  // promoted

    // Terminal states can be left again; WaitingConfirmation sets a 5 min timeout; Pending keeps timeoutAt.
    r = w.gifts.patch_state(id, GiftRequestState::WaitingConfirmation, std::string("ignored"));
    CHECK(r.value().request.timeout_at == w.clock.now() + std::chrono::minutes(5));
    CHECK_FALSE(r.value().request.failure_reason.has_value());
    r = w.gifts.patch_state(id, GiftRequestState::Pending, std::nullopt);
    CHECK(r.value().request.timeout_at == w.clock.now() + std::chrono::minutes(5));
    r = w.gifts.patch_state(id, GiftRequestState::Failed, std::string("streamer_cancelled"));
    CHECK(r.value().request.failure_reason == std::optional<std::string>("streamer_cancelled"));
    r = w.gifts.patch_state(id, GiftRequestState::Completed, std::nullopt);
    CHECK(w.store.find_gift_usage("42:a")->gift_request_id == id);
}

TEST_CASE("gift select-item and confirm: state checks, item stored, decline reason", "[domain][gifts]") {
    DomainWorld w;
    ALLOW_SUBSCRIBED(w);
    const auto a = create(w, "42", "a", "Aaaa");
    w.advance(std::chrono::seconds(1));
    const auto b = create(w, "42", "b", "Bbbb");
    const auto id = a.value().request.id;

    CHECK(w.gifts.confirm(id, true).error() ==
          ApiError{409, "invalid_state", "Gift request not waiting confirmation."});
    CHECK(w.gifts.select_item(b.value().request.id, item()).error() ==
          ApiError{409, "invalid_state", "Gift request is not in SelectingItem state."});
    auto r = w.gifts.select_item(id, item());
    REQUIRE(r.ok());
    CHECK(r.value().request.state == GiftRequestState::WaitingConfirmation);
    CHECK(r.value().request.selected_item == std::optional<GiftItem>(item()));
    CHECK(r.value().request.timeout_at == w.clock.now() + std::chrono::minutes(5));
    CHECK(w.store.find_gift(id)->selected_item == std::optional<GiftItem>(item()));
    CHECK(w.gifts.select_item(id, item()).error().code == "invalid_state");

    r = w.gifts.confirm(id, false);
    REQUIRE(r.ok());
    CHECK(r.value().request.state == GiftRequestState::Failed);
    CHECK(r.value().request.failure_reason == std::optional<std::string>("receiver_declined"));
    CHECK_FALSE(w.store.find_gift_usage("42:a").has_value());
    CHECK(w.store.find_gift(b.value().request.id)->state == GiftRequestState::SelectingItem);
    CHECK(w.gifts.select_item(uuid("2d2b7b2a-1111-2222-3333-444444444444"), item()).error().status == 404);
}

TEST_CASE("D2 gift timeouts fire: selection 60 s, confirmation 5 min, strict, then promote",
          "[domain][gifts][timeouts]") {
    DomainWorld w;
    ALLOW_SUBSCRIBED(w);
    const auto a = create(w, "42", "a", "Aaaa");
    const auto b = create(w, "42", "b", "Bbbb");
    const auto a_id = a.value().request.id;
    const auto b_id = b.value().request.id;

    w.advance(std::chrono::seconds(60));  // timeoutAt == now: not yet (strict <)
    CHECK(w.gifts.sweep_timeouts() == 0);
    w.advance(sim::kTick);
    CHECK(w.gifts.sweep_timeouts() == 1);
    auto ga = *w.store.find_gift(a_id);
    CHECK(ga.state == GiftRequestState::Failed);
    CHECK(ga.failure_reason == std::optional<std::string>("selection_timeout"));
    CHECK_FALSE(ga.timeout_at.has_value());
    auto gb = *w.store.find_gift(b_id);
    CHECK(gb.state == GiftRequestState::SelectingItem);  // promoted by the sweep

    REQUIRE(w.gifts.select_item(b_id, item()).ok());
    w.advance(std::chrono::minutes(5) + sim::kTick);
    CHECK(w.gifts.sweep_timeouts() == 1);
    gb = *w.store.find_gift(b_id);
    CHECK(gb.state == GiftRequestState::Failed);
    CHECK(gb.failure_reason == std::optional<std::string>("confirmation_timeout"));
    CHECK(w.count_events("gift.timed_out") == 2);
}

TEST_CASE("gift queue views: terminal excluded, positions, viewer filter not renumbered", "[domain][gifts][queue]") {
    DomainWorld w;
    ALLOW_SUBSCRIBED(w);
    const auto a = create(w, "42", "a", "Aaaa");  // SelectingItem
    w.advance(std::chrono::seconds(1));
    const auto b = create(w, "42", "b", "Bbbb");  // Pending
    w.advance(std::chrono::seconds(1));
    const auto c = create(w, "42", "c", "Cccc");  // Pending
    w.advance(std::chrono::seconds(1));
    const auto x = create(w, "77", "x", "Xxxx");  // other streamer
    w.advance(std::chrono::seconds(1));
    const auto d = create(w, "42", "d", "Dddd");
    REQUIRE(w.gifts.patch_state(d.value().request.id, GiftRequestState::Failed, std::nullopt).ok());

    auto q = w.gifts.queue(std::string("42"), std::nullopt);
    REQUIRE(q.size() == 3);
    CHECK(q[0].request.id == a.value().request.id);
    CHECK(q[2].request.id == c.value().request.id);
    CHECK(q[2].queue_position == 3);
    CHECK(q[2].estimated_wait_seconds == 130);

    q = w.gifts.queue(std::string("42"), std::string("c"));  // own + SelectingItem, positions kept
    REQUIRE(q.size() == 2);
    CHECK(q[0].request.id == a.value().request.id);
    CHECK(q[1].request.id == c.value().request.id);
    CHECK(q[1].queue_position == 3);

    q = w.gifts.queue(std::string("  "), std::nullopt);  // blank = all streamers
    REQUIRE(q.size() == 4);
    CHECK(q[3].request.id == x.value().request.id);
    CHECK(q[3].queue_position == 4);
    CHECK(w.gifts.queue(std::nullopt, std::nullopt).size() == 4);
    (void)b;
}

TEST_CASE("chat handler: !twgold enrolls - !twgift creates a gift for the broadcaster (fallback to config)",
          "[domain][gifts][chat]") {
    DomainWorld w;
    bool done = false;
    w.chat.handle(ChatEvent{ChatMessage{"m1", "v1", "login1", "!twgold Abcd", true}, std::nullopt},
                  [&] { done = true; });
    CHECK(done);
    CHECK(w.store.find_pool_member("v1"));

    REQUIRE_CALL(w.helix, check_user_subscription("42", "v1", _)).LR_SIDE_EFFECT(w.later(_3, true));
    done = false;
    w.chat.handle(ChatEvent{ChatMessage{"m2", "v1", "login1", "!twgift Abcd", false}, std::nullopt},
                  [&] { done = true; });
    w.run_timers();
    CHECK(done);
    const auto gifts = w.store.list_gifts();
    REQUIRE(gifts.size() == 1);
    CHECK(gifts[0].streamer_id == "42");
    CHECK(gifts[0].viewer_display_name == "login1");
}

TEST_CASE("chat handler: event broadcaster id wins - an empty one skips the gift - failures are silent",
          "[domain][gifts][chat]") {
    DomainWorld w;
    {
        REQUIRE_CALL(w.helix, check_user_subscription("999", "v1", _)).LR_SIDE_EFFECT(w.later(_3, false));
        bool done = false;
        w.chat.handle(ChatEvent{ChatMessage{"m1", "v1", "l", "!twgift Abcd", true}, std::string("999")},
                      [&] { done = true; });
        w.run_timers();
        CHECK(done);  // rejected (not subscribed) but the webhook still completes
    }
    FORBID_CALL(w.helix, check_user_subscription(_, _, _));
    bool done = false;
    w.chat.handle(ChatEvent{ChatMessage{"m2", "v1", "l", "!twgift Abcd", true}, std::string("")}, [&] { done = true; });
    CHECK(done);
    CHECK(w.store.list_gifts().empty());
}

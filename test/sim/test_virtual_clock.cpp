// VirtualClock + SimLoop: the order and the instants at which simulated timers fire.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/clock/sim_loop.h"
#include "sim/clock/system_clock.h"
#include "sim/clock/virtual_clock.h"
#include "sim/trace/trace.h"

using namespace mgm::sim;
using namespace std::chrono_literals;

namespace {
const Instant kStart = Instant::from_unix_seconds(1775304000);  // 2026-04-04T12:00:00Z
}

TEST_CASE("timers fire in deadline order with FIFO ties, whatever order they were scheduled in", "[clock]") {
    VirtualClock clock(kStart);
    std::vector<std::string> fired;
    auto note = [&](std::string name) { return [&fired, name] { fired.push_back(name); }; };
    clock.at(kStart + 30s, "c", note("c"));
    clock.at(kStart + 10s, "a1", note("a1"));
    clock.after(20s, "b", note("b"));
    clock.at(kStart + 10s, "a2", note("a2"));
    clock.at(kStart + 10s, "a3", note("a3"));
    while (clock.fire_next()) {}
    CHECK(fired == std::vector<std::string>{"a1", "a2", "a3", "b", "c"});
}

TEST_CASE("advancing across several deadlines fires each with now() equal to its own deadline", "[clock]") {
    boost::asio::io_context io;
    VirtualClock clock(kStart);
    SimLoop loop(io, clock);
    std::vector<Instant> seen;
    for (auto delay : {5s, 1s, 3s, 3s}) clock.after(delay, "t", [&] { seen.push_back(clock.now()); });
    loop.run_until(kStart + 1min);
    CHECK(seen == std::vector<Instant>{kStart + 1s, kStart + 3s, kStart + 3s, kStart + 5s});
    CHECK(clock.now() == kStart + 1min);
}

TEST_CASE("run_until stops at its instant and leaves later timers pending", "[clock]") {
    boost::asio::io_context io;
    VirtualClock clock(kStart);
    SimLoop loop(io, clock);
    int early = 0, at_limit = 0, late = 0;
    clock.after(10s, "early", [&] { ++early; });
    clock.after(20s, "at-limit", [&] { ++at_limit; });
    clock.after(20s + kTick, "late", [&] { ++late; });
    loop.run_until(kStart + 20s);
    CHECK(early == 1);
    CHECK(at_limit == 1);
    CHECK(late == 0);
    CHECK(clock.now() == kStart + 20s);
    CHECK(clock.next_deadline() == kStart + 20s + kTick);
}

TEST_CASE("a cancelled timer never fires and cancelling twice is harmless", "[clock]") {
    boost::asio::io_context io;
    VirtualClock clock(kStart);
    SimLoop loop(io, clock);
    bool cancelled_ran = false, kept_ran = false;
    TimerHandle doomed = clock.after(5s, "doomed", [&] { cancelled_ran = true; });
    clock.after(6s, "kept", [&] { kept_ran = true; });
    CHECK(clock.cancel(doomed));
    CHECK_FALSE(clock.cancel(doomed));
    CHECK_FALSE(clock.cancel(TimerHandle{}));
    CHECK(clock.pending_count() == 1);
    CHECK(clock.next_deadline() == kStart + 6s);
    loop.run_until_idle();
    CHECK_FALSE(cancelled_ran);
    CHECK(kept_ran);
}

TEST_CASE("a timer can cancel a later one due at the same instant", "[clock]") {
    VirtualClock clock(kStart);
    TimerHandle second;
    bool second_ran = false;
    clock.after(1s, "first", [&] { clock.cancel(second); });
    second = clock.after(1s, "second", [&] { second_ran = true; });
    while (clock.fire_next()) {}
    CHECK_FALSE(second_ran);
}

TEST_CASE("a callback never runs inside at() - a past deadline fires at now(), never moving time back", "[clock]") {
    VirtualClock clock(kStart);
    bool ran = false;
    Instant ran_at{};
    clock.at(kStart - 1h, "past", [&] {
        ran = true;
        ran_at = clock.now();
    });
    CHECK_FALSE(ran);
    CHECK(clock.fire_next());
    CHECK(ran);
    CHECK(ran_at == kStart);
}

TEST_CASE("the clock resolves a single 100 ns tick", "[clock]") {
    boost::asio::io_context io;
    VirtualClock clock(kStart);
    SimLoop loop(io, clock);
    std::vector<std::string> fired;
    clock.after(2 * kTick, "two", [&] { fired.push_back("two"); });
    clock.after(kTick, "one", [&] { fired.push_back("one"); });
    loop.run_until(kStart + kTick);
    CHECK(fired == std::vector<std::string>{"one"});
    CHECK(clock.now() == kStart + kTick);
    loop.run_until(kStart + 2 * kTick);
    CHECK(fired == std::vector<std::string>{"one", "two"});
}

TEST_CASE("advance_to refuses to jump past a pending timer", "[clock]") {
    VirtualClock clock(kStart);
    clock.after(1s, "pending", [] {});
    clock.advance_to(kStart + 1s);
    CHECK(clock.now() == kStart + 1s);
    CHECK_THROWS_AS(clock.advance_to(kStart + 2s), std::logic_error);
    clock.advance_to(kStart);  // backwards: ignored
    CHECK(clock.now() == kStart + 1s);
}

TEST_CASE("run_until_idle reports an endless zero-delay loop as SimulationStuck instead of hanging", "[clock]") {
    boost::asio::io_context io;
    VirtualClock clock(kStart);
    SimLoop loop(io, clock, SimLoopOptions{.zero_delay_fire_limit = 1000});
    std::function<void()> again = [&] { clock.after(Duration::zero(), "spin.forever", again); };
    clock.after(1s, "spin.forever", again);
    try {
        loop.run_until_idle();
        FAIL("run_until_idle returned although the timer reschedules itself forever");
    } catch (const SimulationStuck& stuck) {
        const std::string message = stuck.what();
        CHECK_THAT(message, Catch::Contains("spin.forever"));
        CHECK_THAT(message, Catch::Contains("2026-04-04T12:00:01Z"));
    }
}

TEST_CASE("an endless post() loop on the io_context is reported as SimulationStuck", "[clock]") {
    boost::asio::io_context io;
    VirtualClock clock(kStart);
    SimLoop loop(io, clock, SimLoopOptions{.ready_handler_limit = 1000});
    std::function<void()> again = [&] { boost::asio::post(io, again); };
    boost::asio::post(io, again);
    CHECK_THROWS_AS(loop.run_until_idle(), SimulationStuck);
}

TEST_CASE("many timers at one instant are legal as long as time moves on", "[clock]") {
    boost::asio::io_context io;
    VirtualClock clock(kStart);
    SimLoop loop(io, clock, SimLoopOptions{.zero_delay_fire_limit = 100});
    int fired = 0;
    std::function<void()> tick = [&] {
        if (++fired < 500) clock.after(1s, "tick", tick);
    };
    for (int i = 0; i < 50; ++i) clock.after(Duration::zero(), "burst", [] {});
    clock.after(1s, "tick", tick);
    loop.run_until_idle();
    CHECK(fired == 500);
}

TEST_CASE("handlers posted to the io_context run before the next timer, even after io ran out of work", "[clock]") {
    boost::asio::io_context io;
    VirtualClock clock(kStart);
    SimLoop loop(io, clock);
    std::vector<std::string> order;
    loop.drain();  // io_context now stopped for lack of work; drain() must restart it
    clock.after(1s, "first", [&] {
        order.push_back("timer1");
        boost::asio::post(io, [&] { order.push_back("posted@" + format_iso8601(clock.now())); });
    });
    clock.after(1s, "second", [&] { order.push_back("timer2"); });
    loop.run_until_idle();
    CHECK(order == std::vector<std::string>{"timer1", "posted@2026-04-04T12:00:01Z", "timer2"});
}

TEST_CASE("run_until(pred, limit) stops at the first step where pred holds", "[clock]") {
    boost::asio::io_context io;
    VirtualClock clock(kStart);
    SimLoop loop(io, clock);
    int count = 0;
    for (int i = 1; i <= 10; ++i) clock.after(std::chrono::seconds(i), "count", [&] { ++count; });
    CHECK(loop.run_until([&] { return count == 3; }, kStart + 1min));
    CHECK(clock.now() == kStart + 3s);
    CHECK_FALSE(loop.run_until([&] { return count == 99; }, kStart + 30s));
    CHECK(count == 10);
    CHECK(clock.now() == kStart + 30s);
}

TEST_CASE("before_fire hook sees each deadline and fired timers are recorded in the trace", "[clock]") {
    boost::asio::io_context io;
    Trace trace;
    trace.set_keep_lines(true);
    VirtualClock clock(kStart, trace.timer_hook());
    trace.set_clock(&clock);
    SimLoop loop(io, clock);
    std::vector<Instant> hooked;
    loop.set_before_fire([&](Instant deadline) { hooked.push_back(deadline); });
    clock.after(2s, "roulette.tick", [] {});
    loop.run_until_idle();
    CHECK(hooked == std::vector<Instant>{kStart + 2s});
    REQUIRE(trace.lines().size() == 1);
    CHECK(trace.lines()[0] ==
          R"({"actor":"clock","kind":"timer","label":"roulette.tick","seq":1,"t":"2026-04-04T12:00:02Z"})");
}

TEST_CASE("a tie breaker permutes equal-deadline timers without touching deadline order", "[clock]") {
    VirtualClock clock(kStart);
    clock.set_tie_breaker([](std::uint64_t sequence) { return 100 - sequence; });  // reverse FIFO
    std::vector<int> fired;
    for (int i = 0; i < 3; ++i) clock.after(1s, "tie", [&fired, i] { fired.push_back(i); });
    clock.after(500ms, "early", [&fired] { fired.push_back(-1); });
    while (clock.fire_next()) {}
    CHECK(fired == std::vector<int>{-1, 2, 1, 0});
}

TEST_CASE("a stale handle cannot cancel a later timer, and cancelling a fired timer returns false", "[clock]") {
    VirtualClock clock(kStart);
    TimerHandle first = clock.after(1s, "first", [] {});
    REQUIRE(clock.fire_next());
    CHECK_FALSE(clock.cancel(first));
    bool second_ran = false;
    TimerHandle second = clock.after(1s, "second", [&] { second_ran = true; });  // may reuse first's storage
    CHECK(second.id != first.id);
    CHECK_FALSE(clock.cancel(first));
    CHECK(clock.pending_count() == 1);
    REQUIRE(clock.fire_next());
    CHECK(second_ran);
}

TEST_CASE("cancelled timers among many are skipped and the rest keep their order", "[clock]") {
    VirtualClock clock(kStart);
    std::vector<int> fired;
    std::vector<TimerHandle> handles;
    for (int i = 0; i < 100; ++i)
        handles.push_back(clock.after(std::chrono::seconds(100 - i), "t", [&fired, i] { fired.push_back(i); }));
    for (int i = 0; i < 100; i += 3) CHECK(clock.cancel(handles[i]));
    std::vector<int> expected;
    for (int i = 99; i >= 0; --i)
        if (i % 3 != 0) expected.push_back(i);
    while (clock.fire_next()) {}
    CHECK(fired == expected);
    CHECK(clock.pending_count() == 0);
}

TEST_CASE("SystemClock (real mode) fires due timers through the io_context and honours cancel", "[clock][real]") {
    boost::asio::io_context io;
    SystemClock clock(io);
    const Instant before = clock.now();
    CHECK(before > Instant::from_unix_seconds(1'700'000'000));  // a plausible wall-clock reading
    std::vector<std::string> fired;
    clock.after(2ms, "late", [&] { fired.push_back("late"); });
    clock.after(1ms, "early", [&] { fired.push_back("early"); });
    TimerHandle cancelled = clock.after(1ms, "cancelled", [&] { fired.push_back("cancelled"); });
    CHECK(clock.cancel(cancelled));
    CHECK_FALSE(clock.cancel(cancelled));
    CHECK(fired.empty());  // never inside after()
    io.run();
    CHECK(fired == std::vector<std::string>{"early", "late"});
    CHECK(clock.now() - before >= 2ms);
}

TEST_CASE("FIFO order among equal deadlines survives the 32-bit rank renumbering", "[clock]") {
    VirtualClock clock(kStart);
    std::vector<int> fired;
    auto note = [&fired](int n) { return [&fired, n] { fired.push_back(n); }; };
    clock.after(2s, "a", note(1));
    clock.after(1s, "b", note(0));
    clock.after(2s, "c", note(2));
    clock.skip_ranks_for_testing((std::uint64_t{1} << 32) - 5);  // the next few schedules cross the limit
    for (int i = 3; i < 10; ++i) clock.after(2s, "d", note(i));
    while (clock.fire_next()) {}
    CHECK(fired == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("a tie breaker must be installed before timers are pending", "[clock]") {
    VirtualClock clock(kStart);
    TimerHandle handle = clock.after(1s, "x", [] {});
    CHECK_THROWS_AS(clock.set_tie_breaker([](std::uint64_t s) { return s; }), std::logic_error);
    clock.cancel(handle);
    CHECK_NOTHROW(clock.set_tie_breaker([](std::uint64_t s) { return s; }));
    CHECK_FALSE(clock.fire_next());
}

TEST_CASE("equal tie-breaker keys fall back to FIFO", "[clock]") {
    VirtualClock clock(kStart);
    clock.set_tie_breaker([](std::uint64_t sequence) { return sequence % 2; });  // odd sequences last
    std::vector<int> fired;
    for (int i = 1; i <= 6; ++i) clock.after(1s, "t", [&fired, i] { fired.push_back(i); });
    while (clock.fire_next()) {}
    CHECK(fired == std::vector<int>{2, 4, 6, 1, 3, 5});
}

TEST_CASE("timers scheduled after run_until stopped short of the next deadline still fire in order", "[clock]") {
    boost::asio::io_context io;
    VirtualClock clock(kStart);
    SimLoop loop(io, clock);
    std::vector<std::string> fired;
    auto note = [&](std::string name) { return [&fired, name] { fired.push_back(name); }; };
    clock.after(100s, "far1", note("far1"));
    loop.run_until(kStart + 10s);  // peeked at the 100 s timer without firing it
    clock.after(10s, "near1", note("near1"));
    clock.after(10s, "near2", note("near2"));
    clock.after(90s, "far2", note("far2"));
    clock.after(5s, "nearest", note("nearest"));
    CHECK(clock.next_deadline() == kStart + 15s);
    loop.run_until(kStart + 17s);
    clock.after(1s, "after-second-peek", note("after-second-peek"));
    loop.run_until_idle();
    CHECK(fired == std::vector<std::string>{"nearest", "after-second-peek", "near1", "near2", "far1", "far2"});
}

TEST_CASE("randomly scheduled and cancelled timers fire exactly in (deadline, FIFO) order", "[clock]") {
    // A model check against a plain sorted list, with peeks and schedules interleaved with fires.
    boost::asio::io_context io;
    VirtualClock clock(kStart);
    SimLoop loop(io, clock);
    std::uint64_t x = 12345;
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    struct Expected {
        Instant deadline;
        int id;
    };
    std::vector<Expected> expected;
    std::vector<int> fired;
    std::vector<std::pair<TimerHandle, int>> handles;
    std::vector<int> cancelled_ids;
    int id = 0;
    for (int round = 0; round < 200; ++round) {
        for (int k = 0; k < 20; ++k) {
            const Duration delay{static_cast<std::int64_t>(next() % 4 == 0 ? 0 : next() % 50'000'000)};
            const int mine = id++;
            handles.push_back({clock.after(delay, "m", [&fired, mine] { fired.push_back(mine); }), mine});
            expected.push_back({clock.now() + delay, mine});
        }
        if (next() % 3 == 0 && !handles.empty()) {
            const auto& [handle, victim] = handles[next() % handles.size()];
            if (clock.cancel(handle)) cancelled_ids.push_back(victim);
        }
        loop.run_until(clock.now() + Duration{static_cast<std::int64_t>(next() % 20'000'000)});
    }
    loop.run_until_idle();
    std::stable_sort(expected.begin(), expected.end(),
                     [](const Expected& a, const Expected& b) { return a.deadline < b.deadline; });
    std::vector<int> expected_ids;
    for (const auto& e : expected)
        if (std::find(cancelled_ids.begin(), cancelled_ids.end(), e.id) == cancelled_ids.end())
            expected_ids.push_back(e.id);
    CHECK(fired == expected_ids);
    CHECK_FALSE(cancelled_ids.empty());
}

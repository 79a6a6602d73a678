// Trace: canonical JSONL and a digest that identifies a run: equal records, equal digest.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

#include "sim/clock/virtual_clock.h"
#include "sim/core/crypto.h"
#include "sim/trace/log.h"
#include "sim/trace/trace.h"

using namespace mgm::sim;
using nlohmann::json;

namespace {
const Instant kStart = Instant::from_unix_seconds(1775304000);  // 2026-04-04T12:00:00Z

void write_sample(Trace& trace, int status) {
    trace.record("ebs", "http", json{{"method", "GET"}, {"path", "/api/version"}, {"status", status}});
    trace.event("ebs", "payout.created", json{{"id", "abc"}, {"gold", 1000}});
    trace.timer_fired("roulette.tick");
}
}  // namespace

TEST_CASE("the same records give the same digest - a different record a different one", "[trace]") {
    VirtualClock clock(kStart);
    Trace a, b, c;
    for (Trace* t : {&a, &b, &c}) t->set_clock(&clock);
    write_sample(a, 200);
    write_sample(b, 200);
    write_sample(c, 201);
    CHECK(a.digest_hex() == b.digest_hex());
    CHECK(a.digest_hex() != c.digest_hex());
    CHECK(a.size() == 3);
}

TEST_CASE("records are canonical JSONL with sorted keys, sequence and simulated time", "[trace]") {
    VirtualClock clock(kStart);
    Trace trace;
    trace.set_clock(&clock);
    trace.set_keep_lines(true);
    // Fields given in unsorted order still come out sorted.
    trace.record("helix", "http", json{{"status", 200}, {"method", "POST"}, {"path", "/helix/chat/messages"}});
    clock.advance_to(kStart + Duration{1234567});
    trace.event("ebs", "roulette.candidate_selected", json{{"twitchUserId", "u1"}});
    trace.timer_fired("roulette.tick");
    REQUIRE(trace.lines().size() == 3);
    CHECK(
        trace.lines()[0] ==
        R"({"actor":"helix","kind":"http","method":"POST","path":"/helix/chat/messages","seq":1,"status":200,"t":"2026-04-04T12:00:00Z"})");
    CHECK(
        trace.lines()[1] ==
        R"({"actor":"ebs","kind":"event","name":"roulette.candidate_selected","seq":2,"t":"2026-04-04T12:00:00.1234567Z","twitchUserId":"u1"})");
    CHECK(trace.lines()[2] ==
          R"({"actor":"clock","kind":"timer","label":"roulette.tick","seq":3,"t":"2026-04-04T12:00:00.1234567Z"})");
}

TEST_CASE("the digest is SHA-256 of the JSONL file bytes, and can be read mid-run", "[trace]") {
    VirtualClock clock(kStart);
    Trace trace;
    trace.set_clock(&clock);
    trace.set_keep_lines(true);
    CHECK(trace.digest_hex() == crypto::to_hex_lower(crypto::sha256("")));
    write_sample(trace, 200);
    const std::string mid = trace.digest_hex();
    std::ostringstream file;
    trace.write_jsonl(file);
    CHECK(mid == crypto::to_hex_lower(crypto::sha256(file.str())));
    trace.timer_fired("later");
    CHECK(trace.digest_hex() != mid);
}

TEST_CASE("the digest does not depend on keeping lines in memory", "[trace]") {
    VirtualClock clock(kStart);
    Trace kept, not_kept;
    kept.set_clock(&clock);
    not_kept.set_clock(&clock);
    kept.set_keep_lines(true);
    write_sample(kept, 200);
    write_sample(not_kept, 200);
    CHECK(kept.digest_hex() == not_kept.digest_hex());
    CHECK(not_kept.lines().empty());
}

TEST_CASE("timer records can be switched off - listeners see each record", "[trace]") {
    VirtualClock clock(kStart);
    Trace trace;
    trace.set_clock(&clock);
    std::vector<std::string> kinds;
    auto subscription =
        trace.add_listener([&](const json& record) { kinds.push_back(record.at("kind").get<std::string>()); });
    trace.set_record_timers(false);
    write_sample(trace, 200);
    CHECK(kinds == std::vector<std::string>{"http", "event"});
    CHECK(trace.size() == 2);
}

TEST_CASE("a listener is called only while its subscription lives", "[trace]") {
    VirtualClock clock(kStart);
    Trace trace;
    trace.set_clock(&clock);
    int first = 0, second = 0;
    auto first_subscription = trace.add_listener([&](const json&) { ++first; });
    {
        auto second_subscription = trace.add_listener([&](const json&) { ++second; });
        trace.event("ebs", "a", json::object());
    }
    trace.event("ebs", "b", json::object());
    CHECK(first == 2);
    CHECK(second == 1);  // gone with its scope

    // Moving keeps one live subscription; reset() ends it.
    Trace::Subscription moved = std::move(first_subscription);
    trace.event("ebs", "c", json::object());
    CHECK(first == 3);
    moved.reset();
    trace.event("ebs", "d", json::object());
    CHECK(first == 3);
}

TEST_CASE("listeners may unsubscribe themselves and subscribe others while a record is dispatched", "[trace]") {
    VirtualClock clock(kStart);
    Trace trace;
    trace.set_clock(&clock);
    std::vector<std::string> calls;
    Trace::Subscription self, added;
    self = trace.add_listener([&](const json& record) {
        calls.push_back("self:" + record.at("name").get<std::string>());
        self.reset();  // the running listener survives its own unsubscription
        added = trace.add_listener([&](const json& r) { calls.push_back("added:" + r.at("name").get<std::string>()); });
    });
    trace.event("ebs", "one", json::object());
    trace.event("ebs", "two", json::object());
    // "added" joined during "one" and is called for "one" too (appended behind the running listener).
    CHECK(calls == std::vector<std::string>{"self:one", "added:one", "added:two"});
}

TEST_CASE("a subscription may outlive its trace", "[trace]") {
    Trace::Subscription subscription;
    {
        Trace trace;
        subscription = trace.add_listener([](const json&) {});
    }
    subscription.reset();  // no access to the destroyed trace (ASan would report it)
    SUCCEED();
}

TEST_CASE("envelope keys cannot be overwritten by fields", "[trace]") {
    VirtualClock clock(kStart);
    Trace trace;
    trace.set_clock(&clock);
    trace.set_keep_lines(true);
    trace.record("ebs", "http", json{{"seq", 99}, {"actor", "spoof"}});
    CHECK(trace.lines()[0] == R"({"actor":"ebs","kind":"http","seq":1,"t":"2026-04-04T12:00:00Z"})");
}

TEST_CASE("log lines carry the simulated time and actor, filtered by level", "[log]") {
    VirtualClock clock(kStart + std::chrono::minutes(4));
    Log log(&clock, LogLevel::info);
    std::vector<std::string> lines;
    log.set_sink([&](const std::string& line) { lines.push_back(line); });
    log.debug("ebs", "hidden");
    log.info("ebs", "candidate selected");
    log.error("helix", "down");
    log.set_level(LogLevel::off);
    log.error("helix", "silenced");
    CHECK(lines == std::vector<std::string>{"[2026-04-04T12:04:00Z] ebs: candidate selected",
                                            "[2026-04-04T12:04:00Z] helix: down"});
}

TEST_CASE("each line is exactly nlohmann's dump of the record object, whatever the fields hold", "[trace]") {
    VirtualClock clock(kStart + std::chrono::milliseconds(1250));
    Trace trace;
    trace.set_clock(&clock);
    trace.set_keep_lines(true);
    const std::vector<json> samples = {
        json{{"b", 1}, {"a", -2}, {"z", nullptr}, {"flag", true}, {"pi", 3.25}},
        json{{"nested", {{"y", json::array({1, "two", 3.5})}, {"x", json::object()}}}, {"seq", 99}, {"t", "fake"}},
        json{{"text", "quote \" backslash \\ tab \t nl \n ctrl \x01 del \x7f"}, {"utf8", "Награда ✓"}},
        json{{"bad", std::string("invalid \xff\xfe utf8")}, {"kind", "shadowed"}, {"actor", "shadowed"}},
        json{{"\x01odd key", 1}, {"", 2}, {"value", "kept"}},
        json("a plain string"),
        json(42),
        json(nullptr),
        json::object(),
    };
    for (const auto& fields : samples) trace.record("act\"or", "kind", fields);
    trace.event("ebs", "payout.created", json{{"name", "overridden"}, {"m", 1}, {"zz", 2}});
    trace.event("ebs", "with.value", json("scalar"));
    REQUIRE(trace.lines().size() == samples.size() + 2);
    for (std::size_t i = 0; i < samples.size(); ++i) {
        json expected = samples[i].is_object() ? samples[i] : json::object();
        if (!samples[i].is_object() && !samples[i].is_null()) expected["value"] = samples[i];
        expected["seq"] = i + 1;
        expected["t"] = "2026-04-04T12:00:01.25Z";
        expected["actor"] = "act\"or";
        expected["kind"] = "kind";
        CHECK(trace.lines()[i] == expected.dump(-1, ' ', false, json::error_handler_t::replace));
    }
    CHECK(
        trace.lines()[samples.size()] ==
        R"({"actor":"ebs","kind":"event","m":1,"name":"payout.created","seq":10,"t":"2026-04-04T12:00:01.25Z","zz":2})");
    CHECK(
        trace.lines()[samples.size() + 1] ==
        R"({"actor":"ebs","kind":"event","name":"with.value","seq":11,"t":"2026-04-04T12:00:01.25Z","value":"scalar"})");
    // The digest covers exactly the kept lines.
    std::string all;
    for (const auto& line : trace.lines()) all += line + "\n";
    CHECK(trace.digest_hex() == crypto::to_hex_lower(crypto::sha256(all)));
}

TEST_CASE("a record listener sees the line, the envelope and the fields, and to_json is the record object", "[trace]") {
    VirtualClock clock(kStart);
    Trace trace;
    trace.set_clock(&clock);
    trace.set_keep_lines(true);
    std::vector<std::string> lines, kinds, names, labels, users;
    std::vector<json> objects;
    auto subscription = trace.add_record_listener([&](const TraceRecord& r) {
        lines.emplace_back(r.line);
        kinds.emplace_back(r.kind);
        names.emplace_back(r.named ? "name:" + std::string(r.name) : "-");
        labels.emplace_back(r.label);
        users.emplace_back(r.text("twitchUserId"));
        objects.push_back(r.to_json());
    });
    std::vector<json> json_records;
    auto json_subscription = trace.add_listener([&](const json& record) { json_records.push_back(record); });
    trace.record("ebs", "http", json{{"status", 200}, {"twitchUserId", 7}, {"kind", "spoof"}});
    trace.event("ebs", "payout.created", json{{"twitchUserId", "u1"}, {"name", "shadowed"}});
    trace.event("ebs", "", json("scalar"));
    clock.advance_to(kStart + std::chrono::seconds(1));
    trace.timer_fired("roulette.tick");
    CHECK(lines == trace.lines());
    CHECK(kinds == std::vector<std::string>{"http", "event", "event", "timer"});
    CHECK(names == std::vector<std::string>{"-", "name:payout.created", "name:", "-"});
    CHECK(labels == std::vector<std::string>{"", "", "", "roulette.tick"});
    CHECK(users == std::vector<std::string>{"", "u1", "", ""});  // text() reads string fields only
    REQUIRE(objects.size() == 4);
    for (std::size_t i = 0; i < objects.size(); ++i) {
        CHECK(objects[i].dump() == trace.lines()[i]);  // what the line encodes
        CHECK(json_records[i] == objects[i]);          // and what a JSON listener gets
    }
}

TEST_CASE("a listener that records something itself leaves the outer record intact", "[trace]") {
    VirtualClock clock(kStart);
    Trace trace;
    trace.set_clock(&clock);
    trace.set_keep_lines(true);
    std::vector<std::string> seen;
    auto echo = trace.add_record_listener([&](const TraceRecord& r) {
        if (r.kind == "http") trace.event("test", "echo", json{{"of", std::string(r.line)}});
        seen.emplace_back(r.line);  // still the outer line after the nested record
    });
    trace.record("ebs", "http", json{{"status", 200}});
    REQUIRE(trace.lines().size() == 2);
    CHECK(seen == std::vector<std::string>{trace.lines()[1], trace.lines()[0]});
    std::string all = trace.lines()[0] + "\n" + trace.lines()[1] + "\n";
    CHECK(trace.digest_hex() == crypto::to_hex_lower(crypto::sha256(all)));
}

TEST_CASE("a sink receives every line as it is written, and nothing after it is detached", "[trace]") {
    VirtualClock clock(kStart);
    Trace trace;
    trace.set_clock(&clock);
    std::ostringstream sink;
    trace.set_sink(&sink);
    write_sample(trace, 200);
    CHECK(trace.lines().empty());  // streamed, not kept
    CHECK(crypto::to_hex_lower(crypto::sha256(sink.str())) == trace.digest_hex());
    auto lines_in_sink = [&] {
        const std::string text = sink.str();
        return std::count(text.begin(), text.end(), '\n');
    };
    CHECK(lines_in_sink() == 3);
    trace.set_sink(nullptr);
    trace.timer_fired("after");
    CHECK(lines_in_sink() == 3);
}

TEST_CASE("record_fields writes the line record() writes for the same fields, and listeners read them", "[trace]") {
    VirtualClock clock(kStart);
    Trace plain, flat;
    for (Trace* t : {&plain, &flat}) {
        t->set_clock(&clock);
        t->set_keep_lines(true);
    }
    std::vector<json> objects;
    std::vector<std::string> targets;
    auto subscription = flat.add_record_listener([&](const TraceRecord& r) {
        objects.push_back(r.to_json());
        targets.emplace_back(r.text("target"));
    });
    const std::string target = "/api/payouts/\"quoted\"/\xff";
    plain.record("ebs", "http", json{{"status", 200}, {"method", "GET"}, {"target", target}, {"seq", "spoof"}});
    flat.record_fields("ebs", "http", {{"status", 200}, {"method", "GET"}, {"target", target}, {"seq", "spoof"}});
    plain.record("net", "net", json{{"zeta", std::int64_t{-5}}, {"actor", "spoof"}, {"a", ""}});
    flat.record_fields("net", "net", {{"zeta", std::int64_t{-5}}, {"actor", "spoof"}, {"a", ""}});
    CHECK(flat.lines() == plain.lines());
    CHECK(flat.digest_hex() == plain.digest_hex());
    REQUIRE(objects.size() == 2);
    CHECK(objects[0].dump(-1, ' ', false, json::error_handler_t::replace) == plain.lines()[0]);
    CHECK(objects[1].dump() == plain.lines()[1]);
    CHECK(targets == std::vector<std::string>{target, ""});
}

TEST_CASE("strings are escaped like nlohmann's dump wherever the special byte sits in a long string", "[trace]") {
    VirtualClock clock(kStart);
    Trace trace;
    trace.set_clock(&clock);
    trace.set_keep_lines(true);
    std::vector<json> expected;
    for (unsigned char special : {0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x5b, 0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0xc3, 0xff}) {
        for (std::size_t at = 0; at < 19; ++at) {
            std::string text(19, 'a');
            text[at] = static_cast<char>(special);
            if (special == 0xc3 && at + 1 < text.size()) text[at + 1] = static_cast<char>(0xa9);  // valid "é"
            const json fields{{"s", text}, {text.substr(0, 9), 1}};  // as a value and as a key
            trace.record("ebs", "http", fields);
            json record = fields;
            record["seq"] = expected.size() + 1;
            record["t"] = "2026-04-04T12:00:00Z";
            record["actor"] = "ebs";
            record["kind"] = "http";
            expected.push_back(record);
        }
    }
    REQUIRE(trace.lines().size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        CHECK(trace.lines()[i] == expected[i].dump(-1, ' ', false, json::error_handler_t::replace));
}

TEST_CASE("a timer record is the line of its record object, for any label and time, nested or not", "[trace]") {
    VirtualClock clock(kStart);
    Trace trace;
    trace.set_clock(&clock);
    trace.set_keep_lines(true);
    std::vector<json> objects;
    std::vector<std::string> times;
    auto subscription = trace.add_record_listener([&](const TraceRecord& r) {
        objects.push_back(r.to_json());
        times.push_back(format_iso8601(clock.now()));
        // A timer recorded from inside a listener gets the same line as one recorded directly.
        if (r.kind == "event") trace.timer_fired("nested." + std::string(r.name));
    });
    const std::vector<std::string> labels = {"roulette.tick", "", "a\"b", "back\\slash", "ctrl\x01", "Награда",
                                             std::string("bad \xff utf8"), "a-label-longer-than-sixteen-bytes"};
    const std::vector<Duration> steps = {Duration::zero(), std::chrono::seconds(1), Duration(1),
                                         std::chrono::milliseconds(250), std::chrono::hours(24 * 400)};
    for (const Duration step : steps) {
        clock.advance_to(clock.now() + step);
        for (const auto& label : labels) trace.timer_fired(label);
        trace.event("ebs", "e", json::object());
    }
    REQUIRE(objects.size() == trace.lines().size());
    for (std::size_t i = 0; i < objects.size(); ++i) {
        INFO(trace.lines()[i]);
        CHECK(trace.lines()[i] == objects[i].dump(-1, ' ', false, json::error_handler_t::replace));
        CHECK(objects[i]["seq"] == i + 1);
        CHECK(objects[i]["t"] == times[i]);
    }
    CHECK(trace.lines()[0] ==
          R"({"actor":"clock","kind":"timer","label":"roulette.tick","seq":1,"t":"2026-04-04T12:00:00Z"})");
    CHECK(trace.lines()[labels.size() + 1] ==
          R"({"actor":"clock","kind":"timer","label":"nested.e","seq":10,"t":"2026-04-04T12:00:00Z"})");
}

// make_plan: the meaning and combinations of options, checked before any
// connection, with the exit code and stage of each refusal.
#include "app/plan.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "core/exit_code.hpp"

namespace mqchat::app {
namespace {

cli::Options send_options(std::string text = "hello") {
    cli::Options o;
    o.room = "general";
    o.send = std::move(text);
    o.no_auth = true;
    o.broker = "mqtt://127.0.0.1:1883";
    o.user = "alice";
    return o;
}

cli::Options tail_options() {
    cli::Options o;
    o.room = "general";
    o.tail = true;
    o.no_auth = true;
    o.broker = "mqtt://127.0.0.1:1883";
    o.user = "alice";
    return o;
}

Plan plan_ok(const cli::Options& o, bool tty = false, bool no_color = false) {
    auto r = make_plan(o, tty, no_color);
    if (auto* e = std::get_if<PlanError>(&r)) {
        ADD_FAILURE() << "refused (" << e->exit_code << ", " << e->stage << "): " << e->cause;
        return {};
    }
    return std::get<Plan>(r);
}

PlanError plan_error(const cli::Options& o, bool tty = false, bool no_color = false) {
    auto r = make_plan(o, tty, no_color);
    if (auto* e = std::get_if<PlanError>(&r)) return *e;
    ADD_FAILURE() << "accepted";
    return {};
}

void expect_usage(const cli::Options& o, const std::string& words) {
    const PlanError e = plan_error(o);
    EXPECT_EQ(e.exit_code, 2);
    EXPECT_EQ(e.stage, "usage");
    EXPECT_NE(e.cause.find(words), std::string::npos) << e.cause;
}

// --- accepted plans -----------------------------------------------------------

TEST(MakePlan, SendText) {
    const Plan p = plan_ok(send_options("hi there"));
    EXPECT_EQ(p.mode, Mode::send);
    EXPECT_EQ(p.room, "general");
    EXPECT_EQ(p.topic, "chat/general/messages");
    EXPECT_FALSE(p.send_stdin);
    EXPECT_EQ(p.send_text, "hi there");
    EXPECT_EQ(p.broker->host, "127.0.0.1");
    EXPECT_EQ(p.broker->port, 1883);
    EXPECT_EQ(p.user, "alice");
    EXPECT_EQ(p.ack_timeout, std::chrono::milliseconds(10000));
    EXPECT_FALSE(p.idle_timeout.has_value());
    EXPECT_FALSE(p.json);
    EXPECT_TRUE(p.format.is_default());
    EXPECT_FALSE(p.color);
}

TEST(MakePlan, SendStdin) {
    const Plan p = plan_ok(send_options("-"));
    EXPECT_EQ(p.mode, Mode::send);
    EXPECT_TRUE(p.send_stdin);
    EXPECT_EQ(p.send_text, "");
}

TEST(MakePlan, SendWithTimeout) {
    cli::Options o = send_options();
    o.timeout = 2.5;
    const Plan p = plan_ok(o);
    EXPECT_EQ(p.ack_timeout, std::chrono::milliseconds(2500));
}

TEST(MakePlan, Tail) {
    cli::Options o = tail_options();
    o.room = "ops-1";
    o.count = 3;
    o.timeout = 0.25;
    o.broker = "ws://[::1]:8083";
    o.cafile = "/etc/ca.pem";
    o.insecure = true;
    o.verbosity = 2;
    const Plan p = plan_ok(o);
    EXPECT_EQ(p.mode, Mode::tail);
    EXPECT_EQ(p.topic, "chat/ops-1/messages");
    EXPECT_EQ(p.count, 3);
    EXPECT_EQ(p.idle_timeout, std::chrono::milliseconds(250));
    EXPECT_EQ(p.broker->to_string(), "ws://[::1]:8083/mqtt");
    EXPECT_EQ(p.cafile, "/etc/ca.pem");
    EXPECT_TRUE(p.insecure);
    EXPECT_EQ(p.verbosity, 2);
}

TEST(MakePlan, TailJson) {
    cli::Options o = tail_options();
    o.json = true;
    EXPECT_TRUE(plan_ok(o).json);
}

TEST(MakePlan, TailFormat) {
    cli::Options o = tail_options();
    o.format = std::string("%u: %m");
    const Plan p = plan_ok(o);
    EXPECT_FALSE(p.format.is_default());
    Message m;
    m.user = "bob";
    m.text = "yo";
    EXPECT_EQ(p.format.render(m, p.room, false), "bob: yo\n");
}

TEST(MakePlan, RoomDefaultsToGeneral) {
    cli::Options o = tail_options();
    o.room.reset();
    const Plan p = plan_ok(o);
    EXPECT_EQ(p.room, "general");
    EXPECT_EQ(p.topic, "chat/general/messages");
}

TEST(MakePlan, ExplicitlyEmptyRoomIsRefused) {
    cli::Options o = tail_options();
    o.room = std::string();
    const PlanError e = plan_error(o);
    EXPECT_EQ(e.exit_code, 2);
    EXPECT_NE(e.cause.find("empty room name"), std::string::npos) << e.cause;
}

TEST(MakePlan, UserDefaultsToTheLoginName) {
    const char* saved = std::getenv("USER");
    const std::optional<std::string> previous =
        saved ? std::optional<std::string>(saved) : std::nullopt;
    ::setenv("USER", "carol", 1);
    cli::Options o = tail_options();
    o.user.reset();
    const Plan p = plan_ok(o);
    if (previous)
        ::setenv("USER", previous->c_str(), 1);
    else
        ::unsetenv("USER");
    EXPECT_EQ(p.user, "carol");
}

// --- colour -------------------------------------------------------------------

TEST(MakePlan, Colour) {
    struct Case {
        const char* color;
        bool tty;
        bool no_color;
        bool expected;
    };
    const Case cases[] = {
        {"auto", true, false, true},    {"auto", false, false, false},
        {"auto", true, true, false},    {"auto", false, true, false},
        {"always", false, false, true}, {"always", true, true, true},
        {"always", false, true, true},  {"never", true, false, false},
        {"never", false, false, false}, {"never", true, true, false},
    };
    for (const auto& c : cases) {
        cli::Options o = tail_options();
        o.color = c.color;
        EXPECT_EQ(plan_ok(o, c.tty, c.no_color).color, c.expected)
            << c.color << " tty=" << c.tty << " no_color=" << c.no_color;
    }
}

// --- refusals -----------------------------------------------------------------

TEST(MakePlan, InvalidRoomIsUsageBeforeAnythingElse) {
    for (const std::string& room :
         {std::string("a/b"), std::string("+"), std::string("#"), std::string("a b"),
          std::string("a\0b", 3), std::string(65, 'r')}) {
        cli::Options o = send_options();
        o.room = room;
        const PlanError e = plan_error(o);
        EXPECT_EQ(e.exit_code, 2);
        EXPECT_EQ(e.stage, "usage");
        EXPECT_NE(e.cause.find("room name"), std::string::npos) << e.cause;
        EXPECT_EQ(e.cause.find('\0'), std::string::npos);
        // Even without --no-auth (which would be a config error) the room comes first.
        o.no_auth = false;
        EXPECT_EQ(plan_error(o).exit_code, 2);
    }
}

TEST(MakePlan, JsonWithFormat) {
    cli::Options o = tail_options();
    o.json = true;
    o.format = "%m";
    expect_usage(o, "--json and --format cannot be combined");
}

TEST(MakePlan, TailOnlyOptionsWithoutTail) {
    cli::Options json = send_options();
    json.send.reset();
    json.json = true;
    expect_usage(json, "--json only applies to --tail and --send");

    cli::Options format = send_options();
    format.format = "%m";
    expect_usage(format, "--format only applies to --tail");

    cli::Options count = send_options();
    count.count = 1;
    expect_usage(count, "--count only applies to --tail");
}

TEST(MakePlan, SendJsonPrintsAcknowledgedMessages) {
    cli::Options o = send_options();
    o.json = true;
    EXPECT_TRUE(plan_ok(o).json);
}

TEST(MakePlan, SendWithAFixedId) {
    cli::Options o = send_options();
    o.id = "nightly-build_42";
    EXPECT_EQ(plan_ok(o).message_id, "nightly-build_42");
    o.id = std::string(48, 'k');
    EXPECT_EQ(plan_ok(o).message_id.size(), 48U);
}

TEST(MakePlan, BadIdsAreRefused) {
    for (const std::string& bad :
         std::vector<std::string>{"", "has space", "a/b", "x.y", "ü", std::string(49, 'k')}) {
        cli::Options o = send_options();
        o.id = bad;
        expect_usage(o, "--id");
    }
    cli::Options tail = send_options();
    tail.send.reset();
    tail.tail = true;
    tail.id = "k";
    expect_usage(tail, "--id only applies to --send");
}

TEST(MakePlan, LogIsForTheChatOnly) {
    cli::Options o = send_options();
    o.log_dir = "/tmp/logs";
    expect_usage(o, "--log only applies to the chat");
    o.send.reset();
    EXPECT_EQ(plan_ok(o).log_dir, "/tmp/logs");
}

TEST(MakePlan, EmptySendText) {
    expect_usage(send_options(""), "--send needs a non-empty TEXT");
}

TEST(MakePlan, NeitherSendNorTailIsTheInteractiveView) {
    cli::Options o = send_options();
    o.send.reset();
    const auto planned = make_plan(o, true, false);
    ASSERT_TRUE(std::holds_alternative<Plan>(planned));
    EXPECT_EQ(std::get<Plan>(planned).mode, Mode::interactive);
}

TEST(MakePlan, NoAuthWithoutBroker) {
    cli::Options o = send_options();
    o.broker.clear();
    expect_usage(o, "--no-auth needs --broker URL");
}

TEST(MakePlan, BadBrokerUrl) {
    for (const char* url : {"http://h", "mqtt://h:0", "mqtt://u:p@h", "mqtt://h/x", "mqtt://"}) {
        cli::Options o = send_options();
        o.broker = url;
        expect_usage(o, "invalid broker URL");
    }
}

TEST(MakePlan, BadFormat) {
    cli::Options o = tail_options();
    o.format = "%m %q";
    expect_usage(o, "unknown directive '%q'");
    o.format = "100%";
    expect_usage(o, "lone '%'");
}

TEST(MakePlan, BadUser) {
    for (const std::string& user :
         {std::string(65, 'u'), std::string("a\x1b[31m"), std::string("a\nb"), std::string("\xff"),
          std::string("del\x7f")}) {
        cli::Options o = send_options();
        o.user = user;
        expect_usage(o, "--user");
    }
    cli::Options o = send_options();
    o.user = std::string(64, 'u');
    EXPECT_EQ(plan_ok(o).user, std::string(64, 'u'));
    o.user = std::string();
    expect_usage(o, "--user must not be empty");
}

// With a login: no --user (the server says who you are), broker from the token answer.
cli::Options login_send_options() {
    cli::Options o = send_options();
    o.no_auth = false;
    o.broker.clear();
    o.user.reset();
    return o;
}

TEST(MakePlan, WithoutNoAuthUsesTheServerAndItsBroker) {
    cli::Options o = login_send_options();
    const Plan p = plan_ok(o);
    EXPECT_FALSE(p.no_auth);
    EXPECT_FALSE(p.broker.has_value());  // the token answer names the broker
}

TEST(MakePlan, UserOnlyWithNoAuth) {
    cli::Options o = send_options();
    o.no_auth = false;
    o.user = "mallory";
    const PlanError e = plan_error(o);
    EXPECT_EQ(e.exit_code, 2);
    EXPECT_NE(e.cause.find("--user only applies with --no-auth"), std::string::npos) << e.cause;
}

TEST(MakePlan, ServerUrlIsNormalisedOrRefused) {
    cli::Options o = login_send_options();
    o.server = "http://127.0.0.1:8080/";
    EXPECT_EQ(plan_ok(o).server.value_or(""), "http://127.0.0.1:8080");
    o.server = "ftp://x";
    EXPECT_EQ(plan_error(o).exit_code, 2);
    o.server = "https://user:pw@host";
    EXPECT_EQ(plan_error(o).exit_code, 2);
}

TEST(MakePlan, HistoryOptionsOnlyWithTail) {
    cli::Options o = send_options();
    o.lines = 5;
    EXPECT_EQ(plan_error(o).exit_code, 2);
    o.lines.reset();
    o.no_follow = true;
    EXPECT_EQ(plan_error(o).exit_code, 2);
}

}  // namespace
}  // namespace mqchat::app

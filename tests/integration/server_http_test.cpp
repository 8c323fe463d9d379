// mqchatd's HTTP API against the real stack (mqchatd + Mosquitto + plugin):
// login, throttling, logout, the token answer, history paging, posting, limits.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/time_format.hpp"
#include "support/stack.hpp"
#include "token/jwt.hpp"

namespace {

using namespace testsupport;
using nlohmann::json;

constexpr const char* kPassword = "correct horse battery";

std::string post_text(const Stack& stack, const std::string& session, const std::string& room,
                      const std::string& text) {
    const auto r =
        stack.http().post("/api/rooms/" + room + "/messages", json{{"text", text}}.dump(), session);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().at("id").get<std::string>();
}

std::vector<std::string> texts_of(const json& messages) {
    std::vector<std::string> out;
    for (const auto& m : messages)
        out.push_back(m.at("text").get<std::string>());
    return out;
}

TEST(ServerHttp, HealthzAnswersOkWithoutSession) {
    Stack stack;
    const auto r = stack.http().get("/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json(), json({{"ok", true}}));
}

TEST(ServerHttp, RoutesNeedABearerSession) {
    Stack stack;
    EXPECT_EQ(stack.http().post("/api/mqtt-token", "").status, 401);
    EXPECT_EQ(stack.http().post("/api/logout", "").status, 401);
    EXPECT_EQ(stack.http().get("/api/rooms/general/messages").status, 401);
    EXPECT_EQ(stack.http().post("/api/rooms/general/messages", R"({"text":"x"})").status, 401);
    const auto r = stack.http().get("/api/rooms/general/messages", "not-a-session");
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(r.json().contains("error"));
}

TEST(ServerLogin, GoodLoginAnswersSessionUserAndExpiry) {
    Stack stack;
    const std::string id = stack.add_user("Alice@Example.org", "Alice", kPassword);
    EXPECT_EQ(id, "alice");
    const auto r = stack.login("alice@example.org", kPassword);
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = r.json();
    EXPECT_EQ(j.at("user"), json({{"id", "alice"}, {"name", "Alice"}}));
    EXPECT_EQ(j.at("session").get<std::string>().size(), 43U);  // 32 bytes base64url
    const auto expires = mqchat::parse_iso8601_ms(j.at("expiresAt").get<std::string>());
    ASSERT_TRUE(expires.has_value());
    EXPECT_GT(*expires, mqchat::parse_iso8601_ms("2024-01-01").value());
}

TEST(ServerLogin, UnknownUserAndWrongPasswordGetTheSame401) {
    Stack stack;
    stack.add_user("alice@example.org", "Alice", kPassword);
    const auto wrong = stack.login("alice@example.org", "wrong password");
    const auto unknown = stack.login("nobody@example.org", kPassword);
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(unknown.status, 401);
    EXPECT_EQ(wrong.body, unknown.body);
    EXPECT_EQ(wrong.json(), json({{"error", "invalid email or password"}}));
    EXPECT_EQ(stack.http().post("/api/login", "not json").status, 400);
    EXPECT_EQ(stack.http().post("/api/login", R"({"email":"alice@example.org"})").status, 400);
}

TEST(ServerLogin, FiveFailuresLockTheEmailWith429) {
    Stack stack;
    stack.add_user("alice@example.org", "Alice", kPassword);
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(stack.login("alice@example.org", "wrong password").status, 401) << i;
    const auto locked = stack.login("alice@example.org", kPassword);  // even the right password
    EXPECT_EQ(locked.status, 429);
    EXPECT_TRUE(locked.json().contains("error"));
}

// Everyone here logs in from 127.0.0.1, like users behind one NAT or proxy:
// one user mistyping must not lock out the others.
TEST(ServerLogin, OneEmailsFailuresDoNotLockOutTheSameAddress) {
    Stack stack;
    stack.add_user("alice@example.org", "Alice", kPassword);
    stack.add_user("bob@example.org", "Bob", kPassword);
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(stack.login("alice@example.org", "wrong password").status, 401) << i;
    EXPECT_EQ(stack.login("alice@example.org", kPassword).status, 429);
    EXPECT_EQ(stack.login("bob@example.org", kPassword).status, 200);
}

// Sends `request` verbatim over a fresh loopback connection and returns the
// whole answer: for requests an HTTP client library would "fix".
std::string raw_http(int port, const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string answer;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
        char buf[4096];
        for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
            answer.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return answer;
}

// `curl -X POST` without -d sends neither Content-Length nor a body.
TEST(ServerLogin, LogoutWithoutABodyOrContentLengthWorks) {
    Stack stack;
    stack.add_user("alice@example.org", "Alice", kPassword);
    const std::string session = stack.session("alice@example.org", kPassword);
    const auto post = [&](const std::string& path) {
        return raw_http(stack.http_port(), "POST " + path +
                                               " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                               "Authorization: Bearer " +
                                               session + "\r\nConnection: close\r\n\r\n");
    };
    EXPECT_TRUE(post("/api/mqtt-token").starts_with("HTTP/1.1 200"));
    EXPECT_TRUE(post("/api/logout").starts_with("HTTP/1.1 204"));
    EXPECT_TRUE(post("/api/logout").starts_with("HTTP/1.1 401"));
}

TEST(ServerLogin, LogoutRevokesTheSession) {
    Stack stack;
    stack.add_user("alice@example.org", "Alice", kPassword);
    const std::string session = stack.session("alice@example.org", kPassword);
    EXPECT_EQ(stack.http().post("/api/mqtt-token", "", session).status, 200);
    const auto out = stack.http().post("/api/logout", "", session);
    EXPECT_EQ(out.status, 204);
    EXPECT_EQ(out.body, "");
    EXPECT_EQ(stack.http().post("/api/mqtt-token", "", session).status, 401);
    EXPECT_EQ(stack.http().post("/api/logout", "", session).status, 401);
    EXPECT_EQ(stack.http().get("/api/rooms/general/messages", session).status, 401);
}

TEST(ServerToken, AnswerHasEveryFieldAndVerifiableClaims) {
    Stack stack;
    stack.add_user("alice@example.org", "Alice", kPassword);
    const std::string session = stack.session("alice@example.org", kPassword);
    const json t = stack.token(session, {"general", "ops"});
    for (const char* field : {"accessToken", "tokenId", "expiresAt", "refreshAt", "username",
                              "clientIdPrefix", "brokers"})
        EXPECT_TRUE(t.contains(field)) << field;
    EXPECT_EQ(t.at("username"), "alice");
    EXPECT_EQ(t.at("clientIdPrefix"), "alice-");
    const json brokers = {{{"url", "mqtt://127.0.0.1:" + std::to_string(stack.mqtt_port())}},
                          {{"url", "ws://127.0.0.1:" + std::to_string(stack.ws_port()) + "/mqtt"}}};
    EXPECT_EQ(t.at("brokers"), brokers);

    const auto verified = mqchat::token::verify(t.at("accessToken").get<std::string>(),
                                                stack.token_key(), {.now = std::time(nullptr)});
    ASSERT_TRUE(verified.claims) << verified.error;
    const auto& c = *verified.claims;
    EXPECT_EQ(c.sub, "alice");
    EXPECT_EQ(c.name, "Alice");
    EXPECT_EQ(c.jti, t.at("tokenId").get<std::string>());
    EXPECT_EQ(c.iss, "mqchatd");
    EXPECT_EQ(c.aud, "mqtt");
    EXPECT_EQ(c.exp - c.iat, 900);
    ASSERT_EQ(c.acl.size(), 2U);
    EXPECT_EQ(c.acl[0], (mqchat::token::AclEntry{"allow", "all", "chat/general/messages"}));
    EXPECT_EQ(c.acl[1], (mqchat::token::AclEntry{"allow", "all", "chat/ops/messages"}));

    const auto expires = mqchat::parse_iso8601_ms(t.at("expiresAt").get<std::string>());
    const auto refresh = mqchat::parse_iso8601_ms(t.at("refreshAt").get<std::string>());
    EXPECT_EQ(expires, c.exp * 1000);
    EXPECT_EQ(refresh, c.iat * 1000 + 720 * 1000);  // 80 % of 900 s

    const json dflt = stack.token(session);
    const auto d = mqchat::token::verify(dflt.at("accessToken").get<std::string>(),
                                         stack.token_key(), {.now = std::time(nullptr)});
    ASSERT_TRUE(d.claims);
    ASSERT_EQ(d.claims->acl.size(), 1U);
    EXPECT_EQ(d.claims->acl[0].topic, "chat/general/messages");
    EXPECT_NE(dflt.at("tokenId"), t.at("tokenId"));
}

TEST(ServerToken, InvalidRoomListsAre400) {
    Stack stack;
    stack.add_user("alice@example.org", "Alice", kPassword);
    const std::string session = stack.session("alice@example.org", kPassword);
    std::vector<std::string> many;
    for (int i = 0; i < 51; ++i)
        many.push_back("room" + std::to_string(i));
    for (const std::string& body : std::vector<std::string>{
             R"({"rooms":["a/b"]})", R"({"rooms":["#"]})", R"({"rooms":[]})",
             R"({"rooms":"general"})", R"({"rooms":[1]})", "[1,2", json{{"rooms", many}}.dump()})
        EXPECT_EQ(stack.http().post("/api/mqtt-token", body, session).status, 400) << body;
}

TEST(ServerHistory, PagesByLimitBeforeAndAfter) {
    Stack stack;
    stack.add_user("alice@example.org", "Alice", kPassword);
    const std::string s = stack.session("alice@example.org", kPassword);
    std::vector<std::string> ids;
    for (int i = 1; i <= 7; ++i)
        ids.push_back(post_text(stack, s, "paging", "m" + std::to_string(i)));
    const auto get = [&](const std::string& query) {
        return stack.http().get("/api/rooms/paging/messages" + query, s);
    };
    EXPECT_EQ(texts_of(get("").json()),
              (std::vector<std::string>{"m1", "m2", "m3", "m4", "m5", "m6", "m7"}));
    EXPECT_EQ(texts_of(get("?limit=3").json()), (std::vector<std::string>{"m5", "m6", "m7"}));
    EXPECT_EQ(texts_of(get("?limit=2&before=" + ids[4]).json()),
              (std::vector<std::string>{"m3", "m4"}));
    EXPECT_EQ(texts_of(get("?limit=2&after=" + ids[1]).json()),
              (std::vector<std::string>{"m3", "m4"}));
    EXPECT_EQ(texts_of(get("?after=" + ids[4]).json()), (std::vector<std::string>{"m6", "m7"}));
    EXPECT_EQ(texts_of(get("?after=" + ids[1] + "&before=" + ids[4]).json()),
              (std::vector<std::string>{"m3", "m4"}));
    EXPECT_EQ(get("?after=" + ids[6]).json(), json::array());

    const auto unknown = get("?before=01JDNOSUCHMESSAGE000000000");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.json(), json({{"error", "unknown message id"}}));
    EXPECT_EQ(get("?after=nope").status, 404);
    for (const char* bad : {"?limit=0", "?limit=501", "?limit=abc", "?limit=", "?limit=-1"})
        EXPECT_EQ(get(bad).status, 400) << bad;
    EXPECT_EQ(get("?limit=500").status, 200);
    EXPECT_EQ(stack.http().get("/api/rooms/bad%20room/messages", s).status, 400);
    EXPECT_EQ(stack.http().get("/api/rooms/a+b/messages", s).status, 400);
    EXPECT_EQ(stack.http().get("/api/rooms/" + std::string(65, 'x') + "/messages", s).status, 400);
    EXPECT_EQ(stack.http().get("/api/rooms/empty/messages", s).json(), json::array());
}

TEST(ServerMessages, PostIsStoredPublishedAndInHistory) {
    Stack stack;
    const std::string id = stack.add_user("alice@example.org", "Alice", kPassword);
    const std::string s = stack.session("alice@example.org", kPassword);
    const json t = stack.token(s);
    MqttSubscriber sub(stack.mqtt_port(), id, t.at("accessToken"), id + "-sub",
                       "chat/general/messages");
    const auto r = stack.http().post("/api/rooms/general/messages",
                                     json{{"text", "héllo \"world\" ✓"}}.dump(), s);
    ASSERT_EQ(r.status, 201) << r.body;
    const json m = r.json();
    EXPECT_EQ(m.at("user"), "alice");
    EXPECT_EQ(m.at("name"), "Alice");
    EXPECT_EQ(m.at("text"), "héllo \"world\" ✓");
    EXPECT_EQ(m.at("id").get<std::string>().size(), 26U);  // a ULID
    EXPECT_TRUE(m.at("timestamp").is_number_integer());

    ASSERT_TRUE(sub.wait_for_count(1)) << sub.output();
    EXPECT_EQ(json::parse(sub.payloads().at(0)), m);
    const json history = stack.http().get("/api/rooms/general/messages", s).json();
    ASSERT_EQ(history.size(), 1U);  // the archiver's echo of our own publish is ignored
    EXPECT_EQ(history[0], m);

    EXPECT_EQ(stack.http().post("/api/rooms/general/messages", R"({"text":""})", s).status, 400);
    EXPECT_EQ(stack.http().post("/api/rooms/general/messages", R"({"text":5})", s).status, 400);
    EXPECT_EQ(stack.http().post("/api/rooms/a+b/messages", R"({"text":"x"})", s).status, 400);
}

TEST(ServerHttp, BodyOver64KiBIsRefusedWith413) {
    Stack stack;
    stack.add_user("alice@example.org", "Alice", kPassword);
    const std::string s = stack.session("alice@example.org", kPassword);
    const std::string big = json{{"text", std::string(70 * 1024, 'a')}}.dump();
    const auto r = stack.http().post("/api/rooms/general/messages", big, s);
    EXPECT_EQ(r.status, 413);
    EXPECT_TRUE(r.json().contains("error"));
    EXPECT_EQ(stack.login("alice@example.org", std::string(70 * 1024, 'p')).status, 413);
    // Still serving afterwards, and nothing was stored.
    EXPECT_EQ(stack.http().get("/api/rooms/general/messages", s).json(), json::array());
}

}  // namespace

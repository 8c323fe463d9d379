// mqchatd's HTTP server under hostile load and odd requests: slowloris and
// idle connections from other addresses while a real client works, the
// connection caps, and the protocol edges (errors as JSON, keep-alive,
// pipelining, HEAD, 100-continue, deadlines answered 408).
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/raw_socket.hpp"
#include "support/stack.hpp"

namespace {

using namespace testsupport;
using nlohmann::json;

constexpr const char* kPassword = "correct horse battery";

// 127.0.0.2 .. 127.0.0.9: eight other "machines".
std::string attacker(std::size_t i) {
    return "127.0.0." + std::to_string(2 + i % 8);
}

// The whole answer to one request sent on a fresh connection (with
// "Connection: close" added, so the server closes it after answering).
std::string exchange(int port, std::string request) {
    request.insert(request.find("\r\n") + 2, "Connection: close\r\n");
    RawSocket s("127.0.0.1", port);
    s.send(request);
    s.wait_closed();
    return s.received();
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

// 300 connections that send a header line every 2 s (never finishing their
// head) and 300 that send nothing, from eight other addresses: the real
// client on 127.0.0.1 still logs in, gets tokens and history every time,
// and the slow ones are cut at their deadline with a 408.
TEST(ServerHttpHostile, SlowAndIdleConnectionsDoNotStopRealClients) {
    raise_fd_limit();
    Stack stack;
    stack.add_user("alice@example.org", "Alice", kPassword);
    std::vector<RawSocket> slow;
    std::vector<RawSocket> idle;
    for (std::size_t i = 0; i < 300; ++i) {
        slow.emplace_back("127.0.0.1", stack.http_port(), attacker(i));
        slow.back().send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        idle.emplace_back("127.0.0.1", stack.http_port(), attacker(i));
    }
    std::atomic<bool> trickling{true};
    std::thread trickle([&] {
        while (trickling.load()) {
            for (auto& s : slow)
                s.send("X-Slow: still here\r\n");
            for (int i = 0; i < 40 && trickling.load(); ++i)
                std::this_thread::sleep_for(50ms);
        }
    });

    int answered = 0;
    for (int round = 0; round < 10; ++round) {
        const std::string session = stack.session("alice@example.org", kPassword);
        EXPECT_EQ(stack.token(session).at("username"), "alice");
        const auto history = stack.http().get("/api/rooms/general/messages", session);
        EXPECT_EQ(history.status, 200) << history.body;
        answered += history.status == 200 ? 1 : 0;
    }
    EXPECT_EQ(answered, 10);

    const bool slow_closed = wait_all_closed(slow);
    trickling = false;
    trickle.join();
    ASSERT_TRUE(slow_closed) << count_closed(slow) << " of 300 closed";
    for (auto& s : slow)
        EXPECT_TRUE(s.received().starts_with("HTTP/1.1 408 ")) << s.received();
    EXPECT_TRUE(wait_all_closed(idle)) << count_closed(idle) << " of 300 closed";
    EXPECT_TRUE(stack.process().wait_for_err("300 closed at a deadline")) << stack.log();
    EXPECT_EQ(stack.http().get("/healthz").status, 200);
}

// One address cannot take more than --max-connections-per-address; beyond
// --max-connections nobody gets in until connections close.
TEST(ServerHttpHostile, CapsPerAddressAndInTotal) {
    Stack stack({.data_dir = "",
                 .extra_args = {"--max-connections", "30", "--max-connections-per-address", "20"}});
    std::vector<RawSocket> held;
    for (int i = 0; i < 20; ++i)
        held.emplace_back("127.0.0.1", stack.http_port(), "127.0.0.2");
    RawSocket over_address("127.0.0.1", stack.http_port(), "127.0.0.2");
    ASSERT_TRUE(over_address.wait_closed());
    EXPECT_TRUE(over_address.received().starts_with("HTTP/1.1 503 ")) << over_address.received();
    EXPECT_TRUE(contains(over_address.received(), R"({"error":)"));
    EXPECT_EQ(count_closed(held), 0U);                    // accepted before it, still open
    EXPECT_EQ(stack.http().get("/healthz").status, 200);  // 127.0.0.1 has its own share

    std::vector<RawSocket> more;
    for (int i = 0; i < 10; ++i)
        more.emplace_back("127.0.0.1", stack.http_port(), "127.0.0.3");
    RawSocket over_total("127.0.0.1", stack.http_port(), "127.0.0.4");
    ASSERT_TRUE(over_total.wait_closed());
    EXPECT_TRUE(over_total.received().starts_with("HTTP/1.1 503 ")) << over_total.received();
    more.clear();  // room again (the server notices the closes)
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (stack.http().get("/healthz").status != 200 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(50ms);
    EXPECT_EQ(stack.http().get("/healthz").status, 200);
    EXPECT_TRUE(stack.process().wait_for_err("refused by a cap")) << stack.log();
}

TEST(ServerHttpHostile, ErrorsAreJsonWithFixedHeaders) {
    Stack stack;
    const struct {
        std::string request;
        std::string status;
    } cases[] = {
        {"GET /nope HTTP/1.1\r\nHost: h\r\n\r\n", "404"},
        {"DELETE /api/login HTTP/1.1\r\nHost: h\r\n\r\n", "405"},
        {"POST /api/login HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         "411"},
        {"POST /api/login HTTP/1.1\r\nHost: h\r\nContent-Length: 70000\r\n\r\n", "413"},
        {"GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", "414"},
        {"GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(17000, 'b') + "\r\n\r\n", "431"},
        {"GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n", "400"},
        {"GET / HTTP/3.0\r\nHost: h\r\n\r\n", "505"},
    };
    for (const auto& c : cases) {
        const std::string answer = exchange(stack.http_port(), c.request);
        EXPECT_TRUE(answer.starts_with("HTTP/1.1 " + c.status + " ")) << c.status << ": " << answer;
        EXPECT_TRUE(contains(answer, "\r\nCache-Control: no-store\r\n")) << answer;
        EXPECT_TRUE(contains(answer, "\r\nContent-Type: application/json\r\n")) << answer;
        const std::string body = answer.substr(answer.find("\r\n\r\n") + 4);
        EXPECT_TRUE(json::parse(body).contains("error")) << body;
    }
    EXPECT_TRUE(contains(exchange(stack.http_port(), "PUT /healthz HTTP/1.1\r\nHost: h\r\n\r\n"),
                         "\r\nAllow: GET, HEAD\r\n"));
    // Request data never goes into the answer's headers (CRLF injection).
    const std::string injected = exchange(
        stack.http_port(), "GET /nope%0d%0aSet-Cookie:%20x HTTP/1.1\r\nHost: h\r\nX-Y: a\r\n\r\n");
    EXPECT_FALSE(contains(injected.substr(0, injected.find("\r\n\r\n")), "Set-Cookie")) << injected;
}

// Two requests on one connection in one write, a HEAD, then close.
TEST(ServerHttpHostile, KeepAlivePipeliningAndHead) {
    Stack stack;
    RawSocket s("127.0.0.1", stack.http_port());
    s.send(
        "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n"
        "HEAD /healthz HTTP/1.1\r\nHost: h\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    ASSERT_TRUE(s.wait_closed());
    const std::string& all = s.received();
    std::size_t answers = 0;
    for (auto at = all.find("HTTP/1.1 200 OK"); at != std::string::npos;
         at = all.find("HTTP/1.1 200 OK", at + 1))
        ++answers;
    EXPECT_EQ(answers, 3U) << all;
    // Two bodies: the HEAD answer has none.
    std::size_t bodies = 0;
    for (auto at = all.find(R"({"ok":true})"); at != std::string::npos;
         at = all.find(R"({"ok":true})", at + 1))
        ++bodies;
    EXPECT_EQ(bodies, 2U) << all;
    EXPECT_TRUE(contains(all, "Connection: keep-alive")) << all;
    EXPECT_TRUE(contains(all, "Connection: close")) << all;
}

// curl sends Expect: 100-continue with larger bodies and waits for it.
TEST(ServerHttpHostile, ExpectContinueGetsAnInterimAnswer) {
    Stack stack;
    stack.add_user("alice@example.org", "Alice", kPassword);
    const std::string body = json{{"email", "alice@example.org"}, {"password", kPassword}}.dump();
    RawSocket s("127.0.0.1", stack.http_port());
    s.send("POST /api/login HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n");
    s.read_until([](const std::string& got) { return contains(got, "\r\n\r\n"); });
    ASSERT_TRUE(s.received().starts_with("HTTP/1.1 100 Continue\r\n\r\n")) << s.received();
    s.send(body);
    ASSERT_TRUE(s.wait_closed());
    EXPECT_TRUE(contains(s.received(), "HTTP/1.1 200 OK")) << s.received();
}

}  // namespace

// mqchatd's HTTP request parser and answers: the head grammar, the limits and
// the status each refusal gets, byte-by-byte arrival, query decoding.
#include <gtest/gtest.h>

#include <string>

#include "server/wire/http_request.hpp"
#include "server/wire/http_response.hpp"

namespace {

using namespace mqchat::server::wire;

HeadResult parse(const std::string& bytes, const HttpLimits& limits = {}) {
    RequestHeadReader reader(limits);
    return reader.next(bytes);
}

int refusal(const std::string& bytes, const HttpLimits& limits = {}) {
    const HeadResult r = parse(bytes, limits);
    EXPECT_EQ(r.status, HeadStatus::invalid) << bytes;
    return r.error_status;
}

TEST(ServerHttpRequest, ParsesARequestHead) {
    const std::string text =
        "POST /api/rooms/general/messages?limit=5&before=x HTTP/1.1\r\n"
        "Host: 127.0.0.1:8080\r\nContent-Length: 11\r\nAuthorization:  Bearer abc \r\n"
        "X-Empty:\r\n\r\n{\"text\":\"\"}";
    const HeadResult r = parse(text);
    ASSERT_EQ(r.status, HeadStatus::complete) << r.error;
    EXPECT_EQ(r.size, text.size() - 11);
    EXPECT_EQ(r.head.method, "POST");
    EXPECT_EQ(r.head.path(), "/api/rooms/general/messages");
    EXPECT_EQ(r.head.query(), "limit=5&before=x");
    EXPECT_EQ(r.head.minor_version, 1);
    EXPECT_EQ(r.head.content_length, 11U);
    EXPECT_TRUE(r.head.keep_alive);
    ASSERT_NE(r.head.header("authorization"), nullptr);
    EXPECT_EQ(*r.head.header("authorization"), "Bearer abc");
    EXPECT_EQ(*r.head.header("x-empty"), "");
    EXPECT_EQ(r.head.header("Host"), nullptr);  // names are looked up in lower case
}

TEST(ServerHttpRequest, BareLineFeedsAndLeadingEmptyLinesAreAccepted) {
    const HeadResult r = parse("\r\n\nGET /healthz HTTP/1.0\nConnection: keep-alive\n\n");
    ASSERT_EQ(r.status, HeadStatus::complete) << r.error;
    EXPECT_EQ(r.head.minor_version, 0);
    EXPECT_TRUE(r.head.keep_alive);
    EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").head.keep_alive);  // 1.0 closes by default
    EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n").head.keep_alive);
}

TEST(ServerHttpRequest, IncompleteUntilTheBlankLine) {
    for (const char* partial : {"", "GET", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: h\r\n",
                                "GET / HTTP/1.1\r\nHost: h\r\n\r"})
        EXPECT_EQ(parse(partial).status, HeadStatus::incomplete) << partial;
}

// A head trickling in one byte per read gives the same result as all at once.
TEST(ServerHttpRequest, ByteByByteArrivalGivesTheSameHead) {
    const std::string text =
        "GET /api/rooms/x/messages?after=1 HTTP/1.1\r\nHost: h\r\nA: 1\n\r\nrest";
    RequestHeadReader reader;
    std::string received;
    HeadResult r;
    for (const char c : text) {
        received.push_back(c);
        r = reader.next(received);
        if (r.status != HeadStatus::incomplete) break;
    }
    ASSERT_EQ(r.status, HeadStatus::complete);
    EXPECT_EQ(r.size, text.size() - 4);
    EXPECT_EQ(r.head.target, "/api/rooms/x/messages?after=1");
    EXPECT_EQ(*r.head.header("a"), "1");
}

TEST(ServerHttpRequest, MalformedHeadsAre400) {
    for (const std::string bad : {
             "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",             // two spaces
             "GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n",        // a fourth part
             "GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n",      // absolute form
             "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",              // method not a token
             "GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n",          // control in the target
             "GET / HTTP/1.1\r\nHost : h\r\n\r\n",             // space before the colon
             "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",   // obs-fold
             "GET / HTTP/1.1\r\nHost: h\r\nA: b\x7f\r\n\r\n",  // DEL in a value
             "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",        // a bare CR
             "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
             "GET / HTTP/1.1\r\n\r\n",  // 1.1 without Host
             "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
             "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n",
             "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
             "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\n",
             "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
             "GET / HTP/1.1\r\nHost: h\r\n\r\n",
         })
        EXPECT_EQ(refusal(bad), 400) << bad;
    // The same length twice is no conflict.
    EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\n")
                  .head.content_length,
              2U);
}

TEST(ServerHttpRequest, EachLimitHasItsStatus) {
    HttpLimits small;
    small.max_request_line = 64;
    small.max_head = 256;
    small.max_headers = 4;
    small.max_body = 100;
    const std::string long_target = "GET /" + std::string(100, 'a') + " HTTP/1.1\r\n";
    EXPECT_EQ(refusal(long_target + "Host: h\r\n\r\n", small), 414);
    EXPECT_EQ(refusal(long_target.substr(0, 80), small), 414);  // before the line is complete
    std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 4; ++i)
        many += "X" + std::to_string(i) + ": y\r\n";
    EXPECT_EQ(refusal(many + "\r\n", small), 431);
    const std::string big_header = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(300, 'y');
    EXPECT_EQ(refusal(big_header, small), 431);  // before the head is complete
    EXPECT_EQ(refusal(big_header + "\r\n\r\n", small), 431);
    EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", small), 413);
    EXPECT_EQ(
        refusal("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                small),
        413);
    EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"), 411);
    EXPECT_EQ(refusal("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
    EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n"), 417);
    EXPECT_TRUE(parse("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: "
                      "5\r\n\r\n")
                    .head.expect_continue);
}

TEST(ServerHttpRequest, HeaderTokensAreFoundInLists) {
    const HeadResult r = parse(
        "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\nUpgrade: "
        "WebSocket\r\n\r\n");
    ASSERT_EQ(r.status, HeadStatus::complete);
    EXPECT_TRUE(r.head.header_has_token("connection", "upgrade"));
    EXPECT_TRUE(r.head.header_has_token("upgrade", "websocket"));
    EXPECT_FALSE(r.head.header_has_token("connection", "close"));
    EXPECT_FALSE(r.head.header_has_token("connection", "keep"));
}

TEST(ServerHttpRequest, QueriesArePercentDecodedAndTheFirstValueWins) {
    const auto q = parse_query("limit=5&before=a%2Bb&limit=7&x=hello+world&bad=%zz&&flag");
    EXPECT_EQ(q.at("limit"), "5");
    EXPECT_EQ(q.at("before"), "a+b");
    EXPECT_EQ(q.at("x"), "hello world");
    EXPECT_EQ(q.at("flag"), "");
    EXPECT_EQ(q.count("bad"), 0U);
    EXPECT_EQ(percent_decode("bad%20room", false), "bad room");
    EXPECT_EQ(percent_decode("a+b", false), "a+b");
    EXPECT_FALSE(percent_decode("%4", false));
    EXPECT_FALSE(percent_decode("%", false));
}

TEST(ServerHttpAnswer, FixedHeadersAndAJsonBody) {
    EXPECT_EQ(format_answer({200, R"({"ok":true})", true, {}, false}),
              "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Type: application/json\r\n"
              "Content-Length: 11\r\nConnection: keep-alive\r\n\r\n{\"ok\":true}");
    EXPECT_EQ(format_answer({204, "", false, {}, false}),
              "HTTP/1.1 204 No Content\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
    const std::string head_only = format_answer({405, R"({"error":"x"})", true, "GET, HEAD", true});
    EXPECT_NE(head_only.find("Allow: GET, HEAD\r\n"), std::string::npos);
    EXPECT_NE(head_only.find("Content-Length: 13\r\n"), std::string::npos);
    EXPECT_TRUE(head_only.ends_with("\r\n\r\n"));
    EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
}

}  // namespace

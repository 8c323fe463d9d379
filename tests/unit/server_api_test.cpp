// The HTTP routes as plain functions: answers, status codes and claims, with
// a fake clock and a captured publisher instead of a broker.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/time_format.hpp"
#include "server/accounts.hpp"
#include "server/api.hpp"
#include "server/sessions.hpp"
#include "server_scratch.hpp"
#include "token/jwt.hpp"

namespace {

using namespace mqchat::server;
using nlohmann::json;

constexpr const char* kKey = "0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr std::int64_t kStart = 1732412345000;  // ms

struct Published {
    std::string topic;
    std::string payload;
};

class ServerApi : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = Store::open(dir_.file("db"));
        ASSERT_TRUE(add_account(*store_, {"alice@example.org", "Alice", "correct horse"}, 0).ok);
        ApiSettings settings;
        settings.token_key = kKey;
        settings.brokers.mqtt = {"127.0.0.1", 11883};
        settings.brokers.ws = {"127.0.0.1", 18083};
        api_ = std::make_unique<Api>(
            *store_, settings,
            [this](std::string topic, std::string payload) {
                published_.push_back({std::move(topic), std::move(payload)});
            },
            [this] { return now_; });
    }

    ApiRequest request(const std::string& body = "", const std::string& session = "") const {
        ApiRequest r;
        r.body = body;
        r.remote_addr = "127.0.0.1";
        r.host = "127.0.0.1:8080";
        if (!session.empty()) r.authorization = "Bearer " + session;
        return r;
    }
    ApiResponse login(const std::string& email, const std::string& password,
                      const std::string& addr = "127.0.0.1") {
        auto r = request(json{{"email", email}, {"password", password}}.dump());
        r.remote_addr = addr;
        return api_->login(r);
    }
    std::string session() {
        const auto r = login("alice@example.org", "correct horse");
        EXPECT_EQ(r.status, 200) << r.body;
        return json::parse(r.body).at("session");
    }
    ApiResponse history(const std::string& s, std::map<std::string, std::string> query,
                        const std::string& room = "general") {
        auto r = request("", s);
        r.query = std::move(query);
        return api_->room_history(room, r);
    }
    std::string post(const std::string& s, const std::string& text) {
        const auto r = api_->post_message("general", request(json{{"text", text}}.dump(), s));
        EXPECT_EQ(r.status, 201) << r.body;
        return json::parse(r.body).at("id");
    }

    servertest::ScratchDir dir_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<Api> api_;
    std::int64_t now_ = kStart;
    std::vector<Published> published_;
};

std::vector<std::string> texts(const std::string& body) {
    std::vector<std::string> out;
    for (const auto& m : json::parse(body))
        out.push_back(m.at("text"));
    return out;
}

TEST_F(ServerApi, Healthz) {
    const auto r = api_->healthz();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(json::parse(r.body), json({{"ok", true}}));
}

TEST_F(ServerApi, HealthzSaysWhenTheBrokerIsDown) {
    api_->set_broker_up(false);
    const auto down = api_->healthz();
    EXPECT_EQ(down.status, 503);
    EXPECT_EQ(json::parse(down.body), json({{"ok", false}, {"broker", "down"}}));
    api_->set_broker_up(true);
    EXPECT_EQ(api_->healthz().status, 200);
}

TEST_F(ServerApi, LoginAnswerShape) {
    const auto r = login("ALICE@example.org ", "correct horse");
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = json::parse(r.body);
    EXPECT_EQ(j.at("user"), json({{"id", "alice"}, {"name", "Alice"}}));
    EXPECT_EQ(j.at("session").get<std::string>().size(), 43U);
    EXPECT_EQ(j.at("expiresAt"), mqchat::format_iso8601_ms(kStart + kSessionLifetimeMs));
}

TEST_F(ServerApi, UnknownUserAndWrongPasswordAreTheSame401) {
    const auto wrong = login("alice@example.org", "wrong horse");
    const auto unknown = login("nobody@example.org", "correct horse");
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(unknown.status, 401);
    EXPECT_EQ(wrong.body, unknown.body);
    EXPECT_EQ(wrong.body, R"({"error":"invalid email or password"})");
}

TEST_F(ServerApi, MalformedLoginBodiesAre400) {
    for (const char* body :
         {"", "nope", "[]", R"({"email":"a@b"})", R"({"email":1,"password":"x"})",
          R"({"email":"a@b","password":{"x":1}})", "[[[[[[[[[[[[]]]]]]]]]]]]"}) {
        EXPECT_EQ(api_->login(request(body)).status, 400) << body;
    }
}

TEST_F(ServerApi, FiveFailuresThen429ForTheRestOfTheWindow) {
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(login("alice@example.org", "wrong").status, 401);
    EXPECT_EQ(login("alice@example.org", "correct horse").status, 429);
    EXPECT_EQ(login("alice@example.org", "correct horse", "10.1.1.1").status, 429);  // by email
    now_ += 5 * 60 * 1000;
    EXPECT_EQ(login("alice@example.org", "correct horse").status, 200);
}

TEST_F(ServerApi, OneEmailsFailuresLockOnlyThatEmail) {
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(login("bob@example.org", "x", "10.9.9.9").status, 401);
    EXPECT_EQ(login("bob@example.org", "x", "10.9.9.9").status, 429);
    EXPECT_EQ(login("alice@example.org", "correct horse", "10.9.9.9").status, 200);
}

// Each failed login costs a password hash: a small budget keeps this quick
// (the limiter's own tests cover the default of 50).
TEST_F(ServerApi, FailuresFromOneAddressLockItWithALargerBudget) {
    ApiSettings settings;
    settings.token_key = kKey;
    settings.login_limits.per_address = 8;
    api_ = std::make_unique<Api>(
        *store_, settings, [](std::string, std::string) {}, [this] { return now_; });
    for (int i = 0; i < 8; ++i)  // never 5 for one email
        EXPECT_EQ(login("user" + std::to_string(i % 4) + "@example.org", "x", "10.9.9.9").status,
                  401)
            << i;
    EXPECT_EQ(login("alice@example.org", "correct horse", "10.9.9.9").status, 429);
    EXPECT_EQ(login("alice@example.org", "correct horse", "10.9.9.8").status, 200);
}

TEST_F(ServerApi, LogoutRevokes) {
    const std::string s = session();
    EXPECT_EQ(api_->mqtt_token(request("", s)).status, 200);
    const auto out = api_->logout(request("", s));
    EXPECT_EQ(out.status, 204);
    EXPECT_EQ(out.body, "");
    EXPECT_EQ(api_->mqtt_token(request("", s)).status, 401);
    EXPECT_EQ(api_->logout(request("", s)).status, 401);
}

TEST_F(ServerApi, SessionsExpireAfter30Days) {
    const std::string s = session();
    now_ += kSessionLifetimeMs - 1;
    EXPECT_EQ(api_->mqtt_token(request("", s)).status, 200);
    now_ += 1;
    EXPECT_EQ(api_->mqtt_token(request("", s)).status, 401);
}

TEST_F(ServerApi, EveryRouteButLoginAndHealthzNeedsASession) {
    EXPECT_EQ(api_->logout(request()).status, 401);
    EXPECT_EQ(api_->mqtt_token(request()).status, 401);
    EXPECT_EQ(api_->room_history("general", request()).status, 401);
    EXPECT_EQ(api_->post_message("general", request(R"({"text":"x"})")).status, 401);
    const auto r = api_->mqtt_token(request("", "made-up"));
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(json::parse(r.body).contains("error"));
    EXPECT_TRUE(published_.empty());
}

TEST_F(ServerApi, TokenAnswerShapeAndClaims) {
    const std::string s = session();
    const auto r = api_->mqtt_token(request(R"({"rooms":["general","ops","general"]})", s));
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = json::parse(r.body);
    EXPECT_EQ(j.at("username"), "alice");
    EXPECT_EQ(j.at("clientIdPrefix"), "alice-");
    EXPECT_EQ(
        j.at("brokers"),
        json::parse(R"([{"url":"mqtt://127.0.0.1:11883"},{"url":"ws://127.0.0.1:18083/mqtt"}])"));
    const std::int64_t now_s = kStart / 1000;
    EXPECT_EQ(j.at("expiresAt"), mqchat::format_iso8601_ms((now_s + 900) * 1000));
    EXPECT_EQ(j.at("refreshAt"), mqchat::format_iso8601_ms((now_s + 720) * 1000));

    const auto v =
        mqchat::token::verify(j.at("accessToken").get<std::string>(), kKey, {.now = now_s});
    ASSERT_TRUE(v.claims) << v.error;
    EXPECT_EQ(v.claims->sub, "alice");
    EXPECT_EQ(v.claims->name, "Alice");
    EXPECT_EQ(v.claims->jti, j.at("tokenId").get<std::string>());
    EXPECT_EQ(v.claims->iat, now_s);
    EXPECT_EQ(v.claims->nbf, now_s);
    EXPECT_EQ(v.claims->exp, now_s + 900);
    EXPECT_EQ(v.claims->iss, "mqchatd");
    EXPECT_EQ(v.claims->aud, "mqtt");
    ASSERT_EQ(v.claims->acl.size(), 2U);  // the duplicate room collapsed
    EXPECT_EQ(v.claims->acl[0], (mqchat::token::AclEntry{"allow", "all", "chat/general/messages"}));
    EXPECT_EQ(v.claims->acl[1], (mqchat::token::AclEntry{"allow", "all", "chat/ops/messages"}));
    EXPECT_FALSE(
        mqchat::token::verify(j.at("accessToken").get<std::string>(), kKey, {.now = now_s + 900})
            .claims);
}

TEST_F(ServerApi, TokenDefaultsToGeneral) {
    const std::string s = session();
    for (const char* body : {"", "  ", "{}"}) {
        const auto r = api_->mqtt_token(request(body, s));
        ASSERT_EQ(r.status, 200) << body;
        const auto v = mqchat::token::verify(
            json::parse(r.body).at("accessToken").get<std::string>(), kKey, {.now = kStart / 1000});
        ASSERT_TRUE(v.claims);
        ASSERT_EQ(v.claims->acl.size(), 1U);
        EXPECT_EQ(v.claims->acl[0].topic, "chat/general/messages");
    }
}

TEST_F(ServerApi, TokenRoomsAreValidated) {
    const std::string s = session();
    json many = json::array();
    for (int i = 0; i < 51; ++i)
        many.push_back("r" + std::to_string(i));
    for (const std::string& body :
         {std::string(R"({"rooms":["a/b"]})"), std::string(R"({"rooms":["+"]})"),
          std::string(R"({"rooms":[""]})"), std::string(R"({"rooms":[]})"),
          std::string(R"({"rooms":null})"), std::string(R"({"rooms":[["x"]]})"), std::string("[]"),
          std::string("{"), json{{"rooms", many}}.dump()})
        EXPECT_EQ(api_->mqtt_token(request(body, s)).status, 400) << body;
    many.erase(many.end() - 1);
    EXPECT_EQ(api_->mqtt_token(request(json{{"rooms", many}}.dump(), s)).status, 200);
}

TEST_F(ServerApi, TokenTtlFollowsTheSettings) {
    ApiSettings settings;
    settings.token_key = kKey;
    settings.token_ttl_s = 100;
    settings.brokers.external_url = "mqtts://broker.example.org:8883";
    Api api(
        *store_, settings, [](std::string, std::string) {}, [this] { return now_; });
    const std::string s = session();
    const json j = json::parse(api.mqtt_token(request("", s)).body);
    EXPECT_EQ(j.at("brokers"), json::parse(R"([{"url":"mqtts://broker.example.org:8883"}])"));
    EXPECT_EQ(j.at("refreshAt"), mqchat::format_iso8601_ms((kStart / 1000 + 80) * 1000));
}

TEST_F(ServerApi, PostStoresThenPublishes) {
    const std::string s = session();
    const auto r = api_->post_message("general", request(R"({"text":"hi ✓","kind":"me"})", s));
    ASSERT_EQ(r.status, 201) << r.body;
    const json m = json::parse(r.body);
    EXPECT_EQ(m.at("user"), "alice");
    EXPECT_EQ(m.at("name"), "Alice");
    EXPECT_EQ(m.at("text"), "hi ✓");
    EXPECT_EQ(m.at("kind"), "me");
    EXPECT_EQ(m.at("timestamp"), kStart);
    EXPECT_EQ(mqchat::ulid_time_ms(m.at("id").get<std::string>()), kStart);
    ASSERT_EQ(published_.size(), 1U);
    EXPECT_EQ(published_[0].topic, "chat/general/messages");
    EXPECT_EQ(published_[0].payload, r.body);
    EXPECT_EQ(history(s, {}).body, "[" + r.body + "]");
}

TEST_F(ServerApi, PostRefusesBadInput) {
    const std::string s = session();
    for (const char* body : {"", "x", R"({"text":""})", R"({"text":"  "})", R"({"text":1})",
                             R"({"text":"x","kind":"shout"})", R"({"text":"x","reply_to":5})"})
        EXPECT_EQ(api_->post_message("general", request(body, s)).status, 400) << body;
    EXPECT_EQ(api_->post_message("a+b", request(R"({"text":"x"})", s)).status, 400);
    // Fits the 64 KiB body but not the 64 KiB payload once escaped.
    const std::string escaped(20000, '\x01');
    EXPECT_EQ(api_->post_message("general", request(json{{"text", escaped}}.dump(), s)).status,
              413);
    EXPECT_TRUE(published_.empty());
    EXPECT_EQ(store_->message_count("general"), 0);
}

TEST_F(ServerApi, HistoryPaging) {
    const std::string s = session();
    std::vector<std::string> ids;
    for (int i = 1; i <= 6; ++i) {
        ++now_;
        ids.push_back(post(s, "m" + std::to_string(i)));
    }
    EXPECT_EQ(texts(history(s, {}).body),
              (std::vector<std::string>{"m1", "m2", "m3", "m4", "m5", "m6"}));
    EXPECT_EQ(texts(history(s, {{"limit", "2"}}).body), (std::vector<std::string>{"m5", "m6"}));
    EXPECT_EQ(texts(history(s, {{"limit", "2"}, {"before", ids[2]}}).body),
              (std::vector<std::string>{"m1", "m2"}));
    EXPECT_EQ(texts(history(s, {{"limit", "2"}, {"after", ids[2]}}).body),
              (std::vector<std::string>{"m4", "m5"}));
    EXPECT_EQ(history(s, {{"before", "nope"}}).status, 404);
    EXPECT_EQ(history(s, {{"after", "nope"}}).body, R"({"error":"unknown message id"})");
    for (const char* limit : {"0", "501", "x", "", "1.5", " 5", "99999999999"})
        EXPECT_EQ(history(s, {{"limit", limit}}).status, 400) << limit;
    EXPECT_EQ(history(s, {{"limit", "500"}}).status, 200);
    EXPECT_EQ(history(s, {}, "bad room").status, 400);
    EXPECT_EQ(history(s, {}, std::string(65, 'r')).status, 400);
    EXPECT_EQ(history(s, {}, "elsewhere").body, "[]");
    EXPECT_EQ(history(s, {{"before", ids[0]}}, "elsewhere").status, 404);  // ids are per room
}

}  // namespace

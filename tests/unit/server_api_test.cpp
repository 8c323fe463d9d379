// The HTTP routes as plain functions: answers, status codes and claims, with
// a fake clock and a captured publisher instead of a broker.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

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

struct Revoked {
    std::string token_hash;
    std::int64_t at_ms = 0;
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
        make_api(settings);
    }

    void make_api(const ApiSettings& settings, ArchiveStatus* archive = nullptr) {
        ApiEvents events;
        events.publish = [this](std::string topic, std::string payload) {
            published_.push_back({std::move(topic), std::move(payload)});
        };
        events.session_revoked = [this](std::string token_hash, std::int64_t at_ms) {
            revoked_.push_back({std::move(token_hash), at_ms});
        };
        api_ = std::make_unique<Api>(
            *store_, settings, std::move(events), [this] { return now_; }, archive);
    }
    ApiSettings settings() const {
        ApiSettings s;
        s.token_key = kKey;
        return s;
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
    std::vector<Revoked> revoked_;
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
    EXPECT_EQ(json::parse(down.body),
              json({{"ok", false}, {"broker", "down"}, {"archive", "open"}}));
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

// After five failures from one address, that address waits before each
// further try for that account; the owner elsewhere is not affected.
TEST_F(ServerApi, FailuresDelayOnlyThatAccountFromThatAddress) {
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(login("alice@example.org", "wrong").status, 401);
    const auto delayed = login("alice@example.org", "correct horse");
    EXPECT_EQ(delayed.status, 429);
    EXPECT_EQ(json::parse(delayed.body).at("error"),
              "too many failed logins for this account from your address; try again in 1 s");
    EXPECT_EQ(login("alice@example.org", "correct horse", "10.1.1.1").status, 200);
    now_ += 1000;
    EXPECT_EQ(login("alice@example.org", "correct horse").status, 200);
}

TEST_F(ServerApi, DelaysGrowWithEachFailure) {
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(login("bob@example.org", "x", "10.9.9.9").status, 401);
    for (const std::int64_t delay : {1000, 2000, 4000}) {
        EXPECT_EQ(login("bob@example.org", "x", "10.9.9.9").status, 429);
        now_ += delay;
        EXPECT_EQ(login("bob@example.org", "x", "10.9.9.9").status, 401) << delay;
    }
    const auto r = login("bob@example.org", "x", "10.9.9.9");
    EXPECT_EQ(json::parse(r.body).at("error"),
              "too many failed logins for this account from your address; try again in 8 s");
    EXPECT_EQ(login("alice@example.org", "correct horse", "10.9.9.9").status, 200);
}

// Each failed login costs a password hash: a small budget keeps this quick
// (the limiter's own tests cover the default of 50).
TEST_F(ServerApi, FailuresFromOneAddressLimitItWithALargerBudget) {
    ApiSettings s = settings();
    s.login_limits.per_address = 8;
    make_api(s);
    for (int i = 0; i < 8; ++i)  // never 5 for one email
        EXPECT_EQ(login("user" + std::to_string(i % 4) + "@example.org", "x", "10.9.9.9").status,
                  401)
            << i;
    const auto r = login("alice@example.org", "correct horse", "10.9.9.9");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(json::parse(r.body).at("error"),
              "too many failed logins from your address; try again in 300 s");
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
    make_api(settings);
    const std::string s = session();
    const json j = json::parse(api_->mqtt_token(request("", s)).body);
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

// --- archive, quota, revocation, idempotent posts -----------------------------

TEST_F(ServerApi, HealthzSaysWhyTheArchiveIsClosed) {
    ArchiveStatus archive;
    make_api(settings(), &archive);
    archive.set_closed("no space left on device", false);
    const auto r = api_->healthz();
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(
        json::parse(r.body),
        json({{"ok", false}, {"broker", "up"}, {"archive", "closed: no space left on device"}}));
    archive.set_open();
    EXPECT_EQ(api_->healthz().status, 200);
}

TEST_F(ServerApi, TokensCarryTheirSessionsSidAndLogoutRevokesIt) {
    const std::string s = session();
    const auto token = json::parse(api_->mqtt_token(request("", s)).body);
    const auto v = mqchat::token::verify(token.at("accessToken").get<std::string>(), kKey,
                                         {.now = kStart / 1000});
    ASSERT_TRUE(v.claims);
    EXPECT_EQ(v.claims->sid, session_digest(s).substr(0, 32));
    now_ += 5;
    EXPECT_EQ(api_->logout(request("", s)).status, 204);
    ASSERT_EQ(revoked_.size(), 1U);
    EXPECT_EQ(revoked_[0].token_hash, session_digest(s));
    EXPECT_EQ(revoked_[0].at_ms, now_);
}

TEST_F(ServerApi, PostWithAClientIdIsIdempotentForItsSender) {
    const std::string s = session();
    const std::string body = R"({"text":"once","id":"client-key_1"})";
    const auto first = api_->post_message("general", request(body, s));
    ASSERT_EQ(first.status, 201) << first.body;
    EXPECT_EQ(json::parse(first.body).at("id"), "client-key_1");
    now_ += 1000;
    const auto again = api_->post_message("general", request(body, s));
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.body, first.body);  // the stored message, as first answered
    EXPECT_EQ(published_.size(), 1U);   // and not published again
    EXPECT_EQ(store_->message_count("general"), 1);
    // The same id in another room is another message.
    EXPECT_EQ(api_->post_message("ops", request(body, s)).status, 201);
}

TEST_F(ServerApi, PostWithAnotherSendersIdIs409) {
    ASSERT_TRUE(add_account(*store_, {"bob@example.org", "Bob", "correct horse"}, 0).ok);
    const std::string alice = session();
    const auto bob_login = login("bob@example.org", "correct horse");
    const std::string bob = json::parse(bob_login.body).at("session");
    ASSERT_EQ(api_->post_message("general", request(R"({"text":"a","id":"k1"})", alice)).status,
              201);
    const auto r = api_->post_message("general", request(R"({"text":"b","id":"k1"})", bob));
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(json::parse(r.body).at("error"), "the message id is taken by another message");
    EXPECT_EQ(published_.size(), 1U);
}

TEST_F(ServerApi, PostRefusesMalformedClientIds) {
    const std::string s = session();
    for (const std::string& id :
         {std::string("\"\""), std::string("\"a b\""), std::string("\"a/b\""), std::string("1"),
          std::string("\"é\""), "\"" + std::string(65, 'a') + "\""}) {
        const auto r = api_->post_message("general", request(R"({"text":"x","id":)" + id + "}", s));
        EXPECT_EQ(r.status, 400) << id;
    }
    EXPECT_EQ(api_->post_message("general",
                                 request(R"({"text":"x","id":")" + std::string(64, 'a') + "\"}", s))
                  .status,
              201);
}

TEST_F(ServerApi, PostOverQuotaIsRefusedButARetryStillAnswers) {
    ApiSettings small = settings();
    small.user_quota_bytes = 50;
    make_api(small);
    const std::string s = session();
    // id (12) + name (5) + text (40) = 57 bytes: under the quota before, over it after.
    const std::string body = R"({"id":"first-msg-id","text":")" + std::string(40, 'x') + "\"}";
    ASSERT_EQ(api_->post_message("general", request(body, s)).status, 201);
    EXPECT_EQ(api_->post_message("general", request(body, s)).status, 200);
    const auto over = api_->post_message("general", request(R"({"text":"one more"})", s));
    EXPECT_EQ(over.status, 403);
    EXPECT_EQ(json::parse(over.body).at("error"), "storage quota of 50 bytes used");
    EXPECT_EQ(published_.size(), 1U);
}

TEST_F(ServerApi, PostOnAFullDiskIs503) {
    const std::string s = session();
    store_->set_max_pages(1);
    ApiResponse r;
    for (int i = 0; i < 100 && r.status != 503; ++i)
        r = api_->post_message("general",
                               request(json{{"text", std::string(4000, 'x')}}.dump(), s));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, R"({"error":"the server's storage is full"})");
}

TEST_F(ServerApi, MeSaysWhetherTheUserMayPublish) {
    ArchiveStatus archive;
    ApiSettings small = settings();
    small.user_quota_bytes = 30;
    make_api(small, &archive);
    const std::string s = session();
    EXPECT_EQ(json::parse(api_->me(request("", s)).body),
              json::parse(R"({"user":{"id":"alice","name":"Alice"},"publish":{"allowed":true}})"));
    archive.set_closed("no space left on device", false);
    EXPECT_EQ(
        json::parse(api_->me(request("", s)).body).at("publish"),
        json::parse(
            R"({"allowed":false,"reason":"the archive is closed: no space left on device"})"));
    archive.set_open();
    post(s, std::string(20, 'x'));
    EXPECT_EQ(json::parse(api_->me(request("", s)).body).at("publish"),
              json::parse(R"({"allowed":false,"reason":"storage quota of 30 bytes used"})"));
    EXPECT_EQ(api_->me(request("", "made-up")).status, 401);
}

// A backlog or a lock passes by itself: a sender refused for it (the broker
// says only "not authorized") is told to wait and try again, also a moment
// after the archive has opened again.
TEST_F(ServerApi, MeTellsASenderToRetryWhileTheArchiveCatchesUp) {
    ArchiveStatus archive;
    make_api(settings(), &archive);
    const std::string s = session();
    const auto publish = [&] { return json::parse(api_->me(request("", s)).body).at("publish"); };
    archive.set_closed("the database is too slow", true);
    EXPECT_EQ(publish(),
              json::parse(R"({"allowed":false,"retry":true,)"
                          R"("reason":"the archive is closed: the database is too slow"})"));
    archive.set_open();
    EXPECT_EQ(publish(), json::parse(R"({"allowed":true,"retry":true})"));
    archive.set_closed("no space left on device", false);
    EXPECT_EQ(publish().value("retry", false), false);
}

// A reader given a message live asks for what follows it: the answer waits
// for the archiver instead of a 404.
TEST_F(ServerApi, HistoryAfterAnIdOnItsWayWaitsForTheArchiver) {
    ArchiveStatus archive;
    ApiSettings patient = settings();
    patient.history_wait_ms = 60000;  // never reached: the archiver settles first
    make_api(patient, &archive);
    const std::string s = session();
    post(s, "before");
    archive.note_received(1);  // the archiver holds a message, not committed yet
    ApiResponse answer;
    std::thread reader([&] { answer = history(s, {{"after", "on-its-way"}}); });
    mqchat::Message m;
    m.id = "on-its-way";
    m.user = "bob";
    m.text = "live";
    store_->insert_message("general", m, now_);
    mqchat::Message next = m;
    next.id = "after-it";
    next.text = "next";
    store_->insert_message("general", next, now_);
    archive.note_settled(1);
    reader.join();
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(texts(answer.body), std::vector<std::string>{"next"});
}

TEST_F(ServerApi, HistoryAfterAnUnknownIdIs404AfterTheWait) {
    ArchiveStatus archive;
    ApiSettings quick = settings();
    quick.history_wait_ms = 20;
    make_api(quick, &archive);
    const std::string s = session();
    EXPECT_EQ(history(s, {{"after", "never"}}).status, 404);
}

}  // namespace

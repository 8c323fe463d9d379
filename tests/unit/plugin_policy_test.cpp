// The broker plugin's decisions without a broker: CONNECT checks, the ACL for
// users and the service, the sender check of chat payloads, expiry
// bookkeeping, and reading the options and key files.
#include "plugin/policy.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "plugin/config.hpp"
#include "token/jwt.hpp"

namespace mqchat::plugin {
namespace {

constexpr std::int64_t kNow = 1'750'000'000;
const std::string kKey = "tokenkey-0123456789abcdef0123456789abcdef012345";
const std::string kServiceKey = "servicekey-0123456789abcdef0123456789abcdef0123";

Config config() {
    Config c;
    c.token_key = kKey;
    c.service_key = kServiceKey;
    return c;
}

token::Claims claims(const std::string& sub = "alice") {
    token::Claims c;
    c.sub = sub;
    c.name = "Alice";
    c.jti = "t1";
    c.iat = kNow - 5;
    c.nbf = kNow - 5;
    c.exp = kNow + 900;
    c.acl = {{"allow", "all", "chat/general/messages"}};
    return c;
}

std::string token_for(const token::Claims& c, const std::string& key = kKey) {
    return token::sign(c, key);
}

AuthResult connect(const std::string& user, const std::string& password,
                   const std::string& client_id, const Config& cfg = config()) {
    return authenticate(cfg, user, password, client_id, kNow);
}

Session user_session(std::vector<token::AclEntry> acl = {
                         {"allow", "all", "chat/general/messages"}}) {
    Session s;
    s.role = Role::user;
    s.username = "alice";
    s.client_id = "alice-1";
    s.name = "Alice";
    s.exp = kNow + 900;
    s.acl = std::move(acl);
    return s;
}

Session service_session() {
    Session s;
    s.role = Role::service;
    s.username = std::string(kServiceUser);
    s.client_id = "$mqchatd-archiver";
    return s;
}

Decision subscribe(const Session& s, std::string_view filter, std::int64_t now = kNow) {
    return check_acl(&s, {Access::subscribe, filter, false, {}}, now);
}

Decision read(const Session& s, std::string_view topic, std::int64_t now = kNow) {
    return check_acl(&s, {Access::read, topic, false, {}}, now);
}

Decision write(const Session& s, std::string_view topic, std::string_view payload,
               bool retain = false, std::int64_t now = kNow) {
    return check_acl(&s, {Access::write, topic, retain, payload}, now);
}

const std::string kAlicePayload =
    R"({"id":"01JD5Y6Z3K8Q9W2X7V4T1R0M0N","user":"alice","name":"Alice","text":"hi","timestamp":1732412345678})";
const std::string kGeneral = "chat/general/messages";

// --- CONNECT -----------------------------------------------------------------------

TEST(PluginAuth, AdmitsAValidTokenAndRemembersItsClaims) {
    const AuthResult r = connect("alice", token_for(claims()), "alice-laptop");
    ASSERT_TRUE(r.session) << r.refusal;
    EXPECT_EQ(r.session->role, Role::user);
    EXPECT_EQ(r.session->username, "alice");
    EXPECT_EQ(r.session->client_id, "alice-laptop");
    EXPECT_EQ(r.session->name, "Alice");
    EXPECT_EQ(r.session->exp, kNow + 900);
    EXPECT_EQ(r.session->acl, claims().acl);
    EXPECT_EQ(r.session->sid, "");
}

TEST(PluginAuth, RemembersTheTokensSession) {
    token::Claims c = claims();
    c.sid = "0123456789abcdef0123456789abcdef";
    const AuthResult r = connect("alice", token_for(c), "alice-laptop");
    ASSERT_TRUE(r.session) << r.refusal;
    EXPECT_EQ(r.session->sid, c.sid);
}

TEST(PluginAuth, RefusesNoCredentials) {
    EXPECT_FALSE(authenticate(config(), std::nullopt, std::nullopt, "alice-1", kNow).session);
    EXPECT_FALSE(authenticate(config(), "alice", std::nullopt, "alice-1", kNow).session);
    EXPECT_FALSE(
        authenticate(config(), std::nullopt, token_for(claims()), "alice-1", kNow).session);
    EXPECT_FALSE(connect("", token_for(claims()), "alice-1").session);
    EXPECT_FALSE(connect("alice", "", "alice-1").session);
}

TEST(PluginAuth, RefusesWhatTheTokenLibraryRefuses) {
    token::Claims expired = claims();
    expired.exp = kNow;
    const AuthResult r = connect("alice", token_for(expired), "alice-1");
    EXPECT_FALSE(r.session);
    EXPECT_NE(r.refusal.find("expired"), std::string::npos) << r.refusal;
    EXPECT_FALSE(connect("alice", token_for(claims(), std::string(48, 'w')), "alice-1").session);
    EXPECT_FALSE(connect("alice", "not-a-token", "alice-1").session);
}

TEST(PluginAuth, RefusesAUsernameOtherThanSub) {
    const AuthResult r = connect("bob", token_for(claims("alice")), "bob-1");
    EXPECT_FALSE(r.session);
    EXPECT_NE(r.refusal.find("sub"), std::string::npos) << r.refusal;
}

TEST(PluginAuth, RefusesAClientIdWithoutTheSubPrefix) {
    const std::string t = token_for(claims());
    for (const std::string id : {"bob-1", "alice", "alice1", "xalice-1", "Alice-1", "", "alice_1",
                                 "auto-1234", "$mqchatd-archiver", "alice-"})
        EXPECT_FALSE(connect("alice", t, id).session) << id;
    EXPECT_TRUE(connect("alice", t, "alice-1").session);
    EXPECT_TRUE(connect("alice", t, "alice-tui_01JD5Y6Z.x").session);
}

// Account ids may contain '-': "alice" must not reach into "alice-bob"'s ids.
TEST(PluginAuth, RefusesAClientIdInAnotherAccountsNamespace) {
    EXPECT_FALSE(connect("alice", token_for(claims("alice")), "alice-bob-1").session);
    EXPECT_TRUE(connect("alice-bob", token_for(claims("alice-bob")), "alice-bob-1").session);
}

TEST(PluginAuth, RefusesClientIdsWithWildcardsOrControls) {
    const std::string t = token_for(claims());
    for (const std::string& id :
         std::vector<std::string>{"alice-+", "alice-#", "alice-\n", std::string("alice-\0x", 8),
                                  "alice-\x1b[2J", "alice-\x7f"})
        EXPECT_FALSE(connect("alice", t, id).session) << token::base64url_encode(id);
}

TEST(PluginAuth, RefusesATokenFromAnotherIssuerOrAudience) {
    token::Claims c = claims();
    c.iss = "elsewhere";
    EXPECT_FALSE(connect("alice", token_for(c), "alice-1").session);
    c = claims();
    c.aud = "http";
    EXPECT_FALSE(connect("alice", token_for(c), "alice-1").session);
    Config custom = config();
    custom.issuer = "elsewhere";
    c = claims();
    c.iss = "elsewhere";
    EXPECT_TRUE(connect("alice", token_for(c), "alice-1", custom).session);
}

TEST(PluginAuth, HonoursTheNbfLeeway) {
    token::Claims c = claims();
    c.nbf = kNow + 20;
    c.iat = kNow + 20;
    EXPECT_TRUE(connect("alice", token_for(c), "alice-1").session);
    Config strict = config();
    strict.nbf_leeway = 0;
    EXPECT_FALSE(connect("alice", token_for(c), "alice-1", strict).session);
}

TEST(PluginAuth, AdmitsTheServiceWithItsKey) {
    const AuthResult r = connect("$mqchatd", kServiceKey, "$mqchatd-archiver");
    ASSERT_TRUE(r.session) << r.refusal;
    EXPECT_EQ(r.session->role, Role::service);
    EXPECT_EQ(r.session->username, "$mqchatd");
}

TEST(PluginAuth, RefusesTheServiceWithAWrongKeyOrClientId) {
    EXPECT_FALSE(connect("$mqchatd", kKey, "$mqchatd-archiver").session);
    EXPECT_FALSE(connect("$mqchatd", kServiceKey + "x", "$mqchatd-archiver").session);
    EXPECT_FALSE(connect("$mqchatd", kServiceKey.substr(1), "$mqchatd-archiver").session);
    EXPECT_FALSE(connect("$mqchatd", kServiceKey, "alice-1").session);
    EXPECT_FALSE(connect("$mqchatd", kServiceKey, "$mqchatd").session);
    // A token is no service credential, whatever its sub.
    EXPECT_FALSE(connect("$mqchatd", token_for(claims()), "$mqchatd-1").session);
}

TEST(PluginAuth, RefusesTheServiceWhenNoServiceKeyIsConfigured) {
    Config no_service = config();
    no_service.service_key.clear();
    EXPECT_FALSE(connect("$mqchatd", "", "$mqchatd-archiver", no_service).session);
    EXPECT_FALSE(connect("$mqchatd", kServiceKey, "$mqchatd-archiver", no_service).session);
}

TEST(PluginAuth, RefusalsNeverEchoTheToken) {
    const std::string t = token_for(claims(), std::string(48, 'w'));
    for (const AuthResult& r : {connect("alice", t, "alice-1"), connect("bob", t, "bob-1"),
                                connect("$mqchatd", t, "$mqchatd-1")}) {
        ASSERT_FALSE(r.session);
        EXPECT_EQ(r.refusal.find(t.substr(t.rfind('.') + 1)), std::string::npos) << r.refusal;
        EXPECT_EQ(r.refusal.find(kServiceKey), std::string::npos) << r.refusal;
    }
}

// --- ACL: users ---------------------------------------------------------------------

TEST(PluginAcl, NothingForAConnectionThatWasNotAdmitted) {
    EXPECT_FALSE(check_acl(nullptr, {Access::subscribe, kGeneral, false, {}}, kNow));
    EXPECT_FALSE(check_acl(nullptr, {Access::read, kGeneral, false, {}}, kNow));
    EXPECT_FALSE(check_acl(nullptr, {Access::write, kGeneral, false, kAlicePayload}, kNow));
}

// An offline persistent session: the broker still asks before it queues a
// message, naming the session's user and client id.
Decision offline(Access access, std::string_view topic, std::string_view username,
                 std::string_view client_id) {
    return check_acl(nullptr, {access, topic, false, {}, username, client_id}, kNow);
}

TEST(PluginAcl, TheArchiversOfflineSessionStillCollectsChatMessages) {
    EXPECT_TRUE(offline(Access::read, kGeneral, kServiceUser, "$mqchatd-archiver"));
    EXPECT_TRUE(offline(Access::read, "chat/random/messages", kServiceUser, "$mqchatd-a1b2"));
    EXPECT_FALSE(offline(Access::read, "$mqchatd/control", kServiceUser, "$mqchatd-archiver"));
    EXPECT_FALSE(offline(Access::read, "other/topic", kServiceUser, "$mqchatd-archiver"));
    EXPECT_FALSE(offline(Access::write, kGeneral, kServiceUser, "$mqchatd-archiver"));
    EXPECT_FALSE(offline(Access::subscribe, kGeneral, kServiceUser, "$mqchatd-archiver"));
}

TEST(PluginAcl, NoOtherOfflineSessionGetsMessagesQueued) {
    EXPECT_FALSE(offline(Access::read, kGeneral, "alice", "alice-laptop"));
    EXPECT_FALSE(offline(Access::read, kGeneral, kServiceUser, "alice-laptop"));
    EXPECT_FALSE(offline(Access::read, kGeneral, "alice", "$mqchatd-archiver"));
    EXPECT_FALSE(offline(Access::read, kGeneral, {}, {}));
}

TEST(PluginAcl, UserSubscribesAndReadsExactlyTheAclTopics) {
    const Session s = user_session();
    EXPECT_TRUE(subscribe(s, kGeneral));
    EXPECT_TRUE(read(s, kGeneral));
    EXPECT_FALSE(subscribe(s, "chat/secret/messages"));
    EXPECT_FALSE(read(s, "chat/secret/messages"));
    EXPECT_FALSE(subscribe(s, "chat/general/messages/x"));
    EXPECT_FALSE(subscribe(s, "chat/general"));
    EXPECT_FALSE(subscribe(s, "chat/General/messages"));
    EXPECT_FALSE(subscribe(s, ""));
}

TEST(PluginAcl, UserWildcardsAndDollarTopicsAreRefused) {
    // Even when the acl names the filter literally.
    const Session s = user_session({{"allow", "all", "chat/+/messages"},
                                    {"allow", "all", "#"},
                                    {"allow", "all", "$SYS/#"},
                                    {"allow", "all", "$share/g/chat/general/messages"}});
    for (const char* filter :
         {"chat/+/messages", "#", "chat/#", "+/+/+", "$SYS/#", "$SYS/broker/uptime",
          "$share/g/chat/general/messages", "$share/mqchatd/chat/+/messages"})
        EXPECT_FALSE(subscribe(s, filter)) << filter;
    EXPECT_FALSE(read(s, "$SYS/broker/uptime"));
}

TEST(PluginAcl, ActionsAndDenyEntries) {
    const Session s = user_session({{"allow", "subscribe", "chat/news/messages"},
                                    {"allow", "publish", "chat/drop/messages"},
                                    {"allow", "all", "chat/mixed/messages"},
                                    {"deny", "publish", "chat/mixed/messages"},
                                    {"deny", "all", "chat/gone/messages"},
                                    {"allow", "all", "chat/gone/messages"}});
    EXPECT_TRUE(subscribe(s, "chat/news/messages"));
    EXPECT_FALSE(write(s, "chat/news/messages", kAlicePayload));
    EXPECT_FALSE(subscribe(s, "chat/drop/messages"));
    EXPECT_FALSE(read(s, "chat/drop/messages"));
    EXPECT_TRUE(write(s, "chat/drop/messages", kAlicePayload));
    EXPECT_TRUE(subscribe(s, "chat/mixed/messages"));
    EXPECT_FALSE(write(s, "chat/mixed/messages", kAlicePayload));
    EXPECT_FALSE(subscribe(s, "chat/gone/messages"));  // deny wins whatever the order
    EXPECT_FALSE(write(s, "chat/gone/messages", kAlicePayload));
}

TEST(PluginAcl, UserWritesOnlyAclTopicsAndNeverRetained) {
    const Session s = user_session();
    EXPECT_TRUE(write(s, kGeneral, kAlicePayload));
    EXPECT_FALSE(write(s, kGeneral, kAlicePayload, /*retain=*/true));
    EXPECT_FALSE(write(s, "chat/secret/messages", kAlicePayload));
    EXPECT_FALSE(write(s, "$SYS/broker/x", kAlicePayload));
}

TEST(PluginAcl, ExpiredTokenDeniesEverythingButUnsubscribe) {
    const Session s = user_session();
    const std::int64_t at_exp = s.exp;
    EXPECT_TRUE(subscribe(s, kGeneral, at_exp - 1));
    EXPECT_FALSE(subscribe(s, kGeneral, at_exp));
    EXPECT_FALSE(read(s, kGeneral, at_exp));
    EXPECT_FALSE(write(s, kGeneral, kAlicePayload, false, at_exp));
    EXPECT_FALSE(write(s, kGeneral, kAlicePayload, false, at_exp + 1000));
    EXPECT_TRUE(check_acl(&s, {Access::unsubscribe, kGeneral, false, {}}, at_exp));
}

TEST(PluginAcl, WritesCarryTheSenderCheck) {
    const Session s = user_session();
    EXPECT_FALSE(write(s, kGeneral, R"({"user":"bob","text":"hi"})"));
    EXPECT_FALSE(write(s, kGeneral, "plain text"));
}

// --- ACL: the service ---------------------------------------------------------------

TEST(PluginAcl, ServiceSubscribesToTheArchiveFiltersOnly) {
    const Session s = service_session();
    EXPECT_TRUE(subscribe(s, "$share/mqchatd/chat/+/messages"));
    EXPECT_TRUE(subscribe(s, "chat/+/messages"));
    for (const char* filter : {"#", "$SYS/#", "chat/#", "$share/other/chat/+/messages",
                               "$share/mqchatd/#", "chat/+/+", "other/topic"})
        EXPECT_FALSE(subscribe(s, filter)) << filter;
}

TEST(PluginAcl, OnlyTheServicePublishesOnTheControlTopic) {
    EXPECT_TRUE(write(service_session(), "$mqchatd/control", R"({"kind":"archive","open":true})"));
    EXPECT_FALSE(write(service_session(), "$mqchatd/control", "{}", /*retain=*/true));
    for (const char* topic : {"$mqchatd/control/x", "$mqchatd", "$mqchatd/Control"})
        EXPECT_FALSE(write(service_session(), topic, "{}")) << topic;
    // Not even a token that names it.
    const Session s = user_session({{"allow", "all", "$mqchatd/control"}});
    EXPECT_FALSE(write(s, "$mqchatd/control", R"({"kind":"archive","open":false})"));
}

TEST(PluginAcl, NobodySubscribesToOrReadsTheControlTopic) {
    const Session user = user_session({{"allow", "all", "$mqchatd/control"}});
    for (const Session& s : {user, service_session()}) {
        for (const char* filter : {"$mqchatd/control", "$mqchatd/#", "$mqchatd/+", "+/control", "#",
                                   "+/+", "$share/mqchatd/$mqchatd/control"})
            EXPECT_FALSE(subscribe(s, filter)) << s.username << " " << filter;
        EXPECT_FALSE(read(s, "$mqchatd/control")) << s.username;
    }
}

TEST(PluginAcl, ServiceReadsAndWritesChatTopicsOfValidRooms) {
    const Session s = service_session();
    EXPECT_TRUE(read(s, "chat/any-room.1_x/messages"));
    EXPECT_TRUE(write(s, "chat/general/messages", R"({"user":"bob","text":"via http"})"));
    EXPECT_FALSE(write(s, kGeneral, kAlicePayload, /*retain=*/true));
    for (const char* topic : {"chat//messages", "chat/a/b/messages", "chat/a b/messages",
                              "chat/general", "other", "$SYS/broker/uptime"}) {
        EXPECT_FALSE(read(s, topic)) << topic;
        EXPECT_FALSE(write(s, topic, kAlicePayload)) << topic;
    }
    EXPECT_FALSE(read(s, "chat/" + std::string(65, 'r') + "/messages"));
}

TEST(PluginAcl, ChatTopicShape) {
    EXPECT_TRUE(is_chat_topic("chat/general/messages"));
    EXPECT_TRUE(is_chat_topic("chat/" + std::string(64, 'r') + "/messages"));
    EXPECT_FALSE(is_chat_topic("chat/" + std::string(65, 'r') + "/messages"));
    EXPECT_FALSE(is_chat_topic("chat/messages"));
    EXPECT_FALSE(is_chat_topic("chat//messages"));
    EXPECT_FALSE(is_chat_topic("chat/+/messages"));
    EXPECT_FALSE(is_chat_topic("/chat/general/messages"));
    EXPECT_FALSE(is_chat_topic("chat/general/messages/"));
}

// --- the sender check -----------------------------------------------------------------

TEST(PluginSender, AcceptsTheSendersOwnCanonicalMessage) {
    EXPECT_TRUE(check_sender(user_session(), kGeneral, kAlicePayload));
    EXPECT_TRUE(
        check_sender(user_session(), kGeneral,
                     R"({"id":"x1","user":"alice","text":"waves","timestamp":1,"kind":"me"})"));
}

TEST(PluginSender, RefusesASpoofedUser) {
    const Decision d = check_sender(user_session(), kGeneral,
                                    R"({"id":"x1","user":"bob","name":"Alice","text":"hi"})");
    EXPECT_FALSE(d);
    EXPECT_NE(d.reason.find("bob"), std::string::npos) << d.reason;
    EXPECT_FALSE(check_sender(user_session(), kGeneral, R"({"id":"x1","text":"no user"})"));
    EXPECT_FALSE(check_sender(user_session(), kGeneral, R"({"user":"Alice","text":"case"})"));
}

TEST(PluginSender, RefusesASpoofedName) {
    EXPECT_FALSE(check_sender(user_session(), kGeneral,
                              R"({"id":"x1","user":"alice","name":"Bob","text":"hi"})"));
    Session nameless = user_session();
    nameless.name.clear();
    EXPECT_FALSE(check_sender(nameless, kGeneral,
                              R"({"id":"x1","user":"alice","name":"Alice","text":"hi"})"));
    EXPECT_TRUE(check_sender(nameless, kGeneral, R"({"id":"x1","user":"alice","text":"hi"})"));
}

TEST(PluginSender, RefusesUnreadableAndOtherDialectPayloads) {
    const Session s = user_session();
    for (const std::string& payload :
         {std::string("hello"), std::string(""), std::string("   "),
          std::string("{\"user\":\"alice\"}"), std::string("{\"user\":\"alice\",\"text\":5}"),
          std::string("[]"), std::string("\xff\xfe"),
          "{\"user\":\"alice\",\"text\":\"a" + std::string(1, '\0') + "b\"}",
          std::string(70000, 'x'), std::string(100, '[') + std::string(100, ']')})
        EXPECT_FALSE(check_sender(s, kGeneral, payload)) << payload.substr(0, 40);
}

TEST(PluginSender, ChecksEveryMessageOfAnArray) {
    const Session s = user_session();
    EXPECT_TRUE(
        check_sender(s, kGeneral, R"([{"user":"alice","text":"a"},{"user":"alice","text":"b"}])"));
    EXPECT_FALSE(
        check_sender(s, kGeneral, R"([{"user":"alice","text":"a"},{"user":"bob","text":"b"}])"));
    EXPECT_FALSE(check_sender(s, kGeneral, R"([{"user":"alice","text":"a"},{"nope":1}])"));
}

TEST(PluginSender, ChecksSeed001InteractionMessages) {
    const Session s = user_session();
    EXPECT_FALSE(check_sender(
        s, kGeneral, R"({"user":{"custom_name":"Bob","id":"bob"},"text_message":{"text":"hi"}})"));
    EXPECT_TRUE(check_sender(
        s, kGeneral,
        R"({"user":{"custom_name":"Alice","id":"alice"},"text_message":{"text":"hi"}})"));
}

TEST(PluginSender, OnlyChatTopicsAndOnlyUsersAreChecked) {
    EXPECT_TRUE(check_sender(user_session(), "other/topic", "anything"));
    EXPECT_TRUE(check_sender(service_session(), kGeneral, R"({"user":"bob","text":"hi"})"));
}

TEST(PluginSender, ReasonsAreSafeForALogLine) {
    const Decision d =
        check_sender(user_session(), kGeneral, "{\"user\":\"evil\\u001b[2J\\n\",\"text\":\"x\"}");
    EXPECT_FALSE(d);
    for (const unsigned char c : d.reason)
        EXPECT_TRUE(c >= 0x20 && c < 0x7F) << d.reason;
}

// --- expiry bookkeeping -----------------------------------------------------------------

int handles[8];  // stand-ins for the broker's client pointers

TEST(PluginRegistry, AdmitFindForget) {
    Registry r;
    r.admit(&handles[0], user_session());
    ASSERT_NE(r.find(&handles[0]), nullptr);
    EXPECT_EQ(r.find(&handles[0])->client_id, "alice-1");
    EXPECT_EQ(r.find(&handles[1]), nullptr);
    r.forget(&handles[0]);
    EXPECT_EQ(r.find(&handles[0]), nullptr);
    r.forget(&handles[0]);  // twice is harmless
    EXPECT_EQ(r.size(), 0U);
}

TEST(PluginRegistry, TakesExpiredSessionsInOrderOnce) {
    Registry r;
    Session a = user_session();
    a.client_id = "alice-a";
    a.exp = kNow + 10;
    Session b = user_session();
    b.client_id = "alice-b";
    b.exp = kNow + 5;
    Session c = user_session();
    c.client_id = "alice-c";
    c.exp = kNow + 100;
    r.admit(&handles[0], a);
    r.admit(&handles[1], b);
    r.admit(&handles[2], c);
    r.admit(&handles[3], service_session());
    EXPECT_TRUE(r.take_expired(kNow + 4).empty());
    EXPECT_EQ(r.take_expired(kNow + 5), std::vector<std::string>{"alice-b"});
    EXPECT_EQ(r.find(&handles[1]), nullptr);  // no record: every ACL check now fails
    EXPECT_EQ(r.take_expired(kNow + 50), std::vector<std::string>{"alice-a"});
    EXPECT_TRUE(r.take_expired(kNow + 50).empty());
    EXPECT_EQ(r.size(), 2U);
    EXPECT_TRUE(r.take_expired(INT64_MAX - 1).size() == 1);  // the service never expires
    EXPECT_NE(r.find(&handles[3]), nullptr);
}

TEST(PluginRegistry, AReconnectWithTheSameClientIdReplacesTheOldRecord) {
    Registry r;
    Session old_session = user_session();
    old_session.exp = kNow + 10;
    Session fresh = user_session();
    fresh.exp = kNow + 900;
    r.admit(&handles[0], old_session);
    r.admit(&handles[1], fresh);  // the broker authenticates before dropping the old one
    EXPECT_EQ(r.find(&handles[0]), nullptr);
    r.forget(&handles[0]);  // the old connection's disconnect arrives later
    ASSERT_NE(r.find(&handles[1]), nullptr);
    // The old token's expiry must not kick the new connection.
    EXPECT_TRUE(r.take_expired(kNow + 10).empty());
    EXPECT_EQ(r.take_expired(kNow + 900), std::vector<std::string>{"alice-1"});
}

TEST(PluginRegistry, ReadmittingTheSameHandleReplacesItsRecord) {
    Registry r;
    Session s = user_session();
    s.exp = kNow + 10;
    r.admit(&handles[0], s);
    s.exp = kNow + 20;
    s.client_id = "alice-2";
    r.admit(&handles[0], s);
    EXPECT_EQ(r.size(), 1U);
    EXPECT_TRUE(r.take_expired(kNow + 10).empty());
    EXPECT_EQ(r.take_expired(kNow + 20), std::vector<std::string>{"alice-2"});
}

Session session_of(const std::string& user, const std::string& client_id, const std::string& sid) {
    Session s = user_session();
    s.username = user;
    s.client_id = client_id;
    s.sid = sid;
    return s;
}

std::vector<std::string> ids(const std::vector<Registry::Taken>& taken) {
    std::vector<std::string> out;
    for (const auto& t : taken)
        out.push_back(t.client_id);
    std::sort(out.begin(), out.end());
    return out;
}

TEST(PluginRegistry, TakesTheSessionsOfATokenSession) {
    Registry r;
    r.admit(&handles[0], session_of("alice", "alice-1", "s1"));
    r.admit(&handles[1], session_of("alice", "alice-2", "s1"));
    r.admit(&handles[2], session_of("alice", "alice-3", "s2"));
    r.admit(&handles[3], session_of("alice", "alice-4", ""));
    r.admit(&handles[4], service_session());
    EXPECT_TRUE(r.take_session("").empty());  // no sid: revocable by account only
    EXPECT_EQ(ids(r.take_session("s1")), (std::vector<std::string>{"alice-1", "alice-2"}));
    EXPECT_EQ(r.find(&handles[0]), nullptr);
    EXPECT_TRUE(r.take_session("s1").empty());
    EXPECT_EQ(r.size(), 3U);
    EXPECT_FALSE(r.has_client_id("alice-1"));
    EXPECT_TRUE(r.has_client_id("alice-3"));
}

TEST(PluginRegistry, TakesEveryUserSessionOfAnAccount) {
    Registry r;
    r.admit(&handles[0], session_of("alice", "alice-1", "s1"));
    r.admit(&handles[1], session_of("alice", "alice-2", ""));
    r.admit(&handles[2], session_of("alice-bob", "alice-bob-1", "s3"));
    r.admit(&handles[3], service_session());
    EXPECT_TRUE(r.take_user("$mqchatd").empty());  // the service is no account
    EXPECT_EQ(ids(r.take_user("alice")), (std::vector<std::string>{"alice-1", "alice-2"}));
    EXPECT_TRUE(r.take_session("s1").empty());  // gone from every index
    EXPECT_TRUE(r.take_expired(INT64_MAX - 1) == std::vector<std::string>{"alice-bob-1"});
}

TEST(PluginRegistry, IndexesFollowReplacementsAndForgets) {
    Registry r;
    r.admit(&handles[0], session_of("alice", "alice-1", "s1"));
    r.admit(&handles[1], session_of("alice", "alice-1", "s2"));  // same client id
    r.forget(&handles[0]);                                       // its late disconnect
    EXPECT_TRUE(r.take_session("s1").empty());
    r.admit(&handles[1], session_of("bob", "bob-1", "s3"));  // same handle again
    EXPECT_TRUE(r.take_session("s2").empty());
    EXPECT_TRUE(r.take_user("alice").empty());
    r.forget(&handles[1]);
    EXPECT_TRUE(r.take_user("bob").empty());
    EXPECT_EQ(r.size(), 0U);
}

// --- helpers ------------------------------------------------------------------------------

TEST(PluginLogSafe, KeepsPrintableAsciiOnly) {
    EXPECT_EQ(log_safe("alice-1"), "alice-1");
    EXPECT_EQ(log_safe("a\nb\x1b[2Jc\xc3\xa9"), "a?b?[2Jc??");
    EXPECT_EQ(log_safe(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
}

TEST(PluginSecretEquals, ComparesWholeSecrets) {
    EXPECT_TRUE(secret_equals(kServiceKey, kServiceKey));
    EXPECT_FALSE(secret_equals(kServiceKey, kServiceKey + "x"));
    EXPECT_FALSE(secret_equals(kServiceKey, kKey));
    EXPECT_FALSE(secret_equals("", "x"));
    EXPECT_TRUE(secret_equals("", ""));
}

// --- options and key files -----------------------------------------------------------------

class PluginConfig : public testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("mqchat-plugin-config-" + std::to_string(::getpid()) + "-" +
                testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& content, mode_t mode = 0600) {
        const std::string path = (dir_ / name).string();
        std::ofstream(path, std::ios::binary) << content;
        ::chmod(path.c_str(), mode);
        return path;
    }

    std::filesystem::path dir_;
};

TEST_F(PluginConfig, ReadsBothKeysTrimmingTrailingWhiteSpace) {
    const auto loaded =
        load_config({{"key_file", write("token.key", kKey + "\n")},
                     {"service_key_file", write("service.key", kServiceKey + " \r\n\t")},
                     {"issuer", "iss2"},
                     {"audience", "aud2"},
                     {"nbf_leeway", "10"}});
    ASSERT_TRUE(std::holds_alternative<Config>(loaded)) << std::get<std::string>(loaded);
    const Config& c = std::get<Config>(loaded);
    EXPECT_EQ(c.token_key, kKey);
    EXPECT_EQ(c.service_key, kServiceKey);
    EXPECT_EQ(c.issuer, "iss2");
    EXPECT_EQ(c.audience, "aud2");
    EXPECT_EQ(c.nbf_leeway, 10);
}

TEST_F(PluginConfig, DefaultsAndNoServiceKey) {
    const auto loaded = load_config({{"key_file", write("token.key", kKey)}});
    ASSERT_TRUE(std::holds_alternative<Config>(loaded)) << std::get<std::string>(loaded);
    const Config& c = std::get<Config>(loaded);
    EXPECT_EQ(c.issuer, "mqchatd");
    EXPECT_EQ(c.audience, "mqtt");
    EXPECT_EQ(c.nbf_leeway, 30);
    EXPECT_TRUE(c.service_key.empty());
    EXPECT_EQ(c.user_rate.per_second, 100);
    EXPECT_EQ(c.user_rate.burst, 2000);
}

TEST_F(PluginConfig, ReadsThePublishRate) {
    const auto loaded = load_config(
        {{"key_file", write("token.key", kKey)}, {"user_rate", "0"}, {"user_burst", "1000000"}});
    ASSERT_TRUE(std::holds_alternative<Config>(loaded)) << std::get<std::string>(loaded);
    EXPECT_EQ(std::get<Config>(loaded).user_rate.per_second, 0);
    EXPECT_EQ(std::get<Config>(loaded).user_rate.burst, 1'000'000);
}

TEST_F(PluginConfig, RefusesMissingOrWeakKeys) {
    const std::string good = write("token.key", kKey);
    const std::vector<Options> bad = {
        {},
        {{"key_file", (dir_ / "missing.key").string()}},
        {{"key_file", write("short.key", std::string(31, 'k') + "\n\n\n")}},
        {{"key_file", write("empty.key", "")}},
        {{"key_file", write("open.key", kKey, 0644)}},
        {{"key_file", write("group.key", kKey, 0640)}},
        {{"key_file", dir_.string()}},
        {{"key_file", good}, {"service_key_file", write("short-service.key", "abc")}},
        {{"key_file", good}, {"service_key_file", (dir_ / "missing.key").string()}},
        {{"key_file", write("huge.key", std::string(5000, 'k'))}},
    };
    for (const Options& options : bad) {
        const auto loaded = load_config(options);
        ASSERT_TRUE(std::holds_alternative<std::string>(loaded))
            << (options.empty() ? "" : options[0].second);
        const std::string& why = std::get<std::string>(loaded);
        EXPECT_FALSE(why.empty());
        EXPECT_EQ(why.find(kKey), std::string::npos);
    }
}

TEST_F(PluginConfig, RefusesUnknownOptionsAndBadValues) {
    const std::string key = write("token.key", kKey);
    for (const Options& options :
         std::vector<Options>{{{"key_file", key}, {"keyfile", key}},
                              {{"key_file", key}, {"nbf_leeway", "61"}},
                              {{"key_file", key}, {"nbf_leeway", "-1"}},
                              {{"key_file", key}, {"nbf_leeway", "10s"}},
                              {{"key_file", key}, {"nbf_leeway", ""}},
                              {{"key_file", key}, {"issuer", ""}},
                              {{"key_file", key}, {"audience", ""}},
                              {{"key_file", key}, {"user_rate", "-1"}},
                              {{"key_file", key}, {"user_rate", "1e3"}},
                              {{"key_file", key}, {"user_rate", "1000001"}},
                              {{"key_file", key}, {"user_burst", "0"}},
                              {{"key_file", key}, {"user_burst", " 5"}},
                              {{"key_file", key}, {"archive_gate", "1"}}})
        EXPECT_TRUE(std::holds_alternative<std::string>(load_config(options)))
            << options.back().first << "=" << options.back().second;
}

}  // namespace
}  // namespace mqchat::plugin

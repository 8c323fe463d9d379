// The HS256 token library: sign/verify round trips and every refusal a broker
// must make (algorithm confusion, bad keys and encodings, time claims, iss,
// aud, sub, acl, oversized and deeply nested input).
#include "token/jwt.hpp"

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <limits>

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace mqchat::token {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1'750'000'000;
const std::string kKey = "k3y-0123456789abcdef0123456789abcdef0123456789ab";  // 48 bytes
const std::string kOtherKey = "other-0123456789abcdef0123456789abcdef0123456789";

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int len = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
    return std::string(reinterpret_cast<const char*>(out.data()), len);
}

// A compact JWS with any header and claims text, signed with HMAC-SHA256
// (or `md`) so only the property under test is wrong.
std::string raw_token(const std::string& header, const std::string& claims,
                      std::string_view key = kKey, const EVP_MD* md = EVP_sha256()) {
    const std::string input = base64url_encode(header) + "." + base64url_encode(claims);
    return input + "." + base64url_encode(hmac(md, key, input));
}

const std::string kHeader = R"({"alg":"HS256","typ":"JWT"})";

json good_claims() {
    return {
        {"sub", "alice"},
        {"name", "Alice"},
        {"iat", kNow - 10},
        {"nbf", kNow - 10},
        {"exp", kNow + 900},
        {"jti", "t-1"},
        {"iss", "mqchatd"},
        {"aud", "mqtt"},
        {"acl",
         json::array(
             {{{"permission", "allow"}, {"action", "all"}, {"topic", "chat/general/messages"}}})}};
}

VerifyOptions at(std::int64_t now) {
    VerifyOptions o;
    o.now = now;
    return o;
}

Verified check(const std::string& token, std::string_view key = kKey) {
    return verify(token, key, at(kNow));
}

Verified check_claims(const json& claims) {
    return check(raw_token(kHeader, claims.dump()));
}

Claims sample() {
    Claims c;
    c.sub = "alice";
    c.name = "Alice";
    c.jti = "t-1";
    c.iat = kNow - 10;
    c.nbf = kNow - 10;
    c.exp = kNow + 900;
    c.acl = {{"allow", "all", "chat/general/messages"}, {"deny", "publish", "chat/ro/messages"}};
    return c;
}

testing::AssertionResult refused(const Verified& v) {
    if (v.claims) return testing::AssertionFailure() << "was accepted";
    if (v.error.empty()) return testing::AssertionFailure() << "refused without a reason";
    return testing::AssertionSuccess() << v.error;
}

testing::AssertionResult accepted(const Verified& v) {
    if (!v.claims) return testing::AssertionFailure() << "refused: " << v.error;
    return testing::AssertionSuccess();
}

// --- round trip ---------------------------------------------------------------

TEST(JwtSign, RoundTripKeepsEveryClaim) {
    const Verified v = check(sign(sample(), kKey));
    ASSERT_TRUE(v.claims) << v.error;
    const Claims& c = *v.claims;
    EXPECT_EQ(c.sub, "alice");
    EXPECT_EQ(c.name, "Alice");
    EXPECT_EQ(c.jti, "t-1");
    EXPECT_EQ(c.iss, "mqchatd");
    EXPECT_EQ(c.aud, "mqtt");
    EXPECT_EQ(c.iat, kNow - 10);
    EXPECT_EQ(c.nbf, kNow - 10);
    EXPECT_EQ(c.exp, kNow + 900);
    EXPECT_EQ(c.acl, sample().acl);
}

TEST(JwtSign, ProducesAnHs256CompactJws) {
    const std::string t = sign(sample(), kKey);
    ASSERT_EQ(std::count(t.begin(), t.end(), '.'), 2);
    const auto header = base64url_decode(t.substr(0, t.find('.')));
    ASSERT_TRUE(header);
    const json h = json::parse(*header);
    EXPECT_EQ(h.at("alg"), "HS256");
    EXPECT_EQ(h.at("typ"), "JWT");
    EXPECT_EQ(t.find_first_of("+/= \n"), std::string::npos);
}

TEST(JwtSign, SameClaimsSameToken) {
    EXPECT_EQ(sign(sample(), kKey), sign(sample(), kKey));
    EXPECT_NE(sign(sample(), kKey), sign(sample(), kOtherKey));
}

TEST(JwtSign, RefusesAShortKey) {
    EXPECT_THROW(sign(sample(), std::string(31, 'k')), std::invalid_argument);
    EXPECT_THROW(sign(sample(), ""), std::invalid_argument);
    EXPECT_NO_THROW(sign(sample(), std::string(32, 'k')));
}

TEST(JwtVerify, AcceptsTheReferenceClaims) {
    EXPECT_TRUE(accepted(check_claims(good_claims())));
}

TEST(JwtVerify, AcceptsAMissingTyp) {
    EXPECT_TRUE(accepted(check(raw_token(R"({"alg":"HS256"})", good_claims().dump()))));
}

TEST(JwtVerify, AcceptsAnAbsentAclAsEmpty) {
    json c = good_claims();
    c.erase("acl");
    const Verified v = check_claims(c);
    ASSERT_TRUE(v.claims) << v.error;
    EXPECT_TRUE(v.claims->acl.empty());
}

// --- the header -----------------------------------------------------------------

TEST(JwtVerify, RefusesAlgNoneWithoutSignature) {
    const std::string input = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                              base64url_encode(good_claims().dump());
    EXPECT_TRUE(refused(check(input + ".")));
    EXPECT_TRUE(refused(check(input)));
}

TEST(JwtVerify, RefusesAlgNoneEvenWhenSigned) {
    EXPECT_TRUE(refused(check(raw_token(R"({"alg":"none"})", good_claims().dump()))));
    EXPECT_TRUE(refused(check(raw_token(R"({"alg":"None"})", good_claims().dump()))));
}

TEST(JwtVerify, RefusesHs512) {
    EXPECT_TRUE(refused(check(
        raw_token(R"({"alg":"HS512","typ":"JWT"})", good_claims().dump(), kKey, EVP_sha512()))));
    // An HS512 label on an HS256 signature: the label alone decides nothing.
    EXPECT_TRUE(refused(check(raw_token(R"({"alg":"HS512","typ":"JWT"})", good_claims().dump()))));
}

TEST(JwtVerify, RefusesRs256) {
    // Key confusion: a "public key" used as the HMAC secret must not pass.
    EXPECT_TRUE(refused(check(raw_token(R"({"alg":"RS256","typ":"JWT"})", good_claims().dump()))));
}

TEST(JwtVerify, RefusesMissingOrOddAlg) {
    EXPECT_TRUE(refused(check(raw_token(R"({"typ":"JWT"})", good_claims().dump()))));
    EXPECT_TRUE(refused(check(raw_token(R"({"alg":"hs256"})", good_claims().dump()))));
    EXPECT_TRUE(refused(check(raw_token(R"({"alg":["HS256"]})", good_claims().dump()))));
    EXPECT_TRUE(refused(check(raw_token(R"({"alg":null})", good_claims().dump()))));
    EXPECT_TRUE(refused(check(raw_token(R"({"alg":"HS256 "})", good_claims().dump()))));
}

TEST(JwtVerify, RefusesACritHeader) {
    EXPECT_TRUE(refused(
        check(raw_token(R"({"alg":"HS256","crit":["exp"],"exp":1})", good_claims().dump()))));
    EXPECT_TRUE(refused(check(raw_token(R"({"alg":"HS256","crit":[]})", good_claims().dump()))));
}

TEST(JwtVerify, RefusesAnotherTyp) {
    EXPECT_TRUE(
        refused(check(raw_token(R"({"alg":"HS256","typ":"at+jwt"})", good_claims().dump()))));
    EXPECT_TRUE(refused(check(raw_token(R"({"alg":"HS256","typ":1})", good_claims().dump()))));
}

TEST(JwtVerify, RefusesAHeaderThatIsNotAnObject) {
    EXPECT_TRUE(refused(check(raw_token(R"(["HS256"])", good_claims().dump()))));
    EXPECT_TRUE(refused(check(raw_token("HS256", good_claims().dump()))));
    EXPECT_TRUE(refused(check(raw_token("", good_claims().dump()))));
}

// --- keys and signatures ------------------------------------------------------------

TEST(JwtVerify, RefusesTheWrongKey) {
    EXPECT_TRUE(refused(check(sign(sample(), kOtherKey))));
    EXPECT_TRUE(refused(check(sign(sample(), kKey), kOtherKey)));
}

TEST(JwtVerify, RefusesAShortVerificationKey) {
    const std::string short_key(31, 'k');
    // Signed and checked with the same short key: still refused.
    EXPECT_TRUE(
        refused(verify(raw_token(kHeader, good_claims().dump(), short_key), short_key, at(kNow))));
    EXPECT_TRUE(refused(verify(sign(sample(), kKey), "", at(kNow))));
}

TEST(JwtVerify, RefusesATamperedPayload) {
    const std::string t = sign(sample(), kKey);
    json c = good_claims();
    c["sub"] = "mallory";
    const auto dot1 = t.find('.');
    const auto dot2 = t.find('.', dot1 + 1);
    const std::string forged = t.substr(0, dot1 + 1) + base64url_encode(c.dump()) + t.substr(dot2);
    EXPECT_TRUE(refused(check(forged)));
}

TEST(JwtVerify, RefusesATruncatedOrEmptySignature) {
    const std::string t = sign(sample(), kKey);
    EXPECT_TRUE(refused(check(t.substr(0, t.size() - 2))));
    EXPECT_TRUE(refused(check(t.substr(0, t.rfind('.') + 1))));
    EXPECT_TRUE(refused(check(t + "AA")));
}

// --- encoding and shape ---------------------------------------------------------------

TEST(JwtVerify, RefusesStandardBase64AndPadding) {
    const std::string t = sign(sample(), kKey);
    const auto dot2 = t.rfind('.');
    // Standard-alphabet characters and '=' padding are not base64url.
    EXPECT_TRUE(refused(check(t + "=")));
    EXPECT_TRUE(refused(check(t + "==")));
    std::string plus = t;
    plus[dot2 + 1] = '+';
    EXPECT_TRUE(refused(check(plus)));
    std::string slash = t;
    slash[dot2 + 1] = '/';
    EXPECT_TRUE(refused(check(slash)));
    // A padded header segment.
    const std::string padded = base64url_encode(kHeader) + "=";
    EXPECT_TRUE(refused(check(padded + t.substr(t.find('.')))));
}

TEST(JwtVerify, RefusesWhiteSpaceAndJunk) {
    const std::string t = sign(sample(), kKey);
    EXPECT_TRUE(refused(check(" " + t)));
    EXPECT_TRUE(refused(check(t + "\n")));
    EXPECT_TRUE(refused(check(t.substr(0, 10) + " " + t.substr(10))));
    EXPECT_TRUE(refused(check(std::string(t).insert(5, std::string(1, '\0')))));
    EXPECT_TRUE(refused(check("not a token")));
    EXPECT_TRUE(refused(check("")));
}

TEST(JwtVerify, RefusesAnImpossibleBase64Length) {
    // 4n+1 characters cannot encode whole bytes.
    const std::string t = sign(sample(), kKey);
    const auto dot1 = t.find('.');
    std::string header = t.substr(0, dot1);
    while (header.size() % 4 != 1)
        header += 'A';
    EXPECT_TRUE(refused(check(header + t.substr(dot1))));
}

TEST(JwtBase64url, RoundTripsEveryLength) {
    std::string bytes;
    for (int i = 0; i < 40; ++i) {
        const auto back = base64url_decode(base64url_encode(bytes));
        ASSERT_TRUE(back) << i;
        EXPECT_EQ(*back, bytes);
        bytes += static_cast<char>(i * 37 + 200);
    }
}

TEST(JwtBase64url, RefusesNonCanonicalTrailingBits) {
    EXPECT_EQ(base64url_decode("QQ"), std::optional<std::string>("A"));
    EXPECT_FALSE(base64url_decode("QR"));  // same byte, stray low bits
    EXPECT_FALSE(base64url_decode("QQ=="));
    EXPECT_FALSE(base64url_decode("Q"));
}

TEST(JwtVerify, RefusesTwoOrFourSegments) {
    const std::string t = sign(sample(), kKey);
    EXPECT_TRUE(refused(check(t.substr(0, t.rfind('.')))));  // header.payload
    EXPECT_TRUE(refused(check(t + "." + t.substr(t.rfind('.') + 1))));
    EXPECT_TRUE(refused(check(t + ".")));
    EXPECT_TRUE(refused(check("." + t)));
    EXPECT_TRUE(refused(check("..")));
    EXPECT_TRUE(refused(check("a.b")));
}

TEST(JwtVerify, RefusesAHugeToken) {
    json c = good_claims();
    c["name"] = std::string(kMaxTokenBytes, 'x');
    EXPECT_TRUE(refused(check_claims(c)));
    EXPECT_TRUE(refused(check(std::string(1 << 20, 'A'))));
}

TEST(JwtVerify, RefusesDeepJsonNesting) {
    json c = good_claims();
    std::string deep = "1";
    for (int i = 0; i < 20; ++i)
        deep = "[" + deep + "]";
    std::string text = c.dump();
    text.insert(1, "\"x\":" + deep + ",");
    EXPECT_TRUE(refused(check(raw_token(kHeader, text))));
    std::string very_deep(100000, '[');
    EXPECT_TRUE(refused(check(raw_token(kHeader, very_deep))));
    EXPECT_TRUE(refused(check(raw_token("{\"alg\":\"HS256\",\"x\":" + deep + "}", c.dump()))));
}

TEST(JwtVerify, ToleratesBracketsInsideStrings) {
    json c = good_claims();
    c["name"] = std::string(50, '[') + "\\\"{" + std::string(50, '{');
    EXPECT_TRUE(accepted(check_claims(c)));
}

TEST(JwtVerify, RefusesClaimsThatAreNotAnObject) {
    EXPECT_TRUE(refused(check(raw_token(kHeader, "[]"))));
    EXPECT_TRUE(refused(check(raw_token(kHeader, "\"alice\""))));
    EXPECT_TRUE(refused(check(raw_token(kHeader, good_claims().dump() + "x"))));
    EXPECT_TRUE(refused(check(raw_token(kHeader, ""))));
}

// --- time claims ------------------------------------------------------------------------

TEST(JwtVerify, ExpiryIsExactToTheSecond) {
    json c = good_claims();
    c["exp"] = kNow;  // exp == now: expired
    EXPECT_TRUE(refused(check_claims(c)));
    c["exp"] = kNow - 1;
    EXPECT_TRUE(refused(check_claims(c)));
    c["exp"] = kNow + 1;
    EXPECT_TRUE(accepted(check_claims(c)));
}

TEST(JwtVerify, RefusesALifetimeBeyondADay) {
    json c = good_claims();
    c["exp"] = kNow + kMaxTokenLifetime;
    EXPECT_TRUE(accepted(check_claims(c)));
    c["exp"] = kNow + 10 * 365 * 86400LL;
    EXPECT_TRUE(refused(check_claims(c)));
    c["exp"] = std::numeric_limits<std::int64_t>::max();
    EXPECT_TRUE(refused(check_claims(c)));
}

TEST(JwtVerify, RefusesAMissingExp) {
    json c = good_claims();
    c.erase("exp");
    EXPECT_TRUE(refused(check_claims(c)));
}

TEST(JwtVerify, RefusesAFloatExp) {
    json c = good_claims();
    c["exp"] = static_cast<double>(kNow + 900);
    EXPECT_TRUE(refused(check_claims(c)));
    EXPECT_TRUE(refused(check(
        raw_token(kHeader, R"({"sub":"alice","exp":1750000900.5,"iss":"mqchatd","aud":"mqtt"})"))));
    EXPECT_TRUE(refused(check(
        raw_token(kHeader, R"({"sub":"alice","exp":1.7500009e9,"iss":"mqchatd","aud":"mqtt"})"))));
}

TEST(JwtVerify, RefusesAStringOrOtherExp) {
    json c = good_claims();
    c["exp"] = std::to_string(kNow + 900);
    EXPECT_TRUE(refused(check_claims(c)));
    for (const json& bad : {json(true), json(nullptr), json::array({kNow + 900}), json::object()}) {
        c["exp"] = bad;
        EXPECT_TRUE(refused(check_claims(c))) << bad.dump();
    }
}

TEST(JwtVerify, RefusesAnExpBeyondInt64) {
    EXPECT_TRUE(refused(check(raw_token(
        kHeader, R"({"sub":"alice","exp":18446744073709551615,"iss":"mqchatd","aud":"mqtt"})"))));
    EXPECT_TRUE(refused(
        check(raw_token(kHeader, R"({"sub":"alice","exp":1e400,"iss":"mqchatd","aud":"mqtt"})"))));
}

TEST(JwtVerify, NbfInTheFutureBeyondTheLeewayIsRefused) {
    json c = good_claims();
    c["iat"] = kNow;
    c["nbf"] = kNow + 31;  // default leeway 30 s
    EXPECT_TRUE(refused(check_claims(c)));
    c["nbf"] = kNow + 3600;
    EXPECT_TRUE(refused(check_claims(c)));
}

TEST(JwtVerify, NbfWithinTheLeewayIsAccepted) {
    json c = good_claims();
    c["nbf"] = kNow + 30;
    c["iat"] = kNow + 30;
    EXPECT_TRUE(accepted(check_claims(c)));
    VerifyOptions strict = at(kNow);
    strict.nbf_leeway = 0;
    EXPECT_TRUE(refused(verify(raw_token(kHeader, c.dump()), kKey, strict)));
}

TEST(JwtVerify, RefusesANonIntegerNbfOrIat) {
    json c = good_claims();
    c["nbf"] = "0";
    EXPECT_TRUE(refused(check_claims(c)));
    c = good_claims();
    c["iat"] = 1.5;
    EXPECT_TRUE(refused(check_claims(c)));
}

TEST(JwtVerify, RefusesAnIatFarInTheFuture) {
    json c = good_claims();
    c["iat"] = kNow + 3600;
    EXPECT_TRUE(refused(check_claims(c)));
}

// --- iss, aud, sub -----------------------------------------------------------------------

TEST(JwtVerify, RefusesTheWrongIssuer) {
    json c = good_claims();
    c["iss"] = "someone-else";
    EXPECT_TRUE(refused(check_claims(c)));
    c["iss"] = json::array({"mqchatd"});
    EXPECT_TRUE(refused(check_claims(c)));
    c.erase("iss");
    EXPECT_TRUE(refused(check_claims(c)));
}

TEST(JwtVerify, RefusesTheWrongAudienceString) {
    json c = good_claims();
    c["aud"] = "http";
    EXPECT_TRUE(refused(check_claims(c)));
    c["aud"] = "MQTT";
    EXPECT_TRUE(refused(check_claims(c)));
    c.erase("aud");
    EXPECT_TRUE(refused(check_claims(c)));
    c["aud"] = 1;
    EXPECT_TRUE(refused(check_claims(c)));
}

TEST(JwtVerify, AudienceArraysMustNameUs) {
    json c = good_claims();
    c["aud"] = json::array({"http", "api"});
    EXPECT_TRUE(refused(check_claims(c)));
    c["aud"] = json::array();
    EXPECT_TRUE(refused(check_claims(c)));
    c["aud"] = json::array({"http", "mqtt"});
    EXPECT_TRUE(accepted(check_claims(c)));
}

TEST(JwtVerify, IssuerAndAudienceFollowTheOptions) {
    json c = good_claims();
    c["iss"] = "other";
    c["aud"] = "broker";
    VerifyOptions o = at(kNow);
    o.issuer = "other";
    o.audience = "broker";
    EXPECT_TRUE(accepted(verify(raw_token(kHeader, c.dump()), kKey, o)));
    EXPECT_TRUE(refused(check_claims(c)));
}

TEST(JwtVerify, RefusesABadSub) {
    for (const json& sub : {json("Alice"), json(""), json("$mqchatd"), json("a/b"), json("a+b"),
                            json("a#"), json("-alice"), json(".alice"), json("al ice"),
                            json(std::string(65, 'a')), json(42), json(nullptr)}) {
        json c = good_claims();
        c["sub"] = sub;
        EXPECT_TRUE(refused(check_claims(c))) << sub.dump();
    }
    json c = good_claims();
    c.erase("sub");
    EXPECT_TRUE(refused(check_claims(c)));
}

TEST(JwtVerify, RefusesANonStringNameOrJti) {
    json c = good_claims();
    c["name"] = 1;
    EXPECT_TRUE(refused(check_claims(c)));
    c = good_claims();
    c["jti"] = json::array();
    EXPECT_TRUE(refused(check_claims(c)));
}

// --- sid -----------------------------------------------------------------------------------

TEST(JwtSid, RoundTripsWhenPresentAndIsLeftOutWhenEmpty) {
    Claims with = sample();
    with.sid = "0123456789abcdef0123456789abcdef";
    const Verified v = check(sign(with, kKey));
    ASSERT_TRUE(v.claims) << v.error;
    EXPECT_EQ(v.claims->sid, with.sid);

    const std::string without = sign(sample(), kKey);
    const auto payload = base64url_decode(
        without.substr(without.find('.') + 1, without.rfind('.') - without.find('.') - 1));
    ASSERT_TRUE(payload);
    EXPECT_FALSE(json::parse(*payload).contains("sid"));
    const Verified v2 = check(without);
    ASSERT_TRUE(v2.claims) << v2.error;
    EXPECT_EQ(v2.claims->sid, "");
}

TEST(JwtSid, AcceptsAnyStringOfOneTo64Bytes) {
    for (const std::string& sid : {std::string("a"), std::string(64, 'f'),
                                   std::string("0123456789abcdef0123456789abcdef")}) {
        json c = good_claims();
        c["sid"] = sid;
        const Verified v = check_claims(c);
        EXPECT_TRUE(accepted(v)) << sid;
        if (v.claims) {
            EXPECT_EQ(v.claims->sid, sid);
        }
    }
}

TEST(JwtSid, RefusesASidThatIsNotAShortString) {
    for (const json& sid : {json(""), json(std::string(65, 'a')), json(42), json(nullptr),
                            json::array({"abc"}), json::object(), json(true)}) {
        json c = good_claims();
        c["sid"] = sid;
        const Verified v = check_claims(c);
        EXPECT_TRUE(refused(v)) << sid.dump();
        EXPECT_NE(v.error.find("sid"), std::string::npos) << v.error;
    }
}

// --- acl -----------------------------------------------------------------------------------

TEST(JwtVerify, RefusesAMalformedAcl) {
    const json entry = {{"permission", "allow"}, {"action", "all"}, {"topic", "chat/a/messages"}};
    std::vector<json> bad_acls = {
        json("chat/general/messages"),
        json::object(),
        json::array({"chat/general/messages"}),
        json::array({json::object()}),
        json::array({{{"permission", "allow"}, {"action", "all"}}}),
        json::array({{{"permission", "maybe"}, {"action", "all"}, {"topic", "t"}}}),
        json::array({{{"permission", "allow"}, {"action", "read"}, {"topic", "t"}}}),
        json::array({{{"permission", "allow"}, {"action", "all"}, {"topic", ""}}}),
        json::array({{{"permission", "allow"}, {"action", "all"}, {"topic", 5}}}),
        json::array(
            {{{"permission", "allow"}, {"action", "all"}, {"topic", std::string(257, 't')}}}),
        json::array({entry, 7}),
    };
    json too_many = json::array();
    for (int i = 0; i < 1001; ++i)
        too_many.push_back(entry);
    bad_acls.push_back(too_many);
    for (const json& acl : bad_acls) {
        json c = good_claims();
        c["acl"] = acl;
        EXPECT_TRUE(refused(check_claims(c))) << acl.dump().substr(0, 120);
    }
}

TEST(JwtVerify, KeepsDenyAndActionEntries) {
    json c = good_claims();
    c["acl"] = json::array({{{"permission", "deny"}, {"action", "subscribe"}, {"topic", "x"}},
                            {{"permission", "allow"}, {"action", "publish"}, {"topic", "y"}}});
    const Verified v = check_claims(c);
    ASSERT_TRUE(v.claims) << v.error;
    ASSERT_EQ(v.claims->acl.size(), 2U);
    EXPECT_EQ(v.claims->acl[0], (AclEntry{"deny", "subscribe", "x"}));
    EXPECT_EQ(v.claims->acl[1], (AclEntry{"allow", "publish", "y"}));
}

TEST(JwtVerify, ErrorsNeverEchoTheToken) {
    const std::string t = sign(sample(), kOtherKey);
    const Verified v = check(t);
    ASSERT_FALSE(v.claims);
    EXPECT_EQ(v.error.find(t.substr(t.rfind('.') + 1)), std::string::npos);
    EXPECT_EQ(v.error.find('\n'), std::string::npos);
}

TEST(JwtAccountId, FollowsTheAccountIdRules) {
    EXPECT_TRUE(is_valid_account_id("alice"));
    EXPECT_TRUE(is_valid_account_id("a.b-c_d9"));
    EXPECT_TRUE(is_valid_account_id("0day"));
    EXPECT_TRUE(is_valid_account_id(std::string(64, 'a')));
    EXPECT_FALSE(is_valid_account_id(std::string(65, 'a')));
    EXPECT_FALSE(is_valid_account_id(""));
    EXPECT_FALSE(is_valid_account_id("Alice"));
    EXPECT_FALSE(is_valid_account_id("$mqchatd"));
    EXPECT_FALSE(is_valid_account_id("_x"));
    EXPECT_FALSE(is_valid_account_id("a b"));
}

}  // namespace
}  // namespace mqchat::token

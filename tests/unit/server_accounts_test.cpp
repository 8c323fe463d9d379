// Accounts: email rules, ids derived from emails, display names, password
// hashing and the add flow behind `mqchatd user add`.
#include <gtest/gtest.h>

#include <set>

#include "server/accounts.hpp"
#include "server/passwords.hpp"
#include "server_scratch.hpp"
#include "token/jwt.hpp"

namespace {

using namespace mqchat::server;

TEST(ServerAccountsEmail, NormalizedByTrimmingAndLowercasing) {
    EXPECT_EQ(normalize_email("  Alice.Smith@Example.ORG \n"), "alice.smith@example.org");
    EXPECT_EQ(normalize_email("   "), "");
}

TEST(ServerAccountsEmail, NeedsOneAtWithBothSides) {
    EXPECT_EQ(email_problem("alice@example.org"), "");
    EXPECT_EQ(email_problem("a@b"), "");
    for (const char* bad : {"", "alice", "@example.org", "alice@", "a@b@c", "al ice@x.org",
                            "alice@x\n.org", "\"alice\"@x.org"})
        EXPECT_NE(email_problem(bad), "") << bad;
    EXPECT_NE(email_problem(std::string(250, 'a') + "@x.org"), "");
}

TEST(ServerAccountsId, DerivedFromTheLocalPart) {
    EXPECT_EQ(base_account_id("alice@example.org"), "alice");
    EXPECT_EQ(base_account_id("Alice.Smith@example.org"), "alice.smith");
    EXPECT_EQ(base_account_id("bob+chat@example.org"), "bob");  // the +tag is no part of it
    EXPECT_EQ(base_account_id("Alice.Smith+chat+x@example.org"), "alice.smith");
    EXPECT_EQ(base_account_id("o'neil_x-y@example.org"), "oneil_x-y");
    EXPECT_EQ(base_account_id("..-_zoe@example.org"), "zoe");  // must start alphanumeric
    EXPECT_EQ(base_account_id("jürgen@example.org"), "jrgen");
}

TEST(ServerAccountsId, NeverEmptyNeverReservedAlwaysValid) {
    EXPECT_EQ(base_account_id("+++@example.org"), "user");
    EXPECT_EQ(base_account_id("ünï@example.org"), "n");
    EXPECT_EQ(base_account_id("mqchatd@example.org"), "u-mqchatd");
    EXPECT_EQ(base_account_id("MQCHATD-admin@example.org"), "u-mqchatd-admin");
    const std::string longest = base_account_id(std::string(200, 'a') + "@example.org");
    EXPECT_LE(longest.size(), 56U);
    for (const char* email : {"+++@x", "mqchatd@x", "a@x", "ÄÖÜ@x", "9lives@x", "x.y.z@x"})
        EXPECT_TRUE(mqchat::token::is_valid_account_id(base_account_id(email))) << email;
    EXPECT_TRUE(mqchat::token::is_valid_account_id(longest + "999"));
}

TEST(ServerAccountsId, MadeUniqueWithANumericSuffix) {
    std::set<std::string> taken = {"alice", "alice2"};
    const auto is_taken = [&](const std::string& id) { return taken.count(id) > 0; };
    EXPECT_EQ(unique_account_id("alice@other.org", is_taken), "alice3");
    EXPECT_EQ(unique_account_id("bob@other.org", is_taken), "bob");
}

TEST(ServerAccountsName, PrintableAndBounded) {
    EXPECT_EQ(display_name_problem("Alice"), "");
    EXPECT_EQ(display_name_problem("Zoë ✓ 日本"), "");
    EXPECT_NE(display_name_problem(""), "");
    EXPECT_NE(display_name_problem(std::string(65, 'a')), "");
    EXPECT_NE(display_name_problem("evil\x1b[31m"), "");
    EXPECT_NE(display_name_problem("two\nlines"), "");
    EXPECT_NE(display_name_problem("bidi\u202Eoverride"), "");
    EXPECT_NE(display_name_problem("\xff"), "");
}

TEST(ServerPasswords, RulesForNewPasswords) {
    EXPECT_EQ(password_problem("eight ch"), "");
    EXPECT_EQ(password_problem("ünïcödé!"), "");  // 8 characters, more bytes
    EXPECT_NE(password_problem(""), "");
    EXPECT_NE(password_problem("seven c"), "");
    EXPECT_NE(password_problem("äöüäöüä"), "");  // 7 characters, 14 bytes
    EXPECT_NE(password_problem(std::string(1025, 'a')), "");
    EXPECT_NE(password_problem("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8"), "");
}

TEST(ServerPasswords, HashIsSaltedAndVerifies) {
    const std::string a = hash_password("correct horse");
    const std::string b = hash_password("correct horse");
    EXPECT_TRUE(a.starts_with("$argon2id$"));
    EXPECT_NE(a, b);  // salted
    EXPECT_EQ(a.find("correct horse"), std::string::npos);
    EXPECT_TRUE(verify_password(a, "correct horse"));
    EXPECT_TRUE(verify_password(b, "correct horse"));
    EXPECT_FALSE(verify_password(a, "correct horsE"));
    EXPECT_FALSE(verify_password(a, ""));
    EXPECT_FALSE(verify_password("", "correct horse"));
    EXPECT_FALSE(verify_password("garbage", "correct horse"));
    verify_against_dummy("anything");  // must simply not throw
}

TEST(ServerAccountsAdd, StoresANormalizedAccountWithAHash) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    const auto r = add_account(*store, {" Alice@Example.org", "Alice", "correct horse"}, 42);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.user.id, "alice");
    EXPECT_EQ(r.user.email, "alice@example.org");
    const auto stored = store->user_by_email("alice@example.org");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->name, "Alice");
    EXPECT_EQ(stored->created_at, 42);
    EXPECT_TRUE(verify_password(stored->password_hash, "correct horse"));
}

TEST(ServerAccountsAdd, DefaultNameIsTheLocalPart) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    const auto r = add_account(*store, {"Bob.B@example.org", "", "correct horse"}, 1);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.user.name, "bob.b");
}

TEST(ServerAccountsAdd, DuplicatesAndBadInputAreRefused) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    ASSERT_TRUE(add_account(*store, {"alice@example.org", "Alice", "correct horse"}, 1).ok);
    const auto dup = add_account(*store, {"ALICE@example.org", "Other", "correct horse"}, 1);
    EXPECT_FALSE(dup.ok);
    EXPECT_TRUE(dup.duplicate);
    EXPECT_NE(dup.error.find("already exists"), std::string::npos);
    const auto second = add_account(*store, {"alice@other.org", "", "correct horse"}, 1);
    ASSERT_TRUE(second.ok);
    EXPECT_EQ(second.user.id, "alice2");
    EXPECT_FALSE(add_account(*store, {"carol@example.org", "Carol", "short"}, 1).ok);
    EXPECT_FALSE(add_account(*store, {"not-an-email", "X", "correct horse"}, 1).ok);
    EXPECT_FALSE(add_account(*store, {"dan@example.org", "bad\x07name", "correct horse"}, 1).ok);
    EXPECT_EQ(store->users().size(), 2U);
}

TEST(ServerAccountsAdd, ADeletedAccountsIdIsNotGivenOutAgain) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    ASSERT_EQ(add_account(*store, {"alice@example.org", "", "correct horse"}, 1).user.id, "alice");
    ASSERT_TRUE(store->delete_user("alice@example.org", 2));
    const auto again = add_account(*store, {"alice+new@example.org", "", "correct horse"}, 3);
    ASSERT_TRUE(again.ok) << again.error;
    EXPECT_EQ(again.user.id, "alice2");
}

}  // namespace

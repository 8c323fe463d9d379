// Command-line errors: exit codes 2 and 3 with one clear line, before any connection.
#include <gtest/gtest.h>

#include <filesystem>

#include "mqchat_runner.hpp"

namespace {

using namespace testsupport;

struct UsageCase {
    std::vector<std::string> args;
    int status;
    std::string needle;
};

TEST(Cli, BadInvocationsExitWithOneLine) {
    TempDir dir;
    const std::string bad_config = dir.write("bad.toml", "colour = \"never\"\n");
    const std::vector<UsageCase> cases = {
        {{"general", "--no-auth", "--broker", "mqtt://h", "--json"},
         2,
         "--json only applies to --tail"},
        {{"general", "--no-auth", "--broker", "mqtt://h", "--tail", "--json", "--format", "%m"},
         2,
         "cannot be combined"},
        {{"general", "--no-auth", "--broker", "mqtt://h", "--tail", "--format", "%q"},
         2,
         "unknown directive '%q'"},
        {{"general", "--no-auth", "--broker", "mqtt://h", "--send", ""}, 2, "non-empty"},
        {{"general", "--no-auth", "--send", "x"}, 2, "--no-auth needs --broker"},
        {{"general", "--no-auth", "--broker", "mqtt://u:secret@h", "--send", "x"},
         2,
         "credentials"},
        {{"general", "--no-auth", "--broker", "gopher://h", "--send", "x"}, 2, "unknown scheme"},
        {{"general", "--no-auth", "--broker", "mqtt://h:99999", "--send", "x"}, 2, "port"},
        {{"general", "--send", "x", "--tail"}, 2, "excludes"},
        {{"general", "--bogus"}, 2, "--bogus"},
        {{"general", "--tail", "-C", "0"}, 2, "--count: '0' is not a whole number above 0"},
        {{"general", "--tail", "-C", "1.5"}, 2, "'1.5' is not a whole number above 0"},
        {{"general", "--send", "x", "-W", "0"}, 2, "--timeout: '0' is not a number above 0"},
        {{"general", "--send", "x", "-W", "1e99"}, 2, "and at most 10000000"},
        {{"general", "--tail", "--color", "sometimes"}, 2, "color"},
        {{"general", "--no-auth", "--broker", "mqtt://h", "--tail", "--user", ""}, 2, "--user"},
        {{"general", "--config", dir.path() + "/missing.toml", "--tail"}, 3, "config"},
        {{"general", "--config", bad_config, "--tail"}, 3, "colour"},
        {{"general", "--tail"}, 4, "not logged in: run mqchat login"},
        {{"general", "--tail", "--user", "x"}, 2, "--user only applies with --no-auth"},
        {{"general", "--tail", "--server", "ftp://x"}, 2, "http://"},
        {{"general", "--send", "x", "-n", "3"}, 2, "--lines only applies to --tail"},
        {{"login", "--password-stdin"}, 2, "--password-stdin needs --email"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> argv{mqchat_bin()};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        auto r = run(argv, "", {{"XDG_STATE_HOME=" + dir.path() + "/state"}, false});
        std::string shown;
        for (const auto& a : c.args)
            shown += a + " ";
        EXPECT_EQ(r.status, c.status) << shown << "\n" << r.err;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << shown << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << shown << "\n" << r.err;
        EXPECT_EQ(r.out, "") << shown;
    }
}

TEST(Cli, ConfigFileSuppliesOptions) {
    Mosquitto broker;
    TempDir dir;
    const std::string config =
        dir.write("config.toml",
                  "room = \"fromconfig\"\nno-auth = true\nbroker = \"" + broker.url() + "\"\n");
    Subscriber sub(broker, "chat/fromconfig/messages");
    auto r = run({mqchat_bin(), "--config", config, "--send", "configured"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(sub.wait_for_count(1));
}

TEST(Cli, DefaultConfigComesFromXdgConfigHome) {
    Mosquitto broker;
    TempDir dir;
    dir.write("mqchat", "");
    std::filesystem::create_directories(dir.path() + "/cfg/mqchat");
    dir.write("cfg/mqchat/config.toml",
              "no-auth = true\nbroker = \"" + broker.url() + "\"\nuser = \"xdg\"\n");
    Subscriber sub(broker, "chat/general/messages");
    auto r = run({mqchat_bin(), "--send", "hi"}, "",
                 {{"XDG_CONFIG_HOME=" + dir.path() + "/cfg"}, false});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(sub.wait_for_count(1));
    EXPECT_NE(sub.payloads().at(0).find("\"user\":\"xdg\""), std::string::npos);
}

// A binary copied without libmqchat_paho.so still sends to plain brokers
// (they need neither Paho nor the module); a TLS or WebSocket URL is an
// installation problem, said in one line with where it looked: exit 3.
TEST(Cli, WithoutThePahoModuleOnlyTlsAndWebSocketsFail) {
    if (std::filesystem::exists(MQCHAT_PAHO_INSTALL_PATH))
        GTEST_SKIP() << "an installed " << MQCHAT_PAHO_INSTALL_PATH << " would be found";
    Mosquitto broker;
    TempDir dir;
    const std::string lone = dir.path() + "/mqchat";
    std::filesystem::copy_file(mqchat_bin(), lone);
    std::filesystem::permissions(lone, std::filesystem::perms::owner_all);
    const ProcessOptions env{{"XDG_STATE_HOME=" + dir.path() + "/state"}, false};
    Subscriber sub(broker, "chat/general/messages");
    auto plain = run(
        {lone, "general", "--no-auth", "--broker", broker.url(), "--user", "u", "--send", "plain"},
        "", env);
    EXPECT_EQ(plain.status, 0) << plain.err;
    EXPECT_TRUE(sub.wait_for_count(1));
    auto tls = run({lone, "general", "--no-auth", "--broker", "mqtts://127.0.0.1:1", "--user", "u",
                    "--send", "over tls", "-W", "5"},
                   "", env);
    EXPECT_EQ(tls.status, 3) << tls.err;
    EXPECT_NE(tls.err.find("need libmqchat_paho.so, which is in none of: " + dir.path() +
                           "/libmqchat_paho.so"),
              std::string::npos)
        << tls.err;
    EXPECT_EQ(std::count(tls.err.begin(), tls.err.end(), '\n'), 1) << tls.err;
}

TEST(Cli, HelpAndVersion) {
    auto help = run({mqchat_bin(), "--help"});
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("--send"), std::string::npos);
    auto version = run({mqchat_bin(), "--version"});
    EXPECT_EQ(version.status, 0);
    EXPECT_EQ(version.out.rfind("mqchat ", 0), 0U);
}

}  // namespace

// The client's login/token/history flow against a scripted fake mqchatd (an
// in-process cpp-httplib server) and a plain Mosquitto: exit codes 4, 5 and 6,
// what the client sends, and that secrets stay out of argv and output.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "mqchat_runner.hpp"

namespace {

using namespace testsupport;
using nlohmann::json;

// A fake mqchatd whose answers each test scripts.
class FakeServer {
  public:
    FakeServer() {
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running())
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ~FakeServer() {
        server_.stop();
        thread_.join();
    }
    httplib::Server& http() { return server_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  private:
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
};

std::string token_answer(const std::string& broker_url) {
    return json{{"accessToken", "fake-token-not-checked-by-a-plain-broker"},
                {"tokenId", "t1"},
                {"expiresAt", "2099-01-01T00:00:00Z"},
                {"refreshAt", "2098-01-01T00:00:00Z"},
                {"username", "alice"},
                {"clientIdPrefix", "alice-"},
                {"brokers", json::array({json{{"url", broker_url}}})}}
        .dump();
}

struct Client {
    TempDir home;
    std::vector<std::string> env() const {
        return {"XDG_STATE_HOME=" + home.path() + "/state",
                "XDG_CONFIG_HOME=" + home.path() + "/config"};
    }
    RunResult mqchat(std::vector<std::string> args, const std::string& input = "") const {
        args.insert(args.begin(), mqchat_bin());
        return run(args, input, {env(), false});
    }
    Process start(std::vector<std::string> args) const {
        args.insert(args.begin(), mqchat_bin());
        return Process(args, {env(), false});
    }
    std::string session_path() const { return home.path() + "/state/mqchat/session.json"; }
    RunResult login(const FakeServer& fake, const std::string& password) const {
        return mqchat({"login", "--server", fake.url(), "--email", "a@x", "--password-stdin"},
                      password + "\n");
    }
};

void answer_login(FakeServer& fake) {
    fake.http().Post("/api/login", [](const httplib::Request& req, httplib::Response& res) {
        const json body = json::parse(req.body);
        if (body.at("password") != "right password") {
            res.status = 401;
            res.set_content(R"({"error":"invalid email or password"})", "application/json");
            return;
        }
        res.set_content(
            R"({"session":"s3cr3t-session","user":{"id":"alice","name":"Alice"},"expiresAt":"2099-01-01T00:00:00Z"})",
            "application/json");
    });
}

TEST(ClientFlow, LoginStoresAPrivateSessionAndLogoutRevokesIt) {
    FakeServer fake;
    answer_login(fake);
    std::atomic<bool> logged_out{false};
    fake.http().Post("/api/logout", [&](const httplib::Request& req, httplib::Response& res) {
        logged_out = req.get_header_value("Authorization") == "Bearer s3cr3t-session";
        res.status = 204;
    });
    Client c;
    auto bad = c.login(fake, "wrong");
    EXPECT_EQ(bad.status, 4) << bad.err;
    EXPECT_NE(bad.err.find("invalid email or password"), std::string::npos) << bad.err;

    auto good = c.login(fake, "right password");
    ASSERT_EQ(good.status, 0) << good.err;
    EXPECT_EQ(good.err.find("right password"), std::string::npos);
    EXPECT_EQ(good.err.find("s3cr3t"), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::stat(c.session_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
    ASSERT_EQ(::stat((c.home.path() + "/state/mqchat").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700U);

    auto out = c.mqchat({"logout"});
    EXPECT_EQ(out.status, 0) << out.err;
    EXPECT_TRUE(logged_out.load());
    EXPECT_NE(::stat(c.session_path().c_str(), &st), 0);
}

TEST(ClientFlow, UnreachableServerOnLoginExits4) {
    Client c;
    const std::string url = "http://127.0.0.1:" + std::to_string(free_port());
    auto r = c.mqchat({"login", "--server", url, "--email", "a@x", "--password-stdin"}, "pw\n");
    EXPECT_EQ(r.status, 4);
    EXPECT_NE(r.err.find("cannot reach " + url), std::string::npos) << r.err;
}

TEST(ClientFlow, TokenRouteFailureExits5AndRevokedSessionExits4) {
    FakeServer fake;
    answer_login(fake);
    std::atomic<int> token_status{500};
    fake.http().Post("/api/mqtt-token", [&](const httplib::Request&, httplib::Response& res) {
        res.status = token_status;
        res.set_content(R"({"error":"database \u001b[31mlocked"})", "application/json");
    });
    Client c;
    ASSERT_EQ(c.login(fake, "right password").status, 0);
    auto r = c.mqchat({"general", "--send", "hi"});
    EXPECT_EQ(r.status, 5) << r.err;
    EXPECT_NE(r.err.find("HTTP 500: database locked"), std::string::npos)
        << r.err;  // the colour sequence removed
    token_status = 401;
    r = c.mqchat({"general", "--send", "hi"});
    EXPECT_EQ(r.status, 4) << r.err;
    EXPECT_NE(r.err.find("run mqchat login"), std::string::npos) << r.err;
}

TEST(ClientFlow, HistoryFailureExits6AfterSubscribing) {
    Mosquitto broker;
    FakeServer fake;
    answer_login(fake);
    fake.http().Post("/api/mqtt-token", [&](const httplib::Request& req, httplib::Response& res) {
        const json body = json::parse(req.body);
        EXPECT_EQ(body.at("rooms"), json::array({"general"}));
        res.set_content(token_answer(broker.url()), "application/json");
    });
    fake.http().Get(R"(/api/rooms/general/messages)",
                    [](const httplib::Request&, httplib::Response& res) {
                        res.status = 503;
                        res.set_content(R"({"error":"archive unavailable"})", "application/json");
                    });
    Client c;
    ASSERT_EQ(c.login(fake, "right password").status, 0);
    auto r = c.mqchat({"general", "--tail", "-n", "5"});
    EXPECT_EQ(r.status, 6) << r.err;
    EXPECT_NE(r.err.find("history: HTTP 503: archive unavailable"), std::string::npos) << r.err;
}

TEST(ClientFlow, TailJoinsHistoryAndLiveWithoutDuplicates) {
    Mosquitto broker;
    FakeServer fake;
    answer_login(fake);
    fake.http().Post("/api/mqtt-token", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(token_answer(broker.url()), "application/json");
    });
    // The archive holds h1..h3; h3 is also "live" (published after the
    // subscribe) and must be shown once. Like mqchatd's, this archive answers
    // `after=<id>` with what follows that id, and stores what is published.
    auto msg = [](const std::string& id, const std::string& text) {
        return json{{"id", id}, {"user", "bob"}, {"text", text}, {"timestamp", 1732412345000}};
    };
    std::mutex archive_mutex;
    std::vector<json> archive = {msg("01H0000000000000000000000A", "h1"),
                                 msg("01H0000000000000000000000B", "h2"),
                                 msg("01H0000000000000000000000C", "h3")};
    std::atomic<int> history_calls{0};
    std::string first_limit;
    fake.http().Get(
        R"(/api/rooms/general/messages)", [&](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(archive_mutex);
            if (history_calls++ == 0) first_limit = req.get_param_value("limit");
            EXPECT_EQ(req.get_header_value("Authorization"), "Bearer s3cr3t-session");
            json page = json::array();
            const std::string after = req.get_param_value("after");
            bool started = after.empty();
            for (const auto& m : archive) {
                if (started) page.push_back(m);
                if (m.at("id") == after) started = true;
            }
            const auto limit = static_cast<std::size_t>(std::stoi(req.get_param_value("limit")));
            if (after.empty() && page.size() > limit) page.erase(page.begin(), page.end() - limit);
            res.set_content(page.dump(), "application/json");
        });
    auto live = [&](const std::string& id, const std::string& text) {
        {
            std::lock_guard lock(archive_mutex);
            if (std::none_of(archive.begin(), archive.end(),
                             [&](const json& m) { return m.at("id") == id; }))
                archive.push_back(msg(id, text));
        }
        publish(broker, "chat/general/messages", msg(id, text).dump());
    };
    Client c;
    ASSERT_EQ(c.login(fake, "right password").status, 0);
    Process tail = c.start({"general", "--tail", "-n", "3", "-C", "2", "-v", "--format", "%m"});
    ASSERT_TRUE(tail.wait_for_err("subscribed to"));
    live("01H0000000000000000000000C", "h3");
    live("01H0000000000000000000000D", "live1");
    live("01H0000000000000000000000E", "live2");
    ASSERT_EQ(tail.wait_exit(), 0) << tail.err();
    EXPECT_EQ(tail.out(), "h1\nh2\nh3\nlive1\nlive2\n");
    EXPECT_EQ(first_limit, "3");
    EXPECT_GE(history_calls.load(), 1);
    EXPECT_EQ(tail.err().find("s3cr3t"), std::string::npos);
    EXPECT_EQ(tail.err().find("fake-token"), std::string::npos);
}

TEST(ClientFlow, NoFollowPrintsHistoryOnly) {
    FakeServer fake;
    answer_login(fake);
    fake.http().Get(R"(/api/rooms/ops/messages)", [](const httplib::Request&,
                                                     httplib::Response& res) {
        res.set_content(
            R"([{"id":"01H0000000000000000000000A","user":"bob","text":"only history","timestamp":1}])",
            "application/json");
    });
    Client c;
    ASSERT_EQ(c.login(fake, "right password").status, 0);
    auto r = c.mqchat({"ops", "--tail", "--no-follow", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(json::parse(r.out).at("text"), "only history");
}

}  // namespace

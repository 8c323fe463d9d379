// A real Mosquitto with libmqchat_auth.so loaded, the key files it reads,
// tokens minted with those keys, and mosquitto_pub/mosquitto_sub runs with
// credentials whose client-visible outcome (exit status, CONNACK, SUBACK and
// PUBACK reason codes) the plugin tests look at, and the checks of those outcomes.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/broker.hpp"
#include "support/process.hpp"
#include "token/jwt.hpp"

namespace testsupport::plugin {

namespace token = mqchat::token;

// MQTT 5 reason codes as the clients print them.
inline constexpr int kNotAuthorized = 135;         // 0x87
inline constexpr int kAdministrativeAction = 152;  // 0x98

// 48 bytes as base64url, as mqchatd writes them.
inline const std::string kTokenKey =
    "Q2hhdFRva2VuS2V5LWZvci1wbHVnaW4tdGVzdHMtMDEyMzQ1Njc4OWFiY2RlZg";
inline const std::string kServiceKey =
    "U2VydmljZUtleS1mb3ItcGx1Z2luLXRlc3RzLTAxMjM0NTY3ODlhYmNkZWYw";
inline const std::string kWrongKey = "V3JvbmdLZXktdGhhdC1zaG91bGQtbmV2ZXItdmVyaWZ5LTAxMjM0NTY3ODk";

inline std::int64_t now_seconds() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

inline std::string room_topic(const std::string& room) {
    return "chat/" + room + "/messages";
}

// Claims as mqchatd mints them (SPEC §4) for `rooms`, valid for `lifetime` s.
inline token::Claims claims_for(const std::string& sub, const std::vector<std::string>& rooms,
                                std::int64_t lifetime = 900) {
    const std::int64_t now = now_seconds();
    token::Claims c;
    c.sub = sub;
    c.name = std::string(1, static_cast<char>(sub[0] - 'a' + 'A')) + sub.substr(1);
    c.jti = "tok-" + sub + "-" + std::to_string(now);
    c.iat = now;
    c.nbf = now;
    c.exp = now + lifetime;
    for (const auto& room : rooms)
        c.acl.push_back({"allow", "all", room_topic(room)});
    return c;
}

// A compact JWS with any header and claims text, HMAC-SHA256 signed with
// `key`: for tokens token::sign refuses to make (alg none, missing exp...).
inline std::string raw_token(const std::string& header_json, const std::string& claims_json,
                             const std::string& key = kTokenKey) {
    const std::string input =
        token::base64url_encode(header_json) + "." + token::base64url_encode(claims_json);
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(), &len);
    return input + "." +
           token::base64url_encode(std::string(reinterpret_cast<const char*>(mac.data()), len));
}

// The claims of claims_for() as JSON, to be edited into hostile variants.
inline nlohmann::json claims_json(const std::string& sub, const std::vector<std::string>& rooms) {
    const token::Claims c = claims_for(sub, rooms);
    nlohmann::json acl = nlohmann::json::array();
    for (const auto& e : c.acl)
        acl.push_back({{"permission", e.permission}, {"action", e.action}, {"topic", e.topic}});
    return {{"sub", c.sub}, {"name", c.name}, {"iat", c.iat}, {"nbf", c.nbf}, {"exp", c.exp},
            {"jti", c.jti}, {"iss", c.iss},   {"aud", c.aud}, {"acl", acl}};
}

struct Credentials {
    std::string username;  // empty: no -u
    std::string password;  // empty: no -P
    std::string client_id;
};

inline Credentials user(const std::string& sub, const std::vector<std::string>& rooms = {"general"},
                        std::int64_t lifetime = 900) {
    return {sub, token::sign(claims_for(sub, rooms, lifetime), kTokenKey), sub + "-test"};
}

// A token of `sub` for #general from the login session `sid` (empty: a
// token without sid), connecting as "<sub>-<suffix>".
inline Credentials session_user(const std::string& sub, const std::string& sid,
                                const std::string& suffix) {
    token::Claims c = claims_for(sub, {"general"});
    c.sid = sid;
    return {sub, token::sign(c, kTokenKey), sub + "-" + suffix};
}

inline Credentials service(const std::string& suffix = "archiver") {
    return {"$mqchatd", kServiceKey, "$mqchatd-" + suffix};
}

// The canonical payload of SPEC §2.
inline std::string canonical(const std::string& user, const std::string& text,
                             const std::string& name = "") {
    static int counter = 0;
    nlohmann::json m = {{"id", "01JTEST" + std::to_string(++counter) + "-" + user},
                        {"user", user},
                        {"text", text},
                        {"timestamp", now_seconds() * 1000}};
    if (!name.empty()) m["name"] = name;
    return m.dump();
}

class AuthBroker {
  public:
    // `extra_config`: more mosquitto.conf lines, e.g. "plugin_opt_user_rate 1\n".
    explicit AuthBroker(const std::string& extra_config = "") {
        write_key(keys_, "token.key", kTokenKey);
        write_key(keys_, "service.key", kServiceKey);
        BrokerOptions options;
        options.allow_anonymous = false;
        options.extra_config = plugin_config(keys_.path()) + extra_config;
        broker_ = std::make_unique<Mosquitto>(options);
    }

    const Mosquitto& broker() const { return *broker_; }
    int port() const { return broker_->port(); }
    std::string log() const { return broker_->log(); }

    // The mosquitto.conf lines mqchatd writes for the plugin.
    static std::string plugin_config(const std::string& key_dir) {
        return std::string("plugin ") + MQCHAT_AUTH_PLUGIN + "\n" + "plugin_opt_key_file " +
               key_dir + "/token.key\n" + "plugin_opt_service_key_file " + key_dir +
               "/service.key\n" + "log_type all\n";
    }

    static void write_key(const TempDir& dir, const std::string& name, const std::string& key,
                          mode_t mode = 0600) {
        const std::string path = dir.write(name, key + "\n");
        ::chmod(path.c_str(), mode);
    }

  private:
    TempDir keys_;
    std::unique_ptr<Mosquitto> broker_;
};

inline std::vector<std::string> credential_args(const Credentials& c) {
    std::vector<std::string> args;
    if (!c.username.empty()) args.insert(args.end(), {"-u", c.username});
    if (!c.password.empty()) args.insert(args.end(), {"-P", c.password});
    if (!c.client_id.empty()) args.insert(args.end(), {"-i", c.client_id});
    return args;
}

// What every mosquitto_pub/_sub run here shares: MQTT 5, QoS 1, -d to see
// the PUBACK and SUBACK codes, and the credentials.
inline std::vector<std::string> tool_args(const char* tool, const AuthBroker& broker,
                                          const Credentials& c, const std::string& topic) {
    std::vector<std::string> argv{tool, "-V", "5",  "-d", "-p", std::to_string(broker.port()),
                                  "-q", "1",  "-t", topic};
    const auto creds = credential_args(c);
    argv.insert(argv.end(), creds.begin(), creds.end());
    return argv;
}

// mosquitto_pub -V 5 -d -q 1 of one payload; -d makes it print the PUBACK.
inline RunResult publish_as(const AuthBroker& broker, const Credentials& c,
                            const std::string& topic, const std::string& payload,
                            std::vector<std::string> extra = {}) {
    TempDir tmp;
    const std::string file = tmp.write("payload", payload);
    std::vector<std::string> argv = tool_args(MOSQUITTO_PUB_BIN, broker, c, topic);
    argv.insert(argv.end(), {"-f", file});
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
}

// The reason code of the PUBACK mosquitto_pub -d reports, if it got one.
inline std::optional<int> puback_code(const RunResult& r) {
    static const std::regex re(R"(received PUBACK \(Mid: \d+, RC:(\d+)\))");
    std::smatch m;
    if (!std::regex_search(r.out, m, re)) return std::nullopt;
    return std::stoi(m[1]);
}

// A mosquitto_sub -V 5 -d on one filter. Its SUBACK is awaited: granted()
// tells whether the broker accepted the subscription.
class Sub {
  public:
    Sub(const AuthBroker& broker, const Credentials& c, const std::string& filter,
        std::vector<std::string> extra = {}) {
        // mosquitto_sub does not flush its SUBACK line: line-buffer its stdout.
        std::vector<std::string> argv = tool_args(MOSQUITTO_SUB_BIN, broker, c, filter);
        argv.insert(argv.begin(), {"/usr/bin/stdbuf", "-oL"});
        argv.insert(argv.end(), {"-F", "MSG %t %p"});
        argv.insert(argv.end(), extra.begin(), extra.end());
        process_ = std::make_unique<Process>(argv);
        process_->wait_for([this](const std::string& out, const std::string&) {
            return out.find("Subscribed (mid:") != std::string::npos || !process_->running();
        });
        if (!process_->running()) process_->wait_exit();  // collects all of its output
    }

    // The granted QoS or reason code of the SUBACK; nullopt without one.
    std::optional<int> suback_code() const {
        static const std::regex re(R"(Subscribed \(mid: \d+\): (\d+))");
        std::smatch m;
        const std::string out = process_->out();
        if (!std::regex_search(out, m, re)) return std::nullopt;
        return std::stoi(m[1]);
    }
    bool granted() const {
        const auto code = suback_code();
        return code && *code <= 2;
    }

    // "topic payload" of every message received so far.
    std::vector<std::string> messages() const {
        std::vector<std::string> result;
        const std::string out = process_->out();
        std::size_t pos = 0;
        while ((pos = out.find("MSG ", pos)) != std::string::npos) {
            const auto nl = out.find('\n', pos);
            if (nl == std::string::npos) break;
            result.push_back(out.substr(pos + 4, nl - pos - 4));
            pos = nl + 1;
        }
        return result;
    }
    bool wait_for_count(std::size_t n, std::chrono::milliseconds deadline = kDeadline) const {
        return process_->wait_for(
            [&](const std::string&, const std::string&) { return messages().size() >= n; },
            deadline);
    }

    Process& process() { return *process_; }

  private:
    std::unique_ptr<Process> process_;
};

// A CONNECT refusal as mosquitto_pub -V 5 reports it: CONNACK 0x87 becomes
// the exit status, and nothing was published.
inline testing::AssertionResult connect_refused(const RunResult& r) {
    if (r.status != kNotAuthorized)
        return testing::AssertionFailure() << "exit status " << r.status << ", stderr: " << r.err;
    if (r.err.find("Connection error: Not authorized") == std::string::npos)
        return testing::AssertionFailure() << "stderr: " << r.err;
    if (puback_code(r)) return testing::AssertionFailure() << "published: " << r.out;
    return testing::AssertionSuccess();
}

// A PUBLISH refusal: the connection stands, PUBACK carries 0x87, and
// mosquitto_pub warns on stderr (its exit status stays 0).
inline testing::AssertionResult publish_refused(const RunResult& r) {
    const auto code = puback_code(r);
    if (!code) return testing::AssertionFailure() << "no PUBACK: " << r.out << r.err;
    if (*code != kNotAuthorized) return testing::AssertionFailure() << "PUBACK " << *code;
    if (r.err.find("Publish 1 failed: Not authorized") == std::string::npos)
        return testing::AssertionFailure() << "stderr: " << r.err;
    return testing::AssertionSuccess();
}

// Accepted: PUBACK 0, or 0x10 "no matching subscribers".
inline testing::AssertionResult publish_accepted(const RunResult& r) {
    const auto code = puback_code(r);
    if (r.status != 0 || !code || (*code != 0 && *code != 16))
        return testing::AssertionFailure()
               << "exit " << r.status << ", PUBACK " << (code ? *code : -1) << ": " << r.err;
    return testing::AssertionSuccess();
}

// A subscription the broker refused: SUBACK 0x87, and mosquitto_sub gives up
// because its only subscription was denied.
inline testing::AssertionResult subscribe_refused(Sub& sub) {
    const auto code = sub.suback_code();
    if (!code) return testing::AssertionFailure() << "no SUBACK: " << sub.process().err();
    if (*code != kNotAuthorized) return testing::AssertionFailure() << "SUBACK " << *code;
    if (!sub.process().wait_for_err("All subscription requests were denied"))
        return testing::AssertionFailure() << "stderr: " << sub.process().err();
    return testing::AssertionSuccess();
}

inline bool log_has(const AuthBroker& broker, const std::string& needle) {
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (broker.log().find(needle) == std::string::npos) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

}  // namespace testsupport::plugin

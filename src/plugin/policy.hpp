// Every decision of the broker plugin (libmqchat_auth.so), free of Mosquitto
// headers so it can be unit tested: who may connect, what a connection may
// subscribe to, read and write, whether a chat payload claims the right
// sender, and which connections have outlived their token or been revoked.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/control_message.hpp"
#include "limits.hpp"
#include "token/jwt.hpp"

namespace mqchat::plugin {

// mqchatd's own broker login: the '$' makes it impossible as an account id.
inline constexpr std::string_view kServiceUser = "$mqchatd";
inline constexpr std::string_view kServiceClientPrefix = "$mqchatd-";
inline constexpr std::string_view kServiceSharedFilter = "$share/mqchatd/chat/+/messages";
inline constexpr std::string_view kServiceFilter = "chat/+/messages";
// mqchatd's orders to the plugin (control.hpp): only the service may publish
// there, nobody may subscribe, and the plugin consumes every message.
inline constexpr std::string_view kControlTopic = control::kTopic;  // mqchatd writes there
inline constexpr std::int64_t kMaxNbfLeeway = 60;
inline constexpr std::int64_t kMaxUserRate = 1'000'000;  // also the largest burst

struct Config {
    std::string token_key;    // HS256 key; at least token::kMinSecretBytes
    std::string service_key;  // empty: no service login at all
    std::string issuer = token::kIssuer;
    std::string audience = token::kAudience;
    std::int64_t nbf_leeway = 30;
    RateLimit user_rate;  // chat publishes per account
};

enum class Role { user, service };

// What the plugin remembers about one authenticated connection.
struct Session {
    Role role = Role::user;
    std::string username;   // the token's sub, or kServiceUser
    std::string client_id;  // kicked by this id when the token expires
    std::string name;       // the token's display name (users)
    std::int64_t exp = 0;   // seconds since the epoch (users only)
    std::string sid;        // the token's login session; empty: none
    std::vector<token::AclEntry> acl;
};

// A refusal carries a one-line reason for the broker log; it never contains
// the password or token.
struct AuthResult {
    std::optional<Session> session;
    std::string refusal;
};

// The CONNECT check. `username`/`password` are nullopt when the client sent
// none (such a client is refused: never deferred to anonymous access).
AuthResult authenticate(const Config& config, std::optional<std::string_view> username,
                        std::optional<std::string_view> password, std::string_view client_id,
                        std::int64_t now);

enum class Access { read, write, subscribe, unsubscribe };

struct AclRequest {
    Access access = Access::read;
    std::string_view topic;  // a subscription filter for subscribe/unsubscribe
    bool retain = false;
    std::string_view payload;  // write: the message (also a will at CONNECT)
    // Who the broker says the client is. Only read for a client the plugin
    // does not hold: an offline persistent session (see check_acl).
    std::string_view username{};
    std::string_view client_id{};
};

struct Decision {
    bool allowed = false;
    std::string reason;  // why not, for the log
    // Refused without a log line of its own: refusals a client can repeat
    // at will (archive closed, quota, rate) are logged once per change.
    bool quiet = false;

    explicit operator bool() const { return allowed; }
};

// The ACL check; `session` is null for a connection the plugin never admitted.
// Writes of chat payloads are also checked with check_sender, so a will
// message cannot carry a forged sender either.
Decision check_acl(const Session* session, const AclRequest& request, std::int64_t now);

// The sender check of a user's publish on chat/<room>/messages: the payload
// must decode (core's decode_payload) to messages only, each with user == the
// connection's username and no display name other than the token's. Other
// topics and the service role pass.
Decision check_sender(const Session& session, std::string_view topic, std::string_view payload);

// "chat/<room>/messages" with a valid room name.
bool is_chat_topic(std::string_view topic);

// Untrusted text (user names, client ids) made safe for one log line:
// printable ASCII kept, everything else as '?', cut to `max_bytes`.
std::string log_safe(std::string_view text, std::size_t max_bytes = 80);

// Constant-time equality for secrets (the length is not hidden).
bool secret_equals(std::string_view a, std::string_view b);

// The admitted connections, keyed by the broker's opaque client handle (not
// the client id: a reconnect with the same id is authenticated before the
// old connection is dropped, and the old one's disconnect must not erase the
// new one's record), with indexes by expiry for the periodic kick and by
// account and token session for revocations.
class Registry {
  public:
    using Key = const void*;

    struct Taken {
        Key key = nullptr;
        std::string client_id;
    };

    // Remembers `session` for `key`, replacing any record with the same
    // client id: the broker takes that id over for the new connection.
    void admit(Key key, Session session);
    const Session* find(Key key) const;
    void forget(Key key);

    // Removes and returns the client ids of every user session whose token
    // has expired (now >= exp). Their connections are to be kicked; until the
    // broker reports them gone they hold no record, so every ACL check fails.
    std::vector<std::string> take_expired(std::int64_t now);

    // Removes and returns every user session whose token carries `sid`, or
    // that belongs to account `user`: revoked, to be kicked like the expired.
    std::vector<Taken> take_session(std::string_view sid);
    std::vector<Taken> take_user(std::string_view user);

    bool has_client_id(std::string_view client_id) const {
        return by_client_id_.find(client_id) != by_client_id_.end();
    }
    std::size_t size() const { return sessions_.size(); }

  private:
    using Index = std::multimap<std::string, Key, std::less<>>;
    std::vector<Taken> take_indexed(const Index& index, std::string_view value);

    std::unordered_map<Key, Session> sessions_;
    std::set<std::pair<std::int64_t, Key>> by_expiry_;
    std::map<std::string, Key, std::less<>> by_client_id_;
    Index by_user_;  // user sessions only
    Index by_sid_;   // user sessions with a sid only
};

}  // namespace mqchat::plugin

// The plugin's decisions: CONNECT, ACL, sender check, expiry and revocation
// bookkeeping.
#include "policy.hpp"

#include <openssl/crypto.h>

#include "core/payload_codec.hpp"
#include "core/room_name.hpp"

namespace mqchat::plugin {
namespace {

AuthResult refuse(std::string why) {
    return {std::nullopt, std::move(why)};
}

Decision allow() {
    return {true, {}};
}

Decision deny(std::string why) {
    return {false, std::move(why)};
}

bool has_wildcard(std::string_view topic) {
    return topic.find_first_of("+#") != std::string_view::npos;
}

// Client ids end up in logs, in kicks and in the broker's own ACL patterns:
// no control bytes, no wildcards (Mosquitto denies every ACL check to those).
bool usable_client_id(std::string_view id) {
    for (const unsigned char c : id)
        if (c < 0x20 || c == 0x7F || c == '+' || c == '#') return false;
    return true;
}

// "<sub>-<suffix>". Account ids may hold '-', so without the rule on the
// suffix "alice" could connect as "alice-" + "bob-x" and take over the
// connection "alice-bob-x" of account "alice-bob".
bool owns_client_id(std::string_view sub, std::string_view client_id) {
    if (!usable_client_id(client_id) || client_id.size() <= sub.size() + 1 ||
        !client_id.starts_with(sub) || client_id[sub.size()] != '-')
        return false;
    return client_id.substr(sub.size() + 1).find('-') == std::string_view::npos;
}

AuthResult authenticate_service(const Config& config, std::string_view password,
                                std::string_view client_id) {
    if (config.service_key.empty()) return refuse("service login is not configured");
    if (!secret_equals(password, config.service_key)) return refuse("wrong service key");
    if (!client_id.starts_with(kServiceClientPrefix) || !usable_client_id(client_id))
        return refuse("service client id must start with " + std::string(kServiceClientPrefix));
    Session s;
    s.role = Role::service;
    s.username = std::string(kServiceUser);
    s.client_id = std::string(client_id);
    return {std::move(s), {}};
}

// True when an allow entry for `action` names exactly `topic` and no deny
// entry for it does: a matching deny always wins.
bool acl_permits(const std::vector<token::AclEntry>& acl, std::string_view topic,
                 std::string_view action) {
    bool allowed = false;
    for (const auto& entry : acl) {
        if (entry.topic != topic || (entry.action != "all" && entry.action != action)) continue;
        if (entry.permission != "allow") return false;
        allowed = true;
    }
    return allowed;
}

Decision check_service(const AclRequest& r) {
    switch (r.access) {
        case Access::subscribe:
            if (r.topic == kServiceSharedFilter || r.topic == kServiceFilter) return allow();
            return deny("service may subscribe only to " + std::string(kServiceSharedFilter));
        case Access::read:
            return is_chat_topic(r.topic) ? allow() : deny("not a chat topic");
        case Access::write:
            if (r.retain) return deny("retained publish");
            if (r.topic == kControlTopic) return allow();
            return is_chat_topic(r.topic) ? allow() : deny("not a chat topic");
        case Access::unsubscribe:
            return allow();
    }
    return deny("unknown access");
}

// The broker checks READ access when it queues a message for a persistent
// session whose connection has ended, and the plugin forgot that connection
// at its disconnect. mqchatd's archiver session must keep collecting then,
// or messages acknowledged to their senders never reach the archive. Only a
// service login can have left a session named so: the user name `$mqchatd`
// is refused without the service key. A user's offline session gets
// nothing queued: its token's ACL is no longer known (clients catch up
// from history).
Decision check_offline(const AclRequest& r) {
    const bool service =
        r.username == kServiceUser && r.client_id.starts_with(kServiceClientPrefix);
    if (service && r.access == Access::read && is_chat_topic(r.topic)) return allow();
    return deny("connection was not admitted by mqchat_auth");
}

Decision check_user(const Session& s, const AclRequest& r, std::int64_t now) {
    if (r.access == Access::unsubscribe) return allow();
    if (now >= s.exp) return deny("token expired");
    if (r.topic.empty() || r.topic.front() == '$') return deny("$ topics are not for users");
    switch (r.access) {
        case Access::subscribe:
            if (has_wildcard(r.topic)) return deny("wildcard subscription");
            [[fallthrough]];
        case Access::read:
            return acl_permits(s.acl, r.topic, "subscribe") ? allow()
                                                            : deny("topic not in the token's acl");
        case Access::write:
            if (r.retain) return deny("retained publish");
            if (!acl_permits(s.acl, r.topic, "publish"))
                return deny("topic not in the token's acl");
            return check_sender(s, r.topic, r.payload);
        case Access::unsubscribe:
            break;
    }
    return allow();
}

}  // namespace

AuthResult authenticate(const Config& config, std::optional<std::string_view> username,
                        std::optional<std::string_view> password, std::string_view client_id,
                        std::int64_t now) {
    if (!username || username->empty()) return refuse("no username (anonymous access is off)");
    if (!password || password->empty()) return refuse("no password");
    if (*username == kServiceUser) return authenticate_service(config, *password, client_id);

    token::VerifyOptions options;
    options.now = now;
    options.nbf_leeway = config.nbf_leeway;
    options.issuer = config.issuer;
    options.audience = config.audience;
    auto verified = token::verify(*password, config.token_key, options);
    if (!verified.claims) return refuse("token refused: " + verified.error);
    token::Claims& claims = *verified.claims;
    if (claims.sub != *username) return refuse("username is not the token's sub");
    if (!owns_client_id(claims.sub, client_id))
        return refuse("client id is not \"" + claims.sub + "-\" and a suffix without '-'");
    Session s;
    s.role = Role::user;
    s.username = std::move(claims.sub);
    s.client_id = std::string(client_id);
    s.name = std::move(claims.name);
    s.exp = claims.exp;
    s.sid = std::move(claims.sid);
    s.acl = std::move(claims.acl);
    return {std::move(s), {}};
}

Decision check_acl(const Session* session, const AclRequest& request, std::int64_t now) {
    if (!session) return check_offline(request);
    if (session->role == Role::service) return check_service(request);
    return check_user(*session, request, now);
}

Decision check_sender(const Session& session, std::string_view topic, std::string_view payload) {
    if (session.role == Role::service || !is_chat_topic(topic)) return allow();
    const DecodeResult decoded = decode_payload(payload, 0);
    if (!decoded.notice.empty()) return deny("payload is not a readable chat message");
    if (decoded.messages.empty()) return deny("payload holds no message");
    for (const Message& m : decoded.messages) {
        if (m.user != session.username)
            return deny("payload user \"" + log_safe(m.user, 64) + "\" is not the sender");
        if (!m.name.empty() && m.name != session.name)
            return deny("payload name differs from the token's name");
    }
    return allow();
}

bool is_chat_topic(std::string_view topic) {
    return room_of_topic(topic).has_value();
}

std::string log_safe(std::string_view text, std::size_t max_bytes) {
    std::string out;
    for (const unsigned char c : text) {
        if (out.size() >= max_bytes) {
            out += "...";
            break;
        }
        out += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
    }
    return out;
}

bool secret_equals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void Registry::admit(Key key, Session session) {
    forget(key);
    if (const auto same_id = by_client_id_.find(session.client_id); same_id != by_client_id_.end())
        forget(same_id->second);
    by_client_id_[session.client_id] = key;
    if (session.role == Role::user) {
        by_expiry_.insert({session.exp, key});
        by_user_.emplace(session.username, key);
        if (!session.sid.empty()) by_sid_.emplace(session.sid, key);
    }
    sessions_.emplace(key, std::move(session));
}

const Session* Registry::find(Key key) const {
    const auto it = sessions_.find(key);
    return it == sessions_.end() ? nullptr : &it->second;
}

namespace {

void erase_from(std::multimap<std::string, Registry::Key, std::less<>>& index,
                const std::string& value, Registry::Key key) {
    const auto [first, last] = index.equal_range(value);
    for (auto it = first; it != last; ++it)
        if (it->second == key) {
            index.erase(it);
            return;
        }
}

}  // namespace

void Registry::forget(Key key) {
    const auto it = sessions_.find(key);
    if (it == sessions_.end()) return;
    const Session& s = it->second;
    if (s.role == Role::user) {
        by_expiry_.erase({s.exp, key});
        erase_from(by_user_, s.username, key);
        erase_from(by_sid_, s.sid, key);
    }
    if (const auto id = by_client_id_.find(s.client_id);
        id != by_client_id_.end() && id->second == key)
        by_client_id_.erase(id);
    sessions_.erase(it);
}

std::vector<std::string> Registry::take_expired(std::int64_t now) {
    std::vector<std::string> ids;
    while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
        const Key key = by_expiry_.begin()->second;
        ids.push_back(sessions_.at(key).client_id);
        forget(key);
    }
    return ids;
}

std::vector<Registry::Taken> Registry::take_indexed(const Index& index, std::string_view value) {
    std::vector<Taken> taken;
    const auto [first, last] = index.equal_range(value);
    for (auto it = first; it != last; ++it)
        taken.push_back({it->second, sessions_.at(it->second).client_id});
    for (const Taken& t : taken)
        forget(t.key);
    return taken;
}

std::vector<Registry::Taken> Registry::take_session(std::string_view sid) {
    return take_indexed(by_sid_, sid);
}

std::vector<Registry::Taken> Registry::take_user(std::string_view user) {
    return take_indexed(by_user_, user);
}

}  // namespace mqchat::plugin

// The plugin's memory: connections, mqchatd's orders, rates and kicks.
#include "state.hpp"

#include <algorithm>
#include <utility>

namespace mqchat::plugin {
namespace {

// No token mqchatd issued before a revocation outlives this: after it, a
// revocation has nothing left to refuse.
constexpr std::int64_t kLongestTokenLife = token::kMaxTokenLifetime + kMaxNbfLeeway;

Decision quiet_refusal(std::string why) {
    Decision d{false, std::move(why)};
    d.quiet = true;
    return d;
}

std::string connections(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " connection" : " connections");
}

}  // namespace

State::State(Config config) : config_(std::move(config)), rates_(config_.user_rate) {}

AuthResult State::connect(Key key, std::optional<std::string_view> username,
                          std::optional<std::string_view> password, std::string_view client_id,
                          Now now) {
    AuthResult result = authenticate(config_, username, password, client_id, now.unix_s);
    if (!result.session) return result;
    const Session& s = *result.session;
    if (s.role == Role::user && revoked_users_.contains(s.username, now.unix_s))
        return {std::nullopt, "account revoked"};
    if (s.role == Role::user && !s.sid.empty() && revoked_sessions_.contains(s.sid, now.unix_s))
        return {std::nullopt, "token's session revoked (logged out)"};
    if (s.role == Role::service && !control_sender_.empty() && s.client_id == control_sender_ &&
        quotas_.size() > 0) {
        quotas_.clear();
        log(LogLevel::info, "control sender \"" + log_safe(s.client_id) +
                                "\" connected again: quota table cleared until it is replayed");
    }
    registry_.admit(key, s);
    return result;
}

Decision State::acl(Key key, const AclRequest& request, Now now) {
    const Session* s = registry_.find(key);
    if (s && s->role == Role::user && request.access == Access::write &&
        is_chat_topic(request.topic)) {
        Decision gate = publish_gate(*s, now);
        if (!gate) return gate;
    }
    return check_acl(s, request, now.unix_s);
}

Decision State::publish_gate(const Session& s, Now now) {
    if (!archive_open_) return quiet_refusal("the archive is closed");
    if (quotas_.over(s.username)) return quiet_refusal("the account is over its storage quota");
    const RateLimiter::Result rate = rates_.take(s.username, now.mono_ms);
    if (rate.allowed) return {true, {}};
    if (rate.log)
        log(LogLevel::notice,
            "account \"" + log_safe(s.username) + "\" publishes faster than " +
                std::to_string(config_.user_rate.per_second) + "/s (burst " +
                std::to_string(config_.user_rate.burst) +
                "): refusing the excess (logged at most once a minute per account)");
    return quiet_refusal("publish rate exceeded");
}

Decision State::message(Key key, std::string_view topic, std::string_view payload, Now now) {
    const Session* s = registry_.find(key);
    if (!s) return {false, "connection was not admitted by mqchat_auth"};
    if (topic == kControlTopic) {
        // The WRITE check lets only the service publish here; this keeps
        // anyone else's message from ever being applied.
        if (s->role != Role::service)
            return {false, "only mqchatd may publish on the control topic"};
        apply(*s, payload, now);
        return {true, {}};
    }
    return check_sender(*s, topic, payload);
}

void State::apply(const Session& sender, std::string_view payload, Now now) {
    ParsedControl parsed = parse_control(payload);
    if (!parsed.command) {
        log_throttled(ignored_orders_, "ignored a control message: " + parsed.problem, now);
        return;
    }
    control_sender_ = sender.client_id;
    std::visit([&](const auto& command) { apply(command, now); }, *parsed.command);
}

void State::apply(const SetArchive& c, Now) {
    if (c.open == archive_open_ && (c.open || c.reason == archive_reason_)) return;
    archive_open_ = c.open;
    archive_reason_ = c.open ? std::string() : c.reason;
    if (c.open)
        log(LogLevel::notice, "archive open: user chat publishes accepted");
    else
        log(LogLevel::warning,
            "archive closed (" + (c.reason.empty() ? "no reason given" : log_safe(c.reason, 200)) +
                "): every user chat publish refused until it opens");
}

void State::apply(const RevokeSession& c, Now now) {
    const std::int64_t until = std::min(c.until, now.unix_s + kLongestTokenLife);
    const bool added = until > now.unix_s && remember(revoked_sessions_, c.sid, until, now);
    std::vector<Registry::Taken> taken = registry_.take_session(c.sid);
    if (added || !taken.empty())
        log(LogLevel::notice, "session " + log_safe(c.sid) + " revoked until " +
                                  std::to_string(until) + ": disconnecting " +
                                  connections(taken.size()));
    kick_later(std::move(taken));
}

void State::apply(const RevokeUser& c, Now now) {
    const bool added = remember(revoked_users_, c.user, now.unix_s + kLongestTokenLife, now);
    std::vector<Registry::Taken> taken = registry_.take_user(c.user);
    if (added || !taken.empty())
        log(LogLevel::notice,
            "account \"" + c.user + "\" revoked: disconnecting " + connections(taken.size()));
    kick_later(std::move(taken));
}

bool State::remember(ExpiringSet& revocations, const std::string& key, std::int64_t until,
                     Now now) {
    const bool added = revocations.add(key, until);
    if (!revocations.contains(key, now.unix_s))
        log_throttled(full_tables_,
                      "a revocation table is full and this revocation would expire first of "
                      "all: not kept",
                      now);
    return added;
}

void State::apply(const SetQuota& c, Now) {
    const std::string who = "account \"" + c.user + "\" ";
    switch (quotas_.set(c.user, c.over, c.reason)) {
        case QuotaTable::Change::none:
            return;
        case QuotaTable::Change::over:
            log(LogLevel::notice,
                who + "over quota (" +
                    (c.reason.empty() ? "no reason given" : log_safe(c.reason, 200)) +
                    "): its chat publishes refused");
            return;
        case QuotaTable::Change::cleared:
            log(LogLevel::notice, who + "within quota again: its chat publishes accepted");
            return;
        case QuotaTable::Change::full:
            log(LogLevel::warning, who + "over quota, but the quota table is full: not refused");
            return;
    }
}

void State::kick_later(std::vector<Registry::Taken> taken) {
    for (Registry::Taken& t : taken)
        pending_kicks_.push_back({t.key, std::move(t.client_id)});
}

void State::disconnect(Key key) {
    registry_.forget(key);
    std::erase_if(pending_kicks_, [key](const PendingKick& p) { return p.key == key; });
}

std::vector<std::string> State::tick(Now now) {
    std::vector<std::string> kicks = registry_.take_expired(now.unix_s);
    for (const std::string& id : kicks)
        log(LogLevel::notice, "token of client \"" + log_safe(id) + "\" expired, disconnecting it");
    // A connection that took the client id over since was admitted with a
    // valid token: the broker is closing the revoked one itself.
    for (PendingKick& p : pending_kicks_)
        if (!registry_.has_client_id(p.client_id)) kicks.push_back(std::move(p.client_id));
    pending_kicks_.clear();
    revoked_sessions_.expire(now.unix_s);
    revoked_users_.expire(now.unix_s);
    if (now.mono_ms - last_sweep_ms_ >= 1000) {
        rates_.forget_idle(now.mono_ms);
        last_sweep_ms_ = now.mono_ms;
    }
    return kicks;
}

std::vector<LogLine> State::take_log() {
    return std::exchange(log_, {});
}

void State::log_throttled(LogThrottle& throttle, const std::string& text, Now now) {
    std::string line = throttle.note(text, now.unix_s);
    if (!line.empty()) log(LogLevel::warning, std::move(line));
}

void State::log(LogLevel level, std::string text) {
    log_.push_back({level, std::move(text)});
}

}  // namespace mqchat::plugin

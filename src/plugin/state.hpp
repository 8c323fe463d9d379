// Everything the plugin remembers between broker events and how each event
// changes it: admitted connections, the orders mqchatd sent on the control
// topic (archive state, revocations, quotas), the publish rate of each
// account and the kicks still to do. Pure: the broker glue passes the time
// in, writes out the log lines and performs the kicks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control.hpp"
#include "limits.hpp"
#include "policy.hpp"

namespace mqchat::plugin {

struct Now {
    std::int64_t unix_s = 0;   // wall clock: token times, revocations
    std::int64_t mono_ms = 0;  // monotonic: publish rates
};

enum class LogLevel { info, notice, warning };

struct LogLine {
    LogLevel level = LogLevel::notice;
    std::string text;  // without the "mqchat_auth: " prefix; printable ASCII
};

class State {
  public:
    using Key = Registry::Key;

    explicit State(Config config);

    const Config& config() const { return config_; }

    // CONNECT: authenticate() and the revocations; an admitted session is
    // remembered under `key`.
    AuthResult connect(Key key, std::optional<std::string_view> username,
                       std::optional<std::string_view> password, std::string_view client_id,
                       Now now);

    // An ACL check. A user's publish on a chat topic first passes the publish
    // gate (archive open, account not over quota, within its rate).
    Decision acl(Key key, const AclRequest& request, Now now);

    // MOSQ_EVT_MESSAGE, after the WRITE check: a service message on the
    // control topic is applied (and allowed: nobody can subscribe to it);
    // anything else gets the sender check.
    Decision message(Key key, std::string_view topic, std::string_view payload, Now now);

    void disconnect(Key key);

    // The periodic tick: client ids to kick now (expired tokens, revoked
    // sessions and accounts); drops expired revocations and idle buckets.
    std::vector<std::string> tick(Now now);

    // The log lines of state changes since the last call.
    std::vector<LogLine> take_log();

    bool archive_open() const { return archive_open_; }
    const Registry& registry() const { return registry_; }

  private:
    struct PendingKick {
        Key key = nullptr;
        std::string client_id;
    };

    Decision publish_gate(const Session& session, Now now);
    void apply(const Session& sender, std::string_view payload, Now now);
    void apply(const SetArchive& c, Now now);
    void apply(const RevokeSession& c, Now now);
    void apply(const RevokeUser& c, Now now);
    void apply(const SetQuota& c, Now now);
    // Adds a revocation (true when new), warning when a full table refused it.
    bool remember(ExpiringSet& revocations, const std::string& key, std::int64_t until, Now now);
    void kick_later(std::vector<Registry::Taken> taken);
    void log(LogLevel level, std::string text);
    void log_throttled(LogThrottle& throttle, const std::string& text, Now now);

    Config config_;
    Registry registry_;
    bool archive_open_ = true;  // until mqchatd says otherwise
    std::string archive_reason_;
    ExpiringSet revoked_sessions_{kMaxRevocations};
    ExpiringSet revoked_users_{kMaxRevocations};
    QuotaTable quotas_;
    RateLimiter rates_;
    std::int64_t last_sweep_ms_ = 0;
    std::vector<PendingKick> pending_kicks_;
    // The service client that last sent a valid order: when it connects
    // again it replays the whole state, so the quota table starts afresh.
    std::string control_sender_;
    LogThrottle ignored_orders_{60};
    LogThrottle full_tables_{60};
    std::vector<LogLine> log_;
};

}  // namespace mqchat::plugin

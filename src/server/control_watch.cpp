// Control state from the database: revocations, retirements, quotas.
#include "control_watch.hpp"

#include "core/control_message.hpp"
#include "log.hpp"
#include "quota.hpp"

namespace mqchat::server {

std::string sid_of_token_hash(std::string_view token_hash) {
    return std::string(token_hash.substr(0, 32));
}

std::string revoke_session_control(std::string_view token_hash, std::int64_t revoked_at_ms,
                                   std::int64_t token_lifetime_s) {
    return control::revoke_session_message(sid_of_token_hash(token_hash),
                                           revoked_at_ms / 1000 + token_lifetime_s + 1);
}

ControlWatch::ControlWatch(Store& store, ControlSettings settings)
    : store_(store), settings_(settings) {}

std::vector<std::string> ControlWatch::full_state(std::int64_t now_ms) {
    const std::int64_t since = now_ms - settings_.token_lifetime_s * 1000;
    std::vector<std::string> out;
    for (const auto& s : store_.revoked_sessions(since))
        out.push_back(
            revoke_session_control(s.token_hash, s.revoked_at, settings_.token_lifetime_s));
    last_retired_rowid_ = 0;
    for (auto& m : retired_since(now_ms))
        out.push_back(std::move(m));
    over_quota_.clear();
    for (auto& m : quota_changes())
        out.push_back(std::move(m));
    return out;
}

std::vector<std::string> ControlWatch::poll(std::int64_t now_ms) {
    try {
        auto out = retired_since(now_ms);
        for (auto& m : quota_changes())
            out.push_back(std::move(m));
        if (failing_) log_line("control: the database answers again");
        failing_ = false;
        return out;
    } catch (const StoreError& e) {
        if (!failing_) log_line(std::string("control: cannot read the database: ") + e.what());
        failing_ = true;
        return {};
    }
}

std::vector<std::string> ControlWatch::retired_since(std::int64_t now_ms) {
    std::vector<std::string> out;
    const std::int64_t since = now_ms - settings_.token_lifetime_s * 1000;
    for (const auto& r : store_.retired_ids(last_retired_rowid_, since)) {
        out.push_back(control::revoke_user_message(r.id));
        last_retired_rowid_ = r.rowid;
        log_line("control: account " + r.id + " deleted: its connections are cut");
    }
    return out;
}

// Usage only grows (messages are never deleted), but a smaller --user-quota
// after a restart can put users over it, and a larger one back under: the
// set is compared both ways.
std::vector<std::string> ControlWatch::quota_changes() {
    if (settings_.quota_bytes <= 0) return {};
    const auto users = store_.users_at_or_over(settings_.quota_bytes);
    const std::set<std::string> now_over(users.begin(), users.end());
    std::vector<std::string> out;
    const std::string reason = quota_reason(settings_.quota_bytes);
    for (const auto& user : now_over)
        if (!over_quota_.contains(user)) {
            out.push_back(control::quota_message(user, true, reason));
            log_line("control: " + user + ": " + reason);
        }
    for (const auto& user : over_quota_)
        if (!now_over.contains(user)) out.push_back(control::quota_message(user, false, {}));
    over_quota_ = now_over;
    return out;
}

}  // namespace mqchat::server

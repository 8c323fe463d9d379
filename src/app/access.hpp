// Who we are to the broker. With --no-auth: nobody, on the --broker URL. With
// a login: the stored session, a short-lived token from mqchatd's token route,
// and the broker its answer names (or --broker).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "app/plan.hpp"
#include "app/server_api.hpp"
#include "app/session_store.hpp"
#include "http/http_client.hpp"

namespace mqchat::app {

struct BrokerAccess {
    BrokerUrl url;
    std::string username;
    std::string password;  // secret: the token
    std::string client_id;
    std::int64_t refresh_at_ms = 0;  // when to fetch the next token; 0: never
    std::int64_t expires_at_ms = 0;  // when the token stops working; 0: no token
};

class Access {
  public:
    // --no-auth: the plan's broker, no credentials, no server.
    static Access plain(const Plan& plan);
    // A login: loads the stored session (exit 4 when there is none).
    static std::variant<Access, ApiError> from_session(const Plan& plan);
    // A login whose session is already at hand, over `http` (tests hand in a
    // fake server; from_session a curl client). Exit 3 for a bad server URL.
    static std::variant<Access, ApiError> with_client(const Plan& plan, StoredSession session,
                                                      std::unique_ptr<http::HttpClient> http);

    bool has_server() const { return api_ != nullptr; }
    ServerApi& api() { return *api_; }
    const ServerApi& api() const { return *api_; }
    const std::string& session_secret() const { return session_.session; }
    const std::string& user_id() const { return user_id_; }
    const std::string& user_name() const { return user_name_; }

    // Ends a request to the server in flight and fails later ones: leaving.
    void cancel_requests() {
        if (http_) http_->cancel();
    }

    // Broker URL and credentials for `rooms`: with a login, a fresh token
    // whose acl covers every one of them.
    std::variant<BrokerAccess, ApiError> broker_for(const std::vector<std::string>& rooms);

  private:
    explicit Access(const Plan& plan) : plan_(&plan) {}

    const Plan* plan_;
    std::unique_ptr<http::HttpClient> http_;
    std::unique_ptr<ServerApi> api_;
    StoredSession session_;
    std::string user_id_;
    std::string user_name_;
};

}  // namespace mqchat::app

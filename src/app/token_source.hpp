// Credentials for the connection supervisor from Access: at once without a
// server (--no-auth), else from mqchatd's token route on the HTTP worker
// thread, so a slow server never stalls the main loop.
#pragma once

#include "app/access.hpp"
#include "app/connection_supervisor.hpp"
#include "app/http_worker.hpp"

namespace mqchat::app {

class AccessTokenSource final : public TokenSource {
  public:
    AccessTokenSource(Access& access, HttpWorker& worker) : access_(access), worker_(worker) {}
    bool has_server() const override { return access_.has_server(); }
    void fetch(const std::vector<std::string>& rooms,
               std::function<void(CredentialResult)> done) override {
        if (!access_.has_server()) return done(access_.broker_for(rooms));
        worker_.post([this, rooms, done = std::move(done)]() -> HttpWorker::Apply {
            auto result = access_.broker_for(rooms);
            return [done, result = std::move(result)]() mutable { done(std::move(result)); };
        });
    }

  private:
    Access& access_;
    HttpWorker& worker_;
};

}  // namespace mqchat::app

// An HttpClient that answers from routes in the test instead of a server:
// method + path prefix -> a handler or a canned response. Every request is
// recorded, the bearer only as "was it the expected one" (never its value).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "http/http_client.hpp"

namespace mqchat::fakes {

struct RecordedRequest {
    std::string method;
    std::string path;  // the URL without scheme and host: "/api/mqtt-token"
    std::string body;
    bool had_bearer = false;
    bool bearer_ok = false;  // it matched expect_bearer() (true when none is expected)
};

class FakeHttp final : public http::HttpClient {
  public:
    using Handler = std::function<http::Response(const http::Request&)>;

    // The first route whose method matches and whose prefix starts the path
    // answers; newer routes win over older ones with the same prefix.
    void route(const std::string& method, const std::string& path_prefix, Handler handler);
    void route(const std::string& method, const std::string& path_prefix, long status,
               std::string body);
    // Requests without this bearer get 401, as mqchatd answers a stale session.
    void expect_bearer(std::string secret);

    http::Response send(const http::Request& request) override;
    void cancel() override;

    std::vector<RecordedRequest> requests() const;
    // How many requests went to paths starting with `path_prefix`.
    std::size_t count(const std::string& method, const std::string& path_prefix) const;

    static std::string path_of(const std::string& url);

  private:
    struct Route {
        std::string method;
        std::string prefix;
        Handler handler;
    };

    mutable std::mutex mutex_;
    std::vector<Route> routes_;  // newest first
    std::string expected_bearer_;
    bool cancelled_ = false;
    std::vector<RecordedRequest> requests_;
};

}  // namespace mqchat::fakes

// The HTTP seam: one blocking request at a time, for the mqchatd API. The
// curl implementation is one adapter; tests can supply fakes.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace mqchat::http {

struct Request {
    std::string method = "GET";
    std::string url;
    std::string body;    // JSON, sent with Content-Type: application/json when non-empty
    std::string bearer;  // secret: goes only into the Authorization header
    std::chrono::milliseconds timeout{15000};
};

struct Response {
    long status = 0;  // 0: no HTTP answer at all (see error)
    std::string body;
    std::string error;  // transport failure in one line ("Connection refused", ...)
};

class HttpClient {
  public:
    virtual ~HttpClient() = default;
    virtual Response send(const Request& request) = 0;
    // From any thread: ends a request in flight soon and fails every later
    // one at once (the program is leaving and must not wait for a server).
    virtual void cancel() {}
};

struct TlsOptions {
    std::string cafile;     // empty: the system store
    bool insecure = false;  // no certificate or host name checks
};

std::unique_ptr<HttpClient> make_curl_client(const TlsOptions& tls);

// The largest answer body accepted; a longer one fails the request.
inline constexpr std::size_t kMaxResponseBytes = 32 * 1024 * 1024;

}  // namespace mqchat::http

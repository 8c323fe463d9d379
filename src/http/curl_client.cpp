// HttpClient on libcurl's easy interface: HTTP(S) only, no redirects, bounded
// answers, timeouts, and the session only in the Authorization header.
#include <curl/curl.h>

#include <atomic>

#include <mutex>

#include "http_client.hpp"
#include "mqchat_version.hpp"

namespace mqchat::http {
namespace {

void global_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
    std::string body;
    bool overflow = false;
};

size_t collect(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    const size_t n = size * count;
    if (sink->body.size() + n > kMaxResponseBytes) {
        sink->overflow = true;
        return 0;  // makes curl fail the transfer
    }
    sink->body.append(data, n);
    return n;
}

class CurlClient final : public HttpClient {
  public:
    explicit CurlClient(TlsOptions tls) : tls_(std::move(tls)) { global_init_once(); }

    void cancel() override { cancelled_.store(true); }

    Response send(const Request& r) override {
        if (cancelled_.load()) return {0, {}, "cancelled"};
        CURL* curl = curl_easy_init();
        if (!curl) return {0, {}, "cannot initialise libcurl"};
        Sink sink;
        char error[CURL_ERROR_SIZE] = {0};
        curl_slist* headers = build_headers(r);
        curl_easy_setopt(curl, CURLOPT_URL, r.url.c_str());
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, r.method.c_str());
        if (!r.body.empty() || r.method == "POST") {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body.c_str());
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(r.body.size()));
        }
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                         std::min(5000L, static_cast<long>(r.timeout.count())));
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "mqchat/" MQCHAT_VERSION);
        // Checked several times a second: cancel() ends a request in flight.
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abort_if_cancelled);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &cancelled_);
        if (!tls_.cafile.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, tls_.cafile.c_str());
        if (tls_.insecure) {
            curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        const CURLcode rc = curl_easy_perform(curl);
        Response response;
        if (rc == CURLE_OK) {
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
            response.body = std::move(sink.body);
        } else {
            response.error = sink.overflow ? "answer larger than 32 MiB"
                             : error[0]    ? error
                                           : curl_easy_strerror(rc);
        }
        curl_slist_free_all(headers);
        curl_easy_cleanup(curl);
        return response;
    }

  private:
    static int abort_if_cancelled(void* flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
        return static_cast<std::atomic<bool>*>(flag)->load() ? 1 : 0;
    }

    static curl_slist* build_headers(const Request& r) {
        curl_slist* headers = nullptr;
        headers = curl_slist_append(headers, "Accept: application/json");
        if (!r.body.empty()) headers = curl_slist_append(headers, "Content-Type: application/json");
        headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
        if (!r.bearer.empty())
            headers = curl_slist_append(headers, ("Authorization: Bearer " + r.bearer).c_str());
        return headers;
    }

    TlsOptions tls_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace

std::unique_ptr<HttpClient> make_curl_client(const TlsOptions& tls) {
    return std::make_unique<CurlClient>(tls);
}

}  // namespace mqchat::http

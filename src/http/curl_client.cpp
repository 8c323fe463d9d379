// HttpClient on libcurl's easy interface: HTTP(S) only, no redirects, bounded
// answers, timeouts, and the session only in the Authorization header.
//
// libcurl is loaded when the first client is made, not linked: with its TLS,
// SSH, LDAP and Kerberos libraries it is 25 of the 41 shared objects mqchat
// would otherwise map at every start, about 3 ms of a 5.8 ms `mqchat
// --version`, and a `--send --no-auth` never makes an HTTP request.
#include <curl/curl.h>
#include <dlfcn.h>

#include <atomic>

#include "http_client.hpp"
#include "mqchat_version.hpp"

// The soname CMake found at build time ("libcurl.so.4").
#ifndef MQCHAT_CURL_SONAME
#define MQCHAT_CURL_SONAME "libcurl.so.4"
#endif

namespace mqchat::http {
namespace {

// The libcurl functions this adapter calls, resolved once for the process.
struct CurlApi {
    CURLcode (*global_init)(long) = nullptr;
    CURL* (*easy_init)() = nullptr;
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
    CURLcode (*easy_perform)(CURL*) = nullptr;
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
    void (*easy_cleanup)(CURL*) = nullptr;
    const char* (*easy_strerror)(CURLcode) = nullptr;
    curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
    void (*slist_free_all)(curl_slist*) = nullptr;
    std::string problem;  // non-empty: not loaded, and why (one line)
};

template <typename Fn>
bool resolve(void* library, const char* name, Fn& fn, std::string& problem) {
    fn = reinterpret_cast<Fn>(::dlsym(library, name));
    if (!fn && problem.empty()) problem = std::string(MQCHAT_CURL_SONAME " lacks ") + name;
    return fn != nullptr;
}

CurlApi load_curl() {
    CurlApi api;
    // Never closed: curl keeps global state for the life of the process.
    void* library = ::dlopen(MQCHAT_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char* why = ::dlerror();
        api.problem = std::string("cannot load " MQCHAT_CURL_SONAME " (install libcurl4): ") +
                      (why ? why : "unknown error");
        return api;
    }
    std::string& p = api.problem;
    resolve(library, "curl_global_init", api.global_init, p);
    resolve(library, "curl_easy_init", api.easy_init, p);
    resolve(library, "curl_easy_setopt", api.easy_setopt, p);
    resolve(library, "curl_easy_perform", api.easy_perform, p);
    resolve(library, "curl_easy_getinfo", api.easy_getinfo, p);
    resolve(library, "curl_easy_cleanup", api.easy_cleanup, p);
    resolve(library, "curl_easy_strerror", api.easy_strerror, p);
    resolve(library, "curl_slist_append", api.slist_append, p);
    resolve(library, "curl_slist_free_all", api.slist_free_all, p);
    if (p.empty()) api.global_init(CURL_GLOBAL_DEFAULT);
    return api;
}

// Loaded on first use, once, thread-safe (a static local).
const CurlApi& curl_api() {
    static const CurlApi api = load_curl();
    return api;
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
    explicit CurlClient(TlsOptions tls) : tls_(std::move(tls)) {}

    void cancel() override { cancelled_.store(true); }

    Response send(const Request& r) override {
        if (cancelled_.load()) return {0, {}, "cancelled"};
        const CurlApi& api = curl_api();
        if (!api.problem.empty()) return {0, {}, api.problem};
        CURL* curl = api.easy_init();
        if (!curl) return {0, {}, "cannot initialise libcurl"};
        const auto set = [&api, curl](CURLoption option, auto value) {
            api.easy_setopt(curl, option, value);
        };
        Sink sink;
        char error[CURL_ERROR_SIZE] = {0};
        curl_slist* headers = build_headers(api, r);
        set(CURLOPT_URL, r.url.c_str());
        set(CURLOPT_CUSTOMREQUEST, r.method.c_str());
        if (!r.body.empty() || r.method == "POST") {
            set(CURLOPT_POSTFIELDS, r.body.c_str());
            set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
        }
        set(CURLOPT_HTTPHEADER, headers);
        set(CURLOPT_WRITEFUNCTION, collect);
        set(CURLOPT_WRITEDATA, &sink);
        set(CURLOPT_ERRORBUFFER, error);
        set(CURLOPT_NOSIGNAL, 1L);
        set(CURLOPT_FOLLOWLOCATION, 0L);
        set(CURLOPT_PROTOCOLS_STR, "http,https");
        set(CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
        set(CURLOPT_CONNECTTIMEOUT_MS, std::min(5000L, static_cast<long>(r.timeout.count())));
        set(CURLOPT_USERAGENT, "mqchat/" MQCHAT_VERSION);
        // Checked several times a second: cancel() ends a request in flight.
        set(CURLOPT_NOPROGRESS, 0L);
        set(CURLOPT_XFERINFOFUNCTION, abort_if_cancelled);
        set(CURLOPT_XFERINFODATA, &cancelled_);
        if (!tls_.cafile.empty()) set(CURLOPT_CAINFO, tls_.cafile.c_str());
        if (tls_.insecure) {
            set(CURLOPT_SSL_VERIFYPEER, 0L);
            set(CURLOPT_SSL_VERIFYHOST, 0L);
        }
        const CURLcode rc = api.easy_perform(curl);
        Response response;
        if (rc == CURLE_OK) {
            api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
            response.body = std::move(sink.body);
        } else {
            response.error = sink.overflow ? "answer larger than 32 MiB"
                             : error[0]    ? error
                                           : api.easy_strerror(rc);
        }
        api.slist_free_all(headers);
        api.easy_cleanup(curl);
        return response;
    }

  private:
    static int abort_if_cancelled(void* flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
        return static_cast<std::atomic<bool>*>(flag)->load() ? 1 : 0;
    }

    static curl_slist* build_headers(const CurlApi& api, const Request& r) {
        curl_slist* headers = nullptr;
        headers = api.slist_append(headers, "Accept: application/json");
        if (!r.body.empty()) headers = api.slist_append(headers, "Content-Type: application/json");
        headers = api.slist_append(headers, "Expect:");  // no 100-continue round trip
        if (!r.bearer.empty())
            headers = api.slist_append(headers, ("Authorization: Bearer " + r.bearer).c_str());
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

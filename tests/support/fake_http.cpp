// The fake mqchatd HTTP API: routes, canned answers and the request record.
#include "support/fake_http.hpp"

namespace mqchat::fakes {

void FakeHttp::route(const std::string& method, const std::string& path_prefix, Handler handler) {
    std::lock_guard lock(mutex_);
    routes_.insert(routes_.begin(), Route{method, path_prefix, std::move(handler)});
}

void FakeHttp::route(const std::string& method, const std::string& path_prefix, long status,
                     std::string body) {
    route(method, path_prefix, [status, body = std::move(body)](const http::Request&) {
        return http::Response{status, body, {}};
    });
}

void FakeHttp::expect_bearer(std::string secret) {
    std::lock_guard lock(mutex_);
    expected_bearer_ = std::move(secret);
}

std::string FakeHttp::path_of(const std::string& url) {
    const auto scheme = url.find("://");
    const auto start = scheme == std::string::npos ? 0 : url.find('/', scheme + 3);
    return start == std::string::npos ? "/" : url.substr(start);
}

// Handlers run without the lock: they may take their time or call back in.
http::Response FakeHttp::send(const http::Request& request) {
    RecordedRequest record;
    record.method = request.method;
    record.path = path_of(request.url);
    record.body = request.body;
    record.had_bearer = !request.bearer.empty();
    Handler handler;
    {
        std::lock_guard lock(mutex_);
        record.bearer_ok = expected_bearer_.empty() || request.bearer == expected_bearer_;
        requests_.push_back(record);
        if (cancelled_) return {0, {}, "cancelled"};
        if (!record.bearer_ok) return {401, R"({"error":"unauthorized"})", {}};
        for (const auto& r : routes_)
            if (r.method == request.method && record.path.rfind(r.prefix, 0) == 0) {
                handler = r.handler;
                break;
            }
    }
    if (!handler) return {404, R"({"error":"no such route"})", {}};
    return handler(request);
}

void FakeHttp::cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
}

std::vector<RecordedRequest> FakeHttp::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::size_t FakeHttp::count(const std::string& method, const std::string& path_prefix) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& r : requests_)
        if (r.method == method && r.path.rfind(path_prefix, 0) == 0) ++n;
    return n;
}

}  // namespace mqchat::fakes

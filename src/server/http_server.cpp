// cpp-httplib wiring. Request data never goes into response headers (CRLF
// injection, CVE-2023-26130): answers carry fixed headers and JSON bodies.
#include "http_server.hpp"

#include <httplib.h>

#include <stdexcept>
#include <thread>
#include <utility>

#include "json_body.hpp"
#include "log.hpp"

namespace mqchat::server {
namespace {

constexpr time_t kIoTimeoutSeconds = 10;

ApiRequest api_request(const httplib::Request& req) {
    ApiRequest r;
    r.body = req.body;
    r.authorization = req.get_header_value("Authorization");
    r.remote_addr = req.remote_addr;
    r.host = req.get_header_value("Host");
    for (const auto& [key, value] : req.params)
        r.query.emplace(key, value);  // emplace keeps the first of repeated parameters
    return r;
}

void respond(httplib::Response& res, const ApiResponse& answer) {
    res.status = answer.status;
    if (!answer.body.empty()) res.set_content(answer.body, "application/json");
}

std::string status_error(int status) {
    switch (status) {
        case 400:
            return "bad request";
        case 404:
            return "not found";
        case 405:
            return "method not allowed";
        case 411:
            return "a Content-Length is required";
        case 413:
            return "request body too large";
        case 414:
            return "request URI too long";
        default:
            return status >= 500 ? "internal error" : "request refused";
    }
}

using ApiRoute = ApiResponse (Api::*)(const ApiRequest&);

// The POST routes whose path is fixed, for answering body-less POSTs below.
constexpr std::pair<const char*, ApiRoute> kFixedPosts[] = {
    {"/api/login", &Api::login},
    {"/api/logout", &Api::logout},
    {"/api/mqtt-token", &Api::mqtt_token},
};

// Runs before the library reads a body. Chunked bodies are not bounded by
// set_payload_max_length in 0.11.4 (CVE-2025-46728): they are refused. A POST
// with neither Content-Length nor Transfer-Encoding has an empty body (RFC
// 9112 §6.3), but 0.11.4 answers it 400; `curl -X POST .../api/logout` sends
// exactly that, so such requests are answered here.
httplib::Server::HandlerResponse pre_route(Api& api, const httplib::Request& req,
                                           httplib::Response& res) {
    using httplib::Server;
    if (req.has_header("Transfer-Encoding")) {
        res.status = 411;
        res.set_header("Connection", "close");
        res.set_content(error_body(status_error(411)), "application/json");
        return Server::HandlerResponse::Handled;
    }
    if (req.method != "POST" || req.has_header("Content-Length"))
        return Server::HandlerResponse::Unhandled;
    for (const auto& [path, route] : kFixedPosts) {
        if (req.path != path) continue;
        respond(res, (api.*route)(api_request(req)));
        return Server::HandlerResponse::Handled;
    }
    return Server::HandlerResponse::Unhandled;
}

void add_routes(httplib::Server& s, Api& api) {
    using httplib::Request;
    using httplib::Response;
    for (const auto& fixed : kFixedPosts) {
        const ApiRoute route = fixed.second;  // clang 14 cannot capture structured bindings
        s.Post(fixed.first, [&api, route](const Request& q, Response& r) {
            respond(r, (api.*route)(api_request(q)));
        });
    }
    const std::string room_messages = R"(/api/rooms/([^/]+)/messages)";
    s.Get(room_messages, [&api](const Request& q, Response& r) {
        respond(r, api.room_history(q.matches[1].str(), api_request(q)));
    });
    s.Post(room_messages, [&api](const Request& q, Response& r) {
        respond(r, api.post_message(q.matches[1].str(), api_request(q)));
    });
    s.Get("/api/me", [&api](const Request& q, Response& r) { respond(r, api.me(api_request(q))); });
    s.Get("/healthz", [&api](const Request&, Response& r) { respond(r, api.healthz()); });
}

}  // namespace

struct HttpServer::Impl {
    Impl(Api& a, HostPort l) : api(a), listen(std::move(l)) {}
    Api& api;
    HostPort listen;
    httplib::Server server;
    std::thread thread;
};

HttpServer::HttpServer(Api& api, HostPort listen)
    : impl_(std::make_unique<Impl>(api, std::move(listen))) {}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::start() {
    auto& s = impl_->server;
    s.set_payload_max_length(kMaxBodyBytes);
    s.set_read_timeout(kIoTimeoutSeconds, 0);
    s.set_write_timeout(kIoTimeoutSeconds, 0);
    // Sessions and tokens must not linger in caches.
    s.set_default_headers({{"Cache-Control", "no-store"}});
    s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        return pre_route(impl_->api, req, res);
    });
    // Library answers (404, 413, 400) get the same JSON error shape as ours.
    s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
        if (res.body.empty())
            res.set_content(error_body(status_error(res.status)), "application/json");
    });
    s.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
            try {
                if (ep) std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                log_line(std::string("http: internal error: ") + e.what());
            } catch (...) {
                log_line("http: internal error");
            }
            res.status = 500;
            res.set_content(error_body(status_error(500)), "application/json");
        });
    add_routes(s, impl_->api);
    if (!s.bind_to_port(impl_->listen.host, impl_->listen.port))
        throw std::runtime_error("cannot listen for HTTP on " + impl_->listen.to_string() +
                                 " (address in use or not available)");
    impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
    wait_until_running();
}

// httplib's stop() does nothing until the listen thread has marked itself
// running, so stopping right after start() would leave a thread to join forever.
void HttpServer::wait_until_running() const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!impl_->server.is_running() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

bool HttpServer::running() const {
    return impl_->server.is_running();
}

void HttpServer::stop() {
    if (!impl_->thread.joinable()) return;
    impl_->server.stop();
    impl_->thread.join();
}

}  // namespace mqchat::server

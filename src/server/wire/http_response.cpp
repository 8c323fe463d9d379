// The bytes of an HTTP/1.1 answer.
#include "http_response.hpp"

namespace mqchat::server::wire {

std::string_view reason_phrase(int status) {
    switch (status) {
        case 100:
            return "Continue";
        case 101:
            return "Switching Protocols";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 417:
            return "Expectation Failed";
        case 426:
            return "Upgrade Required";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Error";
    }
}

std::string format_answer(const HttpAnswer& a) {
    std::string out = "HTTP/1.1 " + std::to_string(a.status) + " ";
    out += reason_phrase(a.status);
    out += "\r\nCache-Control: no-store\r\n";
    const bool bodyless_status = a.status == 204 || a.status < 200;
    if (!bodyless_status) {
        if (!a.body.empty()) out += "Content-Type: application/json\r\n";
        out += "Content-Length: " + std::to_string(a.body.size()) + "\r\n";
    }
    if (!a.allow.empty()) {
        out += "Allow: ";
        out += a.allow;
        out += "\r\n";
    }
    out += a.keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    if (!bodyless_status && !a.without_body) out += a.body;
    return out;
}

}  // namespace mqchat::server::wire

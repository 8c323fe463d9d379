// HTTP/1.1 answers as mqchatd writes them: a fixed set of headers that never
// carries request data (no header injection), a JSON body or none.
#pragma once

#include <string>
#include <string_view>

namespace mqchat::server::wire {

struct HttpAnswer {
    int status = 200;
    std::string body;           // JSON; empty for none
    bool keep_alive = true;     // otherwise "Connection: close"
    std::string_view allow;     // 405: the methods the path takes ("GET, POST")
    bool without_body = false;  // HEAD: the GET answer's headers only
};

// "OK", "Not Found", ...; "Error" for a status it does not know.
std::string_view reason_phrase(int status);

// Status line, headers and body. Every answer says Cache-Control: no-store
// (sessions and tokens must not linger in caches); 204 and 1xx carry neither
// body nor Content-Length (RFC 9110 §8.6).
std::string format_answer(const HttpAnswer& answer);

}  // namespace mqchat::server::wire

// HTTP/1.1 request heads (RFC 9112) from untrusted bytes, for mqchatd's HTTP
// server and the front's WebSocket handshake: a pure parser with hard limits
// that says which status to answer when a request is refused.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqchat::server::wire {

struct HttpLimits {
    std::size_t max_request_line = 8 * 1024;  // longer: 414
    std::size_t max_head = 16 * 1024;         // request line and header lines; longer: 431
    std::size_t max_headers = 64;             // more header lines: 431
    std::size_t max_body = 64 * 1024;         // a larger Content-Length: 413
};

struct HttpHeader {
    std::string name;   // lower case
    std::string value;  // without the white space around it
};

struct RequestHead {
    std::string method;
    std::string target;     // as sent: "/path?query"
    int minor_version = 1;  // HTTP/1.<minor_version>
    std::vector<HttpHeader> headers;
    std::size_t content_length = 0;
    bool keep_alive = true;        // from Connection and the version's default
    bool expect_continue = false;  // Expect: 100-continue

    std::string_view path() const;   // the target up to '?'
    std::string_view query() const;  // after '?' (empty when none)
    // The first header of that lower-case name, or nullptr.
    const std::string* header(std::string_view lower_name) const;
    // Whether any header of that name lists `token` (comma-separated, any case).
    bool header_has_token(std::string_view lower_name, std::string_view token) const;
};

enum class HeadStatus { incomplete, complete, invalid };

struct HeadResult {
    HeadStatus status = HeadStatus::incomplete;
    RequestHead head;      // when complete
    std::size_t size = 0;  // when complete: bytes up to and including the blank line
    int error_status = 0;  // when invalid: 400, 411, 413, 414, 417, 431 or 505
    std::string error;     // when invalid: what is wrong, for the answer's body
};

// Finds and parses one request head in the bytes received so far. It
// remembers how far it looked, so a head trickling in byte by byte is
// scanned once in total, not once per byte.
class RequestHeadReader {
  public:
    explicit RequestHeadReader(HttpLimits limits = {}) : limits_(limits) {}

    // `received`: every byte of this request so far (what the last call saw
    // plus what arrived since). Invalid as soon as the bytes so far cannot
    // become an acceptable head (a request line or head over its limit).
    HeadResult next(std::string_view received);
    // Forgets the request, for the next one on the connection.
    void reset() { scanned_ = 0; }

  private:
    HttpLimits limits_;
    std::size_t scanned_ = 0;  // no head end starts before this offset
};

// A complete head (ending with its blank line), as RequestHeadReader parses
// it once it has found the end. Leading empty lines are skipped (RFC 9112 §2.2).
HeadResult parse_request_head(std::string_view head, const HttpLimits& limits);

// Percent-decoding (RFC 3986 §2.1), '+' as a space too when `plus_is_space`
// (form-encoded query strings). nullopt when an escape is malformed.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// The name=value pairs of a query string, decoded; the first of repeated
// names wins; pairs that do not decode are left out.
std::map<std::string, std::string> parse_query(std::string_view query);

}  // namespace mqchat::server::wire

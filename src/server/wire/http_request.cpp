// The request head grammar of RFC 9112 §2-§3 and §5, strictly: anything a
// proxy in front of us could read differently (folded lines, white space
// before the colon, conflicting lengths, Transfer-Encoding) is refused.
#include "http_request.hpp"

#include <algorithm>

namespace mqchat::server::wire {
namespace {

HeadResult invalid(int status, std::string why) {
    HeadResult r;
    r.status = HeadStatus::invalid;
    r.error_status = status;
    r.error = std::move(why);
    return r;
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

// tchar of RFC 9110 §5.6.2.
bool token_char(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return token_char(static_cast<unsigned char>(c));
    });
}

// field-value characters: HTAB, SP, VCHAR and obs-text.
bool field_value_char(unsigned char c) {
    return c == '\t' || c >= 0x20 ? c != 0x7F : false;
}

bool optional_white_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && optional_white_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && optional_white_space(text.back()))
        text.remove_suffix(1);
    return text;
}

// Offset after the leading empty lines a client may send between requests.
std::size_t leading_empty_lines(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size() && (bytes[i] == '\r' || bytes[i] == '\n'))
        ++i;
    return i;
}

// Splits off the next line (LF or CRLF terminated); nullopt when a CR stands
// anywhere but before the LF.
std::optional<std::string_view> next_line(std::string_view& rest) {
    const auto lf = rest.find('\n');
    std::string_view line = rest.substr(0, lf);
    rest.remove_prefix(lf == std::string_view::npos ? rest.size() : lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != std::string_view::npos) return std::nullopt;
    return line;
}

struct RequestLine {
    std::string_view method;
    std::string_view target;
    std::string_view version;
};

std::optional<RequestLine> split_request_line(std::string_view line) {
    const auto first = line.find(' ');
    const auto last = line.rfind(' ');
    if (first == std::string_view::npos || first == last) return std::nullopt;
    return RequestLine{line.substr(0, first), line.substr(first + 1, last - first - 1),
                       line.substr(last + 1)};
}

std::optional<HeadResult> check_request_line(std::string_view line, const HttpLimits& limits,
                                             RequestHead& head) {
    if (line.size() > limits.max_request_line) return invalid(414, "request URI too long");
    const auto parts = split_request_line(line);
    if (!parts || !is_token(parts->method)) return invalid(400, "malformed request line");
    const std::string_view target = parts->target;
    const bool visible = std::all_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7F;
    });
    if (target.empty() || target.front() != '/' || !visible)
        return invalid(400, "malformed request target");
    const std::string_view v = parts->version;
    if (v == "HTTP/1.1" || v == "HTTP/1.0") {
        head.minor_version = v.back() - '0';
    } else if (v.size() == 8 && v.starts_with("HTTP/") && v[5] >= '0' && v[5] <= '9' &&
               v[6] == '.' && v[7] >= '0' && v[7] <= '9') {
        return invalid(505, "HTTP version not supported");
    } else {
        return invalid(400, "malformed request line");
    }
    head.method = std::string(parts->method);
    head.target = std::string(target);
    return std::nullopt;
}

std::optional<HeadResult> add_header_line(std::string_view line, RequestHead& head) {
    if (optional_white_space(line.front()))
        return invalid(400, "folded header lines are not accepted");
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
        return invalid(400, "malformed header line");
    const std::string_view value = trimmed(line.substr(colon + 1));
    if (!std::all_of(value.begin(), value.end(),
                     [](char c) { return field_value_char(static_cast<unsigned char>(c)); }))
        return invalid(400, "control characters in a header");
    head.headers.push_back({lowered(line.substr(0, colon)), std::string(value)});
    return std::nullopt;
}

// 1*DIGIT, or nullopt; values beyond any sane body saturate.
std::optional<std::size_t> content_length_value(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::size_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value =
            value > (std::size_t{1} << 40) ? value : value * 10 + static_cast<std::size_t>(c - '0');
    }
    return value;
}

// Content-Length, Transfer-Encoding, Host, Expect and Connection.
std::optional<HeadResult> check_semantics(RequestHead& head, const HttpLimits& limits) {
    std::optional<std::size_t> length;
    int hosts = 0;
    for (const auto& h : head.headers) {
        if (h.name == "transfer-encoding") return invalid(411, "a Content-Length is required");
        if (h.name == "host") ++hosts;
        if (h.name == "expect") {
            if (!equals_ignoring_case(h.value, "100-continue"))
                return invalid(417, "unsupported expectation");
            head.expect_continue = true;
        }
        if (h.name != "content-length") continue;
        const auto value = content_length_value(h.value);
        if (!value || (length && *length != *value)) return invalid(400, "invalid Content-Length");
        length = value;
    }
    if (head.minor_version == 1 && hosts != 1)
        return invalid(400, "an HTTP/1.1 request needs exactly one Host header");
    if (hosts > 1) return invalid(400, "more than one Host header");
    head.content_length = length.value_or(0);
    if (head.content_length > limits.max_body) return invalid(413, "request body too large");
    if (head.header_has_token("connection", "close"))
        head.keep_alive = false;
    else
        head.keep_alive =
            head.minor_version == 1 || head.header_has_token("connection", "keep-alive");
    return std::nullopt;
}

}  // namespace

std::string_view RequestHead::path() const {
    return std::string_view(target).substr(0, target.find('?'));
}

std::string_view RequestHead::query() const {
    const auto q = target.find('?');
    return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
}

const std::string* RequestHead::header(std::string_view lower_name) const {
    for (const auto& h : headers)
        if (h.name == lower_name) return &h.value;
    return nullptr;
}

bool RequestHead::header_has_token(std::string_view lower_name, std::string_view token) const {
    for (const auto& h : headers) {
        if (h.name != lower_name) continue;
        std::string_view rest = h.value;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            if (equals_ignoring_case(trimmed(rest.substr(0, comma)), token)) return true;
            rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
        }
    }
    return false;
}

HeadResult parse_request_head(std::string_view head_bytes, const HttpLimits& limits) {
    std::string_view rest = head_bytes.substr(leading_empty_lines(head_bytes));
    RequestHead head;
    const auto request_line = next_line(rest);
    if (!request_line) return invalid(400, "stray carriage return");
    if (auto refused = check_request_line(*request_line, limits, head)) return *refused;
    for (;;) {
        const auto line = next_line(rest);
        if (!line) return invalid(400, "stray carriage return");
        if (line->empty()) break;
        if (head.headers.size() == limits.max_headers) return invalid(431, "too many headers");
        if (auto refused = add_header_line(*line, head)) return *refused;
    }
    if (auto refused = check_semantics(head, limits)) return *refused;
    HeadResult r;
    r.status = HeadStatus::complete;
    r.head = std::move(head);
    r.size = head_bytes.size() - rest.size();
    return r;
}

HeadResult RequestHeadReader::next(std::string_view received) {
    const std::size_t start = leading_empty_lines(received);
    if (start > limits_.max_head) return invalid(400, "too many empty lines");
    scanned_ = std::max(scanned_, start);
    const auto first_lf = received.find('\n', start);
    if ((first_lf == std::string_view::npos ? received.size() : first_lf) - start >
        limits_.max_request_line)
        return invalid(414, "request URI too long");
    // A head ends with an LF followed by CRLF or LF: look at each LF once.
    for (auto lf = received.find('\n', scanned_); lf != std::string_view::npos;
         lf = received.find('\n', lf + 1)) {
        const std::string_view after = received.substr(lf + 1);
        if (after.empty() || (after.size() == 1 && after[0] == '\r')) {
            scanned_ = lf;  // cannot tell yet: look at this LF again
            break;
        }
        const std::size_t blank = after[0] == '\n' ? 1 : (after.starts_with("\r\n") ? 2 : 0);
        if (blank > 0) {
            const std::size_t end = lf + 1 + blank;
            if (end - start > limits_.max_head) return invalid(431, "request head too large");
            return parse_request_head(received.substr(0, end), limits_);
        }
        scanned_ = lf + 1;
    }
    if (received.size() - start > limits_.max_head) return invalid(431, "request head too large");
    return {};
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else if (c != '%') {
            out.push_back(c);
        } else {
            const int high = i + 1 < text.size() ? hex(text[i + 1]) : -1;
            const int low = i + 2 < text.size() ? hex(text[i + 2]) : -1;
            if (high < 0 || low < 0) return std::nullopt;
            out.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        }
    }
    return out;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
    std::map<std::string, std::string> out;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq), true);
        auto value = percent_decode(
            eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
        if (name && value) out.emplace(std::move(*name), std::move(*value));
    }
    return out;
}

}  // namespace mqchat::server::wire

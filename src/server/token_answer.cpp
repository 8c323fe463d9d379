// Token claims, signing and the JSON answer.
#include "token_answer.hpp"

#include "core/room_name.hpp"
#include "core/time_format.hpp"

namespace mqchat::server {
namespace {

bool host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':';
}

// The host part of a Host header ("example.org:8080", "[::1]:8080"), or empty
// when it is not a plain host name: the value is request data and ends up in
// URLs we hand out.
std::string host_of_header(std::string_view value) {
    std::string_view host = value;
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos) return {};
        host = host.substr(0, close + 1);
    } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
        host = host.substr(0, colon);
    }
    if (host.empty() || host.size() > 253) return {};
    for (const char c : host)
        if (!host_char(c) && c != '[' && c != ']') return {};
    return std::string(host);
}

std::string advertised_host(const HostPort& listener, std::string_view request_host) {
    if (!listener.is_wildcard()) return listener.url_host();
    const std::string from_request = host_of_header(request_host);
    return from_request.empty() ? "127.0.0.1" : from_request;
}

}  // namespace

std::vector<std::string> broker_urls(const BrokerAdvert& advert, std::string_view request_host) {
    if (advert.external_url) return {*advert.external_url};
    return {"mqtt://" + advertised_host(advert.mqtt, request_host) + ":" +
                std::to_string(advert.mqtt.port),
            "ws://" + advertised_host(advert.ws, request_host) + ":" +
                std::to_string(advert.ws.port) + "/mqtt"};
}

token::Claims token_claims(const UserRecord& user, const std::vector<std::string>& rooms,
                           std::int64_t now_s, std::int64_t ttl_s, const std::string& jti,
                           const std::string& sid) {
    token::Claims c;
    c.sub = user.id;
    c.name = user.name;
    c.jti = jti;
    c.sid = sid;
    c.iat = now_s;
    c.nbf = now_s;
    c.exp = now_s + ttl_s;
    for (const auto& room : rooms)
        c.acl.push_back(token::AclEntry{"allow", "all", room_topic(room)});
    return c;
}

nlohmann::json token_answer(const token::Claims& claims, std::string_view key,
                            const std::vector<std::string>& brokers) {
    const std::int64_t lifetime_ms = (claims.exp - claims.iat) * 1000;
    const std::int64_t refresh_ms = claims.iat * 1000 + lifetime_ms * 8 / 10;
    nlohmann::json answer = {
        {"accessToken", token::sign(claims, key)},
        {"tokenId", claims.jti},
        {"expiresAt", format_iso8601_ms(claims.exp * 1000)},
        {"refreshAt", format_iso8601_ms(refresh_ms)},
        {"username", claims.sub},
        {"clientIdPrefix", claims.sub + "-"},
    };
    nlohmann::json list = nlohmann::json::array();
    for (const auto& url : brokers)
        list.push_back({{"url", url}});
    answer["brokers"] = std::move(list);
    return answer;
}

}  // namespace mqchat::server

// The answer of POST /api/mqtt-token: a freshly signed HS256 token and where
// to use it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host_port.hpp"
#include "store.hpp"
#include "token/jwt.hpp"

namespace mqchat::server {

inline constexpr std::int64_t kDefaultTokenTtlSeconds = 900;
inline constexpr std::size_t kMaxTokenRooms = 50;

// Where clients should connect: the embedded broker's listeners, or the one
// URL given with --broker-url.
struct BrokerAdvert {
    HostPort mqtt{"127.0.0.1", 1883};
    HostPort ws{"127.0.0.1", 8083};
    std::optional<std::string> external_url;
};

// mqtt:// and ws://…/mqtt URLs. A wildcard listener (0.0.0.0) is advertised
// under the host name the client used to reach the HTTP API.
std::vector<std::string> broker_urls(const BrokerAdvert& advert, std::string_view request_host);

// The claims of a token for `user` allowing exactly `rooms`, minted from the
// login session `sid` (so revoking the session can stop the token).
token::Claims token_claims(const UserRecord& user, const std::vector<std::string>& rooms,
                           std::int64_t now_s, std::int64_t ttl_s, const std::string& jti,
                           const std::string& sid);

// {"accessToken","tokenId","expiresAt","refreshAt","username","clientIdPrefix","brokers"}:
// refreshAt at 80 % of the lifetime.
nlohmann::json token_answer(const token::Claims& claims, std::string_view key,
                            const std::vector<std::string>& brokers);

}  // namespace mqchat::server

// SHA-1 and standard base64, only for the WebSocket handshake's
// Sec-WebSocket-Accept (RFC 6455 §4.2.2), which is a fixed transform and no
// security measure: kept here so the handshake code needs no crypto library.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace mqchat::server::wire {

using Sha1Digest = std::array<unsigned char, 20>;

// FIPS 180-4 SHA-1 of `data`.
Sha1Digest sha1(std::string_view data);

// RFC 4648 §4 base64 with padding.
std::string base64_encode(std::string_view bytes);

}  // namespace mqchat::server::wire

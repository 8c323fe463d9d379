// CONNECT layout: MQTT 3.1.1 §3.1 and MQTT 5 §3.1 (properties as variable
// byte integers followed by that many bytes, skipped unread).
#include "mqtt_connect.hpp"

#include <cstdint>

namespace mqchat::server::wire {
namespace {

constexpr unsigned char kConnectHeader = 0x10;  // packet type 1, flags 0
constexpr unsigned char kUsernameFlag = 0x80;
constexpr unsigned char kPasswordFlag = 0x40;
constexpr unsigned char kWillFlag = 0x04;
constexpr unsigned char kReservedFlag = 0x01;

FirstPacket invalid(std::string why) {
    FirstPacket p;
    p.status = FirstPacketStatus::invalid;
    p.problem = std::move(why);
    return p;
}

enum class VarIntStatus { ok, incomplete, invalid };

struct VarInt {
    VarIntStatus status = VarIntStatus::invalid;
    std::size_t value = 0;
    std::size_t length = 0;  // bytes it took
};

// MQTT's variable byte integer: at most 4 bytes of 7 bits, least significant first.
VarInt variable_int(std::string_view bytes) {
    VarInt v;
    for (std::size_t i = 0; i < 4; ++i) {
        if (i >= bytes.size()) {
            v.status = VarIntStatus::incomplete;
            return v;
        }
        const auto byte = static_cast<unsigned char>(bytes[i]);
        v.value |= static_cast<std::size_t>(byte & 0x7F) << (7 * i);
        if ((byte & 0x80) == 0) {
            v.status = VarIntStatus::ok;
            v.length = i + 1;
            return v;
        }
    }
    return v;  // a fifth byte: malformed
}

// Reads the fields of the packet body in order; any read past its end fails.
class Cursor {
  public:
    explicit Cursor(std::string_view body) : rest_(body) {}

    std::optional<std::uint8_t> byte() {
        if (rest_.empty()) return std::nullopt;
        const auto b = static_cast<std::uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }
    std::optional<std::size_t> two_byte_int() {
        const auto high = byte();
        const auto low = byte();
        if (!high || !low) return std::nullopt;
        return (std::size_t{*high} << 8) | *low;
    }
    // A two-byte length and that many bytes (UTF-8 string or binary data).
    std::optional<std::string> prefixed() {
        const auto n = two_byte_int();
        if (!n || *n > rest_.size()) return std::nullopt;
        std::string out(rest_.substr(0, *n));
        rest_.remove_prefix(*n);
        return out;
    }
    // MQTT 5 properties: their length, then skipped.
    bool skip_properties() {
        const VarInt n = variable_int(rest_);
        if (n.status != VarIntStatus::ok || n.value > rest_.size() - n.length) return false;
        rest_.remove_prefix(n.length + n.value);
        return true;
    }

  private:
    std::string_view rest_;
};

bool known_protocol(const std::string& name, int level) {
    return (name == "MQTT" && (level == 4 || level == 5)) || (name == "MQIsdp" && level == 3);
}

FirstPacket parse_connect_body(std::string_view body) {
    Cursor in(body);
    const auto name = in.prefixed();
    const auto level = in.byte();
    const auto flags = in.byte();
    const auto keep_alive = in.two_byte_int();
    if (!name || !level || !flags || !keep_alive) return invalid("truncated CONNECT");
    if (!known_protocol(*name, *level)) return invalid("unknown protocol name or level");
    if (*flags & kReservedFlag) return invalid("reserved CONNECT flag set");
    const bool v5 = *level == 5;
    FirstPacket p;
    p.connect.protocol_level = *level;
    if (v5 && !in.skip_properties()) return invalid("malformed CONNECT properties");
    auto client_id = in.prefixed();
    if (!client_id) return invalid("truncated CONNECT");
    p.connect.client_id = std::move(*client_id);
    if (*flags & kWillFlag) {
        if (v5 && !in.skip_properties()) return invalid("malformed will properties");
        if (!in.prefixed() || !in.prefixed()) return invalid("truncated will");
    }
    if (*flags & kUsernameFlag) {
        p.connect.username = in.prefixed();
        if (!p.connect.username) return invalid("truncated user name");
    }
    if (*flags & kPasswordFlag) {
        p.connect.password = in.prefixed();
        if (!p.connect.password) return invalid("truncated password");
    }
    p.status = FirstPacketStatus::connect;
    return p;
}

}  // namespace

FirstPacket read_first_packet(std::string_view bytes, std::size_t max_size) {
    if (bytes.empty()) return {};
    if (static_cast<unsigned char>(bytes[0]) != kConnectHeader)
        return invalid("the first packet is not a CONNECT");
    const VarInt length = variable_int(bytes.substr(1));
    if (length.status == VarIntStatus::invalid) return invalid("malformed packet length");
    if (length.status == VarIntStatus::incomplete) return {};
    const std::size_t total = 1 + length.length + length.value;
    if (total > max_size) return invalid("CONNECT too large");
    if (bytes.size() < total) return {};
    FirstPacket p = parse_connect_body(bytes.substr(1 + length.length, length.value));
    if (p.status == FirstPacketStatus::connect) p.size = total;
    return p;
}

std::string connack_refusal(int protocol_level, ConnectRefusal why) {
    const bool unavailable = why == ConnectRefusal::server_unavailable;
    if (protocol_level == 5)  // flags, reason code, no properties
        return std::string{'\x20', '\x03', '\x00', static_cast<char>(unavailable ? 0x88 : 0x87),
                           '\x00'};
    return std::string{'\x20', '\x02', '\x00', static_cast<char>(unavailable ? 0x03 : 0x05)};
}

}  // namespace mqchat::server::wire

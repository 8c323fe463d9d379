// MQTT 5 encoding, framing and bounds-checked decoding (MQTT 5.0 §2-§3).
#include "mqtt_packet.hpp"

#include <stdexcept>

#include "utf8.hpp"

namespace mqchat::mqtt {
namespace {

// --- writing -----------------------------------------------------------------

void append_u16(std::string& out, std::uint16_t value) {
    out += static_cast<char>(value >> 8);
    out += static_cast<char>(value & 0xFF);
}

void append_u32(std::string& out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out += static_cast<char>((value >> shift) & 0xFF);
}

// A length-prefixed string or binary field; MQTT caps both at 65535 bytes.
void append_field(std::string& out, std::string_view bytes) {
    if (bytes.size() > 0xFFFF) throw std::length_error("an MQTT string field is over 65535 bytes");
    append_u16(out, static_cast<std::uint16_t>(bytes.size()));
    out += bytes;
}

// Fixed header (type and flags, Remaining Length) in front of `body`.
std::string packet(std::uint8_t header, std::string_view body) {
    if (body.size() > kMaxVarint) throw std::length_error("an MQTT packet is over 256 MB");
    std::string out;
    out.reserve(body.size() + 5);
    out += static_cast<char>(header);
    append_varint(out, static_cast<std::uint32_t>(body.size()));
    out += body;
    return out;
}

std::uint8_t header_of(PacketType type, std::uint8_t flags = 0) {
    return static_cast<std::uint8_t>(static_cast<std::uint8_t>(type) << 4 | flags);
}

// --- reading -----------------------------------------------------------------

enum class VarintStatus { ok, incomplete, malformed };

// A variable byte integer at the start of `bytes`, in its shortest form
// ([MQTT-1.5.5-1]) and at most 4 bytes long.
VarintStatus read_varint(std::string_view bytes, std::uint32_t& value, std::size_t& used) {
    value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (i >= bytes.size()) return VarintStatus::incomplete;
        const auto byte = static_cast<std::uint8_t>(bytes[i]);
        value |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * i);
        if ((byte & 0x80) == 0) {
            if (i > 0 && byte == 0) return VarintStatus::malformed;  // a longer form than needed
            used = i + 1;
            return VarintStatus::ok;
        }
    }
    return VarintStatus::malformed;
}

// Bounds-checked reads from a packet body; every read fails once one has.
class Reader {
  public:
    explicit Reader(std::string_view bytes) : rest_(bytes) {}

    bool take(std::size_t n, std::string_view& out) {
        if (n > rest_.size()) return false;
        out = rest_.substr(0, n);
        rest_.remove_prefix(n);
        return true;
    }
    bool u8(std::uint8_t& out) {
        std::string_view b;
        if (!take(1, b)) return false;
        out = static_cast<std::uint8_t>(b[0]);
        return true;
    }
    bool u16(std::uint16_t& out) {
        std::string_view b;
        if (!take(2, b)) return false;
        out = static_cast<std::uint16_t>(static_cast<std::uint8_t>(b[0]) << 8 |
                                         static_cast<std::uint8_t>(b[1]));
        return true;
    }
    bool u32(std::uint32_t& out) {
        std::string_view b;
        if (!take(4, b)) return false;
        out = 0;
        for (const char c : b)
            out = out << 8 | static_cast<std::uint8_t>(c);
        return true;
    }
    bool varint(std::uint32_t& out) {
        std::size_t used = 0;
        if (read_varint(rest_, out, used) != VarintStatus::ok) return false;
        rest_.remove_prefix(used);
        return true;
    }
    bool binary(std::string_view& out) {
        std::uint16_t n = 0;
        return u16(n) && take(n, out);
    }
    // A UTF-8 string: valid UTF-8 without U+0000 ([MQTT-1.5.4-1], [MQTT-1.5.4-2]).
    bool text(std::string_view& out) {
        return binary(out) && out.find('\0') == std::string_view::npos && utf8::is_valid(out);
    }

    bool empty() const { return rest_.empty(); }
    std::string_view rest() const { return rest_; }

  private:
    std::string_view rest_;
};

// The properties we act on; the others are only checked and skipped.
struct Properties {
    std::optional<std::uint16_t> receive_maximum;
    std::optional<std::uint32_t> maximum_packet_size;
    std::optional<std::uint16_t> server_keepalive;
    std::optional<std::uint16_t> topic_alias;
    std::string_view reason_string;
};

enum class PropertyType { byte, u16, u32, varint, text, binary, text_pair, unknown };

// MQTT 5.0 §2.2.2.2.
PropertyType property_type(std::uint32_t id) {
    switch (id) {
        case 0x01:  // payload format indicator
        case 0x17:  // request problem information
        case 0x19:  // request response information
        case 0x24:  // maximum QoS
        case 0x25:  // retain available
        case 0x28:  // wildcard subscription available
        case 0x29:  // subscription identifiers available
        case 0x2A:  // shared subscription available
            return PropertyType::byte;
        case 0x13:  // server keep alive
        case 0x21:  // receive maximum
        case 0x22:  // topic alias maximum
        case 0x23:  // topic alias
            return PropertyType::u16;
        case 0x02:  // message expiry interval
        case 0x11:  // session expiry interval
        case 0x18:  // will delay interval
        case 0x27:  // maximum packet size
            return PropertyType::u32;
        case 0x0B:  // subscription identifier
            return PropertyType::varint;
        case 0x03:  // content type
        case 0x08:  // response topic
        case 0x12:  // assigned client identifier
        case 0x15:  // authentication method
        case 0x1A:  // response information
        case 0x1C:  // server reference
        case 0x1F:  // reason string
            return PropertyType::text;
        case 0x09:  // correlation data
        case 0x16:  // authentication data
            return PropertyType::binary;
        case 0x26:  // user property
            return PropertyType::text_pair;
        default:
            return PropertyType::unknown;
    }
}

// Only user properties and subscription identifiers may repeat.
bool may_repeat(std::uint32_t id) {
    return id == 0x26 || id == 0x0B;
}

// Reads one property value of `type`; numbers land in `number`, strings in `text`.
bool read_value(Reader& r, PropertyType type, std::uint32_t& number, std::string_view& text) {
    std::uint8_t b = 0;
    std::uint16_t s = 0;
    std::string_view second;
    switch (type) {
        case PropertyType::byte:
            if (!r.u8(b)) return false;
            number = b;
            return true;
        case PropertyType::u16:
            if (!r.u16(s)) return false;
            number = s;
            return true;
        case PropertyType::u32:
            return r.u32(number);
        case PropertyType::varint:
            return r.varint(number);
        case PropertyType::text:
            return r.text(text);
        case PropertyType::binary:
            return r.binary(text);
        case PropertyType::text_pair:
            return r.text(text) && r.text(second);
        case PropertyType::unknown:
            return false;
    }
    return false;
}

void keep(Properties& out, std::uint32_t id, std::uint32_t number, std::string_view text) {
    switch (id) {
        case 0x21:
            out.receive_maximum = static_cast<std::uint16_t>(number);
            break;
        case 0x27:
            out.maximum_packet_size = number;
            break;
        case 0x13:
            out.server_keepalive = static_cast<std::uint16_t>(number);
            break;
        case 0x23:
            out.topic_alias = static_cast<std::uint16_t>(number);
            break;
        case 0x1F:
            out.reason_string = text;
            break;
        default:
            break;
    }
}

// The property block (its length, then the properties). Empty when it is
// well formed; otherwise why not.
std::string read_properties(Reader& r, Properties& out) {
    std::uint32_t length = 0;
    std::string_view block;
    if (!r.varint(length) || !r.take(length, block)) return "truncated properties";
    Reader p(block);
    std::uint64_t seen = 0;
    while (!p.empty()) {
        std::uint32_t id = 0;
        if (!p.varint(id)) return "truncated property identifier";
        const PropertyType type = property_type(id);
        if (type == PropertyType::unknown) return "unknown property " + std::to_string(id);
        const std::uint64_t bit = std::uint64_t{1} << id;  // every known id is below 64
        if ((seen & bit) && !may_repeat(id)) return "repeated property " + std::to_string(id);
        seen |= bit;
        std::uint32_t number = 0;
        std::string_view text;
        if (!read_value(p, type, number, text))
            return "malformed value of property " + std::to_string(id);
        keep(out, id, number, text);
    }
    return {};
}

Decoded fail(std::string problem) {
    return {std::nullopt, std::move(problem)};
}

Decoded decode_connack(const Frame& f) {
    Reader r(f.body);
    std::uint8_t flags = 0;
    Connack c;
    if (!r.u8(flags) || !r.u8(c.reason)) return fail("truncated CONNACK");
    if (flags & 0xFE) return fail("reserved CONNACK flags set");
    c.session_present = (flags & 1) != 0;
    Properties props;
    if (!r.empty()) {
        if (auto problem = read_properties(r, props); !problem.empty()) return fail(problem);
    }
    if (!r.empty()) return fail("bytes after the CONNACK properties");
    if (props.receive_maximum) {
        if (*props.receive_maximum == 0) return fail("CONNACK receive maximum of 0");
        c.receive_maximum = *props.receive_maximum;
    }
    if (props.maximum_packet_size) {
        if (*props.maximum_packet_size == 0) return fail("CONNACK maximum packet size of 0");
        c.maximum_packet_size = *props.maximum_packet_size;
    }
    c.server_keepalive = props.server_keepalive;
    c.reason_string = std::string(props.reason_string);
    return {c, {}};
}

Decoded decode_publish(const Frame& f) {
    Publish p;
    p.retain = (f.header & 0x01) != 0;
    p.qos = static_cast<std::uint8_t>((f.header >> 1) & 0x03);
    p.dup = (f.header & 0x08) != 0;
    if (p.qos > 1) return fail(p.qos == 2 ? "QoS 2 PUBLISH" : "PUBLISH with QoS 3");
    if (p.qos == 0 && p.dup) return fail("DUP set on a QoS 0 PUBLISH");
    Reader r(f.body);
    std::string_view topic;
    if (!r.text(topic)) return fail("malformed PUBLISH topic");
    if (p.qos > 0) {
        if (!r.u16(p.packet_id)) return fail("truncated PUBLISH packet id");
        if (p.packet_id == 0) return fail("PUBLISH packet id 0");
    }
    Properties props;
    if (auto problem = read_properties(r, props); !problem.empty()) return fail(problem);
    // We announce no topic alias maximum, so a server may not use aliases.
    if (props.topic_alias) return fail("PUBLISH with a topic alias");
    if (topic.empty()) return fail("PUBLISH without a topic");
    if (topic.find_first_of("+#") != std::string_view::npos)
        return fail("wildcard in a PUBLISH topic");
    p.topic = std::string(topic);
    p.payload = std::string(r.rest());
    return {std::move(p), {}};
}

Decoded decode_puback(const Frame& f) {
    Reader r(f.body);
    Puback a;
    if (!r.u16(a.packet_id)) return fail("truncated PUBACK");
    if (a.packet_id == 0) return fail("PUBACK packet id 0");
    if (!r.empty() && !r.u8(a.reason)) return fail("truncated PUBACK");
    Properties props;
    if (!r.empty()) {
        if (auto problem = read_properties(r, props); !problem.empty()) return fail(problem);
    }
    if (!r.empty()) return fail("bytes after the PUBACK properties");
    return {a, {}};
}

// SUBACK and UNSUBACK have one shape: a packet id, properties, and one
// reason code per filter.
template <typename Ack>
Decoded decode_sub_ack(const Frame& f, const std::string& name) {
    Reader r(f.body);
    Ack s;
    if (!r.u16(s.packet_id)) return fail("truncated " + name);
    if (s.packet_id == 0) return fail(name + " packet id 0");
    Properties props;
    if (auto problem = read_properties(r, props); !problem.empty()) return fail(problem);
    if (r.empty()) return fail(name + " without reason codes");
    for (const char c : r.rest())
        s.reasons.push_back(static_cast<std::uint8_t>(c));
    return {std::move(s), {}};
}

Decoded decode_disconnect(const Frame& f) {
    Reader r(f.body);
    Disconnect d;
    if (!r.empty() && !r.u8(d.reason)) return fail("truncated DISCONNECT");
    Properties props;
    if (!r.empty()) {
        if (auto problem = read_properties(r, props); !problem.empty()) return fail(problem);
    }
    if (!r.empty()) return fail("bytes after the DISCONNECT properties");
    d.reason_string = std::string(props.reason_string);
    return {std::move(d), {}};
}

}  // namespace

void append_varint(std::string& out, std::uint32_t value) {
    if (value > kMaxVarint) throw std::length_error("value too large for a variable byte integer");
    do {
        auto byte = static_cast<std::uint8_t>(value & 0x7F);
        value >>= 7;
        if (value > 0) byte |= 0x80;
        out += static_cast<char>(byte);
    } while (value > 0);
}

std::string encode_connect(const ConnectFields& f) {
    std::string body;
    append_field(body, "MQTT");
    body += static_cast<char>(5);  // protocol version
    std::uint8_t flags = 0;
    if (!f.username.empty()) flags |= 0x80;
    if (!f.password.empty()) flags |= 0x40;
    if (f.clean_start) flags |= 0x02;
    body += static_cast<char>(flags);
    append_u16(body, f.keepalive_s);
    std::string props;
    if (f.session_expiry_s > 0) {
        props += static_cast<char>(0x11);
        append_u32(props, f.session_expiry_s);
    }
    if (f.receive_maximum > 0) {
        props += static_cast<char>(0x21);
        append_u16(props, f.receive_maximum);
    }
    if (f.maximum_packet_size > 0) {
        props += static_cast<char>(0x27);
        append_u32(props, f.maximum_packet_size);
    }
    append_varint(body, static_cast<std::uint32_t>(props.size()));
    body += props;
    append_field(body, f.client_id);
    if (!f.username.empty()) append_field(body, f.username);
    if (!f.password.empty()) append_field(body, f.password);
    return packet(header_of(PacketType::connect), body);
}

std::string encode_subscribe(std::uint16_t packet_id, std::string_view filter, std::uint8_t qos) {
    std::string body;
    append_u16(body, packet_id);
    append_varint(body, 0);  // no properties
    append_field(body, filter);
    body += static_cast<char>(qos & 0x03);
    return packet(header_of(PacketType::subscribe, 0x02), body);
}

std::string encode_unsubscribe(std::uint16_t packet_id, std::string_view filter) {
    std::string body;
    append_u16(body, packet_id);
    append_varint(body, 0);  // no properties
    append_field(body, filter);
    return packet(header_of(PacketType::unsubscribe, 0x02), body);
}

std::string encode_publish(const Publish& p) {
    std::string body;
    append_field(body, p.topic);
    if (p.qos > 0) append_u16(body, p.packet_id);
    append_varint(body, 0);  // no properties
    body += p.payload;
    std::uint8_t flags = static_cast<std::uint8_t>((p.qos & 0x03) << 1);
    if (p.dup) flags |= 0x08;
    if (p.retain) flags |= 0x01;
    return packet(header_of(PacketType::publish, flags), body);
}

std::string encode_puback(std::uint16_t packet_id, std::uint8_t reason) {
    std::string body;
    append_u16(body, packet_id);
    if (reason != 0) body += static_cast<char>(reason);  // success may be left out
    return packet(header_of(PacketType::puback), body);
}

std::string encode_pingreq() {
    return packet(header_of(PacketType::pingreq), {});
}

std::string encode_disconnect(std::uint8_t reason) {
    return packet(header_of(PacketType::disconnect),
                  reason == 0 ? std::string() : std::string(1, static_cast<char>(reason)));
}

FrameResult next_frame(std::string_view buffer, std::size_t max_size) {
    if (buffer.empty()) return {};
    const auto header = static_cast<std::uint8_t>(buffer[0]);
    if ((header >> 4) == 0) return {std::nullopt, "packet type 0"};
    std::uint32_t length = 0;
    std::size_t used = 0;
    switch (read_varint(buffer.substr(1), length, used)) {
        case VarintStatus::incomplete:
            return {};
        case VarintStatus::malformed:
            return {std::nullopt, "malformed remaining length"};
        case VarintStatus::ok:
            break;
    }
    const std::size_t size = 1 + used + length;
    if (size > max_size)
        return {std::nullopt, "a packet of " + std::to_string(size) + " bytes, over the limit of " +
                                  std::to_string(max_size)};
    if (buffer.size() < size) return {};
    return {Frame{header, buffer.substr(1 + used, length), size}, {}};
}

Decoded decode(const Frame& f) {
    const auto type = f.type();
    const bool known = type == PacketType::connack || type == PacketType::publish ||
                       type == PacketType::puback || type == PacketType::suback ||
                       type == PacketType::unsuback || type == PacketType::pingresp ||
                       type == PacketType::disconnect;
    if (!known) return fail("unexpected packet type " + std::to_string(f.header >> 4));
    // Only PUBLISH has flags; in the others they are reserved and 0.
    if (type != PacketType::publish && (f.header & 0x0F) != 0)
        return fail("reserved flags set on packet type " + std::to_string(f.header >> 4));
    switch (type) {
        case PacketType::connack:
            return decode_connack(f);
        case PacketType::publish:
            return decode_publish(f);
        case PacketType::puback:
            return decode_puback(f);
        case PacketType::suback:
            return decode_sub_ack<Suback>(f, "SUBACK");
        case PacketType::unsuback:
            return decode_sub_ack<Unsuback>(f, "UNSUBACK");
        case PacketType::pingresp:
            if (!f.body.empty()) return fail("PINGRESP with a body");
            return {Pingresp{}, {}};
        default:
            return decode_disconnect(f);
    }
}

}  // namespace mqchat::mqtt

// Fuzzes the MQTT 5 reader of mqchatd's own client with a byte stream as a
// broker could send it: framing never reads past the input, decoding never
// throws and answers a packet or a problem, and every decoded PUBLISH,
// PUBACK and DISCONNECT encodes back to bytes that decode the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/mqtt_packet.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace mqchat::mqtt;

namespace {

constexpr std::size_t kMaxPacket = 64 * 1024;

Decoded decode_encoded(const std::string& wire) {
    const auto again = next_frame(wire, kMaxPacket + 16);
    FUZZ_CHECK(again.frame && again.frame->size == wire.size(), "re-encoded packet does not frame");
    return decode(*again.frame);
}

void check_round_trip(const Inbound& packet) {
    if (const auto* p = std::get_if<Publish>(&packet)) {
        FUZZ_CHECK(p->qos <= 1 && (p->qos == 0) == (p->packet_id == 0), "impossible PUBLISH");
        const auto back = decode_encoded(encode_publish(*p));
        FUZZ_CHECK(back.packet && std::get_if<Publish>(&*back.packet) &&
                       std::get<Publish>(*back.packet) == *p,
                   "PUBLISH does not round-trip: " + back.problem);
    } else if (const auto* a = std::get_if<Puback>(&packet)) {
        const auto back = decode_encoded(encode_puback(a->packet_id, a->reason));
        FUZZ_CHECK(back.packet && std::get_if<Puback>(&*back.packet) &&
                       std::get<Puback>(*back.packet).packet_id == a->packet_id &&
                       std::get<Puback>(*back.packet).reason == a->reason,
                   "PUBACK does not round-trip");
    } else if (const auto* d = std::get_if<Disconnect>(&packet)) {
        const auto back = decode_encoded(encode_disconnect(d->reason));
        FUZZ_CHECK(back.packet && std::get_if<Disconnect>(&*back.packet) &&
                       std::get<Disconnect>(*back.packet).reason == d->reason,
                   "DISCONNECT does not round-trip");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    while (!rest.empty()) {
        const FrameResult r = next_frame(rest, kMaxPacket);
        if (!r.problem.empty()) {
            FUZZ_CHECK(!r.frame, "a frame and a problem");
            break;
        }
        if (!r.frame) break;  // incomplete: a socket would wait for more
        const Frame& f = *r.frame;
        FUZZ_CHECK(f.size >= 2 && f.size <= rest.size() && f.size <= kMaxPacket, "frame size");
        FUZZ_CHECK(
            f.body.data() >= rest.data() && f.body.data() + f.body.size() == rest.data() + f.size,
            "frame body outside the frame");
        const Decoded d = decode(f);  // an exception aborts the run
        FUZZ_CHECK(d.packet.has_value() != !d.problem.empty(),
                   "neither or both of packet and problem");
        if (d.packet) check_round_trip(*d.packet);
        rest.remove_prefix(f.size);
    }
    return 0;
}

// Fuzzes the front's WebSocket frame decoder (and the MQTT CONNECT reader
// behind it): any client bytes, split at fuzzed points and decoded with a
// fuzzed amount of room, give the same payload and the same verdict.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "server/wire/mqtt_connect.hpp"
#include "server/wire/websocket.hpp"

using namespace mqchat::server::wire;

namespace {

struct Decoded {
    std::string payload;
    std::string controls;  // opcode and payload of each control frame
    int failure = 0;
};

// Decodes until a failure, a close frame or no more progress.
Decoded decode_all(const std::string& bytes, std::size_t chunk, std::size_t room) {
    WsDecoder d;
    Decoded out;
    std::string pending;
    for (std::size_t at = 0;;) {
        const std::size_t take = std::min(chunk, bytes.size() - at);
        pending.append(bytes, at, take);
        at += take;
        for (;;) {
            const std::size_t before = out.payload.size();
            const auto r = d.decode(pending, out.payload, room);
            FUZZ_CHECK(r.consumed <= pending.size(), "consumed more than given");
            FUZZ_CHECK(out.payload.size() - before <= room, "more payload than room");
            pending.erase(0, r.consumed);
            if (r.failure) {
                out.failure = *r.failure;
                return out;
            }
            if (r.control) {
                FUZZ_CHECK(r.control->payload.size() <= 125, "long control payload");
                out.controls += std::to_string(static_cast<int>(r.control->opcode)) + ":" +
                                r.control->payload + ";";
                if (r.control->opcode == WsOpcode::close) return out;
            }
            if (r.consumed == 0) break;
        }
        if (at == bytes.size()) return out;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const std::size_t chunk = in.ConsumeIntegralInRange<std::size_t>(1, 300);
    const std::size_t room = in.ConsumeIntegralInRange<std::size_t>(1, 70000);
    const std::string bytes = in.ConsumeRemainingBytesAsString();

    const Decoded reference = decode_all(bytes, bytes.size() + 1, 1 << 20);
    const Decoded split = decode_all(bytes, chunk, room);
    // Less room or smaller reads only delay the same bytes; a violation
    // shows up at the same frame either way.
    FUZZ_CHECK(split.failure == reference.failure, "verdict depends on the split");
    FUZZ_CHECK(split.controls == reference.controls, "control frames depend on the split");
    if (split.failure == 0)
        FUZZ_CHECK(split.payload == reference.payload, "payload depends on the split");

    // What the broker would get first: the CONNECT reader on the payload.
    const FirstPacket p = read_first_packet(reference.payload);
    if (p.status == FirstPacketStatus::connect) {
        FUZZ_CHECK(p.size <= reference.payload.size() && p.size <= kMaxConnectBytes, "size");
        const int level = p.connect.protocol_level;
        FUZZ_CHECK(level == 3 || level == 4 || level == 5, std::to_string(level));
        (void)connack_refusal(level, ConnectRefusal::server_unavailable);
    }

    // The server's own frames decode back once masked like a client's.
    std::string frame;
    append_ws_frame(frame, WsOpcode::binary, bytes);
    FUZZ_CHECK(frame.size() >= bytes.size() + 2 && frame.size() <= bytes.size() + 10, "framing");
    return 0;
}

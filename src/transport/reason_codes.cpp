// Names of MQTT 5 reason codes for error messages.
#include <cstdio>
#include <string>

#include "mqtt_transport.hpp"

namespace mqchat::transport {

std::string reason_text(int code) {
    const char* name = nullptr;
    switch (code) {
        case 0x00:
            name = "success";
            break;
        case 0x10:
            name = "no matching subscribers";
            break;
        case 0x80:
            name = "unspecified error";
            break;
        case 0x81:
            name = "malformed packet";
            break;
        case 0x82:
            name = "protocol error";
            break;
        case 0x83:
            name = "implementation specific error";
            break;
        case 0x84:
            name = "unsupported protocol version";
            break;
        case 0x85:
            name = "client identifier not valid";
            break;
        case 0x86:
            name = "bad user name or password";
            break;
        case 0x87:
            name = "not authorized";
            break;
        case 0x88:
            name = "server unavailable";
            break;
        case 0x89:
            name = "server busy";
            break;
        case 0x8A:
            name = "banned";
            break;
        case 0x8B:
            name = "server shutting down";
            break;
        case 0x8C:
            name = "bad authentication method";
            break;
        case 0x8D:
            name = "keep alive timeout";
            break;
        case 0x8E:
            name = "session taken over";
            break;
        case 0x8F:
            name = "topic filter invalid";
            break;
        case 0x90:
            name = "topic name invalid";
            break;
        case 0x93:
            name = "receive maximum exceeded";
            break;
        case 0x95:
            name = "packet too large";
            break;
        case 0x96:
            name = "message rate too high";
            break;
        case 0x97:
            name = "quota exceeded";
            break;
        case 0x98:
            name = "administrative action";
            break;
        case 0x99:
            name = "payload format invalid";
            break;
        case 0x9C:
            name = "use another server";
            break;
        case 0x9D:
            name = "server moved";
            break;
        case 0x9F:
            name = "connection rate exceeded";
            break;
        case 0xA0:
            name = "maximum connect time";
            break;
        default:
            name = "reason";
            break;
    }
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(code) & 0xFFU);
    return std::string(name) + " (" + hex + ")";
}

}  // namespace mqchat::transport

// Finds and loads libmqchat_paho.so, the Paho transport for TLS and
// WebSockets, when a connection first needs it. Linked in, Paho and OpenSSL
// were mapped at every start (about 1.3 ms of a one-shot send that takes 3)
// for plain mqtt:// connections, which mqchat's own client serves.
#include <dlfcn.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "mqtt_transport.hpp"
#include "platform/environment.hpp"

// The installed module, from CMake; beside the executable is tried first.
#ifndef MQCHAT_PAHO_INSTALL_PATH
#define MQCHAT_PAHO_INSTALL_PATH ""
#endif

namespace mqchat::transport {
namespace {

constexpr const char* kModuleName = "libmqchat_paho.so";
using Factory = MqttTransport* (*)(EventSink*, bool);

std::atomic<bool> ends_with_process{false};

struct Module {
    Factory factory = nullptr;
    std::string problem;  // when factory is null: why, one line
};

Module load_module() {
    Module m;
    std::string tried;
    for (const auto& path : platform::module_candidates(platform::own_executable_dir(), kModuleName,
                                                        MQCHAT_PAHO_INSTALL_PATH)) {
        tried += (tried.empty() ? "" : ", ") + path;
        if (!std::filesystem::exists(path)) continue;
        // Never closed: Paho's threads may outlive the last transport.
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            const char* why = ::dlerror();
            m.problem = "cannot load " + path + ": " + (why ? why : "unknown error");
            return m;
        }
        m.factory = reinterpret_cast<Factory>(::dlsym(handle, "mqchat_make_paho_transport"));
        if (!m.factory) m.problem = path + " is not mqchat's Paho transport";
        return m;
    }
    m.problem = std::string("TLS and WebSocket brokers need ") + kModuleName +
                ", which is in none of: " + tried;
    return m;
}

}  // namespace

void end_paho_with_process() {
    ends_with_process = true;
}

std::unique_ptr<MqttTransport> make_paho_transport(EventSink sink) {
    static const Module module = load_module();  // once, thread-safe
    if (!module.factory) throw TransportUnavailable(module.problem);
    return std::unique_ptr<MqttTransport>(module.factory(&sink, ends_with_process.load()));
}

}  // namespace mqchat::transport

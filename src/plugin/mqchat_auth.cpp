// libmqchat_auth.so: the thin Mosquitto 2.0 (plugin API v5) glue around the
// decisions in policy.hpp and state.hpp. It translates events, passes the
// time in, writes the log lines and performs the kicks; it decides nothing.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include <chrono>
#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "config.hpp"
#include "policy.hpp"
#include "state.hpp"

#define MQCHAT_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using namespace mqchat::plugin;

struct Module {
    Module(mosquitto_plugin_id_t* identifier, Config config)
        : id(identifier), state(std::move(config)) {}

    mosquitto_plugin_id_t* id;
    State state;
};

Now now() {
    const auto mono = std::chrono::steady_clock::now().time_since_epoch();
    return {static_cast<std::int64_t>(std::time(nullptr)),
            std::chrono::duration_cast<std::chrono::milliseconds>(mono).count()};
}

int mosquitto_level(LogLevel level) {
    switch (level) {
        case LogLevel::info:
            return MOSQ_LOG_INFO;
        case LogLevel::notice:
            return MOSQ_LOG_NOTICE;
        case LogLevel::warning:
            return MOSQ_LOG_WARNING;
    }
    return MOSQ_LOG_NOTICE;
}

// Writes the state-change lines the last event produced.
void flush_log(State& state) {
    for (const LogLine& line : state.take_log())
        mosquitto_log_printf(mosquitto_level(line.level), "mqchat_auth: %s", line.text.c_str());
}

std::optional<std::string_view> optional_text(const char* text) {
    if (!text) return std::nullopt;
    return std::string_view(text);
}

std::string client_label(const mosquitto* client) {
    const char* id = mosquitto_client_id(client);
    const char* user = mosquitto_client_username(client);
    return "client \"" + log_safe(id ? id : "") + "\" (user \"" + log_safe(user ? user : "") +
           "\")";
}

std::optional<Access> access_of(int mosquitto_access) {
    switch (mosquitto_access) {
        case MOSQ_ACL_READ:
            return Access::read;
        case MOSQ_ACL_WRITE:
            return Access::write;
        case MOSQ_ACL_SUBSCRIBE:
            return Access::subscribe;
        case MOSQ_ACL_UNSUBSCRIBE:
            return Access::unsubscribe;
        default:
            return std::nullopt;
    }
}

std::string_view payload_of(const void* payload, std::uint32_t length) {
    if (!payload) return {};
    return {static_cast<const char*>(payload), length};
}

std::string_view text_of(const char* text) {
    return text ? std::string_view(text) : std::string_view();
}

// An exception must never unwind into the broker's C code: the callbacks
// catch everything and refuse.
void log_failure(const char* where, const std::exception* e) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "mqchat_auth: %s failed: %s", where,
                         e ? e->what() : "unknown error");
}

int on_basic_auth(int, void* event_data, void* userdata) try {
    auto* event = static_cast<mosquitto_evt_basic_auth*>(event_data);
    State& state = static_cast<Module*>(userdata)->state;
    const char* client_id = mosquitto_client_id(event->client);
    const AuthResult result =
        state.connect(event->client, optional_text(event->username), optional_text(event->password),
                      client_id ? client_id : "", now());
    flush_log(state);
    if (!result.session) {
        mosquitto_log_printf(MOSQ_LOG_NOTICE, "mqchat_auth: refused %s: %s",
                             client_label(event->client).c_str(), result.refusal.c_str());
        return MOSQ_ERR_AUTH;
    }
    return MOSQ_ERR_SUCCESS;
} catch (const std::exception& e) {
    log_failure("CONNECT check", &e);
    return MOSQ_ERR_AUTH;
} catch (...) {
    log_failure("CONNECT check", nullptr);
    return MOSQ_ERR_AUTH;
}

int on_acl_check(int, void* event_data, void* userdata) try {
    auto* event = static_cast<mosquitto_evt_acl_check*>(event_data);
    State& state = static_cast<Module*>(userdata)->state;
    const auto access = access_of(event->access);
    if (!access || !event->topic) return MOSQ_ERR_ACL_DENIED;
    AclRequest request;
    request.access = *access;
    request.topic = event->topic;
    request.retain = event->retain;
    request.payload = payload_of(event->payload, event->payloadlen);
    request.username = text_of(mosquitto_client_username(event->client));
    request.client_id = text_of(mosquitto_client_id(event->client));
    const Decision d = state.acl(event->client, request, now());
    flush_log(state);
    if (d) return MOSQ_ERR_SUCCESS;
    if (d.quiet) return MOSQ_ERR_ACL_DENIED;
    // Deliveries are checked one by one: their refusals would flood the log.
    mosquitto_log_printf(*access == Access::read ? MOSQ_LOG_DEBUG : MOSQ_LOG_NOTICE,
                         "mqchat_auth: denied %s %s \"%s\": %s",
                         client_label(event->client).c_str(),
                         *access == Access::subscribe ? "subscribe to"
                         : *access == Access::write   ? "publish on"
                                                      : "delivery of",
                         log_safe(event->topic, 200).c_str(), d.reason.c_str());
    return MOSQ_ERR_ACL_DENIED;
} catch (const std::exception& e) {
    log_failure("ACL check", &e);
    return MOSQ_ERR_ACL_DENIED;
} catch (...) {
    log_failure("ACL check", nullptr);
    return MOSQ_ERR_ACL_DENIED;
}

// Runs after the WRITE ACL check (which already checked the sender); checks
// the payload the broker is about to route, never changes the topic, and
// applies mqchatd's control messages. MOSQ_ERR_ACL_DENIED makes 2.0.11
// answer PUBACK/PUBREC 0x87; MOSQ_ERR_SUCCESS routes the message (a control
// message reaches nobody: nobody may subscribe to its topic).
int on_message(int, void* event_data, void* userdata) try {
    auto* event = static_cast<mosquitto_evt_message*>(event_data);
    State& state = static_cast<Module*>(userdata)->state;
    if (!event->client) return MOSQ_ERR_SUCCESS;  // the broker's own messages
    const Decision d = state.message(event->client, event->topic ? event->topic : "",
                                     payload_of(event->payload, event->payloadlen), now());
    flush_log(state);
    if (d) return MOSQ_ERR_SUCCESS;
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "mqchat_auth: refused message from %s: %s",
                         client_label(event->client).c_str(), d.reason.c_str());
    return MOSQ_ERR_ACL_DENIED;
} catch (const std::exception& e) {
    log_failure("message check", &e);
    return MOSQ_ERR_ACL_DENIED;
} catch (...) {
    log_failure("message check", nullptr);
    return MOSQ_ERR_ACL_DENIED;
}

// Mosquitto 2.0.11 ticks about ten times a second (and after network events).
// A kick runs on_disconnect for that client before it returns: safe, as
// the state has already handed its list of kicks over.
int on_tick(int, void*, void* userdata) try {
    State& state = static_cast<Module*>(userdata)->state;
    const std::vector<std::string> kicks = state.tick(now());
    flush_log(state);
    for (const std::string& client_id : kicks)
        mosquitto_kick_client_by_clientid(client_id.c_str(), false);
    return MOSQ_ERR_SUCCESS;
} catch (const std::exception& e) {
    log_failure("expiry check", &e);
    return MOSQ_ERR_SUCCESS;
} catch (...) {
    log_failure("expiry check", nullptr);
    return MOSQ_ERR_SUCCESS;
}

int on_disconnect(int, void* event_data, void* userdata) {
    auto* event = static_cast<mosquitto_evt_disconnect*>(event_data);
    static_cast<Module*>(userdata)->state.disconnect(event->client);
    return MOSQ_ERR_SUCCESS;
}

struct Callback {
    int event;
    MOSQ_FUNC_generic_callback function;
};

constexpr Callback kCallbacks[] = {
    {MOSQ_EVT_BASIC_AUTH, on_basic_auth}, {MOSQ_EVT_ACL_CHECK, on_acl_check},
    {MOSQ_EVT_MESSAGE, on_message},       {MOSQ_EVT_TICK, on_tick},
    {MOSQ_EVT_DISCONNECT, on_disconnect},
};

void unregister_all(Module& module) {
    for (const Callback& c : kCallbacks)
        mosquitto_callback_unregister(module.id, c.event, c.function, nullptr);
}

}  // namespace

MQCHAT_PLUGIN_EXPORT int mosquitto_plugin_version(int, const int*) {
    return 5;
}

MQCHAT_PLUGIN_EXPORT int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** userdata,
                                               struct mosquitto_opt* options,
                                               int option_count) try {
    Options pairs;
    for (int i = 0; i < option_count; ++i)
        pairs.emplace_back(options[i].key ? options[i].key : "",
                           options[i].value ? options[i].value : "");
    auto loaded = load_config(pairs);
    if (const auto* problem = std::get_if<std::string>(&loaded)) {
        mosquitto_log_printf(MOSQ_LOG_ERR, "mqchat_auth: %s", problem->c_str());
        return MOSQ_ERR_INVAL;
    }
    auto module = std::make_unique<Module>(identifier, std::move(std::get<Config>(loaded)));
    for (const Callback& c : kCallbacks) {
        if (mosquitto_callback_register(identifier, c.event, c.function, nullptr, module.get()) !=
            MOSQ_ERR_SUCCESS) {
            mosquitto_log_printf(MOSQ_LOG_ERR, "mqchat_auth: cannot register callback %d", c.event);
            unregister_all(*module);
            return MOSQ_ERR_UNKNOWN;
        }
    }
    const Config& config = module->state.config();
    const std::string rate = config.user_rate.per_second == 0
                                 ? std::string("unlimited")
                                 : std::to_string(config.user_rate.per_second) + "/s, burst " +
                                       std::to_string(config.user_rate.burst);
    mosquitto_log_printf(MOSQ_LOG_INFO,
                         "mqchat_auth: checking tokens (issuer \"%s\", audience \"%s\"), "
                         "service login %s, user publish rate %s",
                         log_safe(config.issuer).c_str(), log_safe(config.audience).c_str(),
                         config.service_key.empty() ? "off" : "on", rate.c_str());
    *userdata = module.release();
    return MOSQ_ERR_SUCCESS;
} catch (const std::exception& e) {
    log_failure("plugin start", &e);
    return MOSQ_ERR_UNKNOWN;
}

MQCHAT_PLUGIN_EXPORT int mosquitto_plugin_cleanup(void* userdata, struct mosquitto_opt*, int) {
    std::unique_ptr<Module> module(static_cast<Module*>(userdata));
    if (module) unregister_all(*module);
    return MOSQ_ERR_SUCCESS;
}

// Payload encoding and the tolerant multi-dialect reader.
#include "payload_codec.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "json_text.hpp"
#include "message_id.hpp"
#include "time_format.hpp"
#include "utf8.hpp"

namespace mqchat {
namespace {

using nlohmann::json;

// A reason the object could not be read, or the message it held.
struct ObjectResult {
    std::optional<Message> message;
    std::string problem;
};

ObjectResult fail(std::string problem) {
    return {std::nullopt, std::move(problem)};
}

// Reads an optional string member; false when present with another type.
bool optional_string(const json& obj, const char* key, std::string& out) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
}

// A timestamp given as ms since the epoch (integer or float) or ISO-8601 text.
std::optional<std::int64_t> read_time(const json& value) {
    if (value.is_number_integer()) {
        if (value.is_number_unsigned()) {
            const auto v = value.get<std::uint64_t>();
            if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                return std::nullopt;
            return static_cast<std::int64_t>(v);
        }
        return value.get<std::int64_t>();
    }
    if (value.is_number_float()) {
        const double d = value.get<double>();
        if (!std::isfinite(d) || std::fabs(d) > 9e15) return std::nullopt;
        return static_cast<std::int64_t>(std::floor(d));
    }
    if (value.is_string()) return parse_iso8601_ms(value.get_ref<const std::string&>());
    return std::nullopt;
}

bool usable_id(const std::string& id) {
    if (id.empty() || id.size() > kMaxIdLength) return false;
    for (unsigned char c : id)
        if (c < 0x21 || c > 0x7E) return false;
    return true;
}

// Gives the message its payload id, or a derived one. With a timestamp in the
// payload every reader derives the same id, so redeliveries collapse; without
// one the receive time goes in, so two people saying "ok" stay two messages.
void settle_identity(Message& m, const std::string& payload_id, std::int64_t payload_time,
                     std::int64_t received_ms, bool has_time) {
    m.timestamp = has_time ? payload_time : received_ms;
    m.id = usable_id(payload_id) ? payload_id : derive_message_id(m.user, m.timestamp, m.text);
}

// Canonical payloads and seed 000's {user, text, timestamp}.
ObjectResult read_canonical(const json& obj, std::int64_t received_ms) {
    Message m;
    if (!obj["text"].is_string()) return fail("field \"text\" is not a string");
    m.text = obj["text"].get<std::string>();
    std::string id;
    std::string kind;
    if (!optional_string(obj, "user", m.user)) return fail("field \"user\" is not a string");
    if (!optional_string(obj, "name", m.name)) return fail("field \"name\" is not a string");
    if (!optional_string(obj, "id", id)) return fail("field \"id\" is not a string");
    if (!optional_string(obj, "kind", kind)) return fail("field \"kind\" is not a string");
    if (!optional_string(obj, "reply_to", m.reply_to))
        return fail("field \"reply_to\" is not a string");
    if (kind == "me") m.kind = MessageKind::me;
    std::int64_t time = 0;
    const auto ts = obj.find("timestamp");
    const bool has_time = ts != obj.end() && !ts->is_null();
    if (has_time) {
        const auto t = read_time(*ts);
        if (!t) return fail("field \"timestamp\" is not a time");
        time = *t;
    }
    settle_identity(m, id, time, received_ms, has_time);
    return {std::move(m), {}};
}

// Seed 001's InteractionMessage: user.custom_name, text_message.text, sent_at.
ObjectResult read_interaction(const json& obj, std::int64_t received_ms) {
    const json& body = obj["text_message"];
    if (!body.is_object() || !body.contains("text") || !body["text"].is_string())
        return fail("field \"text_message.text\" is not a string");
    Message m;
    m.text = body["text"].get<std::string>();
    const auto user = obj.find("user");
    if (user != obj.end() && !user->is_null()) {
        if (!user->is_object()) return fail("field \"user\" is not an object");
        if (!optional_string(*user, "custom_name", m.name) || !optional_string(*user, "id", m.user))
            return fail("field \"user\" has a field of the wrong type");
        if (m.user.empty()) m.user = m.name;
    }
    std::string id;
    if (!optional_string(obj, "id", id)) return fail("field \"id\" is not a string");
    std::optional<std::int64_t> time;
    for (const json* holder : {&obj, &body})
        for (const char* key : {"sent_at", "created_at", "published_at", "received_at"})
            if (!time && holder->contains(key)) time = read_time((*holder)[key]);
    settle_identity(m, id, time.value_or(0), received_ms, time.has_value());
    return {std::move(m), {}};
}

ObjectResult read_object(const json& value, std::int64_t received_ms) {
    if (!value.is_object()) return fail("an array entry is not an object");
    if (value.contains("text_message")) return read_interaction(value, received_ms);
    if (value.contains("text")) return read_canonical(value, received_ms);
    std::string keys;
    for (const auto& item : value.items()) {
        if (keys.size() > 40) {
            keys += ", …";
            break;
        }
        keys += (keys.empty() ? "" : ", ") + item.key();
    }
    return fail("JSON object without a \"text\" field" +
                (keys.empty() ? "" : " (fields: " + keys + ")"));
}

DecodeResult read_array(const json& array, std::int64_t received_ms) {
    DecodeResult result;
    std::size_t bad = 0;
    std::string first_problem;
    for (const auto& entry : array) {
        auto r = read_object(entry, received_ms);
        if (r.message) {
            result.messages.push_back(std::move(*r.message));
        } else if (bad++ == 0) {
            first_problem = r.problem;
        }
    }
    if (array.empty()) result.notice = "unreadable payload: empty JSON array";
    if (bad > 0)
        result.notice = "unreadable payload: " + std::to_string(bad) + " of " +
                        std::to_string(array.size()) + " array entries skipped (" + first_problem +
                        ")";
    return result;
}

DecodeResult plain_text(std::string_view payload, std::int64_t received_ms) {
    while (!payload.empty() && (payload.back() == '\n' || payload.back() == '\r'))
        payload.remove_suffix(1);
    Message m;
    m.text = std::string(payload);
    settle_identity(m, {}, 0, received_ms, false);
    return {{std::move(m)}, {}};
}

DecodeResult notice(std::string text) {
    return {{}, "unreadable payload: " + std::move(text)};
}

std::string size_text(std::size_t bytes) {
    return std::to_string(bytes) + " bytes";
}

}  // namespace

std::string encode_payload(const Message& m) {
    std::string out;
    out.reserve(m.text.size() + m.user.size() + m.name.size() + 96);
    out += "{\"id\":";
    append_json_string(out, m.id);
    out += ",\"user\":";
    append_json_string(out, m.user);
    if (!m.name.empty()) {
        out += ",\"name\":";
        append_json_string(out, m.name);
    }
    out += ",\"text\":";
    append_json_string(out, m.text);
    out += ",\"timestamp\":";
    out += std::to_string(m.timestamp);
    if (m.kind == MessageKind::me) out += ",\"kind\":\"me\"";
    if (!m.reply_to.empty()) {
        out += ",\"reply_to\":";
        append_json_string(out, m.reply_to);
    }
    out += '}';
    return out;
}

DecodeResult decode_payload(std::string_view payload, std::int64_t received_ms) {
    if (payload.empty()) return notice("empty message");
    if (payload.size() > kMaxPayloadBytes)
        return notice("too large (" + size_text(payload.size()) + ", limit " +
                      size_text(kMaxPayloadBytes) + ")");
    if (payload.find('\0') != std::string_view::npos)
        return notice("binary data (" + size_text(payload.size()) + ")");
    if (!utf8::is_valid(payload))
        return notice("not UTF-8 text (" + size_text(payload.size()) + ")");
    if (payload.substr(0, 3) == "\xEF\xBB\xBF")
        payload.remove_prefix(3);  // a byte order mark from Windows tools
    const auto first = payload.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return notice("only white space");
    if (payload[first] != '{' && payload[first] != '[') return plain_text(payload, received_ms);
    if (!json_nesting_within(payload, kMaxJsonDepth))
        return notice("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    const json value = json::parse(payload, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) return plain_text(payload, received_ms);  // "[wip] fixing the build"
    if (value.is_array()) return read_array(value, received_ms);
    auto r = read_object(value, received_ms);
    if (!r.message) return notice(r.problem);
    return {{std::move(*r.message)}, {}};
}

DecodeResult decode_message_array(std::string_view json_text, std::int64_t received_ms) {
    if (!utf8::is_valid(json_text)) return notice("history is not UTF-8 text");
    if (!json_nesting_within(json_text, kMaxJsonDepth)) return notice("history nested too deeply");
    const json value = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded() || !value.is_array()) return notice("history is not a JSON array");
    if (value.empty()) return {};
    return read_array(value, received_ms);
}

}  // namespace mqchat

// The outbox directory: one JSON file per unacknowledged message.
#include "outbox.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/payload_codec.hpp"
#include "core/room_name.hpp"
#include "platform/environment.hpp"
#include "platform/private_files.hpp"

namespace mqchat::app {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxEntryBytes = 2 * kMaxPayloadBytes;
constexpr std::size_t kMaxEntries = 10000;

bool usable_file_id(const std::string& id) {
    if (id.empty() || id.size() > kMaxIdLength) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
               c == '_' || c == '-';
    });
}

}  // namespace

Outbox::Outbox(std::string dir) : dir_(std::move(dir)) {}

Outbox Outbox::at_default_path() {
    return Outbox(platform::state_home() + "/mqchat/outbox");
}

std::string Outbox::path_of(const std::string& message_id) const {
    return dir_ + "/" + message_id + ".json";
}

std::string Outbox::save(const OutboxEntry& e) const {
    if (!usable_file_id(e.message_id)) return "message id unusable as a file name";
    const json j = {{"room", e.room}, {"id", e.message_id}, {"payload", e.payload}};
    return platform::write_private_file(path_of(e.message_id),
                                        j.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::vector<OutboxEntry> Outbox::load(std::vector<std::string>& problems) const {
    std::vector<std::string> ids;
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(dir_, ec)) {
        const std::string name = f.path().filename().string();
        if (!name.ends_with(".json")) continue;
        const std::string id = name.substr(0, name.size() - 5);
        if (usable_file_id(id)) ids.push_back(id);
        if (ids.size() >= kMaxEntries) break;
    }
    std::sort(ids.begin(), ids.end());
    std::vector<OutboxEntry> entries;
    for (const auto& id : ids) {
        std::string error;
        const auto text = platform::read_private_file(path_of(id), kMaxEntryBytes, error);
        if (!text) continue;
        const json j = json::parse(*text, nullptr, false);
        if (!error.empty() || j.is_discarded() || !j.is_object() || !j.contains("room") ||
            !j["room"].is_string() || !j.contains("payload") || !j["payload"].is_string() ||
            !is_valid_room_name(j["room"].get<std::string>())) {
            problems.push_back(path_of(id) + " is not a readable outbox entry; left alone");
            continue;
        }
        entries.push_back({j["room"].get<std::string>(), id, j["payload"].get<std::string>()});
    }
    return entries;
}

void Outbox::remove(const std::string& message_id) const {
    if (usable_file_id(message_id)) ::unlink(path_of(message_id).c_str());
}

}  // namespace mqchat::app

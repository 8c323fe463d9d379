// The chat's message log files.
#include "chat_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "core/line_format.hpp"
#include "core/payload_codec.hpp"
#include "platform/environment.hpp"
#include "platform/private_files.hpp"

namespace mqchat::app {

ChatLog::ChatLog(std::string dir) : dir_(std::move(dir)) {
    if (!dir_.empty()) problem_ = platform::make_private_dirs(dir_);
}

ChatLog::~ChatLog() {
    for (const auto& [room, fd] : files_)
        if (fd >= 0) ::close(fd);
}

void ChatLog::write_message(const std::string& room, const Message& m) {
    if (dir_.empty()) return;
    append(room, m.id, render_json_line(m));
}

void ChatLog::write(const std::string& room, const std::string& payload, const std::string& id) {
    if (dir_.empty()) return;
    const auto decoded = decode_payload(payload, platform::now_ms());
    for (const auto& m : decoded.messages)
        if (m.id == id) append(room, id, render_json_line(m));
}

// One write per line with O_APPEND: a reader never sees half a line.
void ChatLog::append(const std::string& room, const std::string& id, const std::string& line) {
    if (!written_[room].insert(id)) return;
    auto it = files_.find(room);
    if (it == files_.end()) {
        const std::string path = dir_ + "/" + room + ".jsonl";
        it = files_
                 .emplace(room,
                          ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600))
                 .first;
    }
    if (it->second < 0) return;
    [[maybe_unused]] const auto n = ::write(it->second, line.data(), line.size());
}

}  // namespace mqchat::app

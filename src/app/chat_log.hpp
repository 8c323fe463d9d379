// chat --log DIR: every message the chat shows, appended once to
// DIR/<room>.jsonl as one canonical JSON object a line (the --tail --json
// format), like an IRC client's log; files 0600, the directory 0700.
#pragma once

#include <map>
#include <string>

#include "core/message.hpp"
#include "core/recent_ids.hpp"

namespace mqchat::app {

class ChatLog {
  public:
    explicit ChatLog(std::string dir);  // empty: no log
    ~ChatLog();
    ChatLog(const ChatLog&) = delete;
    ChatLog& operator=(const ChatLog&) = delete;
    // Why the log cannot be written (checked at start), or "".
    const std::string& problem() const { return problem_; }
    void write_message(const std::string& room, const Message& m);
    // Our own message, as published.
    void write(const std::string& room, const std::string& payload, const std::string& id);

  private:
    void append(const std::string& room, const std::string& id, const std::string& line);

    std::string dir_;
    std::string problem_;
    std::map<std::string, RecentIds> written_;  // per room
    std::map<std::string, int> files_;          // per room, open for appending
};

}  // namespace mqchat::app

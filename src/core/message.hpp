// The chat message as mqchat understands it, whatever dialect it arrived in.
#pragma once

#include <cstdint>
#include <string>

namespace mqchat {

enum class MessageKind {
    text,    // an ordinary message
    me,      // a /me action: "* alice waves"
    notice,  // not from a person: mqchat's note about an unreadable payload
};

struct Message {
    std::string id;              // unique, <= 64 bytes; the key for de-duplication
    std::string user;            // sender's account id; empty for an unknown sender
    std::string name;            // display name, optional
    std::string text;            // raw text as sent: sanitize before display
    std::int64_t timestamp = 0;  // ms since the epoch, sender's clock
    MessageKind kind = MessageKind::text;
    std::string reply_to;  // optional id of the message this answers

    // The name to show: the display name, else the account id, else "?".
    const std::string& shown_name() const;
};

inline constexpr std::size_t kMaxIdLength = 64;
inline constexpr std::size_t kMaxPayloadBytes = 64 * 1024;

}  // namespace mqchat

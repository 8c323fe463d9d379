// Small behaviour of the message model.
#include "message.hpp"

namespace mqchat {

const std::string& Message::shown_name() const {
    static const std::string unknown = "?";
    if (!name.empty()) return name;
    if (!user.empty()) return user;
    return unknown;
}

}  // namespace mqchat

// A message the user sent, from the moment it is written until the broker
// acknowledges it: the one type for it, from the chat model's publish action
// through the outbox to the broker.
#pragma once

#include <cstddef>
#include <string>

namespace mqchat {

struct OutgoingMessage {
    std::string room;
    std::string id;                 // the message id, also inside the payload
    std::string payload;            // the canonical payload, exactly as published
    std::size_t line = 0;           // --send -: the input line it came from (0: none)
    bool from_earlier_run = false;  // adopted from a run that ended first: no line of ours
};

}  // namespace mqchat

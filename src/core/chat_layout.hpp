// Lays the chat out into a Screen: header, message pane (wrapped by display
// width, newest at the bottom), status line and input line. Pure: the same
// model and size always give the same screen, so layouts are golden tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chat_model.hpp"
#include "screen.hpp"

namespace mqchat {

// Mutable only for the input line's horizontal scroll position.
Screen layout_chat(ChatModel& model, int width, int height, std::int64_t now_ms,
                   LayoutReport& report);

// Sanitized text cut into rows: the first `first_width` columns wide, the rest
// `next_width`; breaks at spaces where it can, inside words where it must,
// never inside a character; '\n' forces a break.
std::vector<std::string> wrap_text(std::string_view sanitized, int first_width, int next_width);

// 1..kNickColors, stable for a user id.
int nick_color_index(std::string_view user);

}  // namespace mqchat

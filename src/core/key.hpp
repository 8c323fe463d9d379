// A key press as the chat screen understands it, independent of the terminal
// library that decoded it (the ncurses adapter produces these; tests build
// them by hand).
#pragma once

#include <string>

namespace mqchat {

struct Key {
    enum class Kind {
        text,   // `text`: one or more typed characters (UTF-8)
        paste,  // `text`: a bracketed paste, possibly several lines
        ctrl,   // `letter`: Ctrl + 'a'..'z' (Tab, Enter, Backspace are their own kinds)
        alt,    // `letter`: Alt/Meta + a printable ASCII character ('b', 'f', '1'..'9')
        enter,
        tab,
        back_tab,
        backspace,
        del,
        left,
        right,
        up,
        down,
        home,
        end,
        page_up,
        page_down,
        escape,
        wheel_up,
        wheel_down,
    };

    Kind kind = Kind::text;
    std::string text;  // text and paste
    char letter = 0;   // ctrl and alt

    static Key of(Kind kind) { return Key{kind, {}, 0}; }
    static Key typed(std::string text) { return Key{Kind::text, std::move(text), 0}; }
    static Key pasted(std::string text) { return Key{Kind::paste, std::move(text), 0}; }
    static Key control(char letter) { return Key{Kind::ctrl, {}, letter}; }
    static Key meta(char letter) { return Key{Kind::alt, {}, letter}; }

    bool operator==(const Key&) const = default;
};

}  // namespace mqchat

// A frame of the chat screen as plain data: rows of cells with a style, the
// cursor and the terminal title. The layout fills it; the terminal adapter
// only copies it out, so a screen is a golden string in a unit test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mqchat {

// Colours are indexes into a small palette the adapter maps to the terminal's:
// 0 is the terminal's default, 1..6 the nick colours, then named roles.
enum class Color : std::uint8_t {
    normal = 0,
    nick1,
    nick2,
    nick3,
    nick4,
    nick5,
    nick6,
    accent,   // room name, own nick
    good,     // connected, delivered
    warning,  // reconnecting, pending
    error,    // offline, failed sends
};
inline constexpr int kNickColors = 6;

struct Style {
    Color color = Color::normal;
    bool bold = false;
    bool dim = false;
    bool reverse = false;
    bool underline = false;

    bool operator==(const Style&) const = default;
};

// One terminal column. A wide character occupies its cell (width 2) and the
// next one (width 0, empty glyph). An empty glyph with width 1 is a blank.
struct Cell {
    std::string glyph;  // one printable character plus any combining marks, UTF-8
    std::uint8_t width = 1;
    Style style;

    bool operator==(const Cell&) const = default;
};

class Screen {
  public:
    Screen(int width, int height);

    int width() const { return width_; }
    int height() const { return height_; }
    const Cell& at(int row, int col) const { return rows_[row][col]; }
    const std::vector<Cell>& row(int r) const { return rows_[r]; }

    // Writes sanitized text from `col` on, clipping at the right edge (a wide
    // character that does not fit leaves a blank). Returns the column after it.
    int put(int row, int col, std::string_view text, Style style = {});
    // Fills columns [from, to) of `row` with blanks in `style`.
    void fill(int row, int from, int to, Style style = {});

    int cursor_row = 0;
    int cursor_col = 0;
    bool cursor_visible = true;
    std::string title;  // terminal title, from sanitized text only

    // The rows as text, right-trimmed, one per line: for golden tests.
    std::string text() const;

  private:
    int width_;
    int height_;
    std::vector<std::vector<Cell>> rows_;
};

}  // namespace mqchat

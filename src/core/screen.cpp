// The cell buffer: writing text by display width, and its golden-text form.
#include "screen.hpp"

#include <algorithm>

#include "unicode_width.hpp"
#include "utf8.hpp"

namespace mqchat {
namespace {

// Before column `col` is overwritten: a wide character covering it (either
// half) becomes blanks, so no half of a wide character is left behind.
void split_wide(std::vector<Cell>& cells, int col) {
    const auto at = [&](int c) -> Cell& { return cells[static_cast<std::size_t>(c)]; };
    if (at(col).width == 0 && col > 0 && at(col - 1).width == 2) {
        at(col - 1) = Cell{{}, 1, at(col - 1).style};
        at(col) = Cell{{}, 1, at(col).style};
    } else if (at(col).width == 2 && col + 1 < static_cast<int>(cells.size())) {
        at(col + 1) = Cell{{}, 1, at(col + 1).style};
    }
}

}  // namespace

Screen::Screen(int width, int height)
    : width_(std::max(width, 0)),
      height_(std::max(height, 0)),
      rows_(static_cast<std::size_t>(height_),
            std::vector<Cell>(static_cast<std::size_t>(width_))) {}

int Screen::put(int row, int col, std::string_view text, Style style) {
    if (row < 0 || row >= height_) return col;
    auto& cells = rows_[static_cast<std::size_t>(row)];
    Cell* last = nullptr;  // the cell combining marks attach to
    for (std::size_t pos = 0; pos < text.size();) {
        const auto d = utf8::decode(text, pos);
        std::string_view bytes = text.substr(pos, d.length);
        pos += d.length;
        // Sanitized text has none of what follows. If some slips through, a
        // bidi or other invisible character draws nothing, and a control or
        // invalid byte keeps its column but never its bytes: a cell's bytes
        // reach the terminal.
        if (d.valid && unicode::is_invisible(d.codepoint)) continue;
        int w = unicode::codepoint_width(d.codepoint);
        if (w < 0 || !d.valid) {
            w = 1;
            bytes = "\uFFFD";
        }
        if (w == 0) {
            if (last) last->glyph.append(bytes);
            continue;
        }
        if (col < 0) {
            col += w;
            continue;
        }
        if (col + w > width_) {
            if (col < width_) fill(row, col, width_, style);  // a wide char that does not fit
            return width_;
        }
        split_wide(cells, col);
        split_wide(cells, col + w - 1);
        Cell& cell = cells[static_cast<std::size_t>(col)];
        cell = Cell{std::string(bytes), static_cast<std::uint8_t>(w), style};
        if (w == 2) cells[static_cast<std::size_t>(col + 1)] = Cell{{}, 0, style};
        last = &cell;
        col += w;
    }
    return col;
}

void Screen::fill(int row, int from, int to, Style style) {
    if (row < 0 || row >= height_) return;
    auto& cells = rows_[static_cast<std::size_t>(row)];
    from = std::max(from, 0);
    to = std::min(to, width_);
    if (from >= to) return;
    split_wide(cells, from);
    split_wide(cells, to - 1);
    for (int c = from; c < to; ++c)
        cells[static_cast<std::size_t>(c)] = Cell{{}, 1, style};
}

std::string Screen::text() const {
    std::string out;
    for (const auto& cells : rows_) {
        std::string line;
        for (const Cell& c : cells) {
            if (c.width == 0) continue;
            line += c.glyph.empty() ? std::string(" ") : c.glyph;
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out += line;
        out += '\n';
    }
    return out;
}

}  // namespace mqchat

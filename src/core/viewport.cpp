// The scroll viewport of a room: key movements, the anchor, the "N new" count.
#include "viewport.hpp"

#include <algorithm>
#include <iterator>

namespace mqchat {
namespace {

constexpr int kWheelRows = 3;

}  // namespace

int Viewport::page_rows() const {
    return std::max(pane_height_ - 2, 1);  // two rows of the last page stay in view
}

bool Viewport::on_key(const Key& key) {
    switch (key.kind) {
        case Key::Kind::page_up:
            scroll_by(page_rows());
            return true;
        case Key::Kind::page_down:
            scroll_by(-page_rows());
            return true;
        case Key::Kind::wheel_up:
            scroll_by(kWheelRows);
            return true;
        case Key::Kind::wheel_down:
            scroll_by(-kWheelRows);
            return true;
        case Key::Kind::escape:
            follow_newest();
            return true;
        default:
            return false;
    }
}

void Viewport::scroll_by(int rows) {
    if (rows > 0 && scroll_ + rows > max_scroll_) want_older_ = true;
    const int target = std::clamp(scroll_ + rows, 0, std::max(max_scroll_, 0));
    moved_ += target - scroll_;
    scroll_ = target;
    if (scroll_ == 0) {  // back at the newest: follow it again
        anchor_id_.clear();
        moved_ = 0;
        new_below_ = 0;
    }
}

void Viewport::on_new_below() {
    if (scroll_ > 0) ++new_below_;
}

bool Viewport::after_layout(const LayoutReport& report, bool can_fetch_older) {
    if (report.pane_height <= 0) return false;  // too short for a pane: keep the scroll as it was
    pane_height_ = std::max(report.pane_height, 1);
    max_scroll_ = report.max_scroll;
    if (report.scroll >= 0) {  // where the keys' rows took the view, as an anchor
        scroll_ = report.scroll;
        anchor_id_ = report.anchor_id;
        anchor_row_ = report.anchor_row;
        moved_ = 0;
    }
    scroll_ = std::clamp(scroll_, 0, std::max(max_scroll_, 0));
    if (scroll_ == 0) new_below_ = 0;  // e.g. a wider terminal unwrapped the rest
    // The wish lasts while the top is on screen (a page may be loading) and
    // ends when the view leaves it.
    if (!want_older_ || !report.top_visible || !can_fetch_older) {
        if (!report.top_visible) want_older_ = false;
        return false;
    }
    want_older_ = false;
    return true;
}

void Viewport::take_pane(const Viewport& shown) {
    pane_height_ = shown.pane_height_;
    max_scroll_ = shown.max_scroll_;
    want_older_ = shown.want_older_;
}

void ViewPlacement::place(const std::string& id, int first, int count) {
    if (!placed_.empty() && placed_.back().first == first)
        placed_.back().count = count;  // placed again, with its date row
    else
        placed_.push_back({&id, first, count});
    if (!view_.anchored() || id != view_.anchor_id()) return;
    // Keys since the last frame moved the view by rows from the anchor, not
    // from the newest row: what arrived meanwhile does not count.
    from_anchor_ = first + std::clamp(view_.anchor_row(), 0, count - 1) + view_.moved();
}

int ViewPlacement::known_scroll() const {
    if (from_anchor_) return std::max(*from_anchor_, 0);
    return view_.anchored() ? -1 : view_.scroll();
}

int ViewPlacement::scroll(int max_scroll) const {
    // An anchor gone from the scrollback (trimmed) leaves the view at the top.
    const int wanted = from_anchor_.value_or(view_.anchored() ? max_scroll : view_.scroll());
    return std::clamp(wanted, 0, max_scroll);
}

void ViewPlacement::report_view(LayoutReport& report) const {
    report.scroll = scroll(report.max_scroll);
    const auto after = std::upper_bound(placed_.begin(), placed_.end(), report.scroll,
                                        [](int row, const Placed& p) { return row < p.first; });
    if (report.scroll == 0 || after == placed_.begin()) return;  // following: no anchor
    const Placed& bottom = *std::prev(after);
    if (report.scroll >= bottom.first + bottom.count) return;  // past the last row placed
    report.anchor_id = *bottom.id;
    report.anchor_row = report.scroll - bottom.first;
}

}  // namespace mqchat

// Where one room's message pane looks: following the newest row, or anchored to
// a message's row while scrolled up; how keys move it and what it asks for.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "key.hpp"

namespace mqchat {

// What the layout reports back after drawing: used to clamp scrolling and to
// fetch older history when the top of the loaded messages came into view.
struct LayoutReport {
    int pane_height = 0;
    int max_scroll = 0;        // rows above the pane at most (all loaded history)
    bool top_visible = false;  // the oldest loaded message is on screen
    int scroll = -1;           // rows scrolled up as drawn (anchored); -1: not drawn
    std::string anchor_id{};   // the message on the bottom row while scrolled up
    int anchor_row = 0;
};

// One per room. Scrolled up, the view is held by the message on its bottom
// row (and which of that message's rows), not by a count of rows from the
// newest: what arrives below must not move it. Keys move it by rows from
// there; the layout finds the anchor again each frame (ViewPlacement) and
// reports what it drew, which becomes the new anchor.
class Viewport {
  public:
    // --- keys: PgUp/PgDn, the wheel and Esc. False for any other key.
    bool on_key(const Key& key);
    // Rows towards older messages (negative: newer), within what the last
    // frame could show. Past the top it is a wish for older history.
    void scroll_by(int rows);
    // Back at the newest row, following it again (Esc, sending).
    void follow_newest() { scroll_by(-scroll_); }

    // --- news: a message arrived below the view (counted while scrolled up)
    void on_new_below();

    // --- after each frame. Returns whether an older history page should be
    // fetched now: the user scrolled past the top, the top is on screen and
    // the room can fetch (`can_fetch_older`).
    bool after_layout(const LayoutReport& report, bool can_fetch_older);

    // --- another room's view is shown from now on. The pane is the
    // terminal's, not the room's: this view takes the last frame's height and
    // scroll limit (its own come with its next frame) and that view's wish for
    // older history.
    void take_pane(const Viewport& shown);
    // The user went to another room: a wish made there is not one for here.
    void forget_older_wish() { want_older_ = false; }

    // --- state
    bool following() const { return scroll_ == 0; }
    int scroll() const { return scroll_; }  // rows up from the newest, as last known
    bool anchored() const { return scroll_ > 0 && !anchor_id_.empty(); }
    const std::string& anchor_id() const { return anchor_id_; }
    int anchor_row() const { return anchor_row_; }  // 0 = the anchor message's last row
    int moved() const { return moved_; }            // rows moved by keys since the last frame
    int new_below() const { return new_below_; }
    bool wants_older() const { return want_older_; }
    int page_rows() const;  // what PgUp and PgDn move

  private:
    int scroll_ = 0;
    std::string anchor_id_;
    int anchor_row_ = 0;
    int moved_ = 0;  // counted from the anchor at the next frame
    int new_below_ = 0;
    int pane_height_ = 10;  // of the last frame that drew a pane
    int max_scroll_ = 0;
    bool want_older_ = false;  // the user tried to scroll above the top
};

// One frame's placement of a view among the rows the layout wraps bottom-up
// (row 0 = the newest). The layout tells it where each message's rows went;
// it says how far up the view's bottom row is, and which message row that is.
class ViewPlacement {
  public:
    explicit ViewPlacement(const Viewport& view) : view_(view) {}
    // Message `id` (kept for the frame) takes `count` rows from row `first`
    // up; a divider or date row above it is one of them. Placed again when it
    // gains a row (its date row, wrapped with the next older entry).
    void place(const std::string& id, int first, int count);
    // Rows below the view's bottom row as far as known now; -1 while the
    // anchor is still to come.
    int known_scroll() const;
    // The scroll to draw, once all rows are placed (`max_scroll`: as many
    // as there are above a full pane).
    int scroll(int max_scroll) const;
    // The view as drawn into `report`: its scroll (from report.max_scroll)
    // and, scrolled up, the message row at its bottom as the next anchor.
    void report_view(LayoutReport& report) const;

  private:
    struct Placed {
        const std::string* id;
        int first;
        int count;
    };
    const Viewport& view_;
    std::optional<int> from_anchor_;  // once the anchor message is placed
    std::vector<Placed> placed_;      // by first row
};

}  // namespace mqchat

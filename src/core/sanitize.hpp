// The one sanitizer: every string from the network passes here before it can
// reach a terminal (message text, names, room names, server error strings).
#pragma once

#include <string>
#include <string_view>

namespace mqchat {

enum class Newlines {
    fold,  // one output line: a line break becomes " ⏎ ", a tab one space
    keep,  // keep '\n' for the TUI to lay out; a tab becomes four spaces
};

// Returns valid UTF-8 holding only printable characters (plus '\n' with
// Newlines::keep): C0/C1 controls and DEL are dropped, whole escape sequences
// (CSI, OSC, DCS, SOS, PM, APC, nF and two-byte escapes, 7- and 8-bit forms)
// are removed, bidi and other invisible format characters are dropped, invalid
// UTF-8 and unprintable code points become U+FFFD, and runs of combining marks
// are capped so stacked diacritics cannot spill over neighbouring lines.
std::string sanitize(std::string_view bytes, Newlines newlines = Newlines::fold);

}  // namespace mqchat

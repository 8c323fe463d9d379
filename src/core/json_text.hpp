// Writing JSON text that is safe to print: the encoder behind every payload
// and every NDJSON line mqchat emits.
#pragma once

#include <string>
#include <string_view>

namespace mqchat {

// Appends `value` as a quoted JSON string. Besides what JSON requires, it
// escapes DEL, C1 controls, U+2028/2029 and invisible format characters as
// \uXXXX, so the output never carries a byte a terminal would act on.
// Invalid UTF-8 is replaced by U+FFFD.
void append_json_string(std::string& out, std::string_view value);

// False when `json_text` nests [ and { deeper than `limit` (outside strings).
// nlohmann's parser, copies and dump() recurse, so every untrusted JSON text
// is checked with this before it is parsed.
bool json_nesting_within(std::string_view json_text, int limit);

}  // namespace mqchat

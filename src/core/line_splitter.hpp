// Turns a byte stream (stdin for --send -) into lines: one line, one message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mqchat {

class LineSplitter {
  public:
    // Appends the complete lines found in `bytes` to `out` (without their
    // "\n" or "\r\n"), and their 1-based input line numbers to `numbers`
    // when given. Empty lines are skipped, as --send - promises.
    void feed(std::string_view bytes, std::vector<std::string>& out,
              std::vector<std::size_t>* numbers = nullptr);

    // At end of input: the last line if it had no newline.
    void finish(std::vector<std::string>& out, std::vector<std::size_t>* numbers = nullptr);

    // Lines seen so far, empty ones included: for error messages ("line 12").
    std::size_t line_number() const { return line_number_; }

  private:
    void take(std::string line, std::vector<std::string>& out, std::vector<std::size_t>* numbers);
    std::string partial_;
    std::size_t line_number_ = 0;
};

// Splits `text` into pieces whose canonical payload stays within
// kMaxPayloadBytes given the escaping cost of each character, cutting only at
// code point boundaries and preferring white space. Short text is one piece.
std::vector<std::string> split_for_payload(std::string_view text, std::size_t envelope_bytes);

}  // namespace mqchat

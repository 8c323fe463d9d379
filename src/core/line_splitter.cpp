// Line splitting of stdin and the payload-size split of long texts.
#include "line_splitter.hpp"

#include "json_text.hpp"
#include "message.hpp"
#include "utf8.hpp"

namespace mqchat {
namespace {
constexpr std::size_t kMaxEscapeGrowth = 6;
}  // namespace

void LineSplitter::take(std::string line, std::vector<std::string>& out,
                        std::vector<std::size_t>* numbers) {
    ++line_number_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return;
    out.push_back(std::move(line));
    if (numbers) numbers->push_back(line_number_);
}

void LineSplitter::feed(std::string_view bytes, std::vector<std::string>& out,
                        std::vector<std::size_t>* numbers) {
    while (!bytes.empty()) {
        const auto nl = bytes.find('\n');
        if (nl == std::string_view::npos) {
            partial_.append(bytes);
            return;
        }
        partial_.append(bytes.substr(0, nl));
        take(std::move(partial_), out, numbers);
        partial_.clear();
        bytes.remove_prefix(nl + 1);
    }
}

void LineSplitter::finish(std::vector<std::string>& out, std::vector<std::size_t>* numbers) {
    if (!partial_.empty()) take(std::move(partial_), out, numbers);
    partial_.clear();
}

std::vector<std::string> split_for_payload(std::string_view text, std::size_t envelope_bytes) {
    const std::size_t budget =
        kMaxPayloadBytes > envelope_bytes + 16 ? kMaxPayloadBytes - envelope_bytes - 16 : 1024;
    // Escaping at most sextuples a byte ("\u001B"), so most text needs no look.
    if (text.size() <= budget / kMaxEscapeGrowth) return {std::string(text)};
    std::vector<std::string> pieces;
    std::string escaped;
    std::size_t start = 0;
    std::size_t cost = 0;
    std::size_t last_space = std::string_view::npos;  // cut point after white space
    for (std::size_t pos = 0; pos < text.size();) {
        const auto d = utf8::decode(text, pos);
        escaped.clear();
        append_json_string(escaped, text.substr(pos, d.length));
        const std::size_t char_cost = escaped.size() - 2;  // minus the quotes
        if (cost + char_cost > budget && pos > start) {
            const std::size_t cut =
                (last_space != std::string_view::npos && last_space > start) ? last_space : pos;
            pieces.emplace_back(text.substr(start, cut - start));
            start = cut;
            escaped.clear();
            append_json_string(escaped, text.substr(start, pos - start));
            cost = escaped.size() - 2;
            last_space = std::string_view::npos;
        }
        cost += char_cost;
        pos += d.length;
        if (d.codepoint == ' ' || d.codepoint == '\n') last_space = pos;
    }
    if (start < text.size() || pieces.empty()) pieces.emplace_back(text.substr(start));
    return pieces;
}

}  // namespace mqchat

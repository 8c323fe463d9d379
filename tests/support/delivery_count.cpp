// Parsing readers' output into id/text sets and adding up lost and shown twice.
#include "delivery_count.hpp"

#include <cstdio>
#include <sstream>

namespace testsupport {
namespace {

using nlohmann::json;

// A message object's id and text, or nothing for anything else (a notice,
// a broken line).
std::optional<std::pair<std::string, std::string>> id_and_text(const json& m) {
    if (!m.is_object() || !m.contains("id") || !m["id"].is_string()) return std::nullopt;
    const std::string text = m.contains("text") && m["text"].is_string() ? m["text"] : "";
    return std::make_pair(m["id"].get<std::string>(), text);
}

void add_json_text(Shown& shown, const std::string& text) {
    const json m = json::parse(text, nullptr, false);
    if (auto it = id_and_text(m)) shown.add(it->first, it->second);
}

// Complete lines only: a reader still writing may have half a line out.
std::vector<std::string> complete_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
        lines.push_back(text.substr(start, nl - start));
    return lines;
}

}  // namespace

void Shown::add(const std::string& id, const std::string& text) {
    ++lines;
    if (!ids.insert(id).second) {
        ++repeated_ids;
        return;
    }
    const auto [it, first] = id_of_text.emplace(text, id);
    if (!first && it->second != id) ++resent_texts;
}

Shown shown_from_ndjson(const std::string& name, const std::string& ndjson) {
    Shown shown(name);
    for (const auto& line : complete_lines(ndjson))
        add_json_text(shown, line);
    return shown;
}

Shown shown_from_payloads(const std::string& name, const std::vector<std::string>& payloads) {
    Shown shown(name);
    for (const auto& p : payloads)
        add_json_text(shown, p);
    return shown;
}

void add_messages(Shown& shown, const json& messages) {
    for (const auto& m : messages)
        if (auto it = id_and_text(m)) shown.add(it->first, it->second);
}

Acked acked_from(const std::string& name, const std::vector<std::string>& sent_texts,
                 std::optional<int> exit, const std::string& json_stdout, bool has_json) {
    Acked acked{name, sent_texts.size(), {}, true, exit};
    if (has_json) {
        for (const auto& [text, id] : shown_from_ndjson(name, json_stdout).id_of_text)
            acked.texts.push_back(text);
    } else if (exit == 0) {
        acked.texts = sent_texts;
    } else {
        acked.known = false;
    }
    return acked;
}

void Tally::add_sender(Acked acked) {
    senders_.push_back(std::move(acked));
}

void Tally::add_reader(Shown shown, ReaderKind kind) {
    readers_.push_back({std::move(shown), kind});
}

void Tally::note(const std::string& text) {
    notes_.push_back(text);
}

std::size_t Tally::acked() const {
    std::size_t n = 0;
    for (const auto& s : senders_)
        n += s.texts.size();
    return n;
}

bool Tally::all_acked_known() const {
    for (const auto& s : senders_)
        if (!s.known) return false;
    return true;
}

std::size_t Tally::lost_by(const Shown& reader) const {
    std::size_t n = 0;
    for (const auto& s : senders_)
        for (const auto& text : s.texts)
            n += reader.has(text) ? 0 : 1;
    return n;
}

std::string Tally::missing_from(const Shown& reader, std::size_t most) const {
    std::string out;
    std::size_t n = 0;
    for (const auto& s : senders_)
        for (const auto& text : s.texts)
            if (!reader.has(text) && n++ < most) out += (out.empty() ? "" : " ") + text;
    if (n > most) out += " … (" + std::to_string(n) + " in all)";
    return reader.name + " lacks: " + (out.empty() ? "nothing" : out);
}

std::string Tally::details() const {
    std::string out;
    for (const auto& r : readers_)
        if (r.kind == ReaderKind::complete && lost_by(r.shown) > 0)
            out += missing_from(r.shown) + "\n";
    return out;
}

std::size_t Tally::lost() const {
    std::size_t n = 0;
    for (const auto& r : readers_)
        if (r.kind == ReaderKind::complete) n += lost_by(r.shown);
    return n;
}

std::size_t Tally::dup() const {
    std::size_t n = 0;
    for (const auto& r : readers_)
        n += r.shown.resent_texts + (r.kind == ReaderKind::complete ? r.shown.repeated_ids : 0);
    return n;
}

// Each sender's acknowledged/sent and exit, or for many of them the exits
// added up ("exit 0 x20").
std::string Tally::senders_text() const {
    constexpr std::size_t kListedSenders = 4;
    std::ostringstream out;
    if (senders_.size() > kListedSenders) {
        std::map<std::string, int> exits;
        for (const auto& s : senders_)
            ++exits[s.exit ? std::to_string(*s.exit) : "-"];
        out << senders_.size() << " senders:";
        for (const auto& [exit, n] : exits)
            out << " exit " << exit << " x" << n;
        return out.str();
    }
    for (std::size_t i = 0; i < senders_.size(); ++i) {
        const Acked& s = senders_[i];
        out << (i == 0 ? "" : ", ") << s.name << " " << s.texts.size() << "/" << s.sent << " exit "
            << (s.exit ? std::to_string(*s.exit) : "-");
        if (!s.known) out << " acked ?";
    }
    return out.str();
}

std::string Tally::summary() const {
    std::ostringstream out;
    std::size_t sent = 0;
    for (const auto& s : senders_)
        sent += s.sent;
    out << "FAULT " << case_ << ": sent " << sent << " acked " << acked();
    out << " (" << senders_text() << ")";
    for (const auto& r : readers_) {
        const std::size_t missing = lost_by(r.shown);
        out << " | " << r.shown.name << " shown " << acked() - missing;
        if (r.kind == ReaderKind::independent)
            out << " (missing " << missing << ", redelivered " << r.shown.repeated_ids << ")";
        else
            out << " lost " << missing << " twice " << r.shown.repeated_ids;
        if (r.shown.resent_texts) out << " resent " << r.shown.resent_texts;
    }
    out << " | lost " << lost() << " dup " << dup();
    if (!all_acked_known()) out << " (some acks unknown)";
    for (const auto& n : notes_)
        out << " | " << n;
    return out.str();
}

std::string seconds_text(std::optional<double> seconds) {
    if (!seconds) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", *seconds);
    return buf;
}

}  // namespace testsupport

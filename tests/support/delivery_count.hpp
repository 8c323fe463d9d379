// Counting a stream across a fault: what each sender had acknowledged against
// what each reader showed and what the archive holds, by message id (lost,
// shown twice), and the one-line summary a case prints.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace testsupport {

// One reader's output. Every line a test sends has a text of its own, so a
// text that comes back under a second id is a message published twice: shown
// twice even by a reader that drops repeated ids.
struct Shown {
    explicit Shown(std::string reader = {}) : name(std::move(reader)) {}
    std::string name;
    std::size_t lines = 0;         // messages read, repeats included
    std::size_t repeated_ids = 0;  // lines whose id this reader had shown before
    std::size_t resent_texts = 0;  // lines whose text came before under another id
    std::unordered_map<std::string, std::string> id_of_text;
    std::unordered_set<std::string> ids;

    void add(const std::string& id, const std::string& text);
    bool has(const std::string& text) const { return id_of_text.contains(text); }
};

// NDJSON (mqchat --tail --json, --send --json, a chat --log file): one
// message object per line; a last line without its newline is left out.
Shown shown_from_ndjson(const std::string& name, const std::string& ndjson);
// Raw payloads (mosquitto_sub): each a canonical JSON message.
Shown shown_from_payloads(const std::string& name, const std::vector<std::string>& payloads);
// A JSON array of messages (a history answer).
void add_messages(Shown& shown, const nlohmann::json& messages);

// What one sender had acknowledged.
struct Acked {
    std::string name;
    std::size_t sent = 0;            // lines written to it
    std::vector<std::string> texts;  // acknowledged
    // False when it ended without saying which messages were acknowledged
    // (a non-zero exit with no per-message record): nothing can be counted.
    bool known = true;
    std::optional<int> exit;
};

// `texts` acknowledged when the sender's stdout lists them (--send --json),
// else all of `sent_texts` after exit 0, else unknown.
Acked acked_from(const std::string& name, const std::vector<std::string>& sent_texts,
                 std::optional<int> exit, const std::string& json_stdout, bool has_json);

// Which readers a case holds to "everything acknowledged, exactly once".
enum class ReaderKind {
    complete,     // mqchat tails, the chat, the archive: lost 0, dup 0
    independent,  // mosquitto_sub: no gap filling, QoS 1 repeats are legal; resent texts count
};

// The counts of one case. lost = acknowledged texts a complete reader lacks;
// dup = repeated ids in complete readers + texts resent under a new id in any.
class Tally {
  public:
    explicit Tally(std::string case_name) : case_(std::move(case_name)) {}
    void add_sender(Acked acked);
    void add_reader(Shown shown, ReaderKind kind);
    void note(const std::string& text);  // appended to the summary ("reconnect s: …")

    std::size_t acked() const;
    std::size_t lost() const;
    std::size_t dup() const;
    std::size_t lost_by(const Shown& reader) const;
    // The first `most` acknowledged texts `reader` lacks, for failure messages.
    std::string missing_from(const Shown& reader, std::size_t most = 8) const;
    // missing_from() of every complete reader that lacks something.
    std::string details() const;
    bool all_acked_known() const;
    const std::vector<Acked>& senders() const { return senders_; }

    // "FAULT <case>: sent … acked … | <reader> … | lost N dup N | notes"
    std::string summary() const;

  private:
    std::string senders_text() const;
    struct Reader {
        Shown shown;
        ReaderKind kind;
    };
    std::string case_;
    std::vector<Acked> senders_;
    std::vector<Reader> readers_;
    std::vector<std::string> notes_;
};

// Seconds with one decimal, "-" for none: for the summary's notes.
std::string seconds_text(std::optional<double> seconds);

}  // namespace testsupport

// The outbox: the queue and window in memory, the journal on disk, and taking
// over journals that runs which ended before their messages were acknowledged
// left behind.
#include "outbox.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/message_id.hpp"
#include "core/payload_codec.hpp"
#include "core/room_name.hpp"
#include "platform/environment.hpp"
#include "platform/private_files.hpp"

namespace mqchat::app {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxJournalBytes = 256 * 1024 * 1024;
constexpr std::size_t kMaxLegacyEntryBytes = 2 * kMaxPayloadBytes;
constexpr std::size_t kMaxFilesScanned = 10000;
// Rewrite our journal without its finished messages once it holds this many
// "done" lines and they outnumber what is still pending four to one.
constexpr std::size_t kCompactAfter = 2000;

std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string added_line(const OutgoingMessage& m, const std::string& target) {
    json add = {{"target", target}, {"room", m.room}, {"id", m.id}, {"payload", m.payload}};
    if (m.line != 0) add["line"] = m.line;
    return dump(json{{"add", std::move(add)}}) + "\n";
}

std::string done_line(const std::string& id) {
    return dump(json{{"done", id}}) + "\n";
}

bool usable_id(const std::string& id) {
    if (id.empty() || id.size() > kMaxIdLength) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
               c == '_' || c == '-';
    });
}

std::string string_member(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct JournalContent {
    std::vector<std::pair<std::string, OutgoingMessage>> added;  // target, message
    std::set<std::string> done;
    std::size_t unreadable_lines = 0;
};

// Every readable line; a line cut short by a crash is skipped, not fatal.
JournalContent parse_journal(const std::string& text) {
    JournalContent c;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const json j = json::parse(text.begin() + static_cast<long>(start),
                                   text.begin() + static_cast<long>(end), nullptr, false);
        start = end + 1;
        if (j.is_discarded() || !j.is_object()) {
            ++c.unreadable_lines;
            continue;
        }
        if (auto done = j.find("done"); done != j.end() && done->is_string()) {
            c.done.insert(done->get<std::string>());
            continue;
        }
        const auto add = j.find("add");
        if (add == j.end() || !add->is_object()) {
            ++c.unreadable_lines;
            continue;
        }
        OutgoingMessage m;
        m.room = string_member(*add, "room");
        m.id = string_member(*add, "id");
        m.payload = string_member(*add, "payload");
        if (auto line = add->find("line"); line != add->end() && line->is_number_unsigned())
            m.line = line->get<std::size_t>();
        if (!is_valid_room_name(m.room) || !usable_id(m.id) || m.payload.empty()) {
            ++c.unreadable_lines;
            continue;
        }
        c.added.emplace_back(string_member(*add, "target"), std::move(m));
    }
    return c;
}

bool is_journal_name(const std::string& name) {
    return name.rfind("journal-", 0) == 0 && name.size() > 14 &&
           name.compare(name.size() - 6, 6, ".jsonl") == 0;
}

// Files of the earlier single-file-per-message outbox: <id>.json.
bool is_legacy_name(const std::string& name) {
    return name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0 &&
           usable_id(name.substr(0, name.size() - 5));
}

}  // namespace

Outbox::Outbox(std::string dir, std::string target)
    : dir_(std::move(dir)), target_(std::move(target)) {}

std::string Outbox::default_dir() {
    return platform::state_home() + "/mqchat/outbox";
}

// What is still pending stays in the journal for the next run; an empty
// journal is removed.
Outbox::~Outbox() {
    if (journal_ && queue_.empty()) journal_->remove();
}

std::string Outbox::ensure_journal() {
    if (journal_) return {};
    if (!journal_problem_.empty()) return journal_problem_;
    if (auto problem = platform::make_private_dirs(dir_); !problem.empty()) {
        journal_problem_ = problem;
        return problem;
    }
    const std::string name =
        "journal-" + UlidGenerator(platform::random_bytes).next(platform::now_ms()) + ".jsonl";
    std::string problem;
    journal_ = platform::JournalFile::create(dir_ + "/" + name, problem);
    if (!journal_) journal_problem_ = problem;
    return problem;
}

std::string Outbox::record_added(const std::vector<OutgoingMessage>& batch) {
    if (auto problem = ensure_journal(); !problem.empty()) return problem;
    std::string text;
    for (const auto& m : batch)
        text += added_line(m, target_);
    return journal_->append(text, true);
}

// Not fsynced: losing a "done" line in a crash only means one harmless resend.
void Outbox::record_done(const std::string& id) {
    if (!journal_) return;
    journal_->append(done_line(id), false);
    ++done_records_;
    compact_if_worthwhile();
}

void Outbox::compact_if_worthwhile() {
    if (done_records_ < kCompactAfter || done_records_ < 4 * queue_.size()) return;
    std::string text;
    for (const auto& e : queue_)
        text += added_line(e.message, target_);
    if (journal_->replace(text).empty()) done_records_ = 0;
}

std::string Outbox::add(std::vector<OutgoingMessage> batch, std::int64_t now_ms) {
    const std::string problem = record_added(batch);
    for (auto& m : batch) {
        queue_.push_back({std::move(m), now_ms, 0});
        added_times_.insert(now_ms);
    }
    return problem;
}

std::size_t Outbox::adopt(const std::function<bool(const std::string&)>& wanted,
                          std::int64_t now_ms, std::vector<std::string>& problems) {
    std::vector<std::string> journals;
    std::vector<std::string> legacy;
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(dir_, ec)) {
        const std::string name = f.path().filename().string();
        if (journal_ && f.path().string() == journal_->path()) continue;
        if (is_journal_name(name)) journals.push_back(f.path().string());
        if (is_legacy_name(name)) legacy.push_back(f.path().string());
        if (journals.size() + legacy.size() >= kMaxFilesScanned) break;
    }
    std::sort(journals.begin(), journals.end());  // ULID names: oldest run first
    std::sort(legacy.begin(), legacy.end());
    std::vector<OutgoingMessage> taken;
    std::vector<std::string> legacy_taken;
    for (const auto& path : legacy)
        adopt_legacy(path, wanted, taken, legacy_taken, problems);
    std::vector<Claimed> claimed;
    for (const auto& path : journals)
        adopt_journal(path, wanted, taken, claimed, problems);
    // Drop repeats (a run that crashed while moving messages leaves them twice).
    std::set<std::string> ids;
    for (const auto& e : queue_)
        ids.insert(e.message.id);
    std::vector<OutgoingMessage> fresh;
    for (auto& m : taken) {
        if (!ids.insert(m.id).second) continue;
        m.line = 0;  // that run's input, not ours
        m.from_earlier_run = true;
        fresh.push_back(std::move(m));
    }
    bool recorded = true;
    if (!fresh.empty()) {
        if (auto problem = record_added(fresh); !problem.empty()) {
            problems.push_back(problem);
            recorded = false;  // they stay where they were too: a later run sends them again
        }
        for (auto it = fresh.rbegin(); it != fresh.rend(); ++it) {
            queue_.push_front({std::move(*it), now_ms, 0});
            added_times_.insert(now_ms);
        }
    }
    // Only once they are safely in our journal are they crossed out elsewhere.
    if (recorded) {
        for (const auto& path : legacy_taken)
            ::unlink(path.c_str());
        for (auto& c : claimed) {
            if (c.left == 0)
                c.file.remove();  // everything in it is done or now ours
            else if (!c.done_marks.empty())
                c.file.append(c.done_marks, false);
        }
    }
    return fresh.size();
}

std::size_t Outbox::adopt_legacy(const std::string& path,
                                 const std::function<bool(const std::string&)>& wanted,
                                 std::vector<OutgoingMessage>& out,
                                 std::vector<std::string>& legacy_paths,
                                 std::vector<std::string>& problems) {
    std::string error;
    const auto text = platform::read_private_file(path, kMaxLegacyEntryBytes, error);
    if (!text) {
        if (!error.empty()) problems.push_back(error);
        return 0;
    }
    const json j = json::parse(*text, nullptr, false);
    OutgoingMessage m;
    if (!j.is_discarded() && j.is_object()) {
        m.room = string_member(j, "room");
        m.id = string_member(j, "id");
        m.payload = string_member(j, "payload");
    }
    if (!is_valid_room_name(m.room) || !usable_id(m.id) || m.payload.empty()) {
        problems.push_back(path + " is not a readable outbox entry; left alone");
        return 0;
    }
    if (!wanted(m.room)) return 0;
    out.push_back(std::move(m));
    legacy_paths.push_back(path);
    return 1;
}

std::size_t Outbox::adopt_journal(const std::string& path,
                                  const std::function<bool(const std::string&)>& wanted,
                                  std::vector<OutgoingMessage>& out, std::vector<Claimed>& claimed,
                                  std::vector<std::string>& problems) {
    std::string problem;
    auto file = platform::JournalFile::claim(path, problem);
    if (!file) {
        if (!problem.empty()) problems.push_back(problem);
        return 0;  // its run is still going
    }
    const std::string text = file->read_all(kMaxJournalBytes, problem);
    if (!problem.empty()) {
        problems.push_back(problem + "; left alone");
        return 0;
    }
    const JournalContent content = parse_journal(text);
    if (content.unreadable_lines > 0)
        problems.push_back(path + ": " + std::to_string(content.unreadable_lines) +
                           " unreadable line(s) skipped");
    std::size_t moved = 0;
    std::size_t left = 0;
    std::string done_marks;
    for (const auto& [target, m] : content.added) {
        if (content.done.count(m.id)) continue;
        if (target != target_ || !wanted(m.room)) {
            ++left;
            continue;
        }
        out.push_back(m);
        done_marks += done_line(m.id);
        ++moved;
    }
    if (left == 0 || moved > 0) claimed.push_back({std::move(*file), std::move(done_marks), left});
    return moved;
}

const OutgoingMessage* Outbox::next_to_send() const {
    for (const auto& e : queue_)
        if (e.ticket == 0) return &e.message;
    return nullptr;
}

void Outbox::sent(std::uint64_t ticket) {
    for (auto& e : queue_) {
        if (e.ticket != 0) continue;
        e.ticket = ticket;
        ++in_flight_;
        return;
    }
}

void Outbox::pump(
    const std::function<std::optional<std::uint64_t>(const OutgoingMessage&)>& publish,
    std::size_t window) {
    while (in_flight_ < window) {
        const OutgoingMessage* next = next_to_send();
        if (!next) return;
        const auto ticket = publish(*next);
        if (!ticket) return;
        sent(*ticket);
    }
}

std::optional<OutgoingMessage> Outbox::take(std::uint64_t ticket) {
    if (ticket == 0) return std::nullopt;
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->ticket != ticket) continue;
        OutgoingMessage m = std::move(it->message);
        erase(it);
        --in_flight_;
        record_done(m.id);
        return m;
    }
    return std::nullopt;
}

std::optional<OutgoingMessage> Outbox::acknowledged(std::uint64_t ticket) {
    return take(ticket);
}

std::optional<OutgoingMessage> Outbox::refused(std::uint64_t ticket) {
    return take(ticket);
}

const OutgoingMessage* Outbox::returned(std::uint64_t ticket) {
    for (auto& e : queue_) {
        if (ticket == 0 || e.ticket != ticket) continue;
        e.ticket = 0;
        --in_flight_;
        return &e.message;
    }
    return nullptr;
}

void Outbox::connection_lost() {
    for (auto& e : queue_)
        e.ticket = 0;
    in_flight_ = 0;
}

std::optional<OutgoingMessage> Outbox::withdraw(const std::string& id) {
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->message.id != id) continue;
        if (it->ticket != 0) --in_flight_;
        OutgoingMessage m = std::move(it->message);
        erase(it);
        record_done(m.id);
        return m;
    }
    return std::nullopt;
}

bool Outbox::contains(const std::string& id) const {
    return std::any_of(queue_.begin(), queue_.end(),
                       [&id](const Entry& e) { return e.message.id == id; });
}

std::optional<std::int64_t> Outbox::oldest_added_ms() const {
    if (added_times_.empty()) return std::nullopt;
    return *added_times_.begin();
}

void Outbox::erase(std::deque<Entry>::iterator it) {
    added_times_.erase(added_times_.find(it->added_ms));
    queue_.erase(it);
}

}  // namespace mqchat::app

// The fault suite's world: accounts, clients, the archive, faults, reports.
#include "fault_world.hpp"

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <future>
#include <iostream>

namespace faults {
namespace {

using nlohmann::json;

constexpr int kHistoryPage = 500;

// Exit 2 is a usage error: the build does not know the option.
bool accepts(const std::vector<std::string>& args) {
    std::vector<std::string> argv{mqchat_bin(), "general", "--no-auth", "--broker",
                                  "mqtt://127.0.0.1:1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv).status != 2;
}

bool help_mentions(const std::string& option) {
    return run({mqchat_bin(), "--help"}).out.find(option + " ") != std::string::npos;
}

std::string password_of(const std::string& name) {
    return name + "-password";
}

bool serve_help_mentions(const std::string& option) {
    static const std::string help = run({MQCHATD_BIN, "serve", "--help"}).out;
    return help.find(option + " ") != std::string::npos;
}

// A sender catching up after an outage publishes far above its steady rate:
// these cases are about delivery, not about the per-account publish limit,
// so they lift it where mqchatd has one.
StackOptions without_publish_limit(StackOptions options) {
    for (const std::string option : {"--user-rate", "--user-burst"})
        if (serve_help_mentions(option))
            options.extra_args.insert(options.extra_args.end(), {option, "1000"});
    return options;
}

bool has_warmup(const Shown& shown) {
    for (const auto& [text, id] : shown.id_of_text)
        if (text.starts_with("warmup-")) return true;
    return false;
}

}  // namespace

const Features& features() {
    static const Features probed = [] {
        Features f;
        f.send_json = accepts({"--send", "x", "--json", "-W", "0.1"});
        f.send_id = accepts({"--send", "x", "--id", "k", "-W", "0.1"});
        f.chat_log = help_mentions("--log");
        return f;
    }();
    return probed;
}

World::World(StackOptions options, const std::vector<std::string>& names)
    : stack(without_publish_limit(std::move(options))) {
    // Password hashing makes each account take a while: all at once.
    std::vector<std::future<Account>> made;
    for (const auto& name : names)
        made.push_back(std::async(std::launch::async, [this, name] {
            Account a{"", name + "@faults.test", password_of(name), nullptr};
            a.id = stack.add_user(a.email, name, a.password);
            a.person = std::make_unique<Person>(stack, a.email, a.password);
            return a;
        }));
    for (std::size_t i = 0; i < names.size(); ++i)
        accounts_.emplace(names[i], made[i].get());
}

const Person& World::person(const std::string& name) const {
    return *accounts_.at(name).person;
}

const std::string& World::id(const std::string& name) const {
    return accounts_.at(name).id;
}

std::string World::session(const std::string& name) {
    auto it = sessions_.find(name);
    if (it == sessions_.end()) {
        const Account& a = accounts_.at(name);
        it = sessions_.emplace(name, stack.session(a.email, a.password)).first;
    }
    return it->second;
}

Sender::Sender(const Person& who, std::string name, const std::string& room,
               const std::vector<std::string>& extra, int ack_timeout_s)
    : name_(std::move(name)) {
    std::vector<std::string> argv{
        mqchat_bin(), room, "--send", "-", "-v", "-W", std::to_string(ack_timeout_s)};
    if (features().send_json) argv.push_back("--json");
    if (features().send_id) argv.insert(argv.end(), {"--id", name_});
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Process>(argv, ProcessOptions{who.env(), true});
}

void Sender::send(const std::string& text) {
    if (gone_) return;
    try {
        process_->write_stdin(text + "\n");
        texts_.push_back(text);
    } catch (const std::exception&) {  // it exited: its exit code tells why
        gone_ = true;
    }
}

Acked Sender::finish(Clock::time_point until) {
    process_->close_stdin();
    auto status = process_->wait_exit(
        std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()));
    if (!status) {
        process_->signal(SIGKILL);
        status = process_->wait_exit();
    }
    return acked_from(name_, texts_, status, process_->out(), features().send_json);
}

Feeder::Feeder(std::vector<Sender*> senders, int per_second) : senders_(std::move(senders)) {
    const auto period = std::chrono::microseconds(1'000'000 / per_second);
    thread_ = std::thread([this, period] {
        auto next = Clock::now();
        for (int n = 1; !stopping_; ++n) {
            char number[16];
            std::snprintf(number, sizeof number, "-%06d", n);
            for (Sender* s : senders_)
                s->send(s->name() + number);
            next += period;
            std::this_thread::sleep_until(next);
        }
    });
}

Feeder::~Feeder() {
    stop();
}

void Feeder::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

Tail::Tail(const Person& who, std::string name, const std::string& room,
           const std::vector<std::string>& extra)
    : name_(std::move(name)) {
    std::vector<std::string> argv{mqchat_bin(), room, "--tail", "--json", "-n", "0", "-v"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Process>(argv, ProcessOptions{who.env(), false});
}

Subscriber::Subscriber(World& world, const std::string& account, const std::string& room,
                       int port) {
    const json token = world.stack.token(world.session(account), {room});
    const std::string user = world.id(account);
    sub_ = std::make_unique<MqttSubscriber>(port, user, token.at("accessToken"), user + "-sub",
                                            "chat/" + room + "/messages");
}

Chat::Chat(const Person& who, const std::string& room) : room_(room) {
    TmuxOptions options;
    options.width = 100;
    options.height = 60;
    options.env = who.env();
    std::string command = shell_quote(mqchat_bin()) + " " + shell_quote(room);
    if (features().chat_log) command += " --log " + shell_quote(log_dir_.path());
    tmux_ = std::make_unique<Tmux>(command + "; echo \"EXIT=$?\"; sleep 3600", options);
}

bool Chat::wait_ready() const {
    return tmux_->wait_for([&](const ScreenRows& rows) { return tuitest::ready(rows, room_); },
                           kDeadline);
}

void Chat::say(const std::string& text) {
    tmux_->type(text);
    tmux_->keys({"Enter"});
    said_.push_back(text);
}

std::vector<std::string> Chat::missing(const std::vector<std::string>& texts, bool own) const {
    const ScreenRows rows = tmux_->rows();
    std::vector<std::string> out;
    for (const auto& text : texts)
        if (!tuitest::contains(rows, own ? text + " ✓" : text)) out.push_back(text);
    return out;
}

bool Chat::wait_on_screen(const std::vector<std::string>& texts, bool own,
                          Clock::time_point until) const {
    while (!missing(texts, own).empty()) {
        if (Clock::now() > until) return false;
        std::this_thread::sleep_for(200ms);
    }
    return true;
}

Shown Chat::on_screen(const std::vector<std::string>& texts) const {
    Shown shown("chat screen");
    for (const auto& row : tmux_->rows())
        for (const auto& text : texts)
            for (const std::string& end : {text, text + " ✓", text + " …"})
                if (row.ends_with(" " + end)) shown.add(text, text);
    return shown;
}

std::optional<Shown> Chat::log() const {
    if (!features().chat_log) return std::nullopt;
    return shown_from_ndjson("chat log", read_file(log_dir_.path() + "/" + room_ + ".jsonl"));
}

Stream::Stream(World& world, std::string room) : world_(world), room_(std::move(room)) {}

Stream::~Stream() {
    stop();
    timeline_.stop();
}

Tail& Stream::add_tail(const std::string& account, const std::string& name,
                       const std::vector<std::string>& extra) {
    tails_.push_back(std::make_unique<Tail>(world_.person(account), name, room_, extra));
    timeline_.watch(name, tails_.back()->process());
    return *tails_.back();
}

void Stream::add_subscriber(const std::string& account, int port) {
    sub_ = std::make_unique<Subscriber>(world_, account, room_, port);
}

Sender& Stream::add_sender(const std::string& name, const std::vector<std::string>& extra,
                           int ack_timeout_s) {
    senders_.push_back(
        std::make_unique<Sender>(world_.person(name), name, room_, extra, ack_timeout_s));
    timeline_.watch(name, senders_.back()->process());
    return *senders_.back();
}

bool Stream::warm_up(const std::string& poster) {
    std::vector<std::function<Shown()>> readers;
    if (sub_) readers.push_back([this] { return sub_->shown(); });
    for (auto& t : tails_)
        readers.push_back([&t] { return t->shown(); });
    return faults::warm_up(world_, poster, room_, readers);
}

::testing::AssertionResult Stream::open(int tails, int senders, bool subscriber,
                                        const std::vector<std::string>& client_args,
                                        int ack_timeout_s) {
    for (int i = 1; i <= tails; ++i)
        add_tail(kReader, "tail" + std::to_string(i), client_args);
    if (subscriber) add_subscriber(kReader, world_.stack.mqtt_port());
    if (!warm_up(kReader))
        return ::testing::AssertionFailure() << "readers never showed a warm-up message\n"
                                             << world_.stack.log();
    for (int i = 1; i <= senders; ++i)
        add_sender("s" + std::to_string(i), client_args, ack_timeout_s);
    return ::testing::AssertionSuccess();
}

void Stream::start(int per_second) {
    std::vector<Sender*> fed;
    for (auto& s : senders_)
        fed.push_back(s.get());
    feeder_ = std::make_unique<Feeder>(fed, per_second);
}

void Stream::stop() {
    if (feeder_) feeder_->stop();
}

std::vector<Acked> Stream::finish(Clock::time_point until) {
    stop();
    for (std::size_t i = finished_.size(); i < senders_.size(); ++i)
        finished_.push_back(senders_[i]->finish(until));
    return finished_;
}

Tally Stream::count(const std::string& case_name, Clock::time_point until,
                    std::vector<Acked> more) {
    Tally tally(case_name);
    for (auto& acked : finish(until))
        tally.add_sender(std::move(acked));
    for (auto& acked : more)
        tally.add_sender(std::move(acked));
    for (auto& t : tails_) {
        wait_shown([&t] { return t->shown(); }, tally, until);
        tally.add_reader(t->shown(), ReaderKind::complete);
    }
    const auto stored = [&] { return archive(world_.stack, world_.session(kReader), room_); };
    wait_shown(stored, tally, until);
    if (sub_) tally.add_reader(sub_->shown(), ReaderKind::independent);
    tally.add_reader(stored(), ReaderKind::complete);
    return tally;
}

std::vector<std::optional<double>> Stream::seconds_to_each(
    Clock::time_point fault, const std::vector<std::string>& needles) const {
    std::vector<std::optional<double>> out;
    for (const auto& t : tails_)
        out.push_back(timeline_.seconds_to(t->name(), fault, needles));
    for (const auto& s : senders_)
        out.push_back(timeline_.seconds_to(s->name(), fault, needles));
    return out;
}

std::string Stream::seconds_after(Clock::time_point fault,
                                  const std::vector<std::string>& needles) const {
    const auto all = seconds_to_each(fault, needles);
    const auto split = all.begin() + static_cast<std::ptrdiff_t>(tails_.size());
    return "tails " + seconds_list({all.begin(), split}) + ", senders " +
           seconds_list({split, all.end()});
}

Shown archive(const Stack& stack, const std::string& session, const std::string& room) {
    // Newest page first, then back with before=: collected, then added oldest first.
    std::vector<json> pages;
    std::string before;
    for (;;) {
        std::string path = "/api/rooms/" + room + "/messages?limit=" + std::to_string(kHistoryPage);
        if (!before.empty()) path += "&before=" + before;
        const HttpResult r = stack.http().get(path, session);
        if (r.status != 200) break;  // the caller's deadline decides
        json page = r.json();
        if (page.empty()) break;
        before = page.front().at("id");
        const bool last = page.size() < static_cast<std::size_t>(kHistoryPage);
        pages.push_back(std::move(page));
        if (last) break;
    }
    Shown shown("archive");
    for (auto it = pages.rbegin(); it != pages.rend(); ++it)
        add_messages(shown, *it);
    return shown;
}

bool wait_shown(const std::function<Shown()>& reader, const Tally& tally, Clock::time_point until) {
    while (tally.lost_by(reader()) > 0) {
        if (Clock::now() > until) return false;
        std::this_thread::sleep_for(250ms);
    }
    return true;
}

bool post_message(const Stack& stack, const std::string& session, const std::string& room,
                  const std::string& text, const std::string& id) {
    const std::string body = json{{"text", text}, {"id", id}}.dump();
    const auto until = Clock::now() + kDeadline;
    for (;;) {
        const HttpResult r = stack.http().post("/api/rooms/" + room + "/messages", body, session);
        if (r.status >= 200 && r.status < 300) return true;
        if (Clock::now() > until) return false;
        std::this_thread::sleep_for(500ms);
    }
}

bool warm_up(World& world, const std::string& poster, const std::string& room,
             const std::vector<std::function<Shown()>>& readers) {
    const std::string session = world.session(poster);
    const auto until = Clock::now() + kDeadline;
    for (int n = 1;; ++n) {
        const std::string text = "warmup-" + std::to_string(n);
        post_message(world.stack, session, room, text, text);
        const auto next = Clock::now() + 2s;
        for (;;) {
            bool all = true;
            for (const auto& reader : readers)
                all = all && has_warmup(reader());
            if (all) return true;
            if (Clock::now() > until) return false;
            if (Clock::now() > next) break;
            std::this_thread::sleep_for(100ms);
        }
    }
}

bool kill_broker(Stack& stack) {
    const auto old = stack.broker_pid();
    if (!old) return false;
    ::kill(*old, SIGKILL);
    const auto until = Clock::now() + kDeadline;
    for (;;) {
        const auto now = stack.broker_pid();
        if (now && *now != *old) return true;
        if (Clock::now() > until) return false;
        std::this_thread::sleep_for(20ms);
    }
}

void expect_exactly_once(const Tally& tally, const World& world) {
    const std::string line = tally.summary();
    std::cout << line << std::endl;
    ::testing::Test::RecordProperty("counts", line);
    EXPECT_TRUE(tally.all_acked_known())
        << "a sender ended without saying which messages were acknowledged: " << line;
    EXPECT_EQ(tally.lost(), 0U) << line << "\n" << tally.details();
    EXPECT_EQ(tally.dup(), 0U) << line;
    if (tally.lost() == 0 && tally.dup() == 0 && !std::getenv("FAULT_LOGS")) return;
    std::cout << "--- mqchatd's log\n"
              << world.stack.log() << "--- mosquitto.log\n"
              << read_file(world.stack.data_dir() + "/mosquitto.log") << "---" << std::endl;
}

}  // namespace faults

// The send loop: stdin lines (or the one TEXT) become messages, written to the
// outbox before anything is sent, published through the outbox's bounded
// window while the connection supervisor has a connection, and crossed out as
// the broker acknowledges them. What is left when it gives up stays in the
// outbox for the next run.
#include "send_session.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "app/connection_supervisor.hpp"
#include "app/http_worker.hpp"
#include "app/outbox.hpp"
#include "app/token_source.hpp"
#include "core/exit_code.hpp"
#include "core/line_format.hpp"
#include "core/line_splitter.hpp"
#include "core/message_id.hpp"
#include "core/payload_codec.hpp"
#include "core/publish_pause.hpp"
#include "core/utf8.hpp"
#include "platform/environment.hpp"
#include "platform/output.hpp"

namespace mqchat::app {
namespace {

// Stop reading stdin while this many messages wait: bounded memory for any input.
constexpr std::size_t kMaxPending = 4096;
constexpr std::size_t kReadChunk = 64 * 1024;

// Bytes of a payload around its text: what split_for_payload must leave room for.
std::size_t envelope_size(const std::string& user, const std::string& name) {
    Message m;
    m.user = user;
    m.name = name;
    m.id = std::string(kMaxIdLength, '0');
    m.timestamp = 9'999'999'999'999;
    return encode_payload(m).size();
}

SupervisorSettings supervisor_settings(const Plan& plan) {
    SupervisorSettings s;
    s.cafile = plan.cafile;
    s.insecure = plan.insecure;
    s.subscribe = false;  // the token covers the room; its messages are not ours to read
    // A connect attempt never outlasts what the user allowed for the ack.
    const auto ack_s = std::chrono::duration_cast<std::chrono::seconds>(plan.ack_timeout);
    s.connect_timeout = std::clamp(ack_s, std::chrono::seconds(1), std::chrono::seconds(5));
    return s;
}

class SendSession {
  public:
    SendSession(const Plan& plan, Access& access, const Reporter& reporter,
                platform::SignalWatcher& signals, const SessionPorts& ports)
        : plan_(plan),
          access_(access),
          reporter_(reporter),
          signals_(signals),
          clock_(ports.clock),
          worker_([&access] { access.cancel_requests(); }),
          tokens_(access, worker_),
          supervisor_(supervisor_settings(plan), ports.transport, tokens_, ports.clock),
          outbox_(Outbox::default_dir(), outbox_target(plan, access)),
          ids_(platform::random_bytes),
          out_(STDOUT_FILENO) {}

    int run() {
        start_ms_ = clock_.monotonic_ms();
        adopt_earlier_messages();
        if (!plan_.send_stdin) {
            enqueue({{plan_.send_text, 1}});
            input_done_ = true;
        }
        supervisor_.start({plan_.room});
        while (!finished()) {
            if (auto code = step()) {
                supervisor_.close();
                return *code;
            }
        }
        supervisor_.close();
        reporter_.info("send", std::to_string(acked_) + " message(s) acknowledged in " +
                                   std::to_string(clock_.monotonic_ms() - start_ms_) + " ms");
        return to_int(ExitCode::ok);
    }

  private:
    struct Line {
        std::string text;
        std::size_t number = 0;
    };

    bool finished() const {
        return input_done_ && outbox_.empty() && (supervisor_.ever_connected() || total_ == 0);
    }
    bool reading_stdin() const {
        return plan_.send_stdin && !input_done_ && outbox_.size() < kMaxPending;
    }

    // While messages wait, the broker may go at most -W without acknowledging
    // one, whatever it does (refuses, stalls, drops the link). Counted from
    // the last acknowledgement, so a long input going steadily is not cut off.
    std::optional<std::int64_t> deadline() const {
        const auto oldest = outbox_.oldest_added_ms();
        if (!oldest) return std::nullopt;
        return std::max(*oldest, last_ack_ms_) + plan_.ack_timeout.count();
    }

    std::optional<int> step() {
        const std::int64_t now = clock_.monotonic_ms();
        std::vector<int> fds{signals_.fd(), supervisor_.event_fd(), worker_.fd()};
        if (reading_stdin()) fds.push_back(STDIN_FILENO);
        const auto ready = wait_readable(
            fds, timeout_until({supervisor_.next_deadline_ms(), deadline(), pause_.deadline(now),
                                outbox_.next_to_send() ? pace_.deadline(now) : std::nullopt},
                               now, 60000));
        if (ready[0] && signals_.take() != 0)
            return fail(ExitCode::interrupted, "send", "interrupted");
        if (ready[1]) supervisor_.on_transport_ready();
        if (ready[2]) worker_.apply_results();
        if (fds.size() > 3 && ready[3])
            if (auto code = read_stdin()) return code;
        supervisor_.tick();
        for (const auto& e : supervisor_.take_events())
            if (auto code = handle(e)) return code;
        fill_window();
        if (auto code = flush_output()) return code;
        return check_deadline();
    }

    std::optional<int> check_deadline() {
        const auto due = deadline();
        if (!due || clock_.monotonic_ms() < *due) return std::nullopt;
        const std::string secs = seconds_text(plan_.ack_timeout);
        std::string why;
        if (!supervisor_.ever_connected())
            why = supervisor_.last_failure().empty()
                      ? "no answer from the broker " + supervisor_.url_text()
                      : supervisor_.last_failure();
        else if (!supervisor_.connected())
            why =
                "the connection to " + supervisor_.url_text() + " was lost and not re-established";
        else if (pause_.retrying())
            why = "the broker kept refusing while the server caught up (" + catching_up_ + ")";
        else
            why = "no acknowledgement from the broker";
        return fail(ExitCode::timeout, "send", "not acknowledged within " + secs + ": " + why);
    }

    std::optional<int> handle(const LinkEvent& e) {
        switch (e.kind) {
            case LinkEvent::Kind::connected:
                if (!e.first) reporter_.warn("send", "reconnected to " + supervisor_.url_text());
                reporter_.info("send", "connected to " + supervisor_.url_text() +
                                           "; broker Receive Maximum " +
                                           std::to_string(supervisor_.receive_maximum()));
                break;
            case LinkEvent::Kind::lost:
                outbox_.connection_lost();  // sent again, same ids, on the next connection
                if (e.planned)
                    reporter_.info("send", e.text);
                else
                    reporter_.warn("send", e.text + "; reconnecting");
                break;
            case LinkEvent::Kind::retrying:
                reporter_.info("send", e.text);
                break;
            case LinkEvent::Kind::acknowledged:
                on_acknowledged(e.ticket);
                break;
            case LinkEvent::Kind::returned:
                outbox_.returned(e.ticket);
                break;
            case LinkEvent::Kind::refused:
                return on_refused(e);
            case LinkEvent::Kind::notice:
                reporter_.warn("send", e.text);
                break;
            case LinkEvent::Kind::fatal:
                // -W promises exit 8 once it has passed, whatever else ends the run then
                // (a connect attempt timing out at the same moment, say).
                if (auto timed_out = check_deadline()) return timed_out;
                return fail(static_cast<ExitCode>(e.exit_code), e.stage, e.text);
            default:
                break;
        }
        return std::nullopt;
    }

    void on_acknowledged(std::uint64_t ticket) {
        const auto done = outbox_.acknowledged(ticket);
        if (!done) return;  // from before a reconnect: sent again meanwhile
        ++acked_;
        last_ack_ms_ = clock_.monotonic_ms();
        pause_.acknowledged();
        catching_up_.clear();
        if (plan_.json) {
            auto decoded = decode_payload(done->payload, platform::now_ms());
            for (const auto& m : decoded.messages)
                out_.append(render_json_line(m));
        }
    }

    std::optional<int> on_refused(const LinkEvent& e) {
        std::optional<PublishStatus> status;
        const std::int64_t now = clock_.monotonic_ms();
        if (access_.has_server() && pause_.refused(now)) {
            status = server_status();
            const bool over_rate = status && over_the_rate(*status, now);
            if (over_rate) pace_.limit(status->rate_per_second, status->burst, now);
            pause_.answered(status && (status->retry || over_rate), now);
        }
        if (pause_.retrying() && outbox_.returned(e.ticket)) {
            say_catching_up(status);
            return std::nullopt;
        }
        const auto refused = outbox_.refused(e.ticket);
        if (!refused) return std::nullopt;
        std::string cause = "the broker refused the message";
        if (refused->from_earlier_run)
            cause += " an earlier run left";
        else if (refused->line != 0)
            cause += " from line " + std::to_string(refused->line);
        cause += ": " + e.text;
        if (auto why = status ? refusal_hint(*status) : std::string(); !why.empty())
            cause += " (" + why + ")";
        return fail(ExitCode::broker_failed, "send", cause);
    }

    // The account may publish, the server has a rate, and messages were
    // acknowledged a moment ago: the refusal is the broker's rate limit on a
    // backlog going out faster than it (a room we may not post to refuses
    // the first message, and a lasting refusal stops the acknowledgements).
    bool over_the_rate(const PublishStatus& status, std::int64_t now) const {
        constexpr std::int64_t kRecentAckMs = 2000;
        return status.allowed && !status.retry && status.rate_per_second > 0 && acked_ > 0 &&
               now - last_ack_ms_ < kRecentAckMs;
    }

    // A refusal of a message that is ours to send means the server holds
    // publishing back (archive closed or catching up, quota): ask it why, briefly.
    std::optional<PublishStatus> server_status() {
        auto status = access_.api().publish_status(access_.session_secret());
        if (auto* s = std::get_if<PublishStatus>(&status)) return *s;
        return std::nullopt;
    }

    // Once per episode: the messages wait, they are not lost.
    void say_catching_up(const std::optional<PublishStatus>& status) {
        if (!catching_up_.empty()) return;
        if (status && status->allowed && pace_.limited()) {
            catching_up_ =
                "over the account's " + std::to_string(status->rate_per_second) + " messages/s";
            reporter_.warn("send", "the broker refused messages " + catching_up_ +
                                       "; sending them again at up to 90% of that rate");
            return;
        }
        catching_up_ =
            status && !status->reason.empty() ? status->reason : "the server is catching up";
        reporter_.warn("send", "the broker holds messages back while the server catches up (" +
                                   catching_up_ + "); sending them again shortly");
    }

    void fill_window() {
        const std::int64_t now = clock_.monotonic_ms();
        if (pause_.paused(now)) return;
        std::size_t budget = pace_.available(now);
        outbox_.pump(
            [this, &budget](const OutgoingMessage& m) -> std::optional<std::uint64_t> {
                if (budget == 0) return std::nullopt;
                const auto ticket = supervisor_.publish_message(m);
                if (ticket) {
                    --budget;
                    pace_.spent(1);
                }
                return ticket;
            },
            supervisor_.publish_window());
    }

    std::optional<int> read_stdin() {
        char buf[kReadChunk];
        const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return std::nullopt;
        if (n < 0)
            return fail(ExitCode::unexpected, "send",
                        std::string("cannot read stdin: ") + std::strerror(errno));
        std::vector<std::string> texts;
        std::vector<std::size_t> numbers;
        if (n == 0) {
            splitter_.finish(texts, &numbers);
            input_done_ = true;
        } else {
            splitter_.feed(std::string_view(buf, static_cast<std::size_t>(n)), texts, &numbers);
        }
        std::vector<Line> lines;
        for (std::size_t i = 0; i < texts.size(); ++i)
            lines.push_back({std::move(texts[i]), numbers[i]});
        enqueue(std::move(lines));
        return std::nullopt;
    }

    // The message id of line `number`, part `part` (1-based): a fresh ULID,
    // or derived from --id so that running the same command again is harmless.
    std::string id_for(std::size_t number, std::size_t part, std::int64_t now_ms) {
        if (plan_.message_id.empty()) return ids_.next(now_ms);
        std::string id = plan_.message_id;
        if (plan_.send_stdin) id += "-" + std::to_string(number);
        if (part > 1) id += "-" + std::to_string(part);
        return id;
    }

    // Turns lines into messages and writes them to the outbox (one fsync for
    // the batch) before any of them is sent.
    void enqueue(std::vector<Line> lines) {
        std::vector<OutgoingMessage> batch;
        for (auto& line : lines) {
            if (!utf8::is_valid(line.text)) {
                reporter_.warn("send", "line " + std::to_string(line.number) +
                                           " is not valid UTF-8: invalid bytes are sent as U+FFFD");
                line.text = utf8::make_valid(line.text);
            }
            Message m;
            m.user = access_.user_id();
            m.name = access_.user_name();
            m.timestamp = platform::now_ms();
            auto pieces = split_for_payload(line.text, envelope_bytes_);
            if (pieces.size() > 1)
                reporter_.warn("send", "line " + std::to_string(line.number) +
                                           " is too long for one message: sent as " +
                                           std::to_string(pieces.size()) + " messages");
            for (std::size_t part = 0; part < pieces.size(); ++part) {
                m.id = id_for(line.number, part + 1, m.timestamp);
                m.text = std::move(pieces[part]);
                // --id: the same message may still wait from an earlier run.
                if (!plan_.message_id.empty() && outbox_.contains(m.id)) continue;
                batch.push_back({plan_.room, m.id, encode_payload(m), line.number});
            }
        }
        if (batch.empty()) return;
        total_ += batch.size();
        if (!supervisor_.ever_connected())
            for (const auto& m : batch)
                before_first_connection_.push_back(m.id);
        if (auto problem = outbox_.add(std::move(batch), clock_.monotonic_ms());
            !problem.empty() && !warned_outbox_) {
            warned_outbox_ = true;
            reporter_.warn("outbox", problem +
                                         "; sending anyway, but unacknowledged messages "
                                         "would be lost if this run ends early");
        }
    }

    void adopt_earlier_messages() {
        std::vector<std::string> problems;
        const auto n = outbox_.adopt([this](const std::string& room) { return room == plan_.room; },
                                     clock_.monotonic_ms(), problems);
        for (const auto& p : problems)
            reporter_.warn("outbox", p);
        if (n > 0) {
            total_ += n;
            reporter_.warn("outbox", "sending " + std::to_string(n) +
                                         " message(s) an earlier run left unacknowledged");
        }
    }

    std::optional<int> flush_output() {
        switch (out_.flush()) {
            case platform::Output::Status::ok:
            case platform::Output::Status::closed:  // nobody reads the ids: still send
                return std::nullopt;
            case platform::Output::Status::failed:
                return fail(ExitCode::unexpected, "output",
                            "cannot write to stdout: " + out_.error_text());
        }
        return std::nullopt;
    }

    int fail(ExitCode code, std::string_view stage, const std::string& cause) {
        flush_output();
        // Never connected: nothing of this run went anywhere, and the user
        // is told so; keeping it for a later run would surprise them.
        if (!supervisor_.ever_connected())
            for (const auto& id : before_first_connection_)
                outbox_.withdraw(id);
        std::string progress;  // only once sending began: before that nothing went anywhere
        if (total_ > 0 && supervisor_.ever_connected())
            progress = " (" + std::to_string(acked_) + " of " + std::to_string(total_) +
                       (input_done_ ? "" : "+") + " message(s) acknowledged)";
        reporter_.error(stage, cause + progress);
        if (!outbox_.empty())
            reporter_.warn("outbox", std::to_string(outbox_.size()) +
                                         " unacknowledged message(s) kept in " + outbox_.dir() +
                                         ": the next mqchat for #" + plan_.room +
                                         " sends them (--id KEY makes a retry safe)");
        return to_int(code);
    }

    const Plan& plan_;
    Access& access_;
    const Reporter& reporter_;
    platform::SignalWatcher& signals_;
    SupervisorClock clock_;
    HttpWorker worker_;
    AccessTokenSource tokens_;
    ConnectionSupervisor supervisor_;
    Outbox outbox_;
    UlidGenerator ids_;
    LineSplitter splitter_;
    platform::Output out_;
    std::vector<std::string> before_first_connection_;  // ids added this run, not yet sent
    std::size_t acked_ = 0;
    std::size_t total_ = 0;
    bool input_done_ = false;
    bool warned_outbox_ = false;
    std::int64_t start_ms_ = 0;
    std::int64_t last_ack_ms_ = 0;
    PublishPause pause_;
    PublishPace pace_;         // under the server's rate, once a refusal told us it
    std::string catching_up_;  // why the server holds publishing back, said once per episode
    std::size_t envelope_bytes_ = envelope_size(access_.user_id(), access_.user_name());
};

}  // namespace

std::string outbox_target(const Plan& plan, const Access& access) {
    if (access.has_server())
        return "server " + access.api().base_url() + " user " + access.user_id();
    return "broker " + (plan.broker ? plan.broker->to_string() : std::string()) + " user " +
           access.user_id();
}

int run_send(const Plan& plan, Access& access, const Reporter& reporter,
             platform::SignalWatcher& signals, const SessionPorts& ports) {
    return SendSession(plan, access, reporter, signals, ports).run();
}

}  // namespace mqchat::app

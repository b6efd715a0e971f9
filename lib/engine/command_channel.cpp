#include "engine/command_channel.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace ystpcs::engine {

CommandChannel::CommandChannel(runtime::EventLoop& loop, transport::CanTransport& transport, std::string module_name,
                               CommandTiming timing, CommandCounters& counters)
    : loop_(loop),
      transport_(transport),
      module_name_(std::move(module_name)),
      timing_(timing),
      counters_(counters),
      timer_(loop.create_timer([this] { on_timeout(); })),
      ambiguity_timer_(loop.create_timer([this] { resolve_ambiguity(); })) {}

CommandChannel::~CommandChannel() {
    *alive_ = false;
    if (active_) end_active();
}

void CommandChannel::fail_later(Done done, Error error, bool reached_bus) {
    // Never inside send(): the caller may not expect its callback before send() returns.
    loop_.post([alive = std::weak_ptr<bool>(alive_), done = std::move(done), error = std::move(error), reached_bus] {
        if (alive.lock()) done(CommandResult{error, reached_bus});
    });
}

void CommandChannel::send(const protocol::CanFrame& frame, std::string what, SendOptions options, Done done) {
    if (active_) {
        fail_later(std::move(done),
                   make_error(ErrorKind::busy, "internal: " + what + " sent while " + active_->what + " is outstanding"),
                   false);
        return;
    }
    const auto expect = protocol::expected_reply(frame);
    if (!expect) {
        fail_later(std::move(done), make_error(ErrorKind::invalid_argument, what + ": the frame has no defined reply"),
                   false);
        return;
    }
    auto c = std::make_unique<Command>();
    c->frame = frame;
    c->expect = *expect;
    c->what = std::move(what);
    c->options = options;
    c->done = std::move(done);
    c->received.resize(expect->count);
    active_ = std::move(c);
    transmit();
}

void CommandChannel::transmit() {
    Command& c = *active_;
    ++c.attempts;
    transport::TxTicket ticket = 0;
    const auto status = transport_.send(c.frame, c.options.tx_class, ticket);
    if (status == transport::SendStatus::down || status == transport::SendStatus::dropped) {
        const std::string why = status == transport::SendStatus::down
                                    ? "interface " + transport_.name() + " is down"
                                    : "the transmit queue of " + transport_.name() + " is full";
        auto ended = end_active();
        fail_later(std::move(ended->done),
                   make_error(ErrorKind::not_connected, "cannot send " + ended->what + " to " + module_name_ + ": " + why),
                   ended->reached_bus);
        return;
    }
    ++counters_.tx;
    // A queued frame reaches the bus unless it is withdrawn in time (end_active, on_timeout).
    c.ticket = status == transport::SendStatus::queued ? ticket : 0;
    if (status == transport::SendStatus::sent) c.reached_bus = true;
    timer_->arm(loop_.now() + timing_.reply_timeout);
}

std::unique_ptr<CommandChannel::Command> CommandChannel::end_active() {
    std::unique_ptr<Command> c = std::move(active_);
    timer_->disarm();
    ambiguity_timer_->disarm();
    ambiguous_.reset();
    if (c->ticket != 0) {
        if (transport_.withdraw(c->ticket)) {
            ++counters_.withdrawn;
            spdlog::debug("{}: {} withdrawn from the transmit queue", module_name_, c->what);
        } else {
            c->reached_bus = true;  // the transport had handed it to the kernel meanwhile
        }
        c->ticket = 0;
    }
    if (c->reached_bus) {
        // Whatever of its reply has not come yet may still come: not for the next command.
        const auto until = loop_.now() + timing_.reply_timeout;
        for (std::size_t i = 0; i < c->expect.count; ++i)
            if (!c->received[i]) stale_.push_back(Stale{c->expect.frames[i], until});
    }
    return c;
}

bool CommandChannel::consume_stale(const protocol::DecodedFrame& frame) {
    // Every received frame passes here: no clock read when nothing is owed.
    if (stale_.empty()) return false;
    const auto now = loop_.now();
    stale_.erase(std::remove_if(stale_.begin(), stale_.end(), [now](const Stale& s) { return s.until <= now; }),
                 stale_.end());
    for (auto it = stale_.begin(); it != stale_.end(); ++it) {
        if (!protocol::matches(it->match, frame)) continue;
        stale_.erase(it);
        ++counters_.late_replies;
        spdlog::debug("{}: a late reply ({}) to a command that had already ended, ignored", module_name_,
                      frame.def ? frame.def->name : "?");
        return true;
    }
    return false;
}

bool CommandChannel::wants(const protocol::DecodedFrame& frame) const {
    if (!active_) return false;
    for (std::size_t i = 0; i < active_->expect.count; ++i)
        if (!active_->received[i] && protocol::matches(active_->expect.frames[i], frame)) return true;
    return false;
}

bool CommandChannel::on_frame(const protocol::DecodedFrame& frame) {
    // The PCS answers in order: a reply still owed to an ended command comes before ours. But
    // when that reply was lost, the one taken for it was ours: if ours does not follow
    // shortly, the one taken for stale was it after all (resolve_ambiguity).
    if (consume_stale(frame)) {
        if (wants(frame)) {
            ambiguous_ = frame;
            ambiguity_timer_->arm(loop_.now() + std::min<runtime::Duration>(timing_.reply_timeout / 4,
                                                                            std::chrono::milliseconds(100)));
        }
        return true;
    }
    return take(frame);
}

void CommandChannel::resolve_ambiguity() {
    if (!ambiguous_) return;
    const protocol::DecodedFrame frame = *ambiguous_;
    ambiguous_.reset();
    if (!wants(frame)) return;
    --counters_.late_replies;
    spdlog::debug("{}: no second reply came: the one taken for late answered {}", module_name_, active_->what);
    take(frame);
}

bool CommandChannel::take(const protocol::DecodedFrame& frame) {
    if (!active_) return false;
    Command& c = *active_;
    bool used = false;
    for (std::size_t i = 0; i < c.expect.count && !used; ++i) {
        if (!c.received[i] && protocol::matches(c.expect.frames[i], frame)) {
            c.received[i] = frame;
            used = true;
        }
    }
    if (!used) return false;
    if (ambiguous_ && protocol::matches(protocol::ReplyMatch{ambiguous_->def->pf, std::nullopt}, frame)) {
        ambiguous_.reset();  // ours came: the one before it was the late one indeed
        ambiguity_timer_->disarm();
    }
    ++counters_.replies;
    for (const auto& r : c.received)
        if (!r) return true;
    // Complete: a result frame (0x08, 0x0A, 0x0E, 0x10, 0x1C) says success or failure.
    std::unique_ptr<Command> done = std::move(active_);
    timer_->disarm();
    CommandOutcome outcome;
    bool success = true;
    for (const auto& r : done->received) {
        outcome.replies.push_back(*r);
        if (r->def->role == protocol::FrameRole::result && !protocol::is_success(*r)) success = false;
    }
    if (success) {
        done->done(CommandResult{std::move(outcome), true});
    } else {
        ++counters_.rejected;
        done->done(CommandResult{
            make_error(ErrorKind::rejected, module_name_ + " rejected " + done->what + " (the PCS answered failure)"),
            true});
    }
    return true;
}

void CommandChannel::on_timeout() {
    if (!active_) return;
    Command& c = *active_;
    std::size_t got = 0;
    for (const auto& r : c.received) got += r ? 1 : 0;
    if (got == 0 && c.expect.idempotent && c.attempts <= timing_.retries) {
        // A copy still waiting in the transmit queue is taken back and queued anew.
        bool previous_sent = c.ticket == 0;
        if (c.ticket != 0 && !transport_.withdraw(c.ticket)) previous_sent = c.reached_bus = true;
        c.ticket = 0;
        if (previous_sent) {
            ++counters_.retries;
            spdlog::debug("{}: no answer to {}, sending it again (attempt {})", module_name_, c.what, c.attempts + 1);
        }
        transmit();
        return;
    }
    ++counters_.timeouts;
    auto ended = end_active();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timing_.reply_timeout).count();
    if (got > 0 && ended->options.accept_partial) {
        CommandOutcome partial;
        partial.partial = true;
        for (const auto& r : ended->received)
            if (r) partial.replies.push_back(*r);
        spdlog::warn("{}: {} answered only {} of {} frames within {} ms; keeping what arrived", module_name_,
                     ended->what, got, ended->expect.count, ms);
        ended->done(CommandResult{std::move(partial), true});
        return;
    }
    std::string msg = module_name_ + " did not answer " + ended->what + " within " + std::to_string(ms) + " ms" +
                      (ended->attempts > 1 ? " (" + std::to_string(ended->attempts) + " attempts)" : "");
    if (!ended->reached_bus)
        msg = "cannot send " + ended->what + " to " + module_name_ + ": it waited in the transmit queue of " +
              transport_.name() + " for " + std::to_string(ms) + " ms and was withdrawn, never sent (bus overloaded " +
              "or no other node acknowledging)";
    spdlog::warn("{}", msg);
    ended->done(CommandResult{make_error(ErrorKind::timeout, msg), ended->reached_bus});
}

void CommandChannel::abandon() {
    if (!active_) return;
    auto ended = end_active();
    spdlog::debug("{}: {} abandoned", module_name_, ended->what);
}

}  // namespace ystpcs::engine

#include "engine/shutdown_sequence.h"

#include <spdlog/spdlog.h>

namespace ystpcs::engine {

ShutdownSequence::ShutdownSequence(Rack& rack, Operations& ops, ShutdownTiming timing)
    : rack_(rack), ops_(ops), timing_(timing), timer_(rack.loop().create_timer([this] { check_done(); })) {}

ShutdownSequence::~ShutdownSequence() { *alive_ = false; }

void ShutdownSequence::begin(bool leave_running, std::function<void()> done) {
    if (started_) return;
    started_ = true;
    done_ = std::move(done);
    ops_.set_shutting_down(true);
    began_ = rack_.loop().now();
    if (leave_running) {
        spdlog::info("shutting down, leaving the modules running (on_shutdown = leave-running)");
        finished_ = true;
        rack_.loop().post([done = done_] { done(); });
        return;
    }
    spdlog::info("shutting down: stopping every module whose power stage is active; heartbeat state 1 for {:.1f} s",
                 runtime::seconds(timing_.heartbeats));
    for (Module* m : rack_.modules()) {
        m->set_health(ControllerHealth::shutdown);  // an emergency stop's state 3 overrides it
        const bool active = m->running_state() ? m->power_stage_active() : m->connected();
        const bool started_here = m->start_commanded_this_life() == true;
        if (!active && !started_here) continue;
        ++pending_;
        ops_.stop(*m, [this, alive = std::weak_ptr<bool>(alive_), name = m->name()](Result<void> r) {
            if (!alive.lock()) return;
            if (!r) spdlog::warn("{}: stop at shutdown: {}", name, r.error().message);
            else spdlog::info("{}: stopped", name);
            --pending_;
            check_done();
        });
    }
    timer_->arm(began_ + timing_.heartbeats);
}

void ShutdownSequence::check_done() {
    if (finished_) return;
    const auto now = rack_.loop().now();
    if (now < began_ + timing_.heartbeats) return;  // the timer comes back then
    if (pending_ > 0 && now < began_ + timing_.limit) {
        timer_->arm(began_ + timing_.limit);
        return;
    }
    if (pending_ > 0) spdlog::warn("{} stop(s) unanswered; shutting down anyway", pending_);
    spdlog::info("shutdown complete");
    finished_ = true;
    timer_->disarm();
    rack_.loop().post([done = done_] { done(); });
}

}  // namespace ystpcs::engine

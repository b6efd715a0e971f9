#include "sim/simulated_rack.h"

#include "sim/control_commands.h"

namespace ystpcs::sim {

SimulatedRack::SimulatedRack(runtime::EventLoop& loop, transport::CanTransport& transport)
    : loop_(loop), transport_(transport) {
    timer_ = loop_.create_timer([this] { run_due(); }, runtime::Priority::high);
    transport_.on_frame([this](const transport::ReceivedFrame& rx) { on_frame(rx.frame); });
}

SimulatedRack::~SimulatedRack() { transport_.on_frame(nullptr); }

PcsModel& SimulatedRack::add(const PcsConfig& config) {
    auto model = std::make_unique<PcsModel>(config, [this](const protocol::CanFrame& f) { transport_.send(f); });
    PcsModel& ref = *model;
    models_.push_back(std::move(model));
    ref.power_on(loop_.now());
    rearm();
    return ref;
}

PcsModel* SimulatedRack::find(std::uint8_t address) {
    for (auto& m : models_)
        if (m->address() == address) return m.get();
    return nullptr;
}

std::vector<PcsModel*> SimulatedRack::modules() {
    std::vector<PcsModel*> out;
    for (auto& m : models_) out.push_back(m.get());
    return out;
}

void SimulatedRack::on_frame(const protocol::CanFrame& frame) {
    const auto now = loop_.now();
    for (auto& m : models_) m->on_frame(frame, now);
    rearm();
}

void SimulatedRack::run_due() {
    const auto now = loop_.now();
    for (auto& m : models_) m->advance(now);
    rearm();
}

void SimulatedRack::rearm() {
    if (models_.empty()) return;
    runtime::Instant next = models_.front()->next_deadline();
    for (auto& m : models_) next = std::min(next, m->next_deadline());
    timer_->arm(next);
}

std::string SimulatedRack::execute(std::string_view command_line) {
    std::string reply = execute_control_command(*this, loop_.now(), command_line);
    rearm();
    return reply;
}

}  // namespace ystpcs::sim

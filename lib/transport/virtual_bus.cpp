#include "transport/virtual_bus.h"

#include <algorithm>
#include <deque>
#include <random>
#include <stdexcept>
#include <vector>

namespace ystpcs::transport {

std::string_view to_string(BusState state) {
    switch (state) {
        case BusState::up: return "up";
        case BusState::error_passive: return "error-passive";
        case BusState::bus_off: return "bus-off";
        case BusState::down: return "down";
    }
    return "unknown";
}

namespace {
class Endpoint;
}

struct VirtualBus::Core {
    Core(runtime::EventLoop& l, std::string n, VirtualBusOptions o)
        : loop(l), name(std::move(n)), options(o), rng(o.seed) {}
    struct InFlight {
        runtime::Instant due;
        protocol::CanFrame frame;
        const Endpoint* from;
        runtime::WallTime sent_at;
    };
    runtime::EventLoop& loop;
    std::string name;
    VirtualBusOptions options;
    std::mt19937_64 rng;
    std::vector<Endpoint*> endpoints;
    std::deque<InFlight> in_flight;
    std::unique_ptr<runtime::Timer> timer;
    TxQueueLimits tx_limits;
    bool up = true;
    std::uint64_t carried = 0;

    void arm() {
        if (!timer) return;  // the bus is being destroyed
        if (in_flight.empty()) timer->disarm();
        else if (!timer->armed() || timer->deadline() != in_flight.front().due) timer->arm(in_flight.front().due);
    }
    void deliver_due();
    Endpoint& endpoint(const CanTransport& t) const;
};

namespace {

class Endpoint final : public CanTransport {
public:
    explicit Endpoint(std::shared_ptr<VirtualBus::Core> core)
        : core_(std::move(core)), tx_queue_(core_->tx_limits) {
        core_->endpoints.push_back(this);
    }
    ~Endpoint() override {
        auto& eps = core_->endpoints;
        eps.erase(std::remove(eps.begin(), eps.end(), this), eps.end());
        // Frames this endpoint sent stay in flight; frames to it are simply not delivered.
        for (auto& f : core_->in_flight)
            if (f.from == this) f.from = nullptr;
    }
    const std::string& name() const override { return core_->name; }
    BusState state() const override { return core_->up ? BusState::up : BusState::down; }
    TransportCounters counters() const override { return counters_; }

    using CanTransport::send;
    // Without a stall the queue stays empty and every frame goes on the bus at once.
    SendStatus send(const protocol::CanFrame& frame, TxClass tx_class, TxTicket& ticket) override {
        ticket = 0;
        if (!core_->up) {
            ++counters_.tx_dropped;
            return SendStatus::down;
        }
        if (!stalled_ && tx_queue_.may_send_now(tx_class)) {
            put_on_bus(frame);
            return SendStatus::sent;
        }
        const TxQueue::Pushed pushed = tx_queue_.push(frame, tx_class);
        if (pushed.ticket == 0) {
            ++counters_.tx_dropped;
            return SendStatus::dropped;
        }
        if (!pushed.replaced) ++counters_.tx_queued;
        ticket = pushed.ticket;
        return SendStatus::queued;
    }

    bool withdraw(TxTicket ticket) override {
        if (!tx_queue_.withdraw(ticket)) return false;
        ++counters_.tx_withdrawn;
        return true;
    }

    void set_stalled(bool stalled) {
        stalled_ = stalled;
        // Each frame leaves the queue before it goes out, so that a sent handler sending more
        // queues behind what still waits, as with SocketCAN.
        while (!stalled_ && core_->up && !tx_queue_.empty()) put_on_bus(tx_queue_.take().frame);
    }
    std::size_t waiting() const { return tx_queue_.size(); }
    // The bus went down: what waits is stale by the time it is back (as SocketCAN drops it).
    void drop_waiting() { counters_.tx_dropped += tx_queue_.clear(); }
    void set_limits(const TxQueueLimits& limits) { tx_queue_.set_limits(limits); }

    void receive(const protocol::CanFrame& frame, runtime::WallTime sent_at) {
        ++counters_.rx_frames;
        deliver(ReceivedFrame{frame, sent_at + core_->options.delay, core_->loop.now()});
    }
    void state_changed() const { report_state(state()); }

private:
    void put_on_bus(const protocol::CanFrame& frame) {
        ++counters_.tx_frames;
        ++core_->carried;
        const auto now_wall = core_->loop.wall_now();
        core_->in_flight.push_back({core_->loop.now() + core_->options.delay, frame, this, now_wall});
        core_->arm();
        report_sent(frame, now_wall);
    }

    std::shared_ptr<VirtualBus::Core> core_;
    TransportCounters counters_;
    TxQueue tx_queue_;
    bool stalled_ = false;
};

}  // namespace

void VirtualBus::Core::deliver_due() {
    const auto now = loop.now();
    std::bernoulli_distribution lost(std::clamp(options.loss, 0.0, 1.0));
    while (!in_flight.empty() && in_flight.front().due <= now) {
        const InFlight f = in_flight.front();
        in_flight.pop_front();
        // A receiver may disconnect while we deliver: iterate over a snapshot.
        const std::vector<Endpoint*> receivers = endpoints;
        for (Endpoint* ep : receivers) {
            if (ep == f.from) continue;
            if (std::find(endpoints.begin(), endpoints.end(), ep) == endpoints.end()) continue;
            if (options.loss > 0 && lost(rng)) continue;
            ep->receive(f.frame, f.sent_at);
        }
    }
    arm();
}

Endpoint& VirtualBus::Core::endpoint(const CanTransport& t) const {
    for (Endpoint* ep : endpoints)
        if (static_cast<const CanTransport*>(ep) == &t) return *ep;
    throw std::invalid_argument("not an endpoint of the virtual bus " + name);
}

VirtualBus::VirtualBus(runtime::EventLoop& loop, std::string name, VirtualBusOptions options)
    : core_(std::make_shared<Core>(loop, std::move(name), options)) {
    core_->timer = loop.create_timer([core = core_.get()] { core->deliver_due(); });
}

VirtualBus::~VirtualBus() { core_->timer.reset(); }

std::unique_ptr<CanTransport> VirtualBus::connect() { return std::make_unique<Endpoint>(core_); }

const std::string& VirtualBus::name() const { return core_->name; }

void VirtualBus::set_up(bool up) {
    if (core_->up == up) return;
    core_->up = up;
    if (!up) core_->in_flight.clear();
    core_->arm();
    const std::vector<Endpoint*> eps = core_->endpoints;
    if (!up)
        for (Endpoint* ep : eps) ep->drop_waiting();
    for (Endpoint* ep : eps) ep->state_changed();
}

void VirtualBus::set_options(const VirtualBusOptions& options) { core_->options = options; }

void VirtualBus::set_tx_queue_limits(const TxQueueLimits& limits) {
    core_->tx_limits = limits;
    for (Endpoint* ep : core_->endpoints) ep->set_limits(limits);
}

void VirtualBus::set_tx_stalled(CanTransport& endpoint, bool stalled) {
    core_->endpoint(endpoint).set_stalled(stalled);
}

std::size_t VirtualBus::tx_waiting(const CanTransport& endpoint) const { return core_->endpoint(endpoint).waiting(); }

std::uint64_t VirtualBus::frames_carried() const { return core_->carried; }

}  // namespace ystpcs::transport

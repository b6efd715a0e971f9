// A bus with the engine, simulated modules and a probe that records every frame, in fake
// time: what the engine tests run against.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <unistd.h>

#include "engine/operations.h"
#include "protocol/running_states.h"
#include "runtime/manual_event_loop.h"
#include "sim/simulated_rack.h"
#include "transport/virtual_bus.h"

namespace ystpcs::engine::testing {

using namespace ystpcs::protocol;
using namespace std::chrono_literals;



struct Seen {
    runtime::Instant at;
    CanFrame frame;
};

inline std::string temp_state_file() {
    char tmpl[] = "/tmp/ystpcs-engine-test-XXXXXX";
    const int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    close(fd);
    std::filesystem::remove(tmpl);  // a fresh install: no file yet
    return tmpl;
}

// A bus with the engine, simulated modules and a probe that records every frame.
struct Bench {
    runtime::ManualEventLoop loop;
    transport::VirtualBus bus{loop, "sim"};
    std::unique_ptr<transport::CanTransport> engine_node = bus.connect();
    std::unique_ptr<transport::CanTransport> sim_node = bus.connect();
    std::unique_ptr<transport::CanTransport> probe_node = bus.connect();
    sim::SimulatedRack sims{loop, *sim_node};
    std::string state_path = temp_state_file();
    std::unique_ptr<CommandedStateStore> store;
    std::unique_ptr<Rack> rack;
    std::unique_ptr<Operations> ops;
    std::unique_ptr<DiscoveryReads> discovery;
    std::vector<Seen> seen;

    // `configure` adjusts each simulated module (firmware, battery) before it powers on.
    explicit Bench(std::vector<std::uint8_t> addresses = {1, 2}, bool discovery_reads = true,
                   const std::function<void(sim::PcsConfig&)>& configure = {}, EngineOptions options = {}) {
        probe_node->on_frame([this](const transport::ReceivedFrame& rx) { seen.push_back({loop.now(), rx.frame}); });
        for (auto a : addresses) {
            sim::PcsConfig c;
            c.address = a;
            c.plant.noise_scale = 0;
            c.plant.battery.initial_soc = 0.6;
            if (configure) configure(c);
            sims.add(c);
        }
        boot(discovery_reads, options);
    }
    ~Bench() {
        discovery.reset();
        ops.reset();
        rack.reset();
        std::filesystem::remove(state_path);
    }
    // The controller side stops (a crashed or stopped daemon): no more heartbeats.
    void controller_down() {
        discovery.reset();
        ops.reset();
        rack.reset();
    }
    // (Re)starts the controller side, as a daemon restart would.
    void boot(bool discovery_reads = true, EngineOptions options = {}) {
        controller_down();
        store = std::make_unique<CommandedStateStore>(state_path);
        REQUIRE(store->load().ok());
        rack = std::make_unique<Rack>(loop, options, *store);
        rack->attach(*engine_node);
        ops = std::make_unique<Operations>(*rack);
        if (discovery_reads) discovery = std::make_unique<DiscoveryReads>(*rack, *ops);
        rack->start_heartbeat();
    }
    Module& module(std::uint8_t a) {
        Module* m = rack->find("sim", a);
        REQUIRE_MESSAGE(m != nullptr, "module sim/" << int(a) << " not served");
        return *m;
    }
    sim::PcsModel& pcs(std::uint8_t a) { return *sims.find(a); }
    void run(runtime::Duration d) { loop.advance(d); }
    // Waits (in fake time) for an operation to complete.
    template <class T>
    Result<T> wait(const std::function<void(std::function<void(Result<T>)>)>& op, runtime::Duration limit = 30s) {
        std::optional<Result<T>> out;
        op([&](Result<T> r) { out.emplace(std::move(r)); });
        REQUIRE_MESSAGE(loop.run_until([&] { return out.has_value(); }, limit), "operation did not complete");
        return std::move(*out);
    }
    Result<void> wait_void(const std::function<void(Done)>& op, runtime::Duration limit = 30s) {
        return wait<void>([&](std::function<void(Result<void>)> cb) { op(cb); }, limit);
    }
    std::vector<Seen> frames_to(std::uint8_t pcs, std::uint8_t pf_code, std::size_t from = 0) const {
        std::vector<Seen> out;
        for (std::size_t i = from; i < seen.size(); ++i) {
            const auto o = classify(seen[i].frame);
            if (o.traffic == Traffic::to_pcs && o.pcs == pcs && o.id.pf == pf_code) out.push_back(seen[i]);
        }
        return out;
    }
    // Runs an operation that must succeed and put exactly one 0x0F on the bus for PCS 1;
    // returns that frame's bytes.
    std::array<std::uint8_t, 8> sole_start_stop(const std::function<void(Done)>& op) {
        const std::size_t from = seen.size();
        REQUIRE(wait_void(op).ok());
        const auto f = frames_to(1, pf::start_stop, from);
        REQUIRE(f.size() == 1);
        return f[0].frame.data;
    }
    std::size_t mark() const { return seen.size(); }
    // A PCS played by the test: frames with source `pcs`, to the controller, via the probe.
    void send_as_pcs(std::uint8_t pcs, std::uint8_t pf_code, std::vector<double> values) {
        const auto f = encode(pf_code, pcs, values);
        REQUIRE_MESSAGE(f.ok(), f.error().message);
        probe_node->send(f.value());
    }
    // Every frame the controller sent to PCS `pcs` since `from`, in order, as PF codes.
    std::vector<std::uint8_t> pfs_to(std::uint8_t pcs, std::size_t from = 0) const {
        std::vector<std::uint8_t> out;
        for (std::size_t i = from; i < seen.size(); ++i) {
            const auto o = classify(seen[i].frame);
            if (o.traffic == Traffic::to_pcs && o.pcs == pcs && o.id.pf != pf::heartbeat) out.push_back(o.id.pf);
        }
        return out;
    }
    // Starts an operation and returns a slot that holds its result once it ended.
    template <class T = void, class Op>
    std::shared_ptr<std::optional<Result<T>>> launch(Op&& op) {
        auto slot = std::make_shared<std::optional<Result<T>>>();
        op(std::function<void(Result<T>)>([slot](Result<T> r) { slot->emplace(std::move(r)); }));
        return slot;
    }
    bool running(std::uint8_t a) { return module(a).running_state() && power_stage_active(*module(a).running_state()); }
    void set_cc(std::uint8_t a, double amps, SetModeOptions o = {}) {
        const auto r = wait_void([&](Done d) { ops->set_mode(module(a), *find_mode("cc"), {amps}, o, d); });
        REQUIRE_MESSAGE(r.ok(), r.error().message);
    }
};


}  // namespace ystpcs::engine::testing

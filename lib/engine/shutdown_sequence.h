// The orderly shutdown of the controller (SIGTERM, systemctl stop): from its first moment only
// stops are accepted; every module whose power stage is active (or whose state is unknown while
// it communicates, or that this daemon started) gets a pre-empting 0x0F stop, whatever was
// commanded before; heartbeats say "controller shutting down" (state 1) for at least a second —
// except to a module under an emergency stop, which keeps hearing state 3 — and the sequence
// ends when every stop was answered, or after a few seconds at most.
// With leave_running, nothing is sent: heartbeats just end and each PCS's own 5 s timeout applies.
#pragma once

#include <functional>
#include <memory>

#include "engine/operations.h"
#include "engine/rack.h"

namespace ystpcs::engine {

struct ShutdownTiming {
    runtime::Duration heartbeats = std::chrono::seconds(1);  // state 1 for at least this long
    runtime::Duration limit = std::chrono::seconds(5);       // and never longer than this
};

class ShutdownSequence {
public:
    ShutdownSequence(Rack& rack, Operations& ops, ShutdownTiming timing = {});
    ~ShutdownSequence();
    ShutdownSequence(const ShutdownSequence&) = delete;
    ShutdownSequence& operator=(const ShutdownSequence&) = delete;

    // `done` is called once, from the loop, when the sequence is over.
    void begin(bool leave_running, std::function<void()> done);
    bool running() const { return started_ && !finished_; }
    std::size_t pending_stops() const { return pending_; }

private:
    void check_done();

    Rack& rack_;
    Operations& ops_;
    ShutdownTiming timing_;
    std::function<void()> done_;
    std::unique_ptr<runtime::Timer> timer_;
    runtime::Instant began_{};
    std::size_t pending_ = 0;
    bool started_ = false;
    bool finished_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ystpcs::engine

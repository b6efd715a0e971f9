// OpenFrameStream: raw frames for recording and diagnostics, one `candump -L` line each,
// written to a Unix socket whose other end the client received. Clients never get the CAN
// socket itself. Writes never block: a client that does not keep up loses lines (counted),
// a client that hangs up is dropped.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/rack.h"

namespace ystpcs::dbus {

struct FrameFilter {
    std::optional<std::string> interface;
    std::optional<std::uint8_t> address;   // frames to or from this PCS
    std::set<std::uint8_t> pfs;            // empty: all
    bool rx = true, tx = true;             // direction as seen by the daemon
};

// Each stream costs a descriptor pair and up to 256 KiB of buffer: without a bound one local
// user could exhaust the daemon's descriptors (and root's next OpenFrameStream would fail).
struct FrameStreamLimits {
    std::size_t per_user = 8;       // for users who may not change modules
    std::size_t total = 64;
    std::size_t reserved = 16;      // of `total`, only for root and the control group
};

class FrameStreams final : public engine::RackObserver {
public:
    explicit FrameStreams(engine::Rack& rack, FrameStreamLimits limits = {});
    ~FrameStreams() override;
    // A new stream for user `uid` (`privileged`: root or the control group); returns the
    // client's end (the caller passes it on and closes its copy), or LimitsExceeded.
    Result<int> open(const FrameFilter& filter, std::uint32_t uid, bool privileged);
    std::size_t count() const { return streams_.size(); }

    void frame(transport::CanTransport& t, const protocol::CanFrame& f, runtime::WallTime when, bool outgoing) override;

private:
    struct Stream;
    void close_later(Stream* s);
    void flush(Stream& s);

    engine::Rack& rack_;
    FrameStreamLimits limits_;
    std::vector<std::unique_ptr<Stream>> streams_;
};

bool matches(const FrameFilter& filter, const std::string& interface, const protocol::CanFrame& f, bool outgoing);

}  // namespace ystpcs::dbus

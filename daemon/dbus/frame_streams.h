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

class FrameStreams final : public engine::RackObserver {
public:
    explicit FrameStreams(engine::Rack& rack);
    ~FrameStreams() override;
    // A new stream; returns the client's end (the caller passes it on and closes its copy).
    Result<int> open(const FrameFilter& filter);
    std::size_t count() const { return streams_.size(); }

    void frame(transport::CanTransport& t, const protocol::CanFrame& f, runtime::WallTime when, bool outgoing) override;

private:
    struct Stream;
    void close_later(Stream* s);
    void flush(Stream& s);

    engine::Rack& rack_;
    std::vector<std::unique_ptr<Stream>> streams_;
};

bool matches(const FrameFilter& filter, const std::string& interface, const protocol::CanFrame& f, bool outgoing);

}  // namespace ystpcs::dbus

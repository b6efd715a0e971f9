// The arithmetic of what SocketCAN reports back about a socket, kept apart from the system
// calls so that it can be unit-tested on a host without CAN.
#pragma once

#include <cstdint>

namespace ystpcs::transport {

// SO_RXQ_OVFL: the cmsg carries the cumulative count of frames THAT socket dropped (a 32-bit
// counter that starts at 0 with each socket and wraps). Returns the drops since `last` and
// updates it; `last` must be reset to 0 whenever a new socket is opened, as candump does per
// socket. Wrap-around is harmless: the subtraction is modulo 2^32.
std::uint32_t overflow_delta(std::uint32_t now_total, std::uint32_t& last);

// SO_RCVBUF: Linux caps the request at net.core.rmem_max and stores twice the result (the
// other half is its allowance for bookkeeping); getsockopt reads back the doubled value.
struct ReceiveBuffer {
    int asked = 0;      // what we set
    int effective = 0;  // what we got, in the same units as `asked` (read-back / 2)
    bool clamped() const { return effective < asked; }
};
ReceiveBuffer receive_buffer_from_readback(int asked, int read_back);

}  // namespace ystpcs::transport

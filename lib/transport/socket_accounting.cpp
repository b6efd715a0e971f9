#include "transport/socket_accounting.h"

namespace ystpcs::transport {

std::uint32_t overflow_delta(std::uint32_t now_total, std::uint32_t& last) {
    const std::uint32_t delta = now_total - last;
    last = now_total;
    return delta;
}

ReceiveBuffer receive_buffer_from_readback(int asked, int read_back) { return {asked, read_back / 2}; }

}  // namespace ystpcs::transport

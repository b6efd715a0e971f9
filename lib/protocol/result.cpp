#include "protocol/result.h"

namespace ystpcs {

const char* error_kind_name(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::invalid_argument: return "InvalidArgument";
        case ErrorKind::out_of_range: return "OutOfRange";
        case ErrorKind::interlock: return "Interlock";
        case ErrorKind::busy: return "Busy";
        case ErrorKind::cancelled: return "Cancelled";
        case ErrorKind::limits_exceeded: return "LimitsExceeded";
        case ErrorKind::timeout: return "Timeout";
        case ErrorKind::rejected: return "Rejected";
        case ErrorKind::not_connected: return "NotConnected";
        case ErrorKind::not_decodable: return "NotDecodable";
        case ErrorKind::io: return "Io";
    }
    return "Unknown";
}

}  // namespace ystpcs

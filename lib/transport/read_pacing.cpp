#include "transport/read_pacing.h"

namespace ystpcs::transport {

runtime::Instant read_start(runtime::Instant wanted, std::optional<runtime::Instant> quiet_point,
                            runtime::Duration guard) {
    if (!quiet_point || wanted >= *quiet_point || *quiet_point - wanted >= guard) return wanted;
    return *quiet_point;
}

}  // namespace ystpcs::transport

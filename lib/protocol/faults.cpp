#include "protocol/faults.h"

namespace ystpcs::protocol {

FaultInfo fault_info(std::uint16_t code) {
    if (code == fault_code::none) return FaultInfo{0, FaultCategory::none, "no fault", "", true};
    for (const auto& f : kFaults)
        if (code >= f.first && code <= f.last) return FaultInfo{code, f.category, f.meaning, f.action, true};
    if (code >= 0x8000)
        return FaultInfo{code, FaultCategory::communication, "internal failure", "contact the manufacturer", false};
    return FaultInfo{code, FaultCategory::module, "reserved / internal failure", "contact the manufacturer", false};
}

namespace detail {
std::string_view fault_meaning(std::int64_t raw) {
    if (raw < 0 || raw > 0xFFFF) return "invalid fault code";
    return fault_info(static_cast<std::uint16_t>(raw)).meaning;
}
}  // namespace detail

}  // namespace ystpcs::protocol

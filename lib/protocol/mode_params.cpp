#include "protocol/mode_params.h"

namespace ystpcs::protocol {

std::vector<ScaledParam> scale_mode_params(const DecodedFrame& frame, const ModeDef& mode) {
    std::vector<ScaledParam> out;
    if (frame.def == nullptr || !frame.def->mode_parameters) return out;
    for (std::size_t i = 0; i < frame.def->signals.size(); ++i) {
        const std::size_t index = frame.def->first_mode_param + i;
        if (index >= mode.params.size()) continue;
        const auto raw = static_cast<std::int32_t>(frame.raw[i]);
        out.push_back(ScaledParam{&mode.params[index], index, raw, mode_param_from_raw(mode.params[index], raw)});
    }
    return out;
}

void ModeTracker::observe(std::string_view context, const DecodedFrame& frame) {
    if (frame.def == nullptr) return;
    if (frame.def->pf != pf::set_mode && frame.def->pf != pf::mode_reading) return;
    const std::uint8_t pcs = frame.owner.traffic == Traffic::broadcast ? 0 : frame.owner.pcs;
    modes_[{std::string(context), pcs}] = Known{static_cast<std::uint8_t>(frame.raw[0]), ++sequence_};
}

const ModeDef* ModeTracker::mode_of(std::string_view context, std::uint8_t pcs) const {
    const Known* best = nullptr;
    for (std::uint8_t key : {pcs, std::uint8_t{0}}) {
        const auto it = modes_.find(std::make_pair(std::string(context), key));
        if (it != modes_.end() && (best == nullptr || it->second.sequence > best->sequence)) best = &it->second;
    }
    return best ? find_mode(best->code) : nullptr;
}

}  // namespace ystpcs::protocol

#include "protocol/capture_decoder.h"

#include "protocol/frame_json.h"

namespace ystpcs::protocol {

CaptureEntry CaptureDecoder::decode(std::string_view line) {
    CaptureEntry entry;
    const auto first = line.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || line[first] == '#') {
        entry.skipped = true;
        return entry;
    }
    auto parsed = parse_candump_line(line);
    if (!parsed) {
        entry.error = parsed.error().message;
        return entry;
    }
    entry.captured = parsed.value();
    const DecodeOutcome outcome = protocol::decode(entry.captured->frame);
    if (!outcome.ok()) {
        entry.error = outcome.failure().reason;
        return entry;
    }
    entry.decoded = outcome.frame();
    modes_.observe(entry.captured->iface, *entry.decoded);
    if (entry.decoded->def->mode_parameters) entry.mode = modes_.mode_of(entry.captured->iface, entry.decoded->owner.pcs);
    return entry;
}

nlohmann::ordered_json CaptureDecoder::to_json(const CaptureEntry& entry, std::size_t line_number) const {
    if (entry.skipped) return nullptr;
    if (entry.decoded) return frame_json(*entry.captured, *entry.decoded, entry.mode);
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    out["error"] = valid_utf8(entry.error);
    out["line"] = line_number;
    if (entry.captured) put_capture_header(out, *entry.captured);
    return out;
}

}  // namespace ystpcs::protocol

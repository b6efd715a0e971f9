// Decoded frames as JSON objects: the output of `pcsctl decode` and `pcsctl record --format
// jsonl`. Field names are the table's (snake_case, unit suffix); enumerations give the number
// and its text ("state" + "state_name", "fault_code" + "fault_text").
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/candump.h"
#include "protocol/codec.h"
#include "protocol/modes.h"

namespace ystpcs::protocol {

// The "fields" object. For mode-parameter frames, raw "parameter_N" always, and the scaled
// parameters of `mode` (with "mode"/"mode_name") when it is known.
nlohmann::ordered_json fields_json(const DecodedFrame& frame, const ModeDef* mode);

// {"t", "iface", "id", "pf", "src", "dst", "dir", "frame", "fields"}; "t" only when known.
nlohmann::ordered_json frame_json(const CapturedFrame& captured, const DecodedFrame& frame, const ModeDef* mode);

// Adds "t" (when known), "iface" and "id".
// The text with each byte that is not part of valid UTF-8 written as "\\xNN": capture lines
// are arbitrary bytes, and a JSON string must be UTF-8 (nlohmann's dump() throws otherwise).
std::string valid_utf8(std::string_view text);

void put_capture_header(nlohmann::ordered_json& out, const CapturedFrame& captured);

// One signal's value as JSON: an integer where the field has no fractional resolution.
nlohmann::ordered_json value_json(const SignalDef& sig, double value);

}  // namespace ystpcs::protocol

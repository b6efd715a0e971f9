// `pcsctl decode`'s per-line path on arbitrary captures: CaptureDecoder::decode() of every
// line (one decoder, so the working mode learnt from one line scales later ones), then
// to_json() and dump() exactly as pcsctl prints it. Every line that is not blank or a
// comment must yield one printable JSON object: a frame or an error, never an exception
// (pcsctl would stop decoding the capture there).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "check.h"
#include "protocol/capture_decoder.h"

using namespace ystpcs::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    CaptureDecoder decoder;
    std::size_t number = 0;
    while (!rest.empty()) {
        const auto nl = rest.find('\n');  // std::getline's split
        const std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        const CaptureEntry e = decoder.decode(line);
        ++number;
        const auto first = line.find_first_not_of(" \t\r\n");
        const bool blank_or_comment = first == std::string_view::npos || line[first] == '#';
        FUZZ_CHECK(e.skipped == blank_or_comment, "line %zu: skipped %d", number, e.skipped);
        if (e.skipped) continue;
        FUZZ_CHECK(e.decoded.has_value() != !e.error.empty(), "line %zu: decoded %d with error '%s'", number,
                   e.decoded.has_value(), e.error.c_str());
        if (e.decoded) {
            FUZZ_CHECK(e.captured && e.decoded->def != nullptr, "line %zu decoded without its frame", number);
            FUZZ_CHECK(e.mode == nullptr || e.decoded->def->mode_parameters, "line %zu: a mode for %s", number,
                       std::string(e.decoded->def->name).c_str());
        }
        const auto j = decoder.to_json(e, number);
        FUZZ_CHECK(j.is_object() && (j.contains("frame") || j.contains("error")), "line %zu: JSON %s", number,
                   j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
        const std::string printed = j.dump();  // pcsctl decode's output, strict UTF-8 as there
        FUZZ_CHECK(!printed.empty(), "line %zu printed nothing", number);
    }
    return 0;
}

// protocol::decode() on arbitrary frames, and the round trip the table promises: a frame
// that decodes and whose values lie inside the table's ranges re-encodes to the same
// identifier and the same bytes in every field; bytes no field covers encode as zero.
//
// Input: id (4 bytes, big-endian), flags (bit 0 extended, 1 remote, 2 error), dlc, 8 data
// bytes; missing bytes are zero.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "check.h"
#include "protocol/codec.h"

using namespace ystpcs::protocol;

namespace {

CanFrame frame_from(const std::uint8_t* data, std::size_t size) {
    std::uint8_t in[14] = {};
    std::memcpy(in, data, size < sizeof in ? size : sizeof in);
    CanFrame f;
    f.id = (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) | in[3];
    f.extended = (in[4] & 1) != 0;
    f.remote = (in[4] & 2) != 0;
    f.error = (in[4] & 4) != 0;
    f.dlc = in[5];
    std::memcpy(f.data.data(), in + 6, kPayloadBytes);
    return f;
}

void check_round_trip(const CanFrame& in, const DecodedFrame& d) {
    const FrameDef& def = *d.def;
    const std::span<const double> values(d.value.data(), def.signals.size());
    const auto encoded = encode(def, d.owner.pcs, values);
    // The decoder takes any PS as the destination of a command; the encoder addresses
    // 1..254 and broadcast only, so PS 0xFF (J1939's global address) is refused (report).
    if (d.owner.traffic == Traffic::to_pcs && !is_valid_pcs_address(d.owner.pcs)) {
        FUZZ_CHECK(!encoded.ok(), "%s to PCS %u encoded", std::string(def.name).c_str(), d.owner.pcs);
        return;
    }
    const bool in_range = check_values(d).ok();
    FUZZ_CHECK(encoded.ok() == in_range, "%s: check_values %s but encode %s (%s)", std::string(def.name).c_str(),
               in_range ? "accepts" : "refuses", encoded.ok() ? "accepts" : "refuses",
               encoded.ok() ? "" : encoded.error().message.c_str());
    if (!encoded.ok()) return;
    const CanFrame& out = encoded.value();
    FUZZ_CHECK(out.id == (in.id & kExtendedIdMask), "%s: id %08X re-encoded as %08X", std::string(def.name).c_str(),
               in.id, out.id);
    FUZZ_CHECK(out.extended && !out.remote && !out.error && out.dlc == kPayloadBytes, "%s: flags or DLC changed",
               std::string(def.name).c_str());
    std::array<bool, kPayloadBytes> covered{};
    for (const auto& sig : def.signals)
        for (int b = 0; b < byte_width(sig.type); ++b) covered[static_cast<std::size_t>(sig.first_byte - 1 + b)] = true;
    for (std::size_t b = 0; b < kPayloadBytes; ++b) {
        const std::uint8_t want = covered[b] ? in.data[b] : 0;
        FUZZ_CHECK(out.data[b] == want, "%s: byte %zu is %02X, re-encoded as %02X (want %02X)",
                   std::string(def.name).c_str(), b + 1, in.data[b], out.data[b], want);
    }
    const auto again = decode(out);
    FUZZ_CHECK(again.ok() && again.frame().def == &def, "%s: the re-encoded frame does not decode",
               std::string(def.name).c_str());
    for (std::size_t i = 0; i < def.signals.size(); ++i)
        FUZZ_CHECK(again.frame().raw[i] == d.raw[i], "%s.%s: raw %lld became %lld", std::string(def.name).c_str(),
                   std::string(def.signals[i].name).c_str(), static_cast<long long>(d.raw[i]),
                   static_cast<long long>(again.frame().raw[i]));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const CanFrame in = frame_from(data, size);
    const DecodeOutcome out = decode(in);
    if (!out.ok()) {
        FUZZ_CHECK(!out.failure().reason.empty(), "a frame is refused without a reason");
        return 0;
    }
    const DecodedFrame& d = out.frame();
    FUZZ_CHECK(d.def != nullptr && d.def == find_frame(d.def->pf), "decoded without a table entry");
    FUZZ_CHECK(in.extended && !in.remote && !in.error && in.dlc == kPayloadBytes,
               "decoded a frame the protocol never sends (extended %d remote %d error %d dlc %u)", in.extended,
               in.remote, in.error, in.dlc);
    const bool from_pcs = d.owner.traffic == Traffic::from_pcs;
    FUZZ_CHECK(from_pcs == (d.def->direction == Direction::from_pcs), "%s decoded in the wrong direction",
               std::string(d.def->name).c_str());
    if (from_pcs)
        FUZZ_CHECK(is_valid_pcs_address(d.owner.pcs), "a frame from PCS %u decoded", d.owner.pcs);
    else
        FUZZ_CHECK((d.owner.traffic == Traffic::broadcast) == (d.owner.pcs == 0), "broadcast and PCS %u disagree",
                   d.owner.pcs);
    FUZZ_CHECK(named_values(d).size() == d.def->signals.size(), "named_values lost a field");
    check_round_trip(in, d);
    return 0;
}

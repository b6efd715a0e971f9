// The protocol table as a DBC file (Vector's CAN database format): what SavvyCAN, BusMaster,
// CANdb++, canmatrix and cantools read. Every frame of the table in its direction, for each PCS
// address asked for: extended identifiers (bit 31 set, as DBC marks 29-bit ids), big-endian
// (Motorola) signals with scale, offset, signedness, unit and range, value tables for every
// enumeration, and comments.
//
// Mode-parameter frames (0x0C/0x0D, 0x37/0x38) are documented, not multiplexed: their scale
// depends on the working mode, which travels in another frame (0x0B/0x36), and DBC multiplexing
// (m/M, SG_MUL_VAL_) can only switch on a signal of the same frame. The parameters are raw i32
// signals whose comments give each mode's meaning, name, scale and unit.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.h"

namespace ystpcs::generators {

// `addresses`: PCS addresses 1–254 (not 0xB4); 0 adds the controller's broadcast commands
// (PS 0, "batch setting"). Message names are the frame's name and the address in hex
// (`dc_output_FA`), or `_all` for broadcast.
std::string dbc_file(std::span<const std::uint8_t> addresses);

// "250", "0xFA", "1,2,0xFA", "0,250" (0: broadcast), "all" (every PCS address and broadcast).
// Sorted, without duplicates; an error names what is wrong.
Result<std::vector<std::uint8_t>> parse_pcs_addresses(std::string_view text);

// The DBC name of frame `frame_name` to or from `address` (`dc_output_FA`, `set_mode_all`).
std::string dbc_message_name(std::string_view frame_name, std::uint8_t address);

}  // namespace ystpcs::generators

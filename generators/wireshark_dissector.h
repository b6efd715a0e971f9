// The protocol table as a Wireshark dissector in Lua: a heuristic on the CAN dissector's list
// ("can"), so it decodes SocketCAN captures (LINKTYPE_CAN_SOCKETCAN pcap/pcapng) and candump -L
// logs, which Wireshark and tshark read directly, for any PCS address. Every frame and field of
// the table is a named, filterable field (`ystpcs.dc_output.voltage_v`) shown with its unit;
// enumerations carry their text (`ystpcs.state_fault.fault_text`); mode-parameter frames are
// scaled by the working mode seen earlier in the capture, as `pcsctl decode` does.
#pragma once

#include <string>

namespace ystpcs::generators {

std::string wireshark_dissector_lua();

}  // namespace ystpcs::generators

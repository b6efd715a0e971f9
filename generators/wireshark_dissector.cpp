#include "generators/wireshark_dissector.h"

#include <cstdio>
#include <map>
#include <sstream>

#include "generators/table_text.h"
#include "protocol/can_id.h"
#include "protocol/codec.h"

namespace ystpcs::generators {

namespace {

using namespace protocol;

// A Lua string literal (UTF-8 kept: Wireshark shows it as is).
std::string lua_string(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

std::string lua_number(double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}

bool is_integral(const SignalDef& s) { return s.scale_exp >= 0 && s.offset == static_cast<double>(static_cast<long long>(s.offset)); }

// The ProtoField constructor for a field, as pcsctl decode types its JSON value: whole numbers
// for enumerations and unscaled fields, doubles for the rest.
std::string proto_field(const std::string& abbrev, const std::string& display, const SignalDef& s, const std::string& enum_var) {
    if (s.enumeration != nullptr || is_integral(s)) {
        const char* ctor = "uint32";
        switch (s.type) {
            case RawType::u8: ctor = "uint8"; break;
            case RawType::u16: ctor = "uint16"; break;
            case RawType::u32: ctor = "uint32"; break;
            case RawType::i16: ctor = "int16"; break;
            case RawType::i32: ctor = "int32"; break;
        }
        std::string out = "ProtoField." + std::string(ctor) + "(" + lua_string(abbrev) + ", " + lua_string(display) + ", base.DEC";
        if (!enum_var.empty()) out += ", " + enum_var + ".values";
        return out + ")";
    }
    return "ProtoField.double(" + lua_string(abbrev) + ", " + lua_string(display) + ")";
}

std::string display_name(const SignalDef& s) {
    std::string out = s.description.empty() ? std::string(s.name) : std::string(s.description);
    if (!s.unit.empty()) out += " [" + std::string(s.unit) + "]";
    return out;
}

std::string expert_kind(const SignalDef& s) {
    if (s.enumeration == &kFaultEnum) return "fault";
    if (s.enumeration == &table::kResultEnum) return "failure";
    return "";
}

void write_enumerations(std::ostringstream& o, std::map<const EnumDef*, std::string>& names) {
    o << "-- Enumerations: the values the table lists, and what the values it does not list read as.\n"
         "local enums = {}\n";
    for (const EnumDef* e : enumerations_in_table()) {
        const std::string name = identifier(e->name);
        names[e] = "enums." + name;
        RawType widest = RawType::u8;
        for (const auto& f : kFrames)
            for (const auto& s : f.signals)
                if (s.enumeration == e && byte_width(s.type) > byte_width(widest)) widest = s.type;
        o << "enums." << name << " = {\n  values = {";
        for (const auto& v : e->entries) o << " [" << v.value << "] = " << lua_string(v.name) << ",";
        o << " },\n  other = {";
        for (const auto& r : unlisted_runs(*e, widest))
            o << " { " << r.first << ", " << r.last << ", " << lua_string(r.text) << " },";
        o << " },\n}\n";
    }
    o << "\n";
}

void write_modes(std::ostringstream& o) {
    o << "-- Working modes (Appendix A): the parameters each one gives 0x0C/0x0D and 0x37/0x38.\n"
         "local modes = {\n";
    for (const auto& m : kModes) {
        o << "  [" << hex2(m.code) << "] = { name = " << lua_string(m.name) << ", title = " << lua_string(m.title)
          << ", params = {";
        for (const auto& p : m.params)
            o << " { name = " << lua_string(p.name) << ", exp = " << int(p.scale_exp) << ", unit = " << lua_string(p.unit)
              << " },";
        o << " } },\n";
    }
    o << "}\n\n";
}

void write_frames(std::ostringstream& o, const std::map<const EnumDef*, std::string>& enum_vars) {
    o << "-- Every frame of the table by PF: layout, scale, offset, unit, enumeration and field of each signal.\n"
         "local frames = {}\n";
    for (const auto& f : kFrames) {
        const std::string prefix = "ystpcs." + std::string(f.name) + ".";
        o << "frames[" << hex2(f.pf) << "] = {\n  name = " << lua_string(f.name) << ", title = " << lua_string(f.title)
          << ", from_pcs = " << (f.direction == Direction::from_pcs ? "true" : "false")
          << ", sets_mode = " << (f.pf == pf::set_mode || f.pf == pf::mode_reading ? "true" : "false") << ",\n  signals = {\n";
        for (const auto& s : f.signals) {
            const std::string enum_var = s.enumeration ? enum_vars.at(s.enumeration) : "";
            o << "    { name = " << lua_string(s.name) << ", first = " << s.first_byte - 1
              << ", width = " << byte_width(s.type) << ", signed = " << (is_signed(s.type) ? "true" : "false")
              << ", exp = " << int(s.scale_exp) << ", offset = " << lua_number(s.offset)
              << ", decimals = " << decimals(s) << ", unit = " << lua_string(s.unit)
              << ",\n      field = " << proto_field(prefix + std::string(s.name), display_name(s), s, enum_var);
            if (s.enumeration != nullptr) {
                o << ",\n      enum = " << enum_var;
                if (!s.text_key.empty())
                    o << ", text_key = " << lua_string(s.text_key) << ", text_field = ProtoField.string("
                      << lua_string(prefix + std::string(s.text_key)) << ", "
                      << lua_string(std::string(s.enumeration->name) + " (text)") << ")";
            }
            if (const auto kind = expert_kind(s); !kind.empty()) o << ", expert = " << lua_string(kind);
            o << " },\n";
        }
        o << "  },\n";
        if (f.mode_parameters) {
            // One field per parameter name any mode gives this frame's slots.
            std::map<std::string, const ModeParamDef*> params;
            for (std::size_t i = 0; i < f.signals.size(); ++i)
                for (const auto& m : mode_meanings(f, i)) params.emplace(std::string(m.param->name), m.param);
            o << "  first_param = " << int(f.first_mode_param) << ",\n  param_fields = {\n";
            o << "    mode = ProtoField.uint8(" << lua_string(prefix + "mode") << ", \"working mode scaling the parameters\", "
              << "base.HEX, " << enum_vars.at(&kModeEnum) << ".values),\n";
            o << "    mode_name = ProtoField.string(" << lua_string(prefix + "mode_name") << ", \"working mode (text)\"),\n";
            for (const auto& [name, p] : params)
                o << "    " << name << " = ProtoField.double(" << lua_string(prefix + name) << ", "
                  << lua_string(std::string(p->title) + (p->unit.empty() ? "" : " [" + std::string(p->unit) + "]")) << "),\n";
            o << "  },\n";
        }
        o << "}\n";
    }
    o << "\n";
}

constexpr const char* kRuntime = R"LUA(
local hf = {
  frame = ProtoField.string("ystpcs.frame", "frame (as pcsctl decode names it)"),
  pf = ProtoField.uint8("ystpcs.pf", "PDU format (PF)", base.HEX),
  src = ProtoField.uint8("ystpcs.src", "source address (SA)", base.DEC_HEX),
  dst = ProtoField.uint8("ystpcs.dst", "destination address (PS)", base.DEC_HEX),
  pcs = ProtoField.uint8("ystpcs.pcs", "PCS address (0: broadcast)", base.DEC_HEX),
  dir = ProtoField.string("ystpcs.dir", "direction (rx: PCS to controller, tx: controller to PCS)"),
  error = ProtoField.string("ystpcs.error", "not decodable"),
}
local all_fields = {}
for _, f in pairs(hf) do all_fields[#all_fields + 1] = f end
for _, frame in pairs(frames) do
  for _, s in ipairs(frame.signals) do
    all_fields[#all_fields + 1] = s.field
    if s.text_field then all_fields[#all_fields + 1] = s.text_field end
  end
  if frame.param_fields then
    for _, f in pairs(frame.param_fields) do all_fields[#all_fields + 1] = f end
  end
end
ystpcs.fields = all_fields

local experts = {
  fault = ProtoExpert.new("ystpcs.fault", "the PCS reports a fault", expert.group.RESPONSE_CODE, expert.severity.WARN),
  failure = ProtoExpert.new("ystpcs.failure", "the PCS refused a command", expert.group.RESPONSE_CODE, expert.severity.WARN),
  undecodable = ProtoExpert.new("ystpcs.undecodable", "PCS traffic the protocol does not define", expert.group.MALFORMED, expert.severity.WARN),
}
ystpcs.experts = { experts.fault, experts.failure, experts.undecodable }

local function enum_text(e, raw)
  local text = e.values[raw]
  if text then return text end
  for _, r in ipairs(e.other) do
    if raw >= r[1] and raw <= r[2] then return r[3] end
  end
  return "unknown"
end

-- raw × 10^exp + offset, with the offset as whole steps and one division, as the protocol
-- library computes it (the same double, no binary noise).
local function engineering(raw, exp, offset)
  if exp < 0 and offset ~= 0 then
    local steps = 10 ^ -exp
    local offset_steps = offset * steps
    if offset_steps == math.floor(offset_steps) then return (raw + offset_steps) / steps end
  end
  if exp < 0 then return raw / 10 ^ -exp end
  return raw * 10 ^ exp + offset
end

local function format_value(value, decimals, unit)
  local text = string.format("%." .. decimals .. "f", value)
  if unit ~= "" then text = text .. " " .. unit end
  return text
end

-- The working mode of each PCS as the capture tells it (0x0B commanded, 0x36 reported; key 0:
-- broadcast), and the mode that applied to each mode-parameter frame, kept per packet so that
-- Wireshark's later, out-of-order dissections show what the first pass saw.
local known_modes, sequence, mode_of_packet = {}, 0, {}
function ystpcs.init()
  known_modes, sequence, mode_of_packet = {}, 0, {}
end

local function mode_for(link, pcs)
  local best = nil
  for _, key in ipairs({ pcs, 0 }) do
    local m = known_modes[link .. "/" .. key]
    if m and (best == nil or m.sequence > best.sequence) then best = m end
  end
  return best and best.code or false
end

local function hex2(v) return string.format("0x%02X", v) end

-- Modes are kept per capture interface where the file says which (pcapng); a candump log's
-- interface name does not reach the dissectors.
local interface_id = Field.new("frame.interface_id")

local function dissect(tvb, pinfo, tree, traffic, pcs, pf, ps, sa)
  pinfo.cols.protocol = "YSTPCS"
  local frame = frames[pf]
  local title = frame and frame.title or "unknown PF"
  local subtree = tree:add(ystpcs, tvb(), "YSTECH PCS " .. hex2(pf) .. " " .. (frame and frame.name or "?") .. " (" .. title .. ")")
  local from_pcs = traffic == "from_pcs"
  subtree:add(hf.pf, pf)
  subtree:add(hf.src, sa)
  subtree:add(hf.dst, ps)
  subtree:add(hf.pcs, pcs)
  subtree:add(hf.dir, from_pcs and "rx" or "tx")
  local pcs_name = traffic == "broadcast" and "every PCS" or ("PCS " .. pcs)
  pinfo.cols.src = from_pcs and pcs_name or "controller"
  pinfo.cols.dst = from_pcs and "controller" or pcs_name
  local problem = nil
  if frame == nil then
    problem = "PF " .. hex2(pf) .. " is not defined by the protocol"
  elseif frame.from_pcs ~= from_pcs then
    problem = "PF " .. hex2(pf) .. " (" .. frame.name .. ") is only sent " .. (frame.from_pcs and "by a PCS" or "by the controller")
  end
  if problem then
    subtree:add(hf.error, problem)
    subtree:add_proto_expert_info(experts.undecodable, problem)
    pinfo.cols.info = problem
    return
  end
  subtree:add(hf.frame, frame.name)
  local summary = {}
  local raws = {}
  for i, s in ipairs(frame.signals) do
    local range = tvb(s.first, s.width)
    local raw = s.signed and range:int() or range:uint()
    raws[i] = raw
    local value = engineering(raw, s.exp, s.offset)
    local text = format_value(value, s.decimals, s.unit)
    if s.enum then
      local meaning = enum_text(s.enum, raw)
      text = text .. " (" .. meaning .. ")"
      subtree:add(s.field, range, raw, s.name .. ": " .. text)
      if s.text_field then subtree:add(s.text_field, range, meaning) end
      if s.expert == "fault" and raw ~= 0 then
        subtree:add_proto_expert_info(experts.fault, "fault " .. raw .. string.format(" (0x%04X)", raw) .. ": " .. meaning)
      elseif s.expert == "failure" and s.enum.values[raw] == nil then
        subtree:add_proto_expert_info(experts.failure, frame.name .. ": " .. meaning)
      end
    else
      subtree:add(s.field, range, value, s.name .. ": " .. text)
    end
    summary[#summary + 1] = s.name .. "=" .. text
  end
  local link = tostring((interface_id() or {}).value or 0)
  if frame.sets_mode and not pinfo.visited then
    sequence = sequence + 1
    known_modes[link .. "/" .. (traffic == "broadcast" and 0 or pcs)] = { code = raws[1], sequence = sequence }
  end
  if frame.param_fields then
    if not pinfo.visited then mode_of_packet[pinfo.number] = mode_for(link, traffic == "broadcast" and 0 or pcs) end
    local code = mode_of_packet[pinfo.number]
    local mode = code and modes[code]
    if mode then
      subtree:add(frame.param_fields.mode, code)
      subtree:add(frame.param_fields.mode_name, mode.title)
      summary[#summary + 1] = "mode=" .. mode.name
      for i, s in ipairs(frame.signals) do
        local p = mode.params[frame.first_param + i]
        if p then
          local value = engineering(raws[i], p.exp, 0)
          local text = format_value(value, -p.exp > 0 and -p.exp or 0, p.unit)
          subtree:add(frame.param_fields[p.name], tvb(s.first, s.width), value, p.name .. ": " .. text)
          summary[#summary + 1] = p.name .. "=" .. text
        end
      end
    end
  end
  pinfo.cols.info = frame.name .. ": " .. table.concat(summary, "  ")
end

-- Which frames are PCS traffic (reference section 1): extended identifier, DLC 8, priority 6 with
-- R = DP = 0, and sent to (PS) or by (SA) a PCS through the controller address.
local can_id = Field.new("can.id")
local can_xtd = Field.new("can.flags.xtd")
local can_rtr = Field.new("can.flags.rtr")
local can_err = Field.new("can.flags.err")

local function innermost(field)
  local all = { field() }
  local last = all[#all]
  return last and last.value
end

local function heuristic(tvb, pinfo, tree)
  if tvb:len() ~= PAYLOAD_BYTES then return false end
  local id = innermost(can_id)
  if id == nil or not innermost(can_xtd) or innermost(can_rtr) or innermost(can_err) then return false end
  local priority = math.floor(id / 2 ^ 26) % 8
  local reserved = math.floor(id / 2 ^ 25) % 2
  local data_page = math.floor(id / 2 ^ 24) % 2
  local pf = math.floor(id / 2 ^ 16) % 256
  local ps = math.floor(id / 2 ^ 8) % 256
  local sa = id % 256
  if priority ~= PRIORITY or reserved ~= 0 or data_page ~= 0 then return false end
  if ps == CONTROLLER then
    if sa < 1 or sa > 254 or sa == CONTROLLER then return false end
    dissect(tvb, pinfo, tree, "from_pcs", sa, pf, ps, sa)
  elseif sa == CONTROLLER then
    dissect(tvb, pinfo, tree, ps == BROADCAST and "broadcast" or "to_pcs", ps, pf, ps, sa)
  else
    return false
  end
  return true
end

ystpcs:register_heuristic("can", heuristic)
)LUA";

}  // namespace

std::string wireshark_dissector_lua() {
    std::ostringstream o;
    o << "-- YSTECH PCS CAN protocol v1.11: a Wireshark dissector generated from the protocol table of ystpcs\n"
         "-- (lib/protocol/frames.h) by `pcsctl export wireshark`; do not edit, regenerate.\n"
         "--\n"
         "--   tshark -X lua_script:ystech-pcs.lua -r capture.pcap -V\n"
         "--   tshark -X lua_script:ystech-pcs.lua -r candump.log -Y 'ystpcs.frame == \"state_fault\"'\n"
         "--   Wireshark: copy it into the personal Lua plugins folder (Help > About > Folders).\n"
         "--\n"
         "-- A heuristic on the CAN dissector's list: SocketCAN captures (LINKTYPE_CAN_SOCKETCAN) and\n"
         "-- candump -L logs, any PCS address. Fields are named ystpcs.<frame>.<field> as pcsctl decode\n"
         "-- names them; enumerations also give their text. Mode-parameter frames are scaled by the\n"
         "-- working mode an earlier 0x0B/0x36 of the same PCS set (per interface in pcapng files).\n\n"
         "local ystpcs = Proto(\"ystpcs\", \"YSTECH PCS CAN protocol v1.11\")\n\n";
    o << "local PAYLOAD_BYTES, PRIORITY, CONTROLLER, BROADCAST = " << int(kPayloadBytes) << ", " << int(kPriority) << ", "
      << hex2(kControllerAddress) << ", " << hex2(kBroadcastAddress) << "\n\n";
    std::map<const EnumDef*, std::string> enum_vars;
    write_enumerations(o, enum_vars);
    write_modes(o);
    write_frames(o, enum_vars);
    o << kRuntime;
    return o.str();
}

}  // namespace ystpcs::generators

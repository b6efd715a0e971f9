#!/usr/bin/python3
"""Checks what real CAN tools make of a capture against `pcsctl decode`'s JSON lines.

  can_tools.py pcap CAPTURE.log OUTPUT.pcap
      writes the frames of a candump -L log as a pcap with LINKTYPE_CAN_SOCKETCAN (227), as
      tcpdump and Wireshark capture SocketCAN (written here, independently of ystpcs)
  can_tools.py dbc DBC CAPTURE.log DECODED.jsonl
      canmatrix loads the DBC and decodes every frame: every signal of every message equals the
      field of the same name within one LSB; frames pcsctl does not decode are not in the DBC
      (or have another length)
  can_tools.py tshark TSHARK.json DECODED.jsonl
      tshark -T json with the Lua dissector: every field of every frame equal to pcsctl decode's
      (the frame, its addresses and direction, each value, each enumeration's text)
  can_tools.py frames DECODED.jsonl FRAME...
      the capture holds each FRAME (mode-parameter frames scaled by a known mode)
Prints one summary line; exits 1 with the first differences.
"""
import decimal
import json
import logging
import re
import struct
import sys

LINE = re.compile(r"^\((\d+)\.(\d+)\) (\S+) ([0-9A-Fa-f]+)#([0-9A-Fa-f]*)$")
CAN_EFF_FLAG = 0x80000000


def candump_frames(path):
    """(seconds, microseconds, id, extended, data) of each candump -L line."""
    out = []
    with open(path) as f:
        for line in f:
            m = LINE.match(line.strip())
            if m:
                ident = m.group(4)
                out.append((int(m.group(1)), int(m.group(2)), int(ident, 16), len(ident) == 8, bytes.fromhex(m.group(5))))
    return out


def decoded_frames(path):
    """pcsctl decode's objects for the lines that are CAN frames, in order."""
    with open(path) as f:
        return [j for j in (json.loads(line) for line in f if line.strip()) if "id" in j]


def write_pcap(capture, output):
    with open(output, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 227))
        for sec, usec, ident, extended, data in capture:
            # struct can_frame as LINKTYPE_CAN_SOCKETCAN stores it: id and flags big-endian,
            # length, three reserved bytes, eight data bytes.
            record = struct.pack(">IB3x", ident | (CAN_EFF_FLAG if extended else 0), len(data)) + data.ljust(8, b"\0")
            out.write(struct.pack("<IIII", sec, usec, len(record), len(record)) + record)
    print(f"pcap: {len(capture)} frames, LINKTYPE_CAN_SOCKETCAN")


class Differences:
    def __init__(self):
        self.items = []

    def add(self, where, text):
        self.items.append(f"{where}: {text}")

    def finish(self, summary):
        if self.items:
            print(f"{len(self.items)} differences; the first ones:", file=sys.stderr)
            for item in self.items[:20]:
                print("  " + item, file=sys.stderr)
            sys.exit(1)
        print(summary)


def dbc_signal_names(decoded):
    """The fields of a decoded frame that are signals of its DBC message: not the enumeration
    texts, and for mode-parameter frames only the raw parameter_N (the scaled ones depend on the
    mode, which the DBC documents instead)."""
    fields = decoded["fields"]
    names = {k for k, v in fields.items() if not isinstance(v, str)}
    if any(k.startswith("parameter_") for k in names):
        names = {k for k in names if k.startswith("parameter_")}
    return names


def check_dbc(dbc_path, capture_path, decoded_path):
    # Quiet about the formats Debian's canmatrix lacks the libraries for (fibex, xls, ...).
    logging.getLogger("canmatrix").setLevel(logging.ERROR)
    import canmatrix.formats

    db = canmatrix.formats.loadp_flat(dbc_path)
    capture = candump_frames(capture_path)
    decoded = decoded_frames(decoded_path)
    diff = Differences()
    if len(capture) != len(decoded):
        diff.add("capture", f"{len(capture)} frames, pcsctl decode gave {len(decoded)}")
    signals = frames = 0
    names = set()
    for n, ((_, _, ident, extended, data), d) in enumerate(zip(capture, decoded), 1):
        where = f"frame {n} {d['id']}"
        message = db.frame_by_id(canmatrix.ArbitrationId(ident, extended=extended))
        if "error" in d:
            if message is not None and message.size == len(data):
                diff.add(where, f"pcsctl decode says '{d['error']}', the DBC decodes it as {message.name}")
            continue
        if message is None:
            diff.add(where, f"{d['frame']} is not in the DBC")
            continue
        frames += 1
        names.add(message.name)
        values = message.decode(data)
        want = dbc_signal_names(d)
        if set(values) != want:
            diff.add(where, f"DBC signals {sorted(values)} != pcsctl fields {sorted(want)}")
        for name, value in values.items():
            if name not in d["fields"]:
                continue
            signals += 1
            lsb = value.signal.factor
            got = value.phys_value
            expected = decimal.Decimal(repr(d["fields"][name]))
            if abs(got - expected) > lsb:
                diff.add(where, f"{message.name}.{name}: canmatrix {got}, pcsctl decode {expected} (LSB {lsb})")
    diff.finish(f"canmatrix: {frames} frames ({len(names)} messages), {signals} signals equal to pcsctl decode "
                f"within one LSB; {len(decoded) - frames} frames not decoded by either")


def layer_value(text):
    """tshark's JSON gives every value as a string: numbers back to numbers."""
    try:
        return int(text, 0)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def check_tshark(tshark_path, decoded_path):
    with open(tshark_path) as f:
        packets = json.load(f)
    decoded = decoded_frames(decoded_path)
    diff = Differences()
    if len(packets) != len(decoded):
        diff.add("capture", f"tshark read {len(packets)} frames, pcsctl decode {len(decoded)}")
    fields = frames = errors = 0
    for n, (packet, d) in enumerate(zip(packets, decoded), 1):
        layers = packet["_source"]["layers"]
        where = f"frame {n} {d['id']}"
        can_id = layer_value(layers.get("can", {}).get("can.id", "-1"))
        if can_id != int(d["id"], 16):
            diff.add(where, f"tshark's frame {n} has CAN id {can_id:X}: the captures are not aligned")
            break
        ystpcs = layers.get("ystpcs")
        if "error" in d:
            if d["error"].startswith("PF "):  # PCS traffic the protocol does not define
                got = ystpcs and ystpcs.get("ystpcs.error")
                if got != d["error"]:
                    diff.add(where, f"tshark error '{got}', pcsctl decode '{d['error']}'")
                errors += 1
            elif ystpcs is not None:
                diff.add(where, f"pcsctl decode says '{d['error']}', tshark decodes {ystpcs.get('ystpcs.frame')}")
            continue
        if ystpcs is None:
            diff.add(where, f"tshark does not decode {d['frame']}")
            continue
        frames += 1
        expected = {"ystpcs.frame": d["frame"], "ystpcs.pf": d["pf"], "ystpcs.src": d["src"], "ystpcs.dst": d["dst"],
                    "ystpcs.dir": d["dir"], "ystpcs.pcs": d["src"] if d["dir"] == "rx" else d["dst"]}
        for key, value in d["fields"].items():
            expected[f"ystpcs.{d['frame']}.{key}"] = value
        # Expert items ("_ws.expert": a fault, a refused command) are Wireshark's, not fields.
        got = {k: layer_value(v) if isinstance(v, str) else v for k, v in ystpcs.items() if not k.startswith("_ws.")}
        for k in sorted(set(expected) | set(got)):
            if k not in got:
                diff.add(where, f"{k} missing in tshark's output (pcsctl decode: {expected[k]!r})")
            elif k not in expected:
                diff.add(where, f"{k} = {got[k]!r} in tshark's output, not in pcsctl decode's")
            elif isinstance(expected[k], str) and str(ystpcs[k]) != expected[k]:
                diff.add(where, f"{k}: tshark {ystpcs[k]!r}, pcsctl decode {expected[k]!r}")
            elif not isinstance(expected[k], str) and got[k] != expected[k]:
                diff.add(where, f"{k}: tshark {got[k]!r}, pcsctl decode {expected[k]!r}")
            else:
                fields += 1
    diff.finish(f"tshark: {frames} frames, {fields} fields equal to pcsctl decode; "
                f"{errors} undecodable PCS frames with the same reason, {len(decoded) - frames - errors} not PCS traffic")


def check_frames(decoded_path, names):
    """The capture holds each of these frames, and the mode-parameter ones scaled."""
    decoded = decoded_frames(decoded_path)
    seen = {d["frame"] for d in decoded if "frame" in d}
    missing = sorted(set(names) - seen)
    scaled = {d["frame"] for d in decoded if "frame" in d and "mode" in d["fields"]}
    unscaled = sorted(n for n in names if n.startswith("mode_params") and n not in scaled)
    if missing or unscaled:
        sys.exit(f"the capture lacks {missing}, scaled mode parameters of {unscaled}")
    print(f"{len(decoded)} frames, {len(seen)} kinds of frame")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "pcap":
        write_pcap(candump_frames(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "dbc":
        check_dbc(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "tshark":
        check_tshark(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "frames":
        check_frames(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)

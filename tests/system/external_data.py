#!/usr/bin/python3
"""The heartbeat's external-device data as D-Bus and the bus show it (tests/system/external_data.sh).

usage: external_data.py bridge BUS MODULE...      a BMS bridge: SetExternalData(652.0 V, -10.0 A)
                                                   on each module every 0.5 s until killed
       external_data.py check BUS FRAMES PHASE     PHASE "rack" or "after": the expectations of
                                                   that phase, from the properties and from the
                                                   heartbeats in FRAMES (decoded: pcsctl decode
                                                   output, one JSON object per frame)
"""
import json
import sys
import time

import dbus

NAME = "org.ystpcs.pcs1"
MOD = "org.ystpcs.pcs1.Module"
BMS = (652.0, -10.0)
ZERO = (0.0, 0.0)
CAN1_TIMEOUT = 0x800D
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def module(bus, address):
    obj = bus.get_object(NAME, f"/org/ystpcs/pcs1/sim/{address}")
    return dbus.Interface(obj, MOD), dbus.Interface(obj, "org.freedesktop.DBus.Properties")


def bridge(bus_address, addresses):
    bus = dbus.bus.BusConnection(bus_address)
    modules = [module(bus, a)[0] for a in addresses]
    while True:
        for m in modules:
            m.SetExternalData(*BMS)
        print("sent", flush=True)
        time.sleep(0.5)


def heartbeats(frames_file, since):
    """(t, voltage, current) of every heartbeat by destination, sent after `since`."""
    out = {}
    with open(frames_file) as f:
        for line in f:
            j = json.loads(line)
            if j.get("frame") != "heartbeat" or j["t"] <= since:
                continue
            out.setdefault(j["dst"], []).append((j["t"], j["fields"]["dc_voltage_v"], j["fields"]["dc_current_a"]))
    return out


def expect(props, address, origin, fault, warnings=0, saying=()):
    """The module's properties: where the heartbeat's values come from, its fault, how many
    warnings and what they say."""
    p = props.GetAll(MOD)
    name = f"sim/{address}"
    check(p["ExternalDataOrigin"] == origin, f"{name}: origin {p['ExternalDataOrigin']}, expected {origin}")
    check(p["FaultCode"] == fault, f"{name}: fault {p['FaultCode']:#x}, expected {fault:#x}")
    got = [str(w) for w in p["ExternalDataWarnings"]]
    check(len(got) == warnings, f"{name}: warnings {got}, expected {warnings}")
    for w in saying:
        check(any(w in g for g in got), f"{name}: no warning saying {w!r} in {got}")
    return p


def sent(hb, address, values, what, last=None):
    frames = hb.get(address, [])[-last:] if last else hb.get(address, [])
    check(len(frames) >= 5, f"sim/{address}: {len(frames)} heartbeats in the stream ({what})")
    wrong = [f for f in frames if abs(f[1] - values[0]) > 0.05 or abs(f[2] - values[1]) > 0.05]
    check(not wrong, f"sim/{address}: heartbeats not carrying {values} ({what}): {wrong[:3]}")


FIRMWARE = "ARM firmware 2.1.38 is not newer than 2.1.38"
SETTING = "external_data.source"


def check_rack(bus, frames_file):
    """Both generations, each payload choice, the bridge running."""
    hb = heartbeats(frames_file, 0)
    props = {a: module(bus, a)[1] for a in range(1, 7)}
    p = expect(props[1], 1, "zero", CAN1_TIMEOUT, 1, [FIRMWARE, SETTING, "SetExternalDataSource"])
    check(p["ExternalDataSource"] == "zero" and p["ExternalDataVoltage"] == 0.0, "sim/1 sends zeros")
    sent(hb, 1, ZERO, "zero, older firmware")
    for a in (2, 5):  # mirror: the module's own DC voltage and current
        p = expect(props[a], a, "mirror", 0)
        frames = hb.get(a, [])[-10:]
        check(all(abs(f[1] - p["DcVoltage"]) < 2.0 and abs(f[2] - p["DcCurrent"]) < 1.0 for f in frames),
              f"sim/{a}: heartbeats {frames[-3:]} do not mirror DcVoltage {p['DcVoltage']} DcCurrent {p['DcCurrent']}")
        check(all(f[1] > 500 for f in frames), f"sim/{a}: mirrored voltage {frames[-3:]}")
    for a in (3, 6):  # client: the bridge's values
        expect(props[a], a, "client", 0)
        sent(hb, a, BMS, "client values", last=10)
    expect(props[4], 4, "zero", 0)  # newer firmware: zeros are fine, no warning
    sent(hb, 4, ZERO, "zero, newer firmware")


def check_after(bus, frames_file, t_switch, t_stale):
    """Module 1 switched to mirror at t_switch; the bridge's values stale from t_stale."""
    hb = heartbeats(frames_file, t_switch)
    props = {a: module(bus, a)[1] for a in range(1, 7)}
    expect(props[1], 1, "mirror", 0)
    check(all(f[1] > 500 for f in hb.get(1, [])), "sim/1: heartbeats after the switch to mirror carry its voltage")
    stale = "the client's values are older than max_age_s (2 s): sending zeros (fallback zero)"
    expect(props[3], 3, "zero", CAN1_TIMEOUT, 2, [stale, FIRMWARE])
    expect(props[6], 6, "zero", 0, 1, [stale])
    late = heartbeats(frames_file, t_stale)
    for a in (3, 6):
        sent(late, a, ZERO, "client values stale")


def main():
    if sys.argv[1] == "bridge":
        bridge(sys.argv[2], [int(a) for a in sys.argv[3:]])
    bus = dbus.bus.BusConnection(sys.argv[2])
    if sys.argv[4] == "rack":
        check_rack(bus, sys.argv[3])
    else:
        check_after(bus, sys.argv[3], float(sys.argv[5]), float(sys.argv[6]))
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        sys.exit(1)


main()

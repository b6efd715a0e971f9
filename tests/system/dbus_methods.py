#!/usr/bin/python3
"""Every method of the ystpcs D-Bus API, through a real bus, with python3-dbus (the way a
test engineer's script talks to ystpcsd): each method's success, and each typed error.

usage: dbus_methods.py BUS_ADDRESS SIM_CONTROL_SOCKET YSTPCSD_PID
The daemon runs --simulate 2 with the simulated modules' control channel on the socket.
"""
import json
import math
import os
import signal
import socket
import sys
import time

import dbus

BUS, SIM, PID = sys.argv[1], sys.argv[2], int(sys.argv[3])
NAME = "org.ystpcs.pcs1"
MOD = "org.ystpcs.pcs1.Module"
MGR = "org.ystpcs.pcs1.Manager"
ERR = "org.ystpcs.pcs1.Error."
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def sim(command):
    """A command to the simulated modules' control channel (docs/simulator.md)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(SIM)
    s.sendall((command + "\n").encode())
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        reply += chunk
    s.close()
    answer = json.loads(reply)
    assert answer["ok"], answer
    return answer


def expect_error(name, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except dbus.DBusException as e:
        check(e.get_dbus_name() == name, f"{fn._method_name}: expected {name}, got {e.get_dbus_name()}: {e.get_dbus_message()}")
        check(len(e.get_dbus_message()) > 10, f"{name}: the message says something ({e.get_dbus_message()!r})")
        return e.get_dbus_message()
    failures.append(f"{fn._method_name} succeeded, expected {name}")
    print("FAIL: no error", name, file=sys.stderr)
    return ""


def wait(cond, timeout=10.0, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.1)
    failures.append("timed out waiting for " + what)
    print("FAIL: timed out waiting for", what, file=sys.stderr)
    return False


bus = dbus.bus.BusConnection(BUS)
manager_obj = bus.get_object(NAME, "/org/ystpcs/pcs1")
manager = dbus.Interface(manager_obj, MGR)
manager_props = dbus.Interface(manager_obj, "org.freedesktop.DBus.Properties")
object_manager = dbus.Interface(manager_obj, "org.freedesktop.DBus.ObjectManager")

# --- Manager properties and the object tree -------------------------------------------------
check(manager_props.Get(MGR, "Version") != "", "Version")
paths = sorted(str(p) for p in manager_props.Get(MGR, "Modules"))
check(paths == ["/org/ystpcs/pcs1/sim/1", "/org/ystpcs/pcs1/sim/2"], f"Modules {paths}")
managed = object_manager.GetManagedObjects()
check(set(str(p) for p in managed) == set(paths), "GetManagedObjects lists the modules")
check(MOD in managed[dbus.ObjectPath(paths[0])], "module objects implement org.ystpcs.pcs1.Module")
ifaces = manager_props.Get(MGR, "Interfaces")
check(len(ifaces) == 1 and ifaces[0][0] == "sim" and ifaces[0][1] == "up", f"Interfaces {ifaces}")
check(manager_props.Get(MGR, "Heartbeat")["ticks"] > 0, "Heartbeat ticks")

obj = bus.get_object(NAME, paths[0])
m = dbus.Interface(obj, MOD)
props = dbus.Interface(obj, "org.freedesktop.DBus.Properties")
obj2 = bus.get_object(NAME, paths[1])
m2 = dbus.Interface(obj2, MOD)
props2 = dbus.Interface(obj2, "org.freedesktop.DBus.Properties")


def prop(name, p=props):
    return p.Get(MOD, name)


wait(lambda: prop("Connected") and prop("RunningState") == 13 and not math.isnan(prop("MaxChargeCurrent")),
     what="module 1 in standby with its limits read")

# --- Module properties --------------------------------------------------------------------------
allp = props.GetAll(MOD)
check(len(allp) == 119, f"GetAll returns every property of the contract ({len(allp)})")
check(allp["StopReason"] in ("", "end_condition", "fault", "operator_stop", "lost_heartbeat", "emergency_stop",
                             "controller_shutdown", "unknown"), f"StopReason {allp['StopReason']!r}")
check(allp["Interface"] == "sim" and allp["Address"] == 1, "identity")
check(abs(allp["DcVoltage"] - 650) < 5, f"DcVoltage {allp['DcVoltage']}")
check(allp["RunningStateName"] == "standby", "RunningStateName")
check(allp["FaultCode"] == 0 and allp["FaultText"] == "no fault", "no fault")
check(allp["MaxChargeCurrent"] == 176.0, "protection limits read on discovery")
check(allp["ArmVersion"].startswith("hardware 1.0.0"), "versions read on discovery")
check(allp["WorkingMode"] != "" and allp["WorkingModeCode"] != 0, "working mode known")
check(allp["HeartbeatState"] == 2, "heartbeat state running")
check(allp["Counters"]["rx"] > 0, "counters")
values = m.GetValues()
check("DcVoltage" in values and values["DcVoltage"][1] > 1.6e15, "GetValues with timestamps")
check(isinstance(values["RunningState"][0], dbus.Byte) and isinstance(values["DcVoltage"][0], dbus.Double),
      "GetValues: each value with its property's type")
check(values["RunningStateName"][0] == allp["RunningStateName"] and values["FaultText"][0] == "no fault",
      "GetValues: the texts too")

# --- methods: success -----------------------------------------------------------------------
m.SetMode("cccv", {"voltage_v": 700.0, "current_a": -100.0, "end_current_a": -5.0}, {})
check(prop("WorkingMode") == "cccv", "SetMode")
mode, params = m.ReadWorkingMode()
check(mode == "cccv" and params["voltage_v"] == 700.0, f"ReadWorkingMode {mode} {params}")
m.Start()
wait(lambda: prop("RunningState") == 12, what="constant-current operation after Start")
check(prop("CommandedStart") == "start" and prop("PowerStageActive"), "CommandedStart/PowerStageActive")
m.SetSelfStart(True)
check(prop("SelfStart"), "SetSelfStart")
m.SetSelfStart(False)
limits = m.ReadProtectionLimits()
check(len(limits) == 12 and limits["max_output_voltage_v"] == 747.5, f"ReadProtectionLimits {limits}")
m.SetProtectionLimits({"max_charge_current_a": 150.0})
check(m.ReadProtectionLimits()["max_charge_current_a"] == 150.0, "SetProtectionLimits")
wait(lambda: prop("MaxChargeCurrent") == 150.0, what="MaxChargeCurrent property follows")
m2.WriteSetting("bus_voltage", dbus.Dictionary({"bus_voltage_v": 720.0, "reactive_power_kvar": -5.0}, signature="sd"))
bus_voltage = m2.ReadSetting("bus_voltage")
check(bus_voltage["bus_voltage_v"] == 720.0 and bus_voltage["reactive_power_kvar"] == -5.0, f"Write/ReadSetting {bus_voltage}")
m2.WriteSetting("split_phase", dbus.Boolean(True))
check(m2.ReadSetting("split_phase")["enabled"] == 1.0, "WriteSetting of a one-field setting from a boolean")
m2.WriteSetting("module_parallel", dbus.Dictionary({"mode": dbus.Byte(1), "modules": dbus.Int32(3), "hall_ratio": dbus.UInt16(2000)}, signature="sv"))
check(m2.ReadSetting("module_parallel")["hall_ratio"] == 2000.0, "WriteSetting from a{sv}")
versions = m2.ReadSetting("versions")
check(versions["arm_version.software_d"] == 39.0, "ReadSetting of a multi-frame setting")
for name in ["io", "inverter_phase", "reactive_control", "grid_switching", "channel_parallel", "bus_parallel", "working_mode"]:
    check(len(m2.ReadSetting(name)) > 0, "ReadSetting " + name)
m2.SetClock(dbus.UInt64(0))
m2.SetClock(dbus.UInt64(int(time.time() * 1e6)))
v = m2.ReadVersions()
check(v["arm_software"] == "2.1.39" and v["dsp_hardware"] == "1.0.0", f"ReadVersions {v}")
m2.SetPhasePower("active", 10.0, 10.0, 10.0)
m2.SetPhasePower("reactive", -1.0, 0.0, 1.0)

# --- what a console needs: modes, history, events, the caller's access ---------------------------
modes = {str(n): (str(t), ps) for n, t, ps in manager_props.Get(MGR, "Modes")}
check(set(modes) >= {"cv", "cc", "cccv", "off_grid", "idle"} and len(modes) == 19, f"Modes: every mode ({len(modes)})")
cccv = {str(p[0]): p for p in modes["cccv"][1]}
check(list(cccv) == ["voltage_v", "current_a", "end_current_a"], f"cccv parameters in order: {list(cccv)}")
check(cccv["current_a"][2] == "A" and cccv["current_a"][3] == -1000 and cccv["current_a"][4] == 1000
      and cccv["current_a"][5] == "signed_current", f"a parameter's unit, range and limit: {cccv['current_a']}")
limits_text = prop("SetpointLimits")
check(limits_text["signed_current"].startswith("-150 … ") and "(max charge current 150 A" in limits_text["signed_current"],
      f"SetpointLimits follow the limits set above: {limits_text}")
check(set(limits_text) == {str(p[5]) for _, (_, ps) in modes.items() for p in ps if p[5]},
      f"SetpointLimits has every limit kind the modes name: {sorted(limits_text)}")
units = {str(p): str(u) for p, u, _ in manager_props.Get(MGR, "ValueProperties")}
check(units.get("DcVoltage") == "V" and units.get("Energy") == "Wh" and "FaultText" in units and len(units) == 92,
      f"ValueProperties: {len(units)} with units")
signals = [str(s) for s, _ in manager_props.Get(MGR, "HistorySignals")]
check("DcCurrent" in signals and dict((str(s), str(u)) for s, u in manager_props.Get(MGR, "HistorySignals"))["DcCurrent"] == "A",
      f"HistorySignals {signals}")
times, cols = m.ReadHistory(["DcCurrent", "DcVoltage"], 0, 0)
check(len(times) > 5 and set(cols) == {"DcCurrent", "DcVoltage"} and all(len(c) == len(times) for c in cols.values()),
      f"ReadHistory: {len(times)} rows")
check(all(b > a for a, b in zip(times, times[1:])), "ReadHistory rows in time order")
check(abs(cols["DcCurrent"][-1] - prop("DcCurrent")) < 5, f"the last row is the live value ({cols['DcCurrent'][-1]})")
check(any(abs(c) > 1 for c in cols["DcCurrent"] if not math.isnan(c)), "the history holds the current of the run above")
t_all, c_all = m.ReadHistory([], 0, 0)
check(set(c_all) == set(signals), "ReadHistory with no signals: all")
t_part, _ = m.ReadHistory(["DcVoltage"], times[-3], times[-2])
check(list(t_part) == list(times[-3:-1]), f"ReadHistory time range {list(t_part)}")
expect_error(ERR + "InvalidArgument", m.ReadHistory, ["Volts"], 0, 0)
events = m.ReadEvents(0)
kinds = [str(e[2]) for e in events]
check("state" in kinds and "command" in kinds, f"ReadEvents: state changes and commands ({kinds})")
texts = [str(e[3]) for e in events if e[2] == "command"]
check(any(t.startswith("SetMode cccv (current_a -100, end_current_a -5, voltage_v 700)") and "by uid 0: done" in t for t in texts),
      f"a command with who and the outcome: {texts}")
check(list(m.ReadEvents(events[-1][0])) == [], "ReadEvents after the last: none")
access = manager.GetCallerAccess()
check(access[0] and access[1] == "", f"GetCallerAccess for root: {access}")

# --- typed errors ------------------------------------------------------------------------------
msg = expect_error(ERR + "InvalidArgument", m.SetMode, "warp", {}, {})
check("cccv" in msg, "InvalidArgument lists the known modes")
expect_error(ERR + "InvalidArgument", m.SetMode, "cv", {"volts": 1.0}, {})
expect_error(ERR + "InvalidArgument", m.SetMode, "cv", {"voltage_v": 700.0}, {"hurry": True})
expect_error(ERR + "InvalidArgument", m2.ReadSetting, "nonsense")
expect_error(ERR + "InvalidArgument", m2.WriteSetting, "versions", dbus.Double(1.0))
expect_error(ERR + "InvalidArgument", m2.WriteSetting, "bus_voltage", dbus.Dictionary({"bus_voltage_v": 700.0}, signature="sd"))
expect_error(ERR + "InvalidArgument", m.SetProtectionLimits, {"max_amps": 1.0})
expect_error(ERR + "InvalidArgument", m2.SetPhasePower, "apparent", 1.0, 1.0, 1.0)
msg = expect_error(ERR + "OutOfRange", m.SetMode, "cccv", {"voltage_v": 700.0, "current_a": -500.0, "end_current_a": -5.0}, {})
check("-500" in msg and "150" in msg, f"OutOfRange names value and limit: {msg}")
expect_error(ERR + "OutOfRange", m2.WriteSetting, "bus_voltage", dbus.Dictionary({"bus_voltage_v": 1200.0, "reactive_power_kvar": 0.0}, signature="sd"))
expect_error(ERR + "OutOfRange", m.SetProtectionLimits, {"min_output_voltage_v": 900.0})
expect_error(ERR + "OutOfRange", m2.SetPhasePower, "active", 100.0, 100.0, 100.0)
msg = expect_error(ERR + "Interlock", m.SetMode, "cv", {"voltage_v": 700.0}, {})
check("stop_first" in msg, f"Interlock says how: {msg}")

# stop_first: stop, wait, mode, parameters, start
m.SetMode("cv", {"voltage_v": 700.0}, {"stop_first": True, "start": True})
wait(lambda: prop("RunningState") == 11, what="constant-voltage operation after stop_first")
m.Stop()
wait(lambda: prop("RunningState") == 5, what="stop")

# A start during the self-check after power-on waits for the module to be ready (a PCS
# refuses to start while it checks itself), then starts it.
sim("power-cycle 2")
wait(lambda: prop("RunningState", props2) == 9, what="module 2 in its self-check")
m2.Start()
check(prop("RunningState", props2) != 9, "Start returned before the self-check ended")
m2.Stop()
wait(lambda: prop("RunningState", props2) in (5, 13), what="module 2 stopped")

# Rejected: the PCS answers failure (told to by the simulator), and says nothing was done.
sim("refuse 2 1")
expect_error(ERR + "Rejected", m2.Start)
wait(lambda: prop("RunningState", props2) in (5, 13), what="module 2 still stopped")

# Timeout: the module loses its replies (idempotent reads are retried twice first).
sim("drop-replies 2 10")
t0 = time.time()
expect_error(ERR + "Timeout", m2.ReadVersions)
check(time.time() - t0 >= 2.9, "three attempts before Timeout")
sim("drop-replies 2 0")

# NotConnected: the module goes silent; after 1 s the link counts as lost.
sim("silent 2 3")
wait(lambda: not prop("Connected", props2), timeout=3, what="module 2 lost")
expect_error(ERR + "NotConnected", m2.Start)
wait(lambda: prop("Connected", props2), timeout=6, what="module 2 back")
check(prop("FaultCode", props2) == 0, "the heartbeat never stopped: no 0x800D")

# Interlock: start while in fault; ClearFaults; EmergencyStop and its clearing.
sim("fault 2 17")
wait(lambda: prop("FaultCode", props2) == 17, what="fault 17 reported")
msg = expect_error(ERR + "Interlock", m2.Start)
check("power above the boundary" in msg, f"the fault's text in the refusal: {msg}")
m2.ClearFaults()
wait(lambda: prop("FaultCode", props2) == 0, what="fault cleared")
m2.EmergencyStop()
check(prop("HeartbeatState", props2) == 3, "EmergencyStop: heartbeat state 3")
wait(lambda: prop("FaultCode", props2) == 0x8012, what="the PCS faults on heartbeat state 3")
expect_error(ERR + "Interlock", m2.Start)
m2.ClearFaults()
check(prop("HeartbeatState", props2) == 2, "ClearFaults ends the emergency stop")
wait(lambda: prop("FaultCode", props2) == 0, what="fault cleared after the emergency stop")

# Manager methods
manager.EmergencyStopAll()
check(prop("HeartbeatState") == 3 and prop("HeartbeatState", props2) == 3, "EmergencyStopAll")
m.ClearFaults()
m2.ClearFaults()
expect_error(ERR + "InvalidArgument", manager.BroadcastStop, "can9")
manager.BroadcastStop("sim")
fd = manager.OpenFrameStream({"address": dbus.Byte(1), "direction": "tx"})
stream = os.fdopen(fd.take(), "r")
line = stream.readline()
check(line.startswith("(") and " sim 18" in line and line.strip().endswith(tuple("0123456789ABCDEF")) and "01B4#" in line,
      f"OpenFrameStream: candump -L lines to module 1 ({line.strip()})")
stream.close()
expect_error(ERR + "InvalidArgument", manager.OpenFrameStream, {"speed": "fast"})
expect_error(ERR + "Interlock", manager.ForgetModule, dbus.ObjectPath(paths[0]))
expect_error(ERR + "InvalidArgument", manager.ForgetModule, dbus.ObjectPath("/org/ystpcs/pcs1/sim/99"))

# Busy: once the daemon is shutting down it takes no new commands. It handles SIGTERM in its
# event loop, and turns every module's HeartbeatState to 1 (orderly shutdown) in the same step
# that makes it refuse commands: once that reads 1, the shutdown is under way.
check(prop("HeartbeatState") == 2, "heartbeat state running before SIGTERM")
os.kill(PID, signal.SIGTERM)
wait(lambda: prop("HeartbeatState") == 1, timeout=3, what="HeartbeatState 1 (shutting down) after SIGTERM")
expect_error(ERR + "Busy", m.Start)

if failures:
    print(f"{len(failures)} failure(s)", file=sys.stderr)
    sys.exit(1)
print("every method and every typed error behaved", file=sys.stderr)

#!/usr/bin/python3
"""Test profiles through the whole product (issue 15): ystpcsd --simulate 1 on a private bus with
the system bus's rules, pcsctl as the client, results read back with Python's csv, and the
frames ystpcsd sent from its own frame stream (helpers of safety.py).

usage: profile.py BUS_ADDRESS DIR YSTPCSD PCSCTL     (as root; started by profile.sh)

  A  a 3-cycle CC-CV / rest / CC-discharge profile (text form) started with `pcsctl profile
     start`; the pcsctl of a second start is killed once its run exists; the first runs to
     completion with no client; every step's end reason; the frames of the start (protection
     limits, mode, set-points, start); the BDF file through `pcsctl profile results` and csv;
     refusals (schema, envelope, one run per module, unprivileged)
  B  a run killed with the daemon (SIGKILL) comes back `interrupted`: the new daemon sends no
     mode, set-point or start (judged up to a positive marker in its own frame stream); resume
     runs it again, abort stops the module
"""
import csv
import json
import os
import signal
import subprocess
import sys
import time

import dbus

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safety  # noqa: E402
from safety import Daemon, FrameStream, check, log, sim_command, to_pcs, wait  # noqa: E402

NAME = "org.ystpcs.pcs1"
PROFILE_IFACE = "org.ystpcs.pcs1.Profile"
PROPS = "org.freedesktop.DBus.Properties"

SAFETY = ("safety: max_voltage_v=790 min_voltage_v=700 max_charge_current_a=40 max_discharge_current_a=40 "
          "max_charge_power_kw=40 max_discharge_power_kw=40\n")
CYCLES = SAFETY + """name: three cycles
logging: period_s=1
max_step_time: 2 min
Repeat 3 times:
  Charge at 30 A to 770 V until 3 A
  Rest for 1 s
  Discharge at 30 A until 735 V
  Rest for 1 s
"""
LONG_CHARGE = SAFETY + """name: long charge
Charge at 2 A until 785 V within 10 min
"""


def pcsctl(env, *args, check_ok=True):
    p = subprocess.run([env["PCSCTL"], "--bus-address", env["BUS"], *args], capture_output=True, text=True, timeout=60)
    if check_ok:
        check(p.returncode == 0, f"pcsctl {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def run_props(bus, run_id):
    obj = bus.get_object(NAME, f"/org/ystpcs/pcs1/profiles/run_{run_id}")
    return dbus.Interface(obj, PROPS).GetAll(PROFILE_IFACE)


def state(bus, run_id):
    try:
        return str(run_props(bus, run_id)["State"])
    except dbus.DBusException:
        return ""


def cycles_to_completion(env, bus, s, directory):
    path = f"{directory}/cycles.txt"
    with open(path, "w") as f:
        f.write(CYCLES)
    soc0 = sim_command(env["SIM"], "state")["module"]["soc"]
    t0 = time.time()
    p = pcsctl(env, "-m", "sim/1", "profile", "start", path)
    check("profile run 1 started" in p.stdout, f"start: {p.stdout!r}")
    # No client from here on: pcsctl has exited.
    # The start's frames: protection sets 1 and 2 written, mode cccv (0x29), its set-points, start.
    wait(lambda: s.select(to_pcs(1, 0x0F), t0 - 1), 5, "a 0x0F from the start")
    sent = [f for f in s.select(r"18..01B4", t0 - 1) if f.id[2:4] != "1A"]
    pfs = [int(f.id[2:4], 16) for f in sent]
    check(0x05 in pfs and 0x06 in pfs, f"protection sets 1 and 2 written before the start: {pfs}")
    i05, i0b, i0f = pfs.index(0x05), pfs.index(0x0B), pfs.index(0x0F)
    check(i05 < i0b < i0f, f"limits, then the mode, then the start: {pfs}")
    check(sent[i0b].byte(0) == 0x29, f"mode cccv: {sent[i0b]}")
    check(sent[i0f].byte(0) == 1, f"0x0F starts: {sent[i0f]}")
    if not wait(lambda: state(bus, "1") in ("completed", "failed", "aborted", "interrupted"), 120, "run 1 to end"):
        return
    props = run_props(bus, "1")
    log(f"run 1 {props['State']} after {time.time() - t0:.1f} s: {props['Reason']}")
    check(props["State"] == "completed", f"run 1 completed: {props['State']} {props['Reason']}")
    steps = [(int(x[0]), str(x[3])) for x in props["FinishedSteps"]]
    check(len(steps) == 12, f"12 steps finished: {steps}")
    for i, (n, reason) in enumerate(steps):
        expected = ["current_below_a 3 A", "time_s 1 s", "voltage_below_v 735 V", "time_s 1 s"][i % 4]
        check(n == i + 1 and reason.startswith(expected), f"step {i + 1} ended by {expected}: {n} {reason}")
    # The module is left stopped: a 0x0F stop after the last start.
    last = [f for f in s.select(to_pcs(1, 0x0F), t0)][-1]
    check(last.byte(0) == 0, f"the last 0x0F stops: {last}")

    # Results through pcsctl, read with csv.
    out = f"{directory}/results"
    os.makedirs(out, exist_ok=True)
    pcsctl(env, "profile", "results", "1", out)
    with open(f"{out}/run-1.bdf.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(f"{out}/run-1.metadata.json") as f:
        meta = json.load(f)
    columns = ["test_time_second", "unix_time_second", "voltage_volt", "current_ampere", "power_watt", "cycle_count",
               "step_count", "step_time_second", "charging_capacity_ah", "discharging_capacity_ah",
               "charging_energy_wh", "discharging_energy_wh"]
    check(rows and list(rows[0].keys()) == columns, f"BDF columns: {list(rows[0].keys()) if rows else None}")
    times = [float(r["test_time_second"]) for r in rows]
    check(all(b >= a for a, b in zip(times, times[1:])), "test_time_second only grows")
    check(all(int(b["step_count"]) >= int(a["step_count"]) for a, b in zip(rows, rows[1:])), "step_count only grows")
    unix = [float(r["unix_time_second"]) for r in rows]
    check(abs(unix[0] - t0) < 30 and unix[-1] - unix[0] == max(unix) - min(unix), f"unix_time_second in seconds: {unix[0]} vs {t0}")
    charging = [float(r["current_ampere"]) for r in rows if r["step_count"] == "1" and float(r["step_time_second"]) > 1]
    discharging = [float(r["current_ampere"]) for r in rows if r["step_count"] == "3" and float(r["step_time_second"]) > 1]
    check(charging and max(charging) > 25, f"charge current positive in the BDF: {charging[:5]}")
    check(discharging and min(discharging) < -25, f"discharge current negative in the BDF: {discharging[:5]}")
    check({int(r["cycle_count"]) for r in rows} == {1, 2, 3}, "cycle_count 1..3")
    # The BDF's Ah against the simulator's own integral: the change of its battery's charge.
    soc1 = sim_command(env["SIM"], "state")["module"]["soc"]
    net_ah = float(rows[-1]["charging_capacity_ah"]) - float(rows[-1]["discharging_capacity_ah"])
    battery_ah = (soc1 - soc0) * 0.1
    log(f"BDF net {net_ah:.5f} Ah, the simulated battery's change {battery_ah:.5f} Ah, charged {rows[-1]['charging_capacity_ah']} Ah")
    # ystpcsd integrates 200 ms samples: each start or stop of the current is uncertain by up to
    # a sample period (30 A × 0.2 s = 1.7 mAh; with this 0.1 Ah battery, steps of 3 s at 300C,
    # 2 % of what went through it). 3 cycles start and stop the current 12 times: half a sample
    # each is the bound (10 mAh, 12 %: 5 % failed once when the host was busy). The unit test
    # checks 1 % at a gentler rate.
    changes = 12
    bound_ah = max(0.05 * float(rows[-1]["charging_capacity_ah"]), changes * 0.5 * 30 * 0.2 / 3600)
    check(abs(net_ah - battery_ah) < bound_ah,
          f"the BDF's Ah within {bound_ah:.4f} Ah of the simulator's: {net_ah} vs {battery_ah}")
    check(abs(float(rows[-1]["charging_capacity_ah"]) - float(props["ChargeCapacity"])) < 0.002,
          f"the BDF's last charging_capacity_ah {rows[-1]['charging_capacity_ah']} is the run's {props['ChargeCapacity']}")
    check("ystpcsd flipped its sign" in meta["current_sign"], "the sidecar says the sign was flipped")
    check(meta["profile_sha256"] == str(props["ProfileSha256"]) and len(meta["steps"]) == 12, "the sidecar's hash and steps")
    check(meta["firmware"].get("arm", "") != "", f"the sidecar names the firmware: {meta['firmware']}")
    st = json.loads(pcsctl(env, "--json", "profile", "status", "1").stdout)
    check(st["State"] == "completed" and len(st["FinishedSteps"]) == 12 and st["Module"] == "/org/ystpcs/pcs1/sim/1",
          f"pcsctl --json profile status: {str(st)[:300]}")
    # The heartbeat kept its rounds while the run wrote its journal, results and sidecar.
    hb = dbus.Interface(bus.get_object(NAME, "/org/ystpcs/pcs1"), PROPS).Get("org.ystpcs.pcs1.Manager", "Heartbeat")
    log(f"heartbeat during the run: {dict((str(k), int(v)) for k, v in hb.items())}")
    check(int(hb["skipped"]) == 0, f"no heartbeat round skipped: {hb}")


def refusals(env, directory):
    bad = f"{directory}/bad.json"
    j = {"format": "ystpcs-profile", "version": 1, "name": "bad",
         "safety": {"max_voltage_v": 790, "min_voltage_v": 700, "max_charge_current_a": 40,
                    "max_discharge_current_a": 40, "max_charge_power_kw": 40, "max_discharge_power_kw": 40},
         "steps": [{"label": "c", "type": "cc", "direction": "charge", "current_a": 50, "max_time_s": 10}]}
    with open(bad, "w") as f:
        json.dump(j, f)
    p = pcsctl(env, "-m", "sim/1", "profile", "start", bad, check_ok=False)
    check(p.returncode == 2 and "steps[0] (c).current_a" in p.stderr, f"refused naming the field: {p.returncode} {p.stderr}")
    # The daemon refuses it too (a client that skips the local check): Error.OutOfRange.
    bus = dbus.bus.BusConnection(env["BUS"])
    mgr = dbus.Interface(bus.get_object(NAME, "/org/ystpcs/pcs1"), "org.ystpcs.pcs1.Manager")
    try:
        mgr.StartProfile(dbus.ObjectPath("/org/ystpcs/pcs1/sim/1"), json.dumps(j))
        check(False, "StartProfile accepted a current above the envelope")
    except dbus.DBusException as e:
        check(e.get_dbus_name() == "org.ystpcs.pcs1.Error.OutOfRange", f"Error.OutOfRange: {e.get_dbus_name()}")
    check(json.loads(mgr.ValidateProfile(json.dumps({**j, "steps": [{**j["steps"][0], "current_a": 5}]})))["steps"] == 1,
          "ValidateProfile summary")
    # Unprivileged: starting is denied, reading is not.
    good = f"{directory}/long.txt"
    with open(good, "w") as f:
        f.write(LONG_CHARGE)
    p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", env["PCSCTL"],
                        "--bus-address", env["BUS"], "-m", "sim/1", "profile", "start", good],
                       capture_output=True, text=True, timeout=30)
    check(p.returncode == 4, f"nobody may not start a profile: {p.returncode} {p.stderr}")
    os.makedirs(f"{directory}/nobody", exist_ok=True)
    os.chmod(f"{directory}/nobody", 0o777)
    p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", env["PCSCTL"],
                        "--bus-address", env["BUS"], "profile", "results", "1", f"{directory}/nobody"],
                       capture_output=True, text=True, timeout=30)
    check(p.returncode == 0 and os.path.getsize(f"{directory}/nobody/run-1.bdf.csv") > 1000,
          f"anyone may read the results: {p.returncode} {p.stderr}")


def restart_interrupted(env, bus_address, ystpcsd, config, directory):
    bus = dbus.bus.BusConnection(bus_address)
    path = f"{directory}/long.txt"
    # A second pcsctl killed once its run exists: the run does not need it.
    proc = subprocess.Popen([env["PCSCTL"], "--bus-address", env["BUS"], "-m", "sim/1", "profile", "start", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(lambda: state(bus, "2") == "running", 20, "run 2 running")
    proc.kill()
    proc.wait()
    p = pcsctl(env, "-m", "sim/1", "profile", "start", path, check_ok=False)
    check(p.returncode == 8 and "one run per module" in p.stderr, f"a second run on the module is busy: {p.stderr}")
    p = pcsctl(env, "-m", "sim/1", "stop", check_ok=False)  # Stop is never refused ...
    check(p.returncode == 0, "Stop during a run")
    wait(lambda: state(bus, "2") == "interrupted", 5, "run 2 interrupted by the Stop")  # ... and pre-empts the run
    pcsctl(env, "profile", "resume", "2")
    check(state(bus, "2") == "running", "run 2 resumed")
    p = pcsctl(env, "-m", "sim/1", "set", "cc", "-5A", check_ok=False)
    check(p.returncode == 8 and "profile run 2" in p.stderr, f"other commands refused during the run: {p.stderr}")

    # The daemon dies (no orderly shutdown) mid-run.
    d1 = env["DAEMON"]
    d1.proc.send_signal(signal.SIGKILL)
    d1.proc.wait()
    d2 = Daemon(2, ystpcsd, bus_address, config, directory, bus)
    env["DAEMON"] = d2
    mgr = dbus.Interface(bus.get_object(NAME, "/org/ystpcs/pcs1"), "org.ystpcs.pcs1.Manager")
    s = FrameStream(mgr)
    props = run_props(bus, "2")
    check(props["State"] == "interrupted" and "restarted" in str(props["Reason"]), f"run 2 interrupted: {props['State']} {props['Reason']}")
    check(state(bus, "1") == "completed", "run 1 still listed, completed")
    # Positive marker: a heartbeat to PCS 1 stamped 3 s after the stream's first frame.
    wait(lambda: s.select(to_pcs(1, 0x1A)), 5, "a heartbeat in the new daemon's stream")
    first = s.select()[0].ts
    wait(lambda: s.select(to_pcs(1, 0x1A), first + 3), 10, "a heartbeat 3 s into the new daemon's life")
    sent = [int(f.id[2:4], 16) for f in s.select(r"18..01B4", 0, first + 3)]
    starts = [f for f in s.select(to_pcs(1, 0x0F), 0, first + 3) if f.byte(0) == 1]
    check(not starts and 0x0B not in sent and 0x0C not in sent and 0x05 not in sent,
          f"nothing energising after the restart: {sorted(set(sent))}, starts {starts}")
    p = pcsctl(env, "-m", "sim/1", "status", "--json")
    check(json.loads(p.stdout)["properties"]["PowerStageActive"] is False, "the module is stopped")
    # The operator decides: resume (validated again) runs it, abort stops it.
    t = time.time()
    pcsctl(env, "profile", "resume", "2")
    check(state(bus, "2") == "running", "run 2 resumed after the restart")
    wait(lambda: [f for f in s.select(to_pcs(1, 0x0F), t - 1) if f.byte(0) == 1], 5, "the resume's start")
    pcsctl(env, "profile", "abort", "2")
    check(state(bus, "2") == "aborted", "run 2 aborted")
    wait(lambda: [f for f in s.select(to_pcs(1, 0x0F), t) if f.byte(0) == 0], 5, "the abort's stop")
    p = pcsctl(env, "profile", "list")
    check("completed" in p.stdout and "aborted" in p.stdout, f"profile list: {p.stdout}")
    s.close()


def main(bus_address, directory, ystpcsd, pcsctl_path):
    config = f"{directory}/ystpcsd.json"
    with open(config, "w") as f:
        json.dump({"simulate": 1, "state_directory": f"{directory}/state",
                   "simulation": {"seed": 3, "battery_voltage_v": 750, "control_socket": f"{directory}/sim.sock", "capacity_ah": 0.1, "soc": 0.5,
                                  "internal_resistance_ohm": 0.05}}, f)
    bus = dbus.bus.BusConnection(bus_address)
    env = {"BUS": bus_address, "PCSCTL": pcsctl_path, "SIM": f"{directory}/sim.sock"}
    env["DAEMON"] = Daemon(1, ystpcsd, bus_address, config, directory, bus)
    wait(lambda: pcsctl(env, "-m", "sim/1", "status", "--json", check_ok=False).stdout.find('"RunningState":13') >= 0,
         10, "PCS 1 in standby")
    mgr = dbus.Interface(bus.get_object(NAME, "/org/ystpcs/pcs1"), "org.ystpcs.pcs1.Manager")
    s = FrameStream(mgr)
    cycles_to_completion(env, bus, s, directory)
    s.close()
    refusals(env, directory)
    restart_interrupted(env, bus_address, ystpcsd, config, directory)
    env["DAEMON"].proc.terminate()
    env["DAEMON"].exited(10)
    if safety.failures:
        print(f"{len(safety.failures)} failure(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))

#!/usr/bin/python3
"""Regression tests of the engine's safety rules (issue 13) through D-Bus, each judged from the
frames ystpcsd sent: a root frame stream (OpenFrameStream, candump -L lines stamped by the
daemon as it sent or received each frame) holds everything in order, and the daemon's next
heartbeat stamped after a call returned proves everything the call sent is in it (the marker
for every "nothing was sent" check; no check follows a fixed sleep).

usage: safety.py BUS_ADDRESS DIR YSTPCSD      (as root; started by safety.sh)
       safety.py flood BUS PATH N CONNECTIONS WINDOW    (as nobody: the read flood)
       safety.py streams BUS                            (as nobody: the frame-stream limits)

ystpcsd runs --simulate 2 (sim/1, sim/2) with its state in DIR/state, and is restarted with
the same directory. Scenarios, in order:
  A  daemon 1: Start and SetMode at once; two SetModes at once; Stop during a stop_first
     SetMode (and a 0x0F command right after it); out-of-range clock, per-phase power and
     protection limits; an unprivileged read flood on 4 connections, then on 12 (the shared
     read budget); the frame-stream limits; what is accepted during the orderly shutdown
  B  daemon 2, same state directory: the emergency-stop latch across the restart;
     StateFileError; EmergencyStopAll during the shutdown
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

NAME = "org.ystpcs.pcs1"
MOD = "org.ystpcs.pcs1.Module"
MGR = "org.ystpcs.pcs1.Manager"
PROPS = "org.freedesktop.DBus.Properties"
ERR = "org.ystpcs.pcs1.Error."
ROOT_PATH = "/org/ystpcs/pcs1"
PY = "/usr/bin/python3"
HERE = os.path.abspath(__file__)
BURST, RATE, TOTAL_BURST, TOTAL_RATE = 20, 10, 100, 50  # lib/engine/read_budget.h
STREAMS_PER_USER = 8                                       # daemon/dbus/frame_streams.h

failures = []


def log(*what):
    print("#", *what, file=sys.stderr, flush=True)


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr, flush=True)
    return cond


def error_name(e):
    return e.get_dbus_name() if isinstance(e, dbus.DBusException) else repr(e)


def outcome(fn, *args):
    """(None, result) on success, (error name, message) on a D-Bus error."""
    try:
        return None, fn(*args)
    except dbus.DBusException as e:
        return e.get_dbus_name(), e.get_dbus_message()


def expect_error(name, fn, *args):
    err, msg = outcome(fn, *args)
    check(err == name, f"{getattr(fn, '_method_name', fn)}{args}: expected {name}, got {err}: {msg}")
    return msg if err else ""


def wait(cond, timeout, what, interval=0.02):
    """Waits for a positive condition (an upper bound, generous on purpose)."""
    end = time.time() + timeout
    while True:
        if cond():
            return True
        if time.time() > end:
            check(False, "timed out waiting for " + what)
            return False
        time.sleep(interval)


def call_async(calls, timeout=30):
    """Sends every call before any answer is read (one client, one connection, pipelined) and
    runs the main loop until each is answered: {label: (error name or None, value, time)}."""
    results = {}
    loop = GLib.MainLoop()

    def done(label, err, value):
        results[label] = (err, value, time.time())
        if len(results) == len(calls):
            loop.quit()

    for label, fn, args in calls:
        fn(*args, reply_handler=lambda *v, label=label: done(label, None, v),
           error_handler=lambda e, label=label: done(label, error_name(e), str(e.get_dbus_message())),
           timeout=timeout)
    GLib.timeout_add(int(timeout * 1000) + 1000, loop.quit)
    loop.run()
    for label, _, _ in calls:
        results.setdefault(label, ("no answer", None, time.time()))
    return results


# ---- frames ----------------------------------------------------------------------------------

LINE = re.compile(r"^\((\d+\.\d+)\) (\S+) ([0-9A-F]{8})#([0-9A-F]*)$")


def to_pcs(a, pf):
    """Identifier of a frame from ystpcsd (0xB4) to PCS a."""
    return f"18{pf:02X}{a:02X}B4"


def from_pcs(a, pf):
    return f"18{pf:02X}B4{a:02X}"


class Frame:
    def __init__(self, ts, ident, data):
        self.ts, self.id, self.data = ts, ident, data

    def byte(self, i):
        return int(self.data[2 * i:2 * i + 2], 16)

    def i32(self, i):
        return int.from_bytes(bytes.fromhex(self.data[2 * i:2 * i + 8]), "big", signed=True)

    def __repr__(self):
        return f"({self.ts:.6f}) {self.id}#{self.data}"


class FrameStream:
    """A root frame stream (every frame, both directions) read by a thread into a list."""

    def __init__(self, manager, filters=None):
        fd = manager.OpenFrameStream(dbus.Dictionary(filters or {}, signature="sv")).take()
        self.file = os.fdopen(fd, "r")
        self.frames = []
        self.bad = []
        self.eof = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            for line in self.file:
                m = LINE.match(line.strip())
                with self.lock:
                    if m:
                        self.frames.append(Frame(float(m.group(1)), m.group(3), m.group(4)))
                    else:
                        self.bad.append(line)
        except (ValueError, OSError):  # closed by us
            pass
        self.eof = True

    def close(self):
        self.file.close()

    def select(self, ident=None, since=0.0, until=None):
        """Frames whose id matches the regex `ident` (whole id), stamped after `since`."""
        rx = re.compile(ident) if ident else None
        with self.lock:
            return [f for f in self.frames
                    if f.ts > since and (until is None or f.ts <= until) and (rx is None or rx.fullmatch(f.id))]

    def wait_frame(self, ident, since, timeout, what, data=None):
        rx = re.compile(data) if data else None
        found = []

        def present():
            found[:] = [f for f in self.select(ident, since) if rx is None or rx.match(f.data)]
            return bool(found)

        wait(present, timeout, what)
        return found[0] if found else None

    def settle(self, *addresses):
        """Waits for a heartbeat to each PCS stamped after now: everything ystpcsd sent before
        (the frames of every call that returned) is in the stream then."""
        t = time.time()
        for a in addresses:
            self.wait_frame(to_pcs(a, 0x1A), t, 3, f"a heartbeat to PCS {a} after {t:.6f}")
        return t


def heartbeat_state(f):
    return f.byte(4)


def periods_ms(frames):
    d = [(b.ts - a.ts) * 1000 for a, b in zip(frames, frames[1:])]
    return (len(frames), sum(d) / len(d) if d else 0, min(d) if d else 0, max(d) if d else 0)


# ---- the daemon ------------------------------------------------------------------------------

class Daemon:
    def __init__(self, n, ystpcsd, bus_address, config, directory, bus):
        self.log_path = f"{directory}/daemon{n}.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([ystpcsd, "--bus-address", bus_address, "--config", config, "--log-level", "info"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.bus = bus
        if not wait(lambda: bus.name_has_owner(NAME) or self.proc.poll() is not None, 10, "ystpcsd on the bus"):
            raise SystemExit(1)
        if self.proc.poll() is not None:
            check(False, f"ystpcsd exited {self.proc.returncode}")
            raise SystemExit(1)

    def exited(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            check(False, f"ystpcsd did not exit within {timeout} s")
            self.proc.kill()
            return self.proc.wait()


class Rack:
    """Proxies of the manager and both modules."""

    def __init__(self, bus):
        self.bus = bus
        mobj = bus.get_object(NAME, ROOT_PATH)
        self.manager = dbus.Interface(mobj, MGR)
        self.manager_props = dbus.Interface(mobj, PROPS)
        self.m, self.props = {}, {}
        for a in (1, 2):
            obj = bus.get_object(NAME, f"{ROOT_PATH}/sim/{a}")
            self.m[a] = dbus.Interface(obj, MOD)
            self.props[a] = dbus.Interface(obj, PROPS)
        self.manager_props.Get(MGR, "Version")  # introspection done before any pipelined call
        for a in (1, 2):
            self.props[a].Get(MOD, "Address")

    def prop(self, a, name):
        return self.props[a].Get(MOD, name)

    def state(self, a):
        return int(self.prop(a, "RunningState"))

    def active(self, a):
        return bool(self.prop(a, "PowerStageActive"))

    def ready(self, a):
        return (self.prop(a, "Connected") and self.state(a) in (5, 13)
                and self.prop(a, "ArmVersion") != "" and self.prop(a, "WorkingMode") != ""
                and self.prop(a, "MaxChargeCurrent") == self.prop(a, "MaxChargeCurrent"))


def sim_command(sock, command):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.sendall((command + "\n").encode())
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while chunk := s.recv(65536):
        reply += chunk
    s.close()
    answer = json.loads(reply)
    check(answer.get("ok"), f"simulator: {command}: {answer}")
    return answer


def as_nobody(*args):
    return subprocess.Popen(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", PY, HERE, *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def read_event(proc, timeout, what):
    """The next JSON line from a helper process (None after timeout or its exit)."""
    result = []

    def reader():
        line = proc.stdout.readline()
        result.append(json.loads(line) if line.strip() else None)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    t.join(timeout)
    if not result or result[0] is None:
        check(False, f"no answer from the helper: {what}")
        return None
    return result[0]


MODES = {  # name → (code, parameters, expected raw parameter 1 in 0x0C: Appendix A, ×1000)
    "cc": (0x21, {"current_a": -20.0}, -20000),
    "cp": (0x22, {"power_w": -10000.0}, -10000000),
    "cc25": (0x21, {"current_a": -25.0}, -25000),
}


def set_mode_args(name, options=None):
    _, params, _ = MODES[name]
    mode = "cc" if name.startswith("cc") else name
    return (mode, dbus.Dictionary(params, signature="sd"), dbus.Dictionary(options or {}, signature="sv"))


def stop_and_wait(r, a):
    err, msg = outcome(r.m[a].Stop)
    check(err is None, f"Stop of PCS {a}: {err} {msg}")
    wait(lambda: not r.active(a), 5, f"PCS {a} stopped")


# ---- scenarios on daemon 1 -------------------------------------------------------------------

def start_and_set_mode(r, s):
    """Start and SetMode sent together: whichever runs first, no 0x0B reaches the module after
    its 0x0F start (a mode change is refused, or done before, never after)."""
    orders = []
    for i in range(6):
        stop_and_wait(r, 1)
        name = "cp" if r.prop(1, "WorkingMode") == "cc" else "cc"  # always a change of mode
        start = ("start", r.m[1].Start, ())
        set_mode = ("set_mode", r.m[1].SetMode, set_mode_args(name))
        t0 = time.time()
        res = call_async([start, set_mode] if i % 2 == 0 else [set_mode, start])
        s.settle(1)
        check(res["start"][0] is None, f"Start beside SetMode: {res['start']}")
        check(res["set_mode"][0] in (None, ERR + "Interlock"), f"SetMode beside Start: {res['set_mode']}")
        seq = [f for f in s.select(to_pcs(1, 0x0B) + "|" + to_pcs(1, 0x0C) + "|" + to_pcs(1, 0x0F), t0)]
        starts = [k for k, f in enumerate(seq) if f.id == to_pcs(1, 0x0F) and f.byte(0) == 1]
        check(len(starts) == 1, f"one 0x0F start to PCS 1, got {seq}")
        if starts:
            late = [f for f in seq[starts[0]:] if f.id == to_pcs(1, 0x0B)]
            check(not late, f"0x0B after the 0x0F start: {seq}")
        mode_frames = [f for f in seq if f.id == to_pcs(1, 0x0B)]
        if res["set_mode"][0] is None:
            check(len(mode_frames) == 1 and mode_frames[0].byte(0) == MODES[name][0], f"SetMode {name} succeeded: {seq}")
            orders.append("SetMode, then Start")
        else:
            check(not mode_frames, f"SetMode refused, yet a 0x0B was sent: {seq}")
            check("stop" in res["set_mode"][1], f"the refusal says how: {res['set_mode'][1]}")
            orders.append("Start, then SetMode refused")
    log("Start and SetMode at once, as the daemon ran them:", ", ".join(orders))
    stop_and_wait(r, 1)


def two_set_modes(r, s):
    """Two SetModes at once on a stopped module: 0x0B, 0x0C of one, then of the other, each 0x0C
    with its own mode's value; the last one is the mode in force."""
    stop_and_wait(r, 1)
    seen = []
    for i, (x, y) in enumerate([("cc", "cp"), ("cp", "cc"), ("cc25", "cp"), ("cp", "cc25")]):
        t0 = time.time()
        res = call_async([("a", r.m[1].SetMode, set_mode_args(x)), ("b", r.m[1].SetMode, set_mode_args(y))])
        s.settle(1)
        check(res["a"][0] is None and res["b"][0] is None, f"two SetModes: {res}")
        seq = s.select("|".join(to_pcs(1, pf) for pf in (0x0B, 0x0C, 0x0D)), t0)
        got = [(f.id[2:4], f.byte(0) if f.id[2:4] == "0B" else f.i32(0)) for f in seq]
        want_xy = [("0B", MODES[x][0]), ("0C", MODES[x][2]), ("0B", MODES[y][0]), ("0C", MODES[y][2])]
        want_yx = want_xy[2:] + want_xy[:2]
        check(got in (want_xy, want_yx), f"two SetModes {x}, {y}: frames {seq}, expected 0B/0C of one, then of the other")
        last = x if got == want_yx else y
        mode = "cc" if last.startswith("cc") else last
        check(r.prop(1, "WorkingMode") == mode, f"the mode in force is {r.prop(1, 'WorkingMode')}, its frames came last: {last}")
        seen.append("sent order" if got == want_xy else "reversed")
    log("two SetModes at once, frames in:", ", ".join(seen))


def stop_during_stop_first(r, s, sim, a=2):
    """A Stop while a stop_first SetMode waits for its own stop's reply, a Start and a read
    queued behind it: the SetMode and the Start end with Cancelled, the read is answered, the
    Stop succeeds, and neither a 0x0B nor a 0x0F start follows the stop."""
    err, msg = outcome(r.m[a].SetMode, *set_mode_args("cc", {"start": True}))
    check(err is None, f"SetMode cc with start: {err} {msg}")
    wait(lambda: r.state(a) == 12, 5, f"PCS {a} in constant-current operation")
    sim(f"drop-replies {a} 1")  # the stop_first's 0x0F goes out, its answer is lost: the SetMode waits
    t0 = time.time()
    results, t_stop_call = {}, []
    loop = GLib.MainLoop()

    def done(label, err, value):
        results[label] = (err, value, time.time())
        if len(results) == 4:
            loop.quit()

    def stop_when_stop_first_sent():
        first = s.select(to_pcs(a, 0x0F), t0)
        if not first:
            if time.time() - t0 > 5:
                check(False, "no stop_first 0x0F within 5 s")
                loop.quit()
                return False
            return True
        check(first[0].byte(0) == 0, f"stop_first's first frame is a stop: {first[0]}")
        t_stop_call.append(time.time())
        r.m[a].Stop(reply_handler=lambda: done("stop", None, None),
                    error_handler=lambda e: done("stop", error_name(e), e.get_dbus_message()))
        return False

    # One connection, the caller's credentials known to the daemon: queued in this order.
    r.m[a].SetMode(*set_mode_args("cp", {"stop_first": True, "start": True}),
                   reply_handler=lambda: done("set_mode", None, None),
                   error_handler=lambda e: done("set_mode", error_name(e), e.get_dbus_message()))
    r.m[a].Start(reply_handler=lambda: done("start", None, None),
                 error_handler=lambda e: done("start", error_name(e), e.get_dbus_message()))
    r.m[a].ReadWorkingMode(reply_handler=lambda *v: done("read", None, v),
                           error_handler=lambda e: done("read", error_name(e), e.get_dbus_message()))
    GLib.timeout_add(2, stop_when_stop_first_sent)
    GLib.timeout_add(15000, loop.quit)
    loop.run()
    set_mode, stop = results.get("set_mode", ("no answer", "", 0)), results.get("stop", ("no answer", "", 0))
    start, read = results.get("start", ("no answer", "", 0)), results.get("read", ("no answer", "", 0))
    log(f"pre-empted: SetMode {set_mode[0]}: {set_mode[1]}; queued Start {start[0]}: {start[1]}; queued read {read[0]}")
    check(set_mode[0] == ERR + "Cancelled", f"SetMode pre-empted by Stop: expected Cancelled, got {set_mode}")
    check(start[0] == ERR + "Cancelled", f"a Start queued before the Stop: expected Cancelled, got {start}")
    check(read[0] is None and read[1][0] == "cc", f"a read queued before the Stop stays queued and is answered: {read}")
    if t_stop_call:
        log(f"Stop sent {1000 * (t_stop_call[0] - t0):.1f} ms after the SetMode, answered after "
            f"{1000 * (stop[2] - t_stop_call[0]):.0f} ms: {stop[0]} {stop[1]}")
    # The PCS answers the Stop's 0x0F at once; the answer owed to the abandoned stop_first 0x0F
    # was lost (drop-replies), so nothing else can answer it.
    check(stop[0] is None, f"Stop during the stop_first SetMode: expected success, got {stop[0]}: {stop[1]}")
    wait(lambda: not r.active(a), 5, f"PCS {a} stopped")
    # The module reports its stop (0x13 from it after the Stop), then a heartbeat after that.
    s.wait_frame(from_pcs(a, 0x13), t_stop_call[0] if t_stop_call else t0, 3, "a state report after the Stop")
    s.settle(a)
    seq = s.select("|".join(to_pcs(a, pf) for pf in (0x0B, 0x0C, 0x0D, 0x0F)), t0)
    answers = s.select(from_pcs(a, 0x10), t0)
    log(f"Stop during stop_first: frames to PCS {a} since: {seq}; its 0x10 answers: {answers}")
    check(len(seq) == 2 and all(f.id == to_pcs(a, 0x0F) and f.byte(0) == 0 for f in seq),
          f"after the stop_first began: its 0x0F stop and the Stop's, no 0x0B and no start: {seq}")
    check(len(answers) == 1 and answers[0].byte(0) == 1, f"the PCS answered one stop (the other answer was dropped): {answers}")
    check(r.prop(a, "WorkingMode") == "cc", f"the mode stays cc: {r.prop(a, 'WorkingMode')}")
    # The next 0x0F command, right away: the PCS answers it at once, so it succeeds (a reply
    # still counted as owed to an earlier command would make it time out too).
    t1 = time.time()
    err, msg = outcome(r.m[a].SetSelfStart, False)
    sent = s.select(to_pcs(a, 0x0F), t1)
    answered = s.select(from_pcs(a, 0x10), t1)
    log(f"SetSelfStart right after: {err} {msg}; its 0x0F {sent}, the PCS's answers {answered}")
    check(err is None, f"a 0x0F command right after the Stop (answered by the PCS at once): {err}: {msg}")


def bounded_values(r, s):
    """Values outside their bounds are refused before anything reaches the bus."""
    t0 = time.time()
    year_10000 = dbus.UInt64(253402300800 * 1000000 + 86400 * 1000000)  # 10000-01-02T00:00:00Z
    msg = expect_error(ERR + "OutOfRange", r.m[2].SetClock, year_10000)
    log(f"SetClock(10000-01-02): {msg}")
    check("10000" in msg and "2000" in msg and "2099" in msg, f"SetClock names the year and its range: {msg}")
    msg = expect_error(ERR + "OutOfRange", r.m[2].SetPhasePower, "active", 100.0, -100.0, 0.0)
    log(f"SetPhasePower(active, 100, -100, 0): {msg}")
    check("phase_a" in msg and "100" in msg, f"SetPhasePower names the phase and its value: {msg}")
    expect_error(ERR + "OutOfRange", r.m[2].SetPhasePower, "active", 0.0, 0.0, -100.0)
    # A running cc set-point of -30 A, then max_charge_current_a lowered to 20 A.
    err, msg = outcome(r.m[1].SetMode, "cc", dbus.Dictionary({"current_a": -30.0}, signature="sd"),
                       dbus.Dictionary({"start": True}, signature="sv"))
    check(err is None, f"SetMode cc -30 A with start: {err} {msg}")
    wait(lambda: r.state(1) == 12, 5, "PCS 1 in constant-current operation at -30 A")
    t1 = time.time()
    msg = expect_error(ERR + "Interlock", r.m[1].SetProtectionLimits, dbus.Dictionary({"max_charge_current_a": 20.0}, signature="sd"))
    log(f"SetProtectionLimits(max_charge_current_a 20) at -30 A: {msg}")
    check("set-point" in msg, f"the refusal names the running set-point: {msg}")
    s.settle(1, 2)
    check(not s.select(to_pcs(2, 0x09), t0), f"a 0x09 reached the bus: {s.select(to_pcs(2, 0x09), t0)}")
    check(not s.select(to_pcs(2, 0x21), t0), f"a 0x21 reached the bus: {s.select(to_pcs(2, 0x21), t0)}")
    check(not s.select(to_pcs(1, 0x05), t1), f"a 0x05 reached the bus: {s.select(to_pcs(1, 0x05), t1)}")
    check(r.prop(1, "MaxChargeCurrent") == 176.0, f"max charge current unchanged: {r.prop(1, 'MaxChargeCurrent')}")
    check(r.state(1) == 12, "PCS 1 still running")


def read_flood(r, s, bus_address):
    """1000 pipelined ReadProtectionLimits as nobody on four connections (at most 100 calls
    outstanding on each, below the bus's own limit of pending replies per connection): most answered Busy,
    the read frames on the bus bounded by the budget, the heartbeat undisturbed, root's reads
    still answered."""
    n, conns, window = 1000, 4, 100
    path = f"{ROOT_PATH}/sim/2"
    flood = as_nobody("flood", bus_address, path, str(n), str(conns), str(window))
    started = read_event(flood, 20, "flood started")
    root_reads = []
    if started:
        # Root reads while the flood runs (each is answered before the next is sent).
        for _ in range(3):
            t = time.time()
            err, value = outcome(r.m[2].ReadProtectionLimits)
            root_reads.append((err, round((time.time() - t) * 1000, 1), t))
    result = read_event(flood, 60, "flood results")
    flood.wait(10)
    if not result:
        return
    t_first, t_last, counts = result["t_first"], result["t_last"], result["counts"]
    s.settle(1, 2)
    duration = t_last - t_first
    ok, busy = counts.get("ok", 0), counts.get(ERR + "Busy", 0)
    reads = s.select(to_pcs(2, 0x01), t_first)
    log(f"read flood: {n} calls on {conns} connections in {duration:.2f} s: {counts}; Busy by reason "
        f"{result['reasons']}; {len(reads)} read frames (PF 0x01) to PCS 2")
    for why, text in result["samples"].items():
        log(f"  Busy ({why}): {text}")
    log(f"root's reads during the flood (error, ms, at): {[(e, ms, round(t - t_first, 3)) for e, ms, t in root_reads]}")
    check(ok + busy == n, f"every flood call answered with success or Busy: {counts}")
    check(busy >= 0.9 * n, f"most flood calls answered Busy: {counts}")
    # Each accepted read is 3 frames (protection sets 1-3); the callers' budgets bound the
    # accepted reads: a burst each plus the refill over the flood's own duration, and the
    # shared budget bounds them again.
    bound = min(conns * BURST + conns * RATE * duration, TOTAL_BURST + TOTAL_RATE * duration) + 3 * RATE
    root_ok = sum(1 for e, _, _ in root_reads if e is None)
    check(len(reads) == 3 * (ok + root_ok), f"{len(reads)} read frames for {ok} accepted flood reads and {root_ok} of root's")
    check(len(reads) <= 3 * bound, f"{len(reads)} read frames on the bus during a {duration:.2f} s flood, bound {3 * bound:.0f}")
    check(result["reasons"].get("read budget", 0) > 0 and "at most 10 per second" in result["samples"].get("read budget", ""),
          f"the read budget refused reads, and says its limit: {result['reasons']} {result['samples']}")
    check(result["reasons"].get("other", 0) == 0, f"Busy for another reason: {result['samples']}")
    # Heartbeats to both modules from 1 s before to 1 s after the flood, judged from the
    # stream's own timestamps.
    for a in (1, 2):
        s.wait_frame(to_pcs(a, 0x1A), t_last + 1.0, 3, f"a heartbeat to PCS {a} 1 s after the flood")
        hb = s.select(to_pcs(a, 0x1A), t_first - 1.0, t_last + 1.0)
        k, mean, lo, hi = periods_ms(hb)
        log(f"heartbeats to PCS {a} during the flood: {k}, period mean {mean:.1f} ms, min {lo:.1f}, max {hi:.1f}")
        check(k >= 2 and hi < 300 and lo > 100, f"heartbeats to PCS {a} during the flood: {k}, periods {lo:.1f} to {hi:.1f} ms")
    for err, ms, _ in root_reads:
        check(err is None, f"root's read during an unprivileged flood: {err} ({ms} ms)")
    err, value = outcome(r.m[2].ReadProtectionLimits)
    check(err is None and value.get("max_charge_current_a") == 176.0, f"root's read after the flood: {err} {value}")


def read_flood_many_connections(r, s, bus_address):
    """Every new connection is a new caller with a burst of its own: nobody on 12 connections
    (108 reads at once) empties the budget all callers share. Root's read and control call
    sent right then must still be answered."""
    conns, each = 12, 9
    flood = as_nobody("flood", bus_address, f"{ROOT_PATH}/sim/2", str(conns * each), str(conns), str(each))
    started = read_event(flood, 20, "flood started")
    if not started:
        flood.kill()
        return
    res = call_async([("read", r.m[2].ReadProtectionLimits, ()), ("self_start", r.m[2].SetSelfStart, (False,))])
    result = read_event(flood, 30, "flood results")
    flood.wait(10)
    log(f"nobody on {conns} connections: {result and result['counts']}, Busy by reason {result and result['reasons']}; "
        f"root meanwhile: {[(k, v[0], str(v[1])[:90], round(v[2] - started['t'], 3)) for k, v in res.items()]}")
    check(res["read"][0] is None, f"root's read while nobody empties the shared read budget: {res['read'][0]}: {res['read'][1]}")
    check(res["self_start"][0] is None, f"root's SetSelfStart during nobody's flood: {res['self_start'][0]}: {res['self_start'][1]}")
    wait(lambda: outcome(r.m[2].ReadProtectionLimits)[0] is None, 5, "root's read answered after the flood", 0.2)


def frame_stream_limits(r, s, bus_address):
    """nobody opens 8 streams, the 9th fails with LimitsExceeded; root still opens one; once
    nobody closes one, nobody may open one again."""
    helper = as_nobody("streams", bus_address)
    full = read_event(helper, 20, "streams full")
    if not full:
        helper.kill()
        return
    check(full["opened"] == STREAMS_PER_USER, f"nobody opened {full['opened']} streams, expected {STREAMS_PER_USER}")
    check(full["ninth"] == ERR + "LimitsExceeded", f"the 9th stream of nobody: {full['ninth']}: {full['message']}")
    check("8" in full["message"], f"the refusal names the limit: {full['message']}")
    root_stream = FrameStream(r.manager)
    wait(lambda: root_stream.select(), 3, "a frame in root's stream while nobody holds 8")
    root_stream.close()
    helper.stdin.write("close\n")
    helper.stdin.flush()
    again = read_event(helper, 20, "stream reopened")
    helper.wait(10)
    if again:
        log(f"frame streams: nobody's 9th: {full['message']}; reopened {again['after_ms']} ms after closing one "
            f"({again['attempts']} attempts)")
        check(again["reopened"], f"nobody could not open a stream after closing one: {again}")
        check(again["line"].startswith("("), f"the reopened stream carries candump lines: {again['line']!r}")
        check(again["next"] == ERR + "LimitsExceeded", f"one more after reopening: {again['next']}")


def shutdown_accepts_stops(r, s, daemon):
    """During the orderly shutdown: EmergencyStop and Stop succeed, Start is Busy; the
    emergency-stopped module hears state 3 until the process exits, the other state 1."""
    check(r.state(1) == 12, "PCS 1 running before SIGTERM")
    t_term = time.time()
    daemon.proc.send_signal(signal.SIGTERM)
    wait(lambda: r.prop(1, "HeartbeatState") == 1, 3, "HeartbeatState 1 (shutting down) after SIGTERM", 0.005)
    t_marker = time.time()
    t_es = time.time()
    err, msg = outcome(r.m[2].EmergencyStop)
    t_es_done = time.time()
    check(err is None, f"EmergencyStop during the shutdown: {err} {msg}")
    err, msg = outcome(r.m[1].Stop)
    check(err is None, f"Stop during the shutdown: {err} {msg}")
    msg = expect_error(ERR + "Busy", r.m[1].Start)
    check("shutting down" in msg, f"Busy says why: {msg}")
    expect_error(ERR + "Busy", r.m[2].ClearFaults)
    t_calls = time.time() - t_marker
    status = daemon.exited(15)
    check(status == 0, f"ystpcsd exited {status} after SIGTERM")
    wait(lambda: s.eof, 5, "the frame stream ends with the process")
    stop2 = s.select(to_pcs(2, 0x0F), t_es)
    if not check(stop2 and stop2[0].byte(0) == 0, f"the EmergencyStop's 0x0F stop: {stop2}"):
        return
    # State 3 at once (a heartbeat before the 0x0F), then in every heartbeat until the exit.
    before = s.select(to_pcs(2, 0x1A), t_term, stop2[0].ts)
    hb2 = s.select(to_pcs(2, 0x1A), stop2[0].ts)
    log(f"shutdown: calls answered within {t_calls * 1000:.0f} ms of the marker; heartbeats to PCS 2 from SIGTERM: "
        f"states {[heartbeat_state(f) for f in before]} | 0x0F stop | {[heartbeat_state(f) for f in hb2]} | exit")
    check(before and heartbeat_state(before[-1]) == 3, f"a heartbeat with state 3 before the EmergencyStop's 0x0F: {before}")
    check(len([f for f in hb2 if f.ts > t_es_done]) >= 1, f"heartbeats to PCS 2 after the EmergencyStop answered: {hb2}")
    check(hb2 and all(heartbeat_state(f) == 3 for f in hb2), f"PCS 2 hears state 3 from the EmergencyStop until the exit: {hb2}")
    hb1 = s.select(to_pcs(1, 0x1A), t_marker)
    check(len(hb1) >= 3 and all(heartbeat_state(f) == 1 for f in hb1), f"PCS 1 hears state 1 until the exit: {hb1}")
    f1 = s.select(to_pcs(1, 0x0F), t_term)
    check(f1 and all(f.byte(0) == 0 for f in f1), f"PCS 1 stopped at shutdown, never started: {f1}")


# ---- scenarios on daemon 2 (same state directory) ----------------------------------------------

def latch_after_restart(r, s, state_file):
    """The emergency stop of PCS 2 survives the restart: state 3 in every heartbeat, Start
    refused with Interlock, ClearFaults ends it. (A frame stream opens once the daemon owns its
    name, after its first heartbeat round: the very first heartbeat is checked on CAN, with
    candump, by daemon_restart_can.sh.)"""
    check(r.prop(2, "HeartbeatState") == 3, f"HeartbeatState of PCS 2 right after the restart: {r.prop(2, 'HeartbeatState')}")
    check(r.prop(1, "HeartbeatState") == 2, f"HeartbeatState of PCS 1 right after the restart: {r.prop(1, 'HeartbeatState')}")
    s.wait_frame(to_pcs(2, 0x1A), 0, 3, "a heartbeat to PCS 2")
    wait(lambda: r.prop(2, "Connected") and r.prop(2, "RunningState") not in (0, 9), 5, "PCS 2 reporting its state")
    t = time.time()
    msg = expect_error(ERR + "Interlock", r.m[2].Start)
    check("emergency stop" in msg, f"the refusal names the emergency stop: {msg}")
    s.settle(2)
    hb = s.select(to_pcs(2, 0x1A))
    first = hb[0] if hb else None
    log(f"after the restart: first heartbeat to PCS 2 in the stream {first}, {len(hb)} heartbeats before ClearFaults, "
        f"states {sorted(set(heartbeat_state(f) for f in hb))}")
    check(hb and all(heartbeat_state(f) == 3 for f in hb), f"every heartbeat to PCS 2 after the restart says 3: {hb}")
    check(not s.select(to_pcs(2, 0x0F)), f"a 0x0F reached PCS 2 although Start was refused: {s.select(to_pcs(2, 0x0F))}")
    t_clear = time.time()
    err, msg = outcome(r.m[2].ClearFaults)
    check(err is None, f"ClearFaults ends the emergency stop: {err} {msg}")
    clear = s.select(to_pcs(2, 0x0F), t_clear)
    check(len(clear) == 1 and clear[0].data.startswith("000100"), f"the clear: stop, clear faults, self-start off: {clear}")
    check(r.prop(2, "HeartbeatState") == 2, "HeartbeatState 2 after ClearFaults")
    s.settle(2)
    after = s.select(to_pcs(2, 0x1A), clear[0].ts if clear else t_clear)
    check(after and all(heartbeat_state(f) == 2 for f in after), f"heartbeats after ClearFaults say 2: {after}")
    wait(lambda: r.prop(2, "FaultCode") == 0, 5, "PCS 2's fault cleared")
    with open(state_file) as f:
        saved = json.load(f)
    check(saved["modules"]["sim/2"]["emergency_stop"] is False, f"the latch is cleared on disk: {saved}")
    check(r.state(2) in (5, 13), f"PCS 2 stays stopped: state {r.state(2)}")


def state_file_error(r, s, state_dir):
    """StateFileError is empty while the file is saved; it names the error after a change that
    could not be saved, and is empty again after the next saved change."""
    changed = []
    r.bus.add_signal_receiver(lambda iface, props, inv: changed.append(dict(props)) if "StateFileError" in props or
                              "StateFileError" in inv else None, "PropertiesChanged", PROPS, NAME, ROOT_PATH)
    check(r.manager_props.Get(MGR, "StateFileError") == "", f"StateFileError at start: {r.manager_props.Get(MGR, 'StateFileError')!r}")
    blocker = f"{state_dir}/commanded.json.tmp"
    os.mkdir(blocker)  # root ignores permissions: a directory where the temporary goes
    try:
        err, msg = outcome(r.m[1].SetSelfStart, True)
        check(err is None, f"SetSelfStart on: {err} {msg}")
        error = r.manager_props.Get(MGR, "StateFileError")
        log(f"StateFileError while the temporary is a directory: {error!r}")
        check("commanded.json.tmp" in error and ("directory" in error.lower()), f"StateFileError names the error: {error!r}")
    finally:
        os.rmdir(blocker)
    err, msg = outcome(r.m[1].SetSelfStart, False)
    check(err is None, f"SetSelfStart off: {err} {msg}")
    check(r.manager_props.Get(MGR, "StateFileError") == "", f"StateFileError after a saved change: {r.manager_props.Get(MGR, 'StateFileError')!r}")
    with open(f"{state_dir}/commanded.json") as f:
        saved = json.load(f)
    check(saved["modules"]["sim/1"]["self_start"] is False, f"the file holds the last change: {saved}")
    # Both changes are signalled (PropertiesChanged on the manager), the error, then "".
    ctx = GLib.MainContext.default()
    wait(lambda: [ctx.iteration(False) for _ in range(20)] and len(changed) >= 2, 3,
         "two PropertiesChanged of StateFileError")
    check([str(c.get("StateFileError", "?")) != "" for c in changed] == [True, False],
          f"PropertiesChanged of StateFileError: the error, then empty: {changed}")


def estop_all_during_shutdown(r, daemon, state_file):
    daemon.proc.send_signal(signal.SIGTERM)
    wait(lambda: r.prop(1, "HeartbeatState") == 1, 3, "HeartbeatState 1 after SIGTERM", 0.005)
    err, msg = outcome(r.manager.EmergencyStopAll)
    check(err is None, f"EmergencyStopAll during the shutdown: {err} {msg}")
    expect_error(ERR + "Busy", r.m[1].SetSelfStart, True)
    status = daemon.exited(15)
    check(status == 0, f"ystpcsd exited {status}")
    with open(state_file) as f:
        saved = json.load(f)
    check(all(saved["modules"][k]["emergency_stop"] is True for k in ("sim/1", "sim/2")),
          f"both latches saved at the exit: {saved}")


# ---- helpers run as nobody -------------------------------------------------------------------

def flood_main(bus_address, path, n, conns, window):
    DBusGMainLoop(set_as_default=True)
    n, conns, window = int(n), int(conns), int(window)
    ifaces = []
    for _ in range(conns):
        bus = dbus.bus.BusConnection(bus_address)
        obj = bus.get_object(NAME, path)
        dbus.Interface(obj, PROPS).Get(MOD, "Address")  # introspected before the flood
        ifaces.append(dbus.Interface(obj, MOD))
    counts, sent, pending = {}, [0] * conns, [0] * conns
    reasons, samples = {}, {}
    per = [n // conns + (1 if i < n % conns else 0) for i in range(conns)]
    loop = GLib.MainLoop()

    def done(i, what, message=""):
        counts[what] = counts.get(what, 0) + 1
        if what.endswith("Busy"):
            why = ("read budget" if "too many reads" in message
                   else "queue" if ("operations waiting" in message or "reads waiting" in message) else "other")
            reasons[why] = reasons.get(why, 0) + 1
            samples.setdefault(why, message)
        pending[i] -= 1
        if sum(counts.values()) == n:
            loop.quit()
        else:
            send(i)

    def send(i):
        while sent[i] < per[i] and pending[i] < window:
            sent[i] += 1
            pending[i] += 1
            ifaces[i].ReadProtectionLimits(reply_handler=lambda _v, i=i: done(i, "ok"),
                                           error_handler=lambda e, i=i: done(i, error_name(e), str(e.get_dbus_message())),
                                           timeout=60)

    t_first = time.time()
    for i in range(conns):
        send(i)
    print(json.dumps({"event": "started", "t": t_first}), flush=True)
    GLib.timeout_add(60000, loop.quit)
    loop.run()
    print(json.dumps({"event": "done", "t_first": t_first, "t_last": time.time(), "counts": counts,
                      "reasons": reasons, "samples": samples}), flush=True)


def streams_main(bus_address):
    bus = dbus.bus.BusConnection(bus_address)
    manager = dbus.Interface(bus.get_object(NAME, ROOT_PATH), MGR)
    held = []
    ninth, message = None, ""
    for _ in range(STREAMS_PER_USER + 1):
        try:
            held.append(os.fdopen(manager.OpenFrameStream(dbus.Dictionary({}, signature="sv")).take(), "r"))
        except dbus.DBusException as e:
            ninth, message = e.get_dbus_name(), e.get_dbus_message()
            break
    print(json.dumps({"opened": len(held), "ninth": ninth, "message": message}), flush=True)
    sys.stdin.readline()
    held.pop().close()
    t0, attempts, reopened, line = time.time(), 0, None, ""
    while time.time() - t0 < 5:
        attempts += 1
        try:
            reopened = os.fdopen(manager.OpenFrameStream(dbus.Dictionary({}, signature="sv")).take(), "r")
            break
        except dbus.DBusException:
            time.sleep(0.02)
    after_ms = round((time.time() - t0) * 1000)
    if reopened:
        line = reopened.readline().strip()
    nxt = None
    try:
        held.append(os.fdopen(manager.OpenFrameStream(dbus.Dictionary({}, signature="sv")).take(), "r"))
    except dbus.DBusException as e:
        nxt = e.get_dbus_name()
    print(json.dumps({"reopened": reopened is not None, "attempts": attempts, "after_ms": after_ms, "line": line,
                      "next": nxt}), flush=True)


# ---- main ------------------------------------------------------------------------------------

def main(bus_address, directory, ystpcsd):
    DBusGMainLoop(set_as_default=True)
    sim_sock = f"{directory}/sim.sock"
    state_dir = f"{directory}/state"
    state_file = f"{state_dir}/commanded.json"
    config = f"{directory}/ystpcsd.json"
    with open(config, "w") as f:
        json.dump({"simulate": 2, "simulation": {"seed": 7, "control_socket": sim_sock},
                   "state_directory": state_dir, "control_group": "users"}, f)
    bus = dbus.bus.BusConnection(bus_address)
    timings = []

    def timed(name, fn, *args):
        t = time.time()
        log(f"--- {name}")
        before = len(failures)
        fn(*args)
        timings.append((name, time.time() - t, len(failures) == before))

    # --- daemon 1 ---
    d1 = Daemon(1, ystpcsd, bus_address, config, directory, bus)
    r = Rack(bus)
    wait(lambda: r.ready(1) and r.ready(2), 10, "both modules in standby, discovery reads done")
    s = FrameStream(r.manager)
    s.wait_frame(to_pcs(1, 0x1A), 0, 3, "a heartbeat in the frame stream")
    sim = lambda cmd: sim_command(sim_sock, cmd)
    timed("Start and SetMode at once", start_and_set_mode, r, s)
    timed("two SetModes at once", two_set_modes, r, s)
    timed("Stop during a stop_first SetMode", stop_during_stop_first, r, s, sim)
    timed("bounded values: clock, per-phase power, protection limits", bounded_values, r, s)
    timed("unprivileged read flood", read_flood, r, s, bus_address)
    timed("unprivileged read flood on many connections", read_flood_many_connections, r, s, bus_address)
    timed("frame-stream limits", frame_stream_limits, r, s, bus_address)
    timed("orderly shutdown: stops accepted, Start busy", shutdown_accepts_stops, r, s, d1)

    # --- daemon 2, the same state directory ---
    d2 = Daemon(2, ystpcsd, bus_address, config, directory, bus)
    r = Rack(bus)
    s = FrameStream(r.manager)
    timed("emergency-stop latch across the restart", latch_after_restart, r, s, state_file)
    wait(lambda: r.ready(1), 10, "PCS 1 ready")
    timed("StateFileError", state_file_error, r, s, state_dir)
    timed("EmergencyStopAll during the shutdown", estop_all_during_shutdown, r, d2, state_file)

    for name, secs, ok in timings:
        log(f"{'ok  ' if ok else 'FAIL'} {secs:5.1f} s  {name}")
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "flood":
        flood_main(*sys.argv[2:7])
    elif sys.argv[1] == "streams":
        streams_main(sys.argv[2])
    else:
        sys.exit(main(*sys.argv[1:4]))

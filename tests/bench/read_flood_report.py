#!/usr/bin/python3
"""The figures of read_flood_bench.sh from what it recorded (also on the host, from a
BENCH_KEEP directory):

    read_flood_report.py DIR [BACKEND KERNEL LOADAVG]

DIR holds bus.log (candump -L of the heartbeats, the 0x0F frames, the read requests PF 0x01,
the 0x10 answers and pcs-sim's 0x11 as a reference sender), windows ("a|b|c T0 T1" per line: quiet, flood, flood with stops),
flood.log (one "read-flood: key=value ..." line per flood run) and stops.jsonl (one line per
Stop). Exit status 0 when the targets hold: the p99 heartbeat deviation with the flood within
1 ms of without, every Stop from the ordinary client on the bus within 50 ms.
"""
import bisect
import collections
import json
import re
import sys

directory = sys.argv[1]
backend, kernel, loadavg = (sys.argv[2:5] + ["?", "?", "?"])[:3]
print(f"guest backend {backend}, kernel {kernel}; guest load average at the end {loadavg}")

by_id = collections.defaultdict(list)  # id → [(ts, data)], in capture order
line_re = re.compile(r"^\((\d+\.\d+)\) \S+ ([0-9A-F]{8})#([0-9A-F]*)$")
with open(f"{directory}/bus.log") as f:
    for line in f:
        m = line_re.match(line.strip())
        if m:
            by_id[m.group(2)].append((float(m.group(1)), m.group(3)))
stamps = {k: [ts for ts, _ in v] for k, v in by_id.items()}

windows = collections.defaultdict(list)
with open(f"{directory}/windows") as f:
    for line in f:
        kind, t0, t1 = line.split()
        windows[kind].append((float(t0), float(t1)))
stops = [json.loads(l) for l in open(f"{directory}/stops.jsonl") if l.strip()]
if not windows["c"] and stops:  # a record of an older version: the stops' own span
    windows["c"].append((stops[0]["t0"] - 0.5, stops[-1]["answered"] + stops[-1].get("start_s", 0)))


def between(ident, t0, t1):
    ts = stamps.get(ident, [])
    return ts[bisect.bisect_left(ts, t0):bisect.bisect_right(ts, t1)]


def periods(ident, spans):
    d = []
    for t0, t1 in spans:
        t = between(ident, t0, t1)
        d += [(b - a) * 1000 for a, b in zip(t, t[1:])]
    return d


def pct(values, q):
    return values[int(q * (len(values) - 1))]


ok = True
p99 = {}
names = {"a": "(a) quiet", "b": "(b) read flood", "c": "(c) flood+stops"}
for kind in ("a", "b", "c"):
    if not windows[kind]:
        continue
    span = sum(t1 - t0 for t0, t1 in windows[kind])
    for a in (1, 2, "ref"):
        ident = "1811B401" if a == "ref" else f"181A{a:02X}B4"
        what = "reference: pcs-sim's 0x11" if a == "ref" else f"heartbeat to PCS {a}"
        d = periods(ident, windows[kind])
        if not d:
            if a != "ref":
                print(f"{names[kind]:16s} {what}: no periods")
                ok = False
            continue
        dev = sorted(abs(x - 200.0) for x in d)
        p99[(kind, a)] = pct(dev, 0.99)
        print(f"{names[kind]:16s} {what:26s} {len(d)} periods over {span:.1f} s; mean {sum(d) / len(d):.4f} ms, "
              f"p99 |deviation| {p99[(kind, a)]:.3f} ms, max {dev[-1]:.3f} ms")
for a in (1, 2):
    if ("a", a) not in p99 or ("b", a) not in p99:
        continue
    delta = p99[("b", a)] - p99[("a", a)]
    good = delta <= 1.0
    ok = ok and good
    print(f"PCS {a}: p99 deviation with the flood {p99[('b', a)]:.3f} ms vs without {p99[('a', a)]:.3f} ms "
          f"(difference {delta:+.3f} ms): {'within' if good else 'NOT within'} 1 ms")

# The flood's own figures (one line per run) and its read requests (PF 0x01 to PCS 1) on the
# bus over the flood windows.
runs = [dict(kv.split("=", 1) for kv in l.split()[1:] if "=" in kv)
        for l in open(f"{directory}/flood.log") if l.startswith("read-flood:")]
if runs:
    secs = sum(float(r["seconds"]) for r in runs)
    tot = lambda k: sum(int(r.get(k, 0)) for r in runs)
    busy = tot("busy_budget") + tot("busy_queue") + tot("busy_other")
    others = collections.Counter()
    for r in runs:
        for k, v in r.items():
            if k.startswith("org."):
                others[k] += int(v)
    flood_spans = windows["b"] + windows["c"]
    reads = sum(len(between("180101B4", t0, t1)) for t0, t1 in flood_spans)
    span = sum(t1 - t0 for t0, t1 in flood_spans)
    print(f"flood ({runs[0].get('connections')} connections x {runs[0].get('window')} calls outstanding, {len(runs)} runs, "
          f"{secs:.1f} s): {tot('answered')} calls answered = {tot('answered') / secs:.0f}/s; {tot('ok')} reads done "
          f"({tot('ok') / secs:.1f}/s); Busy {busy / secs:.0f}/s (read budget {tot('busy_budget')}, queue "
          f"{tot('busy_queue')}, other {tot('busy_other')}){'; other errors ' + str(dict(others)) if others else ''}; "
          f"read requests (PF 0x01) on the bus {reads / span:.1f}/s over {span:.1f} s of flood")

stop_frames = [ts for ts, d in by_id.get("180F01B4", []) if d.startswith("00")]
for client in ("normal", "fifo"):
    mine = [s for s in stops if s.get("client", "normal") == client]
    lat, answer = [], []
    for s in mine:
        i = bisect.bisect_right(stop_frames, s["t0"])
        if i == len(stop_frames):
            print("no 0x0F stop on the bus after the Stop at", s["t0"])
            ok = False
            continue
        lat.append((stop_frames[i] - s["t0"]) * 1000)
        answer.append((s["answered"] - s["t0"]) * 1000)
    if not lat:
        continue
    lat.sort()
    answer.sort()
    errors = [s["error"] for s in mine if s["error"]]
    was_running = sum(1 for s in mine if s["was_running"])
    label = "ordinary client" if client == "normal" else "client at SCHED_FIFO 10, a diagnosis"
    print(f"Stop (root, {label}) during the flood, {len(lat)} stops ({was_running} of a running module): call -> 0x0F "
          f"on the bus mean {sum(lat) / len(lat):.2f} ms, median {pct(lat, 0.5):.2f} ms, p99 {pct(lat, 0.99):.2f} ms, "
          f"max {lat[-1]:.2f} ms; call -> answer median {pct(answer, 0.5):.1f} ms, max {answer[-1]:.1f} ms"
          f"{'; errors ' + str(errors) if errors else ''}")
    starts = sorted(s["start_s"] * 1000 for s in mine if s["started"])
    busy_starts = sum(s["start_busy"] for s in mine)
    not_started = [s["start_error"] for s in mine if not s["started"]]
    print(f"  Start (root) after each: {len(starts)} of {len(mine)} started (median {pct(starts, 0.5) if starts else 0:.0f} ms "
          f"incl. retries), {busy_starts} Busy answers{'; not started: ' + str(not_started[0])[:160] if not_started else ''}")
    if client == "normal":
        good = lat[-1] <= 50.0 and not errors
        ok = ok and good
        print(f"Stop on the bus within 50 ms (ordinary client, every stop): {'yes' if good else 'NO'}")
print("targets (p99 deviation with the flood within 1 ms of without; every Stop on the bus within 50 ms):",
      "met" if ok else "NOT MET")
sys.exit(0 if ok else 1)

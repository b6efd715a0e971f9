"""What the host's scheduler did before each late heartbeat round of a UML guest.

    host_sched_report.py DIR

DIR (from floor_host_trace.sh) holds host.txt (`perf script -F tid,cpu,time,event,trace --ns`
of sched:sched_switch and sched:sched_wakeup on the host, CLOCK_MONOTONIC), realtime-offset
(host CLOCK_REALTIME less CLOCK_MONOTONIC) and the floor benchmark's windows.txt and obs.log
(the guest's frames, stamped with the guest's CLOCK_REALTIME).
"""
import bisect
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import floor_report  # noqa: E402

EVENT = re.compile(r"^\s*(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:(sched_switch|sched_wakeup):\s+(.*)$")


def fields(text):
    return dict(kv.split("=", 1) for kv in text.split() if "=" in kv)


def load_events(path, offset):
    """(time as host CLOCK_REALTIME, cpu, 'switch' or 'wakeup', fields of the task switched to / woken)."""
    events = []
    for line in open(path):
        m = EVENT.match(line)
        if not m:
            continue
        text = m.group(5)
        if m.group(4) == "sched_switch":
            events.append((float(m.group(3)) + offset, int(m.group(2)), "switch", fields(text.split("==>")[1])))
        else:
            events.append((float(m.group(3)) + offset, int(m.group(2)), "wakeup", fields(text)))
    return events


class HostTimeline:
    def __init__(self, events):
        self.events = events
        self.times = [e[0] for e in events]
        self.per_cpu = collections.defaultdict(list)
        for t, cpu, kind, f in events:
            if kind == "switch":
                self.per_cpu[cpu].append((t, f["next_comm"]))
        self.cpu_times = {cpu: [t for t, _ in v] for cpu, v in self.per_cpu.items()}

    def running(self, cpu, t):
        i = bisect.bisect_right(self.cpu_times[cpu], t) - 1
        return self.per_cpu[cpu][i][1] if i >= 0 else None

    def uml_running(self, t):
        return any(self.running(cpu, t) == "linux.uml" for cpu in self.per_cpu)

    def busy(self, t0, t1):
        """Seconds each host task (by name) ran in [t0, t1], summed over the host's CPUs."""
        acc = collections.Counter()
        for cpu, switches in self.per_cpu.items():
            i = max(0, bisect.bisect_right(self.cpu_times[cpu], t0) - 1)
            while i < len(switches) and switches[i][0] < t1:
                end = switches[i + 1][0] if i + 1 < len(switches) else t1
                if min(end, t1) > max(switches[i][0], t0):
                    acc[switches[i][1]] += min(end, t1) - max(switches[i][0], t0)
                i += 1
        return acc

    def waits(self, pid, t0, t1):
        """Each wake-up of host task `pid` in [t0, t1]: how long until it ran, on which CPU,
        and what that CPU ran meanwhile."""
        out, pending = [], None
        for t, cpu, kind, f in self.events[bisect.bisect_left(self.times, t0):bisect.bisect_right(self.times, t1)]:
            if kind == "wakeup" and int(f["pid"]) == pid:
                target = int(f["target_cpu"])
                pending = (t, target, self.running(target, t))
            elif kind == "switch" and pending and int(f["next_pid"]) == pid:
                out.append((t - pending[0], pending[1], pending[2]))
                pending = None
        return out


def guest_clock_shift(timeline, frames):
    """The shift (s) to add to the guest's frame stamps so that a UML process is running on
    the host at as many of them as possible: the guest's clock is the host's, give or take."""
    sample = frames[:: max(1, len(frames) // 600)]
    best = max((sum(timeline.uml_running(t + k * 5e-5) for t in sample), k * 5e-5) for k in range(-400, 401))
    return best[1], best[0] / len(sample)


def main():
    d = sys.argv[1]
    offset = float(open(os.path.join(d, "realtime-offset")).read())
    timeline = HostTimeline(load_events(os.path.join(d, "host.txt"), offset))
    if not timeline.events:
        print("no host scheduler events")
        return
    lo, hi = timeline.times[0], timeline.times[-1]
    obs = [f for f in floor_report.load_obs(os.path.join(d, "obs.log")) if lo < f[0] < hi]
    shift, fit = guest_clock_shift(timeline, [t for t, _, _ in obs])
    # The UML kernel: the host task woken most (by every timer, and whenever a guest process
    # stops at a system call it traces).
    kernel = collections.Counter()
    for t, cpu, kind, f in timeline.events:
        if kind == "wakeup" and f["comm"] == "linux.uml":
            kernel[int(f["pid"])] += 1
    kernel_pid = kernel.most_common(1)[0][0]
    print(f"host trace: {len(timeline.events)} scheduler events; guest clock + {1000 * shift:.2f} ms = host clock "
          f"(a UML process runs at {100 * fit:.1f} % of the frames' stamps); UML kernel: host task {kernel_pid}")
    for (subject, window), figures in floor_report.read_windows(os.path.join(d, "windows.txt")).items():
        stamps = floor_report.heartbeat_stamps(obs, *figures[:2])
        if len(stamps) < 10:
            continue
        late = sorted(((x, t) for t, x in zip(stamps, floor_report.round_lateness_ms(stamps)) if x > 0.5),
                      reverse=True)
        print(f"{subject} {window}: {len(stamps)} rounds traced, {len(late)} more than 0.5 ms late")
        for ms, t in late:
            t_host = t + shift
            waits = [w for w in timeline.waits(kernel_pid, t_host - (ms + 1) / 1000, t_host) if w[0] > 2e-4]
            what = "; ".join(f"the UML kernel waited {1000 * s:.2f} ms for host CPU {cpu} (running {comm or '?'})"
                             for s, cpu, comm in waits)
            # Between the deadline and the round's own work (~0.3 ms before its frame): did
            # the guest run at all?
            span = (ms - 0.3) / 1000
            ran = timeline.busy(t_host - ms / 1000, t_host - 0.0003)
            uml = ran.get("linux.uml", 0.0)
            others = ", ".join(f"{name} {1000 * sec:.2f}" for name, sec in ran.most_common(4) if name != "linux.uml")
            print(f"  round {ms:.2f} ms late: {what or 'no wait for a host CPU longer than 0.2 ms'}; "
                  f"the guest ran {1000 * uml:.2f} of the {1000 * span:.2f} ms after the deadline (host: {others} ms)")


if __name__ == "__main__":
    main()

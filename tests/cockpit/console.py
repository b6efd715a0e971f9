#!/usr/bin/python3
"""The ystpcs Cockpit page in headless Chromium, driven over the DevTools protocol.

usage: console.py --url COCKPIT_URL --bus BUS_ADDRESS --password PW --shots DIR --profile DIR
Run by console.sh inside its mount namespace (private system bus, users pcs-op and
pcs-viewer, cockpit-ws serving the installed package, ystpcsd --simulate 3).
Every check waits for a positive condition; negatives are judged after a positive marker.
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

import dbus
import websocket

ap = argparse.ArgumentParser()
for a in ("--url", "--bus", "--password", "--shots", "--profile"):
    ap.add_argument(a, required=True)
args = ap.parse_args()
PAGE = args.url + "/cockpit/@localhost/ystpcs/index.html"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, file=sys.stderr)
    if not cond:
        failures.append(what)
    return cond


class Browser:
    def __init__(self, profile):
        self.proc = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1400,1000",
             "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and len(open(port_file).read().split("\n")) >= 2):
            if time.time() > deadline:
                raise SystemExit("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = open(port_file).read().split("\n")[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True, timeout=60)
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def js(self, expression):
        r = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails'].get('exception', {}).get('description')}")
        return r["result"].get("value")

    def wait(self, expression, what, timeout=20.0):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = self.js(expression)
                if last:
                    return check(True, what)
            except RuntimeError as e:
                last = str(e)
            time.sleep(0.2)
        return check(False, f"{what} (last: {last!r})")

    def goto(self, url):
        self.send("Page.navigate", url=url)

    def shot(self, name):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        with open(os.path.join(args.shots, name + ".png"), "wb") as f:
            f.write(base64.b64decode(data))

    def login(self, user):
        """A real PAM login through cockpit-ws (what the login form posts), then the page."""
        self.send("Network.enable")
        self.send("Network.clearBrowserCookies")
        self.goto(args.url + "/cockpit/static/login.html")
        self.wait("document.readyState === 'complete'", f"{user}: cockpit's login page loads")
        auth = base64.b64encode(f"{user}:{args.password}".encode()).decode()
        status = self.js(f"fetch('/cockpit/login', {{headers: {{Authorization: 'Basic {auth}'}}}}).then(r => r.status)")
        check(status == 200, f"{user}: PAM login accepted ({status})")
        self.goto(PAGE)
        self.wait("window.ystpcsConsole && window.ystpcsConsole.ready && window.ystpcsConsole.access !== null",
                  f"{user}: the page is up with the module list and the caller's access", timeout=30)

    def click(self, selector):
        return self.js(f"(() => {{ const b = document.querySelector({json.dumps(selector)}); b.click(); return !b.disabled; }})()")

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


class FrameStream:
    """The daemon's frame stream (root), to judge what reached the bus."""
    def __init__(self):
        bus = dbus.bus.BusConnection(args.bus)
        mgr = dbus.Interface(bus.get_object("org.ystpcs.pcs1", "/org/ystpcs/pcs1"), "org.ystpcs.pcs1.Manager")
        self.file = os.fdopen(mgr.OpenFrameStream({}).take(), "r")
        self.lines = []
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.file:
            self.lines.append(line.strip())

    def after(self, t):
        return [l for l in self.lines if float(l[1:l.index(")")]) > t]


module_row = "document.querySelector('#module-list tbody tr[data-path=\"/org/ystpcs/pcs1/sim/{0}\"]')"
cell = module_row + ".cells[{1}].textContent"
stream = FrameStream()
# The daemon has kept a few seconds of history before the page first opens.
system_bus = dbus.bus.BusConnection(args.bus)
sim1 = dbus.Interface(system_bus.get_object("org.ystpcs.pcs1", "/org/ystpcs/pcs1/sim/1"), "org.ystpcs.pcs1.Module")
deadline = time.time() + 10
while len(sim1.ReadHistory(["DcVoltage"], 0, 0)[0]) < 15 and time.time() < deadline:
    time.sleep(0.2)
b = Browser(args.profile)
try:
    # ---- an operator (group ystpcs) -------------------------------------------------------------
    page_opened = time.time()
    b.login("pcs-op")
    b.wait("document.querySelectorAll('#module-list tbody tr').length === 3 && " + cell.format(3, 0) + " === 'sim/3'",
           "the module list shows the three simulated modules")
    check(b.js("window.ystpcsConsole.access.may_control") is True, "pcs-op may control (GetCallerAccess)")
    check(b.js("document.getElementById('btn-start').disabled") is False, "pcs-op: Start is enabled")
    # History right after opening: rows from before the page opened.
    b.wait("window.ystpcsConsole.historyRows > 5", "trends have the daemon's history right after the page opened")
    check(b.js(f"window.ystpcsConsole.trends.times.filter(t => t < {page_opened} - 1).length") > 5,
          "the trend holds values from more than a second before the page opened")
    b.wait("document.querySelectorAll('#trends canvas').length === 4", "four trend charts drawn")
    b.wait("document.querySelector('#panel-dc td.value[data-property=\"DcVoltage\"]').textContent.endsWith(' V')",
           "the DC panel shows the voltage with its unit from the daemon")
    b.wait("document.querySelector('#mode-select option[value=\"cccv\"]') !== null && "
           "document.querySelectorAll('#mode-select option').length === 19", "the mode chooser lists the daemon's 19 modes")
    b.shot("01-operator-opened")

    # A CC charge from the set-point form, started with a confirmation.
    b.js("document.getElementById('mode-select').value = 'cc'; document.getElementById('mode-select').dispatchEvent(new Event('change'))")
    b.wait("document.getElementById('param-current_a') !== null", "the form for cc has current_a")
    b.wait("document.querySelector('#param-form td.limit').textContent.includes('module: -')",
           "the form shows the module's limit for current_a")
    b.js("document.getElementById('param-current_a').value = '-20'; document.getElementById('opt-start').checked = true")
    b.click("#btn-apply")
    b.wait("!document.getElementById('confirm').classList.contains('hidden')", "starting asks for a confirmation")
    b.click("#confirm-yes")
    b.wait("document.getElementById('message').className.includes('ok')", "the set-points were applied")
    b.wait(cell.format(1, 6) + " === '-20.0'", "the module list shows -20 A live")
    b.wait("(c => c.length && Math.abs(c[c.length - 1] + 20) < 0.5)(window.ystpcsConsole.trends.columns.DcCurrent)",
           "the trend shows the charge current")
    b.wait("window.ystpcsConsole.events.some(e => e.kind === 'command' && e.text.startsWith('SetMode cc') && e.text.endsWith(': done'))",
           "the events panel lists the command with its result (Event signal)")
    time.sleep(1.5)  # let the trend draw a second of the charge for the screenshot
    b.shot("02-cc-charge")

    # A parameter outside the module's limits: refused with the daemon's message.
    b.js("document.getElementById('opt-start').checked = false; document.getElementById('param-current_a').value = '-500'")
    b.click("#btn-apply")
    b.wait("document.getElementById('message').className.includes('error') && "
           "document.getElementById('message').textContent.includes('(OutOfRange)') && "
           "document.getElementById('message').textContent.includes('protection limits')",
           "a set-point outside the limits is refused with the daemon's OutOfRange message")
    check(b.js(cell.format(1, 6)) == "-20.0", "the module keeps charging at -20 A")
    b.shot("03-out-of-range")

    # Raw CAN: frames decoded, filtered.
    b.wait("document.querySelectorAll('#raw tbody tr').length > 5", "the raw CAN panel shows frames")
    b.js("document.getElementById('raw-filter').value = 'dc_output'; document.getElementById('raw-filter').dispatchEvent(new Event('input'))")
    b.wait("(rows => rows.length > 0 && rows.every(r => r.cells[5].textContent.includes('dc_output')))([...document.querySelectorAll('#raw tbody tr')])",
           "the raw CAN filter keeps only the frames that match")

    # Emergency stop from the header: no question asked.
    b.click("#btn-estop")
    b.wait("document.getElementById('fault-now').textContent.includes('EMERGENCY STOP latched')",
           "emergency stop from the header: latched, shown at once")
    check(b.js("document.getElementById('confirm').classList.contains('hidden')"), "emergency stop asked nothing")
    b.wait(cell.format(1, 2) + " !== 'constant current'" , "module 1 no longer runs")
    b.shot("04-emergency-stop")

    # ---- a viewer (not in group ystpcs) -----------------------------------------------------------
    b.login("pcs-viewer")
    b.wait("document.getElementById('btn-start').disabled && document.getElementById('btn-estop').disabled",
           "pcs-viewer: controls disabled")
    b.wait("document.getElementById('access').textContent.includes(\"group 'ystpcs'\")",
           "pcs-viewer: the reason is shown (the daemon's words)")
    b.js(module_row.format(2) + ".click()")
    b.wait("window.ystpcsConsole.selected.endsWith('/sim/2')", "pcs-viewer selects module 2")
    b.shot("05-viewer-read-only")
    # A stale button (enabled by hand) still meets the bus policy and the daemon.
    b.js("document.getElementById('btn-start').disabled = false")
    b.click("#btn-start")
    b.wait("!document.getElementById('confirm').classList.contains('hidden')", "Start asks for a confirmation")
    b.click("#confirm-yes")
    b.wait("document.getElementById('message').textContent.startsWith('Start sim/2 refused: you may only read.')",
           "a plain user's Start is refused in words")
    refused_at = time.time()
    check("needs root or membership in group 'ystpcs'" in b.js("document.getElementById('message').textContent"),
          "the refusal says what is needed")
    b.shot("06-viewer-refused")
    # Nothing sent: a heartbeat to module 2 stamped after the refusal, and no 0x0F before it.
    deadline = time.time() + 5
    while time.time() < deadline and not any(" 181A02B4#" in l for l in stream.after(refused_at)):
        time.sleep(0.1)
    check(any(" 181A02B4#" in l for l in stream.after(refused_at)), "heartbeats to module 2 after the refusal")
    check(not any(" 180F02B4#" in l for l in stream.lines), "no start/stop frame (0x0F) ever reached module 2")
finally:
    try:
        b.shot("99-last")
    except Exception:
        pass
    b.close()

if failures:
    print(f"{len(failures)} failure(s)", file=sys.stderr)
    sys.exit(1)
print("the console behaved", file=sys.stderr)

// The ystpcs console: a D-Bus client of org.ystpcs.pcs1 on the system bus, as the logged-in
// user (the bus policy and the daemon's authorisation apply unchanged). Modes, parameters,
// limits, units, fault texts and the caller's rights come from the daemon.
/* global cockpit, ystpcsFormat, YstpcsPanels, YstpcsTrends, YstpcsRawCan */
"use strict";

const BUS_NAME = "org.ystpcs.pcs1";
const ROOT = "/org/ystpcs/pcs1";
const MODULE = "org.ystpcs.pcs1.Module";
const MANAGER = "org.ystpcs.pcs1.Manager";
const TREND_SIGNALS = ["DcVoltage", "DcCurrent", "DcPower", "InletTemperature"];
const TREND_WINDOW_S = 600;
const $ = id => document.getElementById(id);

// Read by the browser tests (tests/cockpit): what the page shows, never a way around it.
const state = window.ystpcsConsole = {
    ready: false, selected: null, access: null, messages: [], modes: {}, units: {}, trends: null, events: [],
};

const client = cockpit.dbus(BUS_NAME, { bus: "system" });
const manager = client.proxy(MANAGER, ROOT);
const modules = client.proxies(MODULE, ROOT);
let staleSince = {};   // path → age in s of the last frame, while the link is lost

function moduleName(p) { return p.data.Interface + "/" + p.data.Address; }
function selectedProxy() { return state.selected ? modules[state.selected] : null; }

function show(text, ok) {
    const el = $("message");
    el.textContent = text;
    el.className = "banner " + (ok ? "ok" : "error");
    state.messages.push({ text, ok });
}

function call(path, iface, method, args, type) {
    return client.call(path, iface, method, args, { type });
}

// ---- the header ----------------------------------------------------------------------------

function renderHeader() {
    const m = manager.data;
    $("daemon-status").textContent = manager.valid ? "version " + m.Version + (m.StateFileError ? " — state file: " + m.StateFileError : "")
        : "not running (org.ystpcs.pcs1 is not on the system bus)";
    $("interfaces").replaceChildren(...(m.Interfaces || []).map(([name, bus, c]) => {
        const span = document.createElement("span");
        span.className = bus === "up" ? "" : "lost";
        span.textContent = "CAN " + name + ": " + bus + " — rx " + c.rx + ", tx " + c.tx + ", errors " + c.error_frames +
            ", bus-off " + c.bus_off + ", dropped " + c.tx_dropped + ", overflow " + c.rx_overflow;
        return span;
    }));
}

function pollHeartbeat() {
    call(ROOT, "org.freedesktop.DBus.Properties", "Get", [MANAGER, "Heartbeat"], "ss")
        .then(([v]) => {
            const h = v.v;
            $("heartbeat").textContent = "heartbeat: " + h.ticks + " rounds, " + h.skipped + " skipped, p99 late " +
                (h.p99_lateness_us / 1000).toFixed(2) + " ms";
        })
        .catch(() => { $("heartbeat").textContent = "heartbeat: unknown"; });
}

// ---- the module list -----------------------------------------------------------------------

function renderList() {
    const paths = Object.keys(modules).sort((a, b) => {
        const pa = modules[a].data, pb = modules[b].data;
        return pa.Interface === pb.Interface ? pa.Address - pb.Address : pa.Interface < pb.Interface ? -1 : 1;
    });
    $("module-list").tBodies[0].replaceChildren(...paths.map(path => {
        const d = modules[path].data;
        const tr = document.createElement("tr");
        tr.dataset.path = path;
        if (path === state.selected) tr.className = "selected";
        const stale = !d.Connected;
        const cells = [moduleName(modules[path]), d.Connected ? "ok" : "LOST", d.RunningStateName,
            d.FaultCode ? "0x" + d.FaultCode.toString(16).toUpperCase().padStart(4, "0") : "—", d.WorkingMode || "—",
            ystpcsFormat.number(d.DcVoltage, 1), ystpcsFormat.number(d.DcCurrent, 1), ystpcsFormat.number(d.DcPower, 2)];
        cells.forEach((text, i) => {
            const td = document.createElement("td");
            td.textContent = text;
            if (i === 1 && stale) td.className = "lost";
            else if (i === 3 && d.FaultCode) td.className = "fault";
            else if (i >= 5 && stale) td.className = "stale";
            tr.appendChild(td);
        });
        tr.title = d.FaultCode ? d.FaultText + " — " + d.FaultAction : "";
        tr.addEventListener("click", () => select(path));
        return tr;
    }));
    return paths;
}

// ---- the selected module -------------------------------------------------------------------

function renderModule() {
    const p = selectedProxy();
    $("selected-name").textContent = p ? moduleName(p) : "no module";
    if (!p) return;
    const d = p.data;
    YstpcsPanels.render(d, state.units, d.Connected ? null : (staleSince[state.selected] ?? 0));
    const fault = $("fault-now");
    fault.className = d.FaultCode ? "fault" : "";
    fault.textContent = (d.FaultCode
        ? "Fault 0x" + d.FaultCode.toString(16).toUpperCase().padStart(4, "0") + ": " + d.FaultText + " — action: " + d.FaultAction + ". "
        : (d.Connected ? "No fault. " : "Link lost: values are stale. ")) + "Running state: " + d.RunningStateName +
        (d.HeartbeatState === 3 ? " — EMERGENCY STOP latched (reset faults to end it)" : "");
    const params = Object.entries(d.WorkingModeParameters || {}).map(([k, v]) => k + " " + ystpcsFormat.number(v, 3)).join(", ");
    $("current-mode").textContent = "now: " + (d.WorkingMode || "unknown") + (params ? " (" + params + ")" : "") +
        (d.WorkingModeReported ? "" : " — as commanded");
    renderLimits();
}

function select(path) {
    if (state.selected === path) return;
    state.selected = path;
    renderList();
    renderModule();
    loadHistory(path);
    loadEvents(path);
}

function loadHistory(path) {
    const fromUs = (Date.now() - TREND_WINDOW_S * 1000) * 1000;
    call(path, MODULE, "ReadHistory", [TREND_SIGNALS, fromUs, 0], "astt")
        .then(([times, columns]) => {
            if (path !== state.selected) return;
            state.trends.load(times, columns);
            state.historyRows = times.length;
        })
        .catch(ex => show(ystpcsFormat.error("Reading the history", ex)));
}

function liveTrendRow() {
    const p = selectedProxy();
    if (!p || !state.trends) return;
    const values = {};
    for (const s of TREND_SIGNALS) values[s] = p.data.Connected ? p.data[s] : null;
    state.trends.append(Date.now() / 1000, values);
}

// ---- events ----------------------------------------------------------------------------------

function addEventRows(events, replace) {
    const tbody = $("events").tBodies[0];
    if (replace) { tbody.replaceChildren(); state.events = []; }
    for (const [sequence, timeUs, kind, text] of events) {
        state.events.push({ sequence, kind, text });
        const tr = document.createElement("tr");
        if (kind === "fault" || kind === "link-lost") tr.className = "fault";
        for (const v of [ystpcsFormat.time(timeUs), kind, text]) {
            const td = document.createElement("td");
            td.textContent = v;
            tr.appendChild(td);
        }
        tbody.insertBefore(tr, tbody.firstChild);
    }
    while (tbody.rows.length > 500) tbody.deleteRow(-1);
}

function loadEvents(path) {
    call(path, MODULE, "ReadEvents", [0], "t")
        .then(([events]) => { if (path === state.selected) addEventRows(events, true); })
        .catch(ex => show(ystpcsFormat.error("Reading the events", ex)));
}

// ---- set-points --------------------------------------------------------------------------------

function renderModeForm() {
    const mode = state.modes[$("mode-select").value];
    const form = $("param-form");
    if (!mode) { form.replaceChildren(); return; }
    $("mode-title").textContent = mode.title;
    form.replaceChildren(...mode.params.map(p => {
        const tr = document.createElement("tr");
        const label = document.createElement("td");
        label.textContent = p.title;
        const input = document.createElement("input");
        input.type = "number";
        input.step = "any";
        input.name = p.name;
        input.id = "param-" + p.name;
        const cell = document.createElement("td");
        cell.append(input, " " + p.unit);
        const range = document.createElement("td");
        range.className = "hint limit";
        range.dataset.limit = p.limit;
        tr.append(label, cell, range);
        return tr;
    }));
    renderLimits();
}

// Each parameter's range: its definition's, and what this module's protection limits allow.
function renderLimits() {
    const mode = state.modes[$("mode-select").value];
    const p = selectedProxy();
    if (!mode) return;
    const limits = (p && p.data.SetpointLimits) || {};
    for (const param of mode.params) {
        const input = $("param-" + param.name);
        if (!input) continue;
        const cell = input.parentElement.nextElementSibling;
        cell.textContent = "definition " + param.min + " … " + param.max + " " + param.unit +
            (param.limit ? "; module: " + (limits[param.limit] || "protection limits not known yet") : "");
    }
}

function applySetpoints() {
    const p = selectedProxy();
    const mode = state.modes[$("mode-select").value];
    if (!p || !mode) return;
    const params = {};
    for (const param of mode.params) {
        const text = $("param-" + param.name).value.trim();
        if (text === "") return show("Set-points: " + param.title + " (" + param.name + ") is empty");
        params[param.name] = Number(text);
    }
    const start = $("opt-start").checked;
    const options = { start: { t: "b", v: start }, stop_first: { t: "b", v: $("opt-stop-first").checked } };
    const what = mode.name + " " + Object.entries(params).map(([k, v]) => k + " " + v).join(", ");
    const go = () => call(state.selected, MODULE, "SetMode", [mode.name, params, options], "sa{sd}a{sv}")
        .then(() => show("Set " + moduleName(p) + " to " + what + (start ? ", started" : ""), true))
        .catch(ex => show(ystpcsFormat.error("Set-points " + what, ex, state.access && state.access.reason)));
    if (start) confirmThen("Set " + moduleName(p) + " to " + what + " and START it? This energises the module.", go);
    else go();
}

// ---- controls ------------------------------------------------------------------------------------

function confirmThen(text, go) {
    $("confirm-text").textContent = text;
    $("confirm").classList.remove("hidden");
    $("confirm-yes").onclick = () => { $("confirm").classList.add("hidden"); go(); };
    $("confirm-no").onclick = () => { $("confirm").classList.add("hidden"); show("Cancelled: nothing was sent", true); };
}

function moduleCommand(method, label) {
    const p = selectedProxy();
    if (!p) return Promise.resolve();
    const name = moduleName(p);
    return call(state.selected, MODULE, method, [], "")
        .then(() => show(label + " " + name + ": done", true))
        .catch(ex => show(ystpcsFormat.error(label + " " + name, ex, state.access && state.access.reason)));
}

function wireControls() {
    $("btn-start").addEventListener("click", () => {
        const p = selectedProxy();
        if (!p) return;
        const params = Object.entries(p.data.WorkingModeParameters || {}).map(([k, v]) => k + " " + v).join(", ");
        confirmThen("Start " + moduleName(p) + " in " + (p.data.WorkingMode || "its current mode") +
                    (params ? " (" + params + ")" : "") + "? This energises the module.", () => moduleCommand("Start", "Start"));
    });
    $("btn-stop").addEventListener("click", () => moduleCommand("Stop", "Stop"));
    $("btn-reset").addEventListener("click", () => moduleCommand("ClearFaults", "Reset faults of"));
    // Never asks: an emergency stop must not wait for a click.
    $("btn-estop").addEventListener("click", () => moduleCommand("EmergencyStop", "EMERGENCY STOP"));
    $("btn-estop-all").addEventListener("click", () => call(ROOT, MANAGER, "EmergencyStopAll", [], "")
        .then(() => show("EMERGENCY STOP of every module: done", true))
        .catch(ex => show(ystpcsFormat.error("EMERGENCY STOP of every module", ex, state.access && state.access.reason))));
    $("btn-apply").addEventListener("click", applySetpoints);
    $("mode-select").addEventListener("change", renderModeForm);
}

// What the caller may do, as the daemon says; the daemon checks every call again.
function applyAccess(access) {
    state.access = access;
    const banner = $("access");
    const buttons = document.querySelectorAll("header button, #btn-apply");
    for (const b of buttons) {
        b.disabled = !access.may_control;
        b.title = access.may_control ? "" : access.reason;
    }
    banner.classList.toggle("hidden", access.may_control);
    banner.textContent = access.may_control ? "" : "Read only — " + access.reason;
}

// ---- start-up ------------------------------------------------------------------------------------

function pollStale() {
    for (const path of Object.keys(modules)) {
        if (modules[path].data.Connected) { delete staleSince[path]; continue; }
        call(path, "org.freedesktop.DBus.Properties", "Get", [MODULE, "LastSeen"], "ss").then(([v]) => {
            staleSince[path] = v.v ? (Date.now() * 1000 - v.v) / 1e6 : Infinity;
            if (path === state.selected) renderModule();
        }).catch(() => {});
    }
}

function start() {
    wireControls();
    manager.addEventListener("changed", renderHeader);
    client.subscribe({ interface: MODULE, member: "Event" }, (path, iface, signal, args) => {
        if (path === state.selected) addEventRows([args], false);
    });
    manager.wait().then(() => {
        renderHeader();
        for (const [property, unit] of manager.data.ValueProperties || []) state.units[property] = unit;
        const history = manager.data.HistorySignals || [];
        const units = Object.fromEntries(history.map(([n, u]) => [n, u]));
        state.trends = new YstpcsTrends($("trends"), TREND_SIGNALS.map(n => ({ name: n, unit: units[n] || "" })), TREND_WINDOW_S);
        for (const [name, title, params] of manager.data.Modes || [])
            state.modes[name] = { name, title, params: params.map(([pn, pt, unit, min, max, limit]) => ({ name: pn, title: pt, unit, min, max, limit })) };
        $("mode-select").replaceChildren(...Object.values(state.modes).map(m => {
            const o = document.createElement("option");
            o.value = m.name;
            o.textContent = m.name + " — " + m.title;
            return o;
        }));
        renderModeForm();
        return call(ROOT, MANAGER, "GetCallerAccess", [], "");
    }).then(([may, reason]) => applyAccess({ may_control: may, reason }))
        .catch(ex => show(ystpcsFormat.error("Connecting to ystpcsd", ex)));
    Promise.all([manager.wait(), modules.wait()]).then(() => {
        const paths = renderList();
        if (!state.selected && paths.length) select(paths[0]);
        state.ready = true;
    }).catch(ex => show(ystpcsFormat.error("Listing the modules", ex)));
    modules.addEventListener("added", renderList);
    modules.addEventListener("removed", renderList);
    modules.addEventListener("changed", (ev, proxy) => {
        renderList();
        if (proxy.path === state.selected) renderModule();
    });
    window.setInterval(liveTrendRow, 500);
    window.setInterval(pollHeartbeat, 2000);
    window.setInterval(pollStale, 1000);
    pollHeartbeat();
    state.raw = new YstpcsRawCan($("raw").tBodies[0], $("raw-filter"), $("raw-pause"), $("raw-status"), 500);
    state.raw.start();
}

document.addEventListener("DOMContentLoaded", start);

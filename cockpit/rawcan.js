// The raw CAN panel: the rack's frames, decoded, from `pcsctl record --format jsonl` (the
// daemon's frame stream, OpenFrameStream, which a Cockpit D-Bus channel cannot carry: it
// passes a file descriptor). Bounded: the newest `limit` frames are kept; a pause freezes the
// table while frames keep being counted.
/* global cockpit */
/* exported YstpcsRawCan */
"use strict";

class YstpcsRawCan {
    constructor(tbody, filterInput, pauseBox, status, limit) {
        this.tbody = tbody;
        this.filterInput = filterInput;
        this.pauseBox = pauseBox;
        this.status = status;
        this.limit = limit;
        this.frames = [];
        this.count = 0;
        this.buffer = "";
        filterInput.addEventListener("input", () => this.render());
        pauseBox.addEventListener("change", () => this.render());
    }

    start() {
        this.process = cockpit.spawn(["pcsctl", "record", "--format", "jsonl", "-d", "31536000", "-o", "-"],
                                     { err: "message" });
        this.process.stream(data => this.receive(data));
        this.process.catch(ex => { this.status.textContent = "frame stream ended: " + (ex.message || ex); });
        this.status.textContent = "receiving";
        this.timer = window.setInterval(() => this.render(), 500);
    }

    receive(data) {
        this.buffer += data;
        let nl;
        while ((nl = this.buffer.indexOf("\n")) >= 0) {
            const line = this.buffer.slice(0, nl);
            this.buffer = this.buffer.slice(nl + 1);
            try {
                const frame = JSON.parse(line);
                this.count++;
                if (this.pauseBox.checked) continue;
                this.frames.push(frame);
                if (this.frames.length > this.limit) this.frames.splice(0, this.frames.length - this.limit);
            } catch (e) {
                console.warn("raw CAN: not JSON:", line);
            }
        }
    }

    static text(f) {
        const fields = f.fields ? Object.entries(f.fields).map(([k, v]) => k + "=" + v).join(" ") : (f.error || "");
        return { time: f.t, iface: f.iface, dir: f.dir, id: f.id, route: f.src + "→" + f.dst, frame: f.frame || "?", fields };
    }

    render() {
        if (this.pauseBox.checked) {
            this.status.textContent = "paused (" + this.count + " frames received)";
            return;
        }
        this.status.textContent = this.count + " frames received, the last " + this.limit + " kept";
        const filter = this.filterInput.value.trim().toLowerCase();
        const rows = [];
        for (let i = this.frames.length - 1; i >= 0 && rows.length < 200; i--) {
            const t = YstpcsRawCan.text(this.frames[i]);
            const line = [t.iface, t.dir, t.id, t.route, t.frame, t.fields].join(" ").toLowerCase();
            if (filter && !line.includes(filter)) continue;
            rows.push(t);
        }
        this.tbody.replaceChildren(...rows.map(t => {
            const tr = document.createElement("tr");
            const when = typeof t.time === "number" ? new Date(t.time * 1000).toLocaleTimeString([], { hour12: false }) +
                "." + String(Math.floor((t.time % 1) * 1000)).padStart(3, "0") : "";
            for (const v of [when, t.iface, t.dir, t.id, t.route, t.frame, t.fields]) {
                const td = document.createElement("td");
                td.textContent = v;
                tr.appendChild(td);
            }
            return tr;
        }));
    }
}

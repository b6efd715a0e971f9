// Trends of the selected module: the daemon's history (ReadHistory) when the page opens or
// the module changes, then the live values appended. A value that is unknown or stale is a
// gap (null), never a zero.
/* global uPlot */
/* exported YstpcsTrends */
"use strict";

class YstpcsTrends {
    // signals: [{name, unit}] in the order shown; windowSeconds: how far back the charts reach.
    constructor(container, signals, windowSeconds) {
        this.signals = signals;
        this.windowSeconds = windowSeconds;
        this.container = container;
        this.times = [];
        this.columns = {};
        this.charts = {};
        for (const s of signals) {
            this.columns[s.name] = [];
            const div = document.createElement("div");
            div.className = "trend";
            div.dataset.signal = s.name;
            container.appendChild(div);
            this.charts[s.name] = new uPlot({
                title: s.name + (s.unit ? " (" + s.unit + ")" : ""),
                width: 380,
                height: 170,
                scales: { x: { time: true } },
                series: [{}, { label: s.name, stroke: "#06c", width: 1.5, spanGaps: false }],
                axes: [{}, { size: 55 }],
                legend: { show: false },
            }, [[], []], div);
        }
    }

    // Replaces everything with the daemon's history: times in µs since the epoch.
    load(timesUs, columns) {
        this.times = timesUs.map(t => t / 1e6);
        for (const s of this.signals) this.columns[s.name] = (columns[s.name] || []).map(v => (v === null ? null : v));
        this.redraw();
    }

    // One live row: seconds since the epoch, values by signal name (null: unknown or stale).
    append(t, values) {
        if (this.times.length && t <= this.times[this.times.length - 1]) return;
        this.times.push(t);
        for (const s of this.signals) this.columns[s.name].push(values[s.name] ?? null);
        const oldest = t - this.windowSeconds;
        let drop = 0;
        while (drop < this.times.length && this.times[drop] < oldest) drop++;
        if (drop) {
            this.times.splice(0, drop);
            for (const s of this.signals) this.columns[s.name].splice(0, drop);
        }
        this.redraw();
    }

    redraw() {
        for (const s of this.signals) this.charts[s.name].setData([this.times, this.columns[s.name]]);
    }
}

// Which properties of org.ystpcs.pcs1.Module each value panel shows (the layout of the page;
// names, units and values all come from the daemon), and how a panel draws them: unknown as
// "—", stale values greyed with their age, never as zero.
/* exported YstpcsPanels */
"use strict";

const YstpcsPanels = {
    layout: {
        "panel-dc": [
            ["DC voltage", "DcVoltage"], ["DC voltage, 1 mV", "PreciseDcVoltage", 3],
            ["DC current", "DcCurrent"], ["DC current, 1 mA", "PreciseDcCurrent", 3],
            ["DC power", "DcPower"], ["capacity", "Capacity"], ["energy", "Energy"],
        ],
        "panel-ac": [
            ["voltage U", "GridVoltageU"], ["voltage V", "GridVoltageV"], ["voltage W", "GridVoltageW"],
            ["current U", "GridCurrentU"], ["current V", "GridCurrentV"], ["current W", "GridCurrentW"],
            ["frequency", "GridFrequency"], ["power factor", "GridPowerFactor"],
        ],
        "panel-power": [
            ["grid active", "SystemActivePower"], ["grid reactive", "SystemReactivePower"],
            ["grid apparent", "SystemApparentPower"], ["load active", "LoadActivePower"],
            ["load reactive", "LoadReactivePower"], ["load apparent", "LoadApparentPower"],
        ],
        "panel-thermal": [["inlet", "InletTemperature"], ["outlet", "OutletTemperature"]],
    },

    // data: the module proxy's properties; units: property → unit (from the daemon's
    // introspection); staleSeconds: null while connected, else the age of the last frame.
    render(data, units, staleSeconds) {
        for (const [panelId, rows] of Object.entries(this.layout)) {
            const table = document.querySelector("#" + panelId + " table.values");
            table.replaceChildren(...rows.map(([label, property, decimals]) => {
                const tr = document.createElement("tr");
                const name = document.createElement("td");
                name.textContent = label;
                const value = document.createElement("td");
                value.className = "value";
                value.dataset.property = property;
                const v = data ? data[property] : null;
                let text = ystpcsFormat.withUnit(v, units[property] || "", decimals);
                if (staleSeconds !== null && text !== "—") {
                    value.classList.add("stale");
                    text += " (stale, " + ystpcsFormat.age(staleSeconds) + ")";
                }
                value.textContent = text;
                tr.append(name, value);
                return tr;
            }));
        }
    },
};

// Formatting shared by the panels: numbers with units, unknown and stale values, times, and
// the daemon's typed errors in words.
/* exported ystpcsFormat */
"use strict";

const ystpcsFormat = (function () {
    // What each typed error of the API (docs/dbus-api.md "Errors") means to an operator.
    const errorWords = {
        InvalidArgument: "the request is not valid",
        OutOfRange: "a value is outside what is allowed",
        Interlock: "refused by a safety interlock; nothing was sent",
        Busy: "the module is busy",
        Cancelled: "cancelled",
        LimitsExceeded: "a resource limit is reached",
        Timeout: "the module did not answer",
        Rejected: "the module answered failure",
        NotConnected: "the module is not communicating",
        Failed: "an internal failure of ystpcsd",
    };

    function number(v, decimals) {
        if (v === null || v === undefined || Number.isNaN(v)) return "—";
        return Number(v).toFixed(decimals);
    }

    function decimalsFor(unit) {
        if (unit === "V" || unit === "A" || unit === "°C" || unit === "Hz") return 1;
        if (unit === "kW" || unit === "kvar" || unit === "kVA") return 2;
        if (unit === "" || unit === undefined) return 3;
        return 1;
    }

    function withUnit(v, unit, decimals) {
        const text = number(v, decimals ?? decimalsFor(unit));
        return text === "—" || !unit ? text : text + " " + unit;
    }

    function time(us) {
        const d = new Date(us / 1000);
        return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
    }

    function age(seconds) {
        if (seconds < 120) return Math.round(seconds) + " s";
        if (seconds < 7200) return Math.round(seconds / 60) + " min";
        return Math.round(seconds / 3600) + " h";
    }

    // `action` failed with `ex` (a cockpit D-Bus error): one sentence, with the daemon's own
    // message. An access denial names what the daemon says the caller lacks.
    function error(action, ex, accessReason) {
        const name = (ex && ex.name) || "";
        const message = (ex && ex.message) || String(ex);
        if (name === "org.freedesktop.DBus.Error.AccessDenied")
            return action + " refused: you may only read. " + (accessReason || message);
        const prefix = "org.ystpcs.pcs1.Error.";
        if (name.startsWith(prefix)) {
            const kind = name.slice(prefix.length);
            return action + " failed — " + (errorWords[kind] || kind) + " (" + kind + "): " + message;
        }
        return action + " failed: " + message;
    }

    return { number, withUnit, decimalsFor, time, age, error };
})();

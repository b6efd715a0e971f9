#!/bin/sh
# Benchmark of ystpcs-bridge (docs/fleet.md, "What it costs"): ystpcsd --simulate 16 on a
# private bus, a Mosquitto broker on 127.0.0.1, the bridge with metrics and MQTT on (default
# intervals: publish 1 s, poll 5 s), mosquitto_sub stamping every message it receives.
#   bridge_bench.sh MODE SECONDS [PUBLISH_INTERVAL_S]
# MODE: idle (every module in standby) or running (every module charging at -50 A, so that
# voltages, currents, powers, temperatures, Ah and Wh change all the time). PUBLISH_INTERVAL_S
# (default 1, the bridge's default): 0.2 publishes every change ystpcsd signals (it batches
# PropertiesChanged every 200 ms), to see what the interval saves.
# Prints: the bridge's CPU (and ystpcsd's and the broker's, for scale), MQTT messages per second
# over the window (by the subscriber's own timestamps), against the number of topics (what
# publishing every topic every interval would cost), and the time and size of a /metrics scrape.
# Runs on the host; figures, not assertions.
. "${GUEST_LIB:?}"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
MODE=${1:-idle}
SECONDS_RUN=${2:-60}
PUBLISH_INTERVAL=${3:-1}
MODULES=16
require_cmd dbus-daemon mosquitto mosquitto_sub curl
BRIDGE=$YSTPCS_BUILD_ROOT/ctl/bridge/ystpcs-bridge
DIR=$(mktemp -d /tmp/ystpcs-bridge-bench-XXXXXX)
trap 'stop_bg; rm -rf "$DIR"' EXIT
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
MQTT_PORT=$(free_port)
METRICS_PORT=$(free_port)

printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$MQTT_PORT" >"$DIR/mosquitto.conf"
bg_start mosquitto -c "$DIR/mosquitto.conf" >"$DIR/mosquitto.log" 2>&1
BROKER_PID=$BG_PID
wait_for 5 mosquitto_pub -p "$MQTT_PORT" -t test/ping -m . 2>/dev/null || fail "the broker did not start"
start_bus "$DIR" open
printf '{"simulate": %s, "simulation": {"seed": 3}, "state_directory": "%s/state"}\n' "$MODULES" "$DIR" >"$DIR/ystpcsd.json"
start_ystpcsd "$DIR/daemon.log" --config "$DIR/ystpcsd.json"
standby() { pcsctl -m "$1" status --json 2>/dev/null | grep -q '"RunningState":13'; }
for m in $(seq 1 $MODULES); do wait_for 20 standby "$m" || fail "module $m not in standby"; done
if [ "$MODE" = running ]; then
    for m in $(seq 1 $MODULES); do pcsctl -m "$m" set cc -50A --start >/dev/null || fail "cannot start module $m"; done
fi

cat >"$DIR/bridge.json" <<EOF
{"site": "bench", "metrics": {"enabled": true, "port": $METRICS_PORT},
 "mqtt": {"enabled": true, "port": $MQTT_PORT, "publish_interval_s": $PUBLISH_INTERVAL}}
EOF
bg_start mosquitto_sub -p "$MQTT_PORT" -t 'N/#' -F '%U %t' >"$DIR/messages.log" 2>&1
bg_start "$BRIDGE" --config "$DIR/bridge.json" --bus-address "$BUS" --log-level warn >"$DIR/bridge.log" 2>&1
BRIDGE_PID=$BG_PID
wait_for 10 grep -q ' N/bench/pcs/sim_16/RunningState$' "$DIR/messages.log" || fail "nothing published: $(cat "$DIR/bridge.log")"
# The first full publication, and the first poll, are behind us after 10 s.
sleep 10
topics=$(cut -d' ' -f2 "$DIR/messages.log" | sort -u | wc -l)

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
b0=$(ticks "$BRIDGE_PID"); d0=$(ticks "$YSTPCSD_PID"); m0=$(ticks "$BROKER_PID")
t0=$(date +%s.%N)
sleep "$SECONDS_RUN"
t1=$(date +%s.%N)
b1=$(ticks "$BRIDGE_PID"); d1=$(ticks "$YSTPCSD_PID"); m1=$(ticks "$BROKER_PID")
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$BRIDGE_PID/status")

# 50 scrapes in a row, each timed by curl (connection to last byte).
url=http://127.0.0.1:$METRICS_PORT/metrics
curl -sf -o "$DIR/scrape.txt" "$url" || fail "scrape"
# shellcheck disable=SC2046
curl -sf -w '%{time_total}\n' $(for i in $(seq 1 50); do echo "-o /dev/null $url"; done) >"$DIR/scrape-times" || fail "scrapes"
scrape_ms=$(sort -n "$DIR/scrape-times" | awk '{ t[NR] = $1 } END { printf "median %.2f ms, max %.2f ms", 1000 * t[int((NR + 1) / 2)], 1000 * t[NR] }')

awk -v t0="$t0" -v t1="$t1" -v topics="$topics" -v modules="$MODULES" -v mode="$MODE" -v interval="$PUBLISH_INTERVAL" \
    -v b="$((b1 - b0))" -v d="$((d1 - d0))" -v m="$((m1 - m0))" -v hz="$hz" -v rss="$rss" \
    -v scrape="$scrape_ms" -v bytes="$(wc -c <"$DIR/scrape.txt")" \
    -v samples="$(grep -vc '^#' "$DIR/scrape.txt")" -v out="$DIR/per-property" '
    $1 >= t0 && $1 < t1 { n++; if ($2 ~ /\/pcs\//) pcs++; split($2, p, "/"); per[p[5]]++ }
    END {
        span = t1 - t0
        printf "bridge-bench %s: %d modules, %.0f s, publish interval %s s\n", mode, modules, span, interval
        printf "  bridge CPU       %.2f %% of one core (ystpcsd %.2f %%, mosquitto %.2f %%); RSS %d KiB\n",
            100 * b / hz / span, 100 * d / hz / span, 100 * m / hz / span, rss
        printf "  MQTT             %.1f messages/s (%.1f per module), %d topics: publishing every topic every interval would be %d/s\n",
            n / span, pcs / span / modules, topics, topics / interval
        printf "  /metrics         %s per scrape, %d bytes, %d samples\n", scrape, bytes, samples
        for (k in per) printf "%.2f %s\n", per[k] / span / modules, k > out
    }' "$DIR/messages.log"
echo "  busiest topics, messages/s per module: $(sort -rn "$DIR/per-property" | head -8 | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')"

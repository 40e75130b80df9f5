#!/usr/bin/env bash
# The live controls under Xvfb, driven with xdotool like a user: pause, prune, drag the
# learning-rate slider, resume; the trainer must apply each (its "applied" lines), the
# learning rate must be the dragged value, and the pruned weights must be reported.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
# A long plan so training is still running when we act.
"$app" --preset lenet-300-100-mnist --start --steps 1000000 --frames 100000 >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^widget pause '
find_window
sleep 1
xdotool mousemove --window "$window" $(at pause) click 1
wait_for '^applied [0-9]* pause paused'
wait_for '^widget resume '
xdotool mousemove --window "$window" $(at prune) click 1
wait_for '^applied [0-9]* prune prune magnitude 50% of every layer: fc1: removed 117600 of 235200'
read -r x y <<< "$(at lr)"
xdotool mousemove --window "$window" $((x + 60)) "$y" mousedown 1
sleep 0.3
xdotool mousemove --window "$window" $((x - 40)) "$y"
sleep 0.3
xdotool mouseup 1
wait_for '^applied [0-9]* set learning rate'
sent=$(grep '^event set lr ' "$work/app.log" | tail -1 | awk '{print $4}')
applied=$(grep '^applied [0-9]* set learning rate' "$work/app.log" | tail -1 | sed -E 's/.*-> ([0-9.e+-]+).*/\1/')
awk -v a="$sent" -v b="$applied" 'BEGIN { exit !(a > 0 && (a - b) * (a - b) < 1e-12 * a * a + 1e-20) }' \
  || { echo "slider sent $sent, trainer applied $applied"; exit 1; }
xdotool mousemove --window "$window" $(at resume) click 1
wait_for '^applied [0-9]* resume training'
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
grep -E '^(event|applied)' "$work/app.log"
echo "window controls test passed"

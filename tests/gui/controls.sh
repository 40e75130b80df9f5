#!/usr/bin/env bash
# The live controls under Xvfb, driven with xdotool like a user: pause, prune, drag the
# learning-rate slider, resume; the trainer must apply each (its "applied" lines), the
# learning rate must be the dragged value, and the pruned weights must be reported. The
# experiment records into its own run directory: the commands reach its events.csv, the
# steps its metrics.csv, and Save checkpoint writes into its checkpoints/.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
# A long plan so training is still running when we act.
"$app" --preset lenet-300-100-mnist --start --steps 1000000 --frames 100000 --runs-dir "$work/runs" \
  >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^widget pause '
find_window
sleep 1
click pause
wait_for '^applied [0-9]* pause paused'
wait_for '^widget resume '
click prune
wait_for '^applied [0-9]* prune prune magnitude 50% of every layer: fc1: removed 117600 of 235200'
drag lr 60 -40
wait_for '^applied [0-9]* set learning rate'
sent=$(grep '^event set lr ' "$work/app.log" | tail -1 | awk '{print $4}')
applied=$(grep '^applied [0-9]* set learning rate' "$work/app.log" | tail -1 | sed -E 's/.*-> ([0-9.e+-]+).*/\1/')
awk -v a="$sent" -v b="$applied" 'BEGIN { exit !(a > 0 && (a - b) * (a - b) < 1e-12 * a * a + 1e-20) }' \
  || { echo "slider sent $sent, trainer applied $applied"; exit 1; }
click resume
wait_for '^applied [0-9]* resume training'
sleep 0.5
# Saved while training runs: the file must be named for the step it holds.
click save
wait_for '^applied [0-9]* save checkpoint of step '
sleep 0.5
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
grep -E '^(event|applied)' "$work/app.log"
run=$(ls -d "$work"/runs/lenet-300-100-mnist-* 2>/dev/null | head -1)
[[ -n "$run" && -f "$run/config.json" ]] || { echo "no run directory under $work/runs"; ls -R "$work/runs" || true; exit 1; }
grep -q ',prune,' "$run/events.csv" || { echo "the prune is not in $run/events.csv"; cat "$run/events.csv"; exit 1; }
grep -q ',set,' "$run/events.csv" || { echo "the rate change is not in $run/events.csv"; exit 1; }
rows=$(($(wc -l < "$run/metrics.csv") - 1))
(( rows > 50 )) || { echo "$run/metrics.csv has $rows rows"; exit 1; }
ls "$run"/checkpoints/step-*.safetensors >/dev/null || { echo "Save checkpoint wrote nothing into $run/checkpoints"; exit 1; }
"$(dirname "$app")/trainscope-cli" check "$run" > "$work/check.txt" 2>&1 || { cat "$work/check.txt"; exit 1; }
grep -q 'run directory ok' "$work/check.txt" || { cat "$work/check.txt"; exit 1; }
echo "window controls test passed (run directory $(basename "$run"): $rows metric rows, $(ls "$run"/checkpoints | wc -l) checkpoint)"

#!/usr/bin/env bash
# Runs side by side in the window, driven with xdotool like a user: train run 1 ten steps, add
# run 2 beside it (New run) and train it to the end, fork run 1 at step 10 with another
# learning rate and train both to the end, hide run 2, then export the overlaid loss chart as
# SVG and CSV. The CSV must hold run 1's and the fork's rows and none of run 2's; the SVG must
# name both; the fork's curve must be its parent's up to the fork step and its own after.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
ended() { wait_count '^applied 300 end ' "$1" 600; }  # until N runs have printed their end
"$app" --preset lenet-300-100-mnist --steps 300 --export-dir "$work/exports" \
  --runs-dir "$work/runs" --frames 100000 >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^widget stepn '
wait_for '^widget run-fork '
find_window
sleep 0.5
click stepn
wait_for '^applied 0 step '
wait_for '^widget resume '  # paused again after the ten steps
# New run: the first run trained, so the new one comes beside it (and is selected).
click reset
wait_for '^event new run '
wait_for '^event select run 2'
click start
ended 1
# Fork run 1 where it stands (step 10), at a learning rate ten times smaller.
click run-select-1
wait_for '^event select run 1'
sleep 0.3
click run-fork
wait_for '^widget fork-go '
sleep 0.3
click fork-change-lr
sleep 0.3
xdotool mousemove --window "$window" $(at fork-lr)
sleep 0.2
xdotool click --repeat 2 --delay 60 1
sleep 0.3
xdotool key ctrl+a
xdotool type --delay 40 "0.0001"
sleep 0.5
click fork-go
wait_for '^event forked run 3 from run 1 at step 10: schedule'
wait_for '^event select run 3'
sleep 0.3
click start
ended 2
click run-select-1
wait_for '^event select run 1'
sleep 0.3
click start
ended 3
n_end=$(grep -c '^applied 300 end ' "$work/app.log")
# Hide run 2; the chart and its exports then hold run 1 and the fork.
click run-show-2
wait_for '^event show run 2 off'
sleep 0.5
export_plot curves-plot svg "/loss.svg"
export_plot curves-plot csv "/loss.csv"
xdotool mousemove --window "$window" 900 430
sleep 0.5
[[ -n "${SHOT:-}" ]] && import -window root "$SHOT"
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""

svg=$(grep '^event export .*/loss.svg' "$work/app.log" | tail -1 | sed 's/^event export //')
csv=$(grep '^event export .*/loss.csv' "$work/app.log" | tail -1 | sed 's/^event export //')
xmllint --noout "$svg" || { echo "the SVG does not parse"; exit 1; }
grep -q '>run 1 train<' "$svg" || { echo "the SVG does not name run 1"; exit 1; }
grep -q '>run 3 train<' "$svg" || { echo "the SVG does not name the fork, run 3"; exit 1; }
! grep -q '>run 2 ' "$svg" || { echo "the SVG names the hidden run 2"; exit 1; }
sed -n 2p "$csv" | grep -q '^run,series,x,y' || { echo "CSV header: $(sed -n 2p "$csv")"; exit 1; }
r1=$(grep -c '^run 1,run 1 train,' "$csv" || true)
r3=$(grep -c '^run 3,run 3 train,' "$csv" || true)
r2=$(grep -c '^run 2,' "$csv" || true)
[[ "$r1" == 300 && "$r3" == 300 && "$r2" == 0 ]] || { echo "CSV rows: run 1 $r1, run 3 $r3, run 2 $r2 (want 300, 300, 0)"; exit 1; }
# The fork's history up to step 10 is its parent's; after it the runs differ.
diff <(grep '^run 1,run 1 train,' "$csv" | cut -d, -f3- | head -10) \
     <(grep '^run 3,run 3 train,' "$csv" | cut -d, -f3- | head -10) \
  || { echo "the fork's first ten steps are not its parent's"; exit 1; }
if diff -q <(grep '^run 1,run 1 train,' "$csv" | cut -d, -f3- | sed -n 11,300p) \
           <(grep '^run 3,run 3 train,' "$csv" | cut -d, -f3- | sed -n 11,300p) >/dev/null; then
  echo "the fork at another rate trained exactly as its parent"; exit 1
fi
grep -q 'forked from run 1 at step 10' "$work"/runs/*/events.csv || { echo "no fork event in any run directory"; exit 1; }
grep -E '^event (new run|select|fork|forked|show|export)' "$work/app.log"
echo "window runs test passed ($n_end runs ended; CSV rows: run 1 $r1, fork $r3, hidden run 2 $r2)"

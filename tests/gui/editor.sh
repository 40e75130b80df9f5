#!/usr/bin/env bash
# The experiment editor, driven with xdotool like a user: on the spirals preset, narrow the
# first layer to 16 units and pick a cosine schedule, apply, and a new run opens with that
# model and schedule; a width of 0 is refused with the field named, and the run stays as it was.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
"$app" --preset spirals --frames 100000 >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^widget edit-experiment '
find_window
sleep 0.5
click edit-experiment
wait_for '^widget editor-apply '
set_units() {  # set_units N: the first layer's width
  xdotool mousemove --window "$window" $(at editor-layer-0)
  sleep 0.2
  xdotool click --repeat 2 --delay 60 1
  sleep 0.3
  xdotool type --delay 40 "$1"
  sleep 0.3
}
# The preset's first layer has an initializer of its own (gaussian 4.0): the editor shows it.
click editor-init
wait_for '^widget editor-init-remove-fc1 '
sleep 0.3
click editor-init  # closed again, so the schedule stays in view
sleep 0.3
set_units 16
click editor-shape
wait_for '^widget editor-shape-cosine '
sleep 0.5
click editor-shape-cosine
wait_for '^widget editor-schedule-preview '
click editor-apply
wait_for '^event experiment spirals:.* fc1:dense 16 .* schedule cosine init fc1:gaussian sigma 4$'
set_units 0
click editor-apply
wait_for '^event experiment refused: .*units'
(( $(grep -c '^event experiment spirals' "$work/app.log") == 1 )) || { echo "a refused edit opened a run"; exit 1; }
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
grep -E '^(event|applied)' "$work/app.log"
echo "window editor test passed: $(grep '^event experiment refused' "$work/app.log" | tail -1)"

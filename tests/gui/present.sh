#!/usr/bin/env bash
# The window draws a frame only when it changed (app/window/present_policy.h): a still
# window (nothing training, no input) draws almost none of its frames; a training window
# draws its live numbers and curves at the refresh rate (20 Hz, a third of the 60 Hz loop);
# a pointer moving over a plot has every frame drawn.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
field() { sed -n "s/.* $1 \([0-9.]*\).*/\1/p" "$2"; }

"$app" --frames 180 >"$work/still.log" 2>&1 || { cat "$work/still.log"; exit 1; }
drawn=$(field drawn "$work/still.log")
# The first frame, and the status bar's frames/s figure, renewed once a second.
(( drawn <= 6 )) || { cat "$work/still.log"; echo "a still window drew $drawn of 180 frames"; exit 1; }
echo "still: $drawn of 180 frames drawn"

"$app" --frames 180 --start >"$work/live.log" 2>&1 || { cat "$work/live.log"; exit 1; }
drawn=$(field drawn "$work/live.log")
(( drawn >= 27 && drawn <= 126 )) || { cat "$work/live.log"; echo "a training window drew $drawn of 180 frames"; exit 1; }
echo "training: $drawn of 180 frames drawn"

"$app" --frames 180 --start >"$work/moving.log" 2>&1 &
APP_PID=$!
sleep 1
moves=()
for i in $(seq 0 600); do moves+=(mousemove $((700 + (i * 7) % 300)) $((560 + (i * 3) % 90)) sleep 0.016); done
xdotool "${moves[@]}" 2>/dev/null &
mover=$!
wait "$APP_PID" || { cat "$work/moving.log"; exit 1; }
APP_PID=
kill "$mover" 2>/dev/null || true
drawn=$(field drawn "$work/moving.log")
(( drawn >= 108 )) || { cat "$work/moving.log"; echo "with the pointer moving the window drew only $drawn of 180 frames"; exit 1; }
echo "pointer moving: $drawn of 180 frames drawn"

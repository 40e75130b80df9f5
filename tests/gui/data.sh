#!/usr/bin/env bash
# The Data panel, driven with xdotool like a user: on the two-spirals set the network's
# decision regions are drawn behind the points and follow training (predictions on newer and
# newer steps, both classes' tints on screen); the confusion view shows the test set; on
# MNIST the mistakes view lists the misclassified test images with the highest loss.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
"$app" --preset spirals --start --steps 30000 --frames 100000 >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^widget data-points '
find_window
# Live: at least three results, on increasing steps, while training runs.
wait_for '^event analysis predictions done on step' 300
for _ in $(seq 300); do
  (( $(grep -c '^event analysis predictions done on step' "$work/app.log") >= 3 )) && break
  sleep 0.1
done
steps=$(grep '^event analysis predictions done on step' "$work/app.log" | sed 's/.* on step \([0-9]*\):.*/\1/')
(( $(wc -l <<< "$steps") >= 3 )) || { echo "the regions were not redrawn as training went on: $steps"; exit 1; }
sort -n -c <<< "$steps" || { echo "prediction steps go back: $steps"; exit 1; }
[[ $(head -1 <<< "$steps") != $(tail -1 <<< "$steps") ]] || { echo "all predictions on one step"; exit 1; }
# Both classes' regions are on screen: blue-tinted and orange-tinted pixels around the centre.
read -r cx cy <<< "$(at data-points)"
import -window "$window" "$work/shot.png"
convert "$work/shot.png" -crop 200x200+$((cx - 100))+$((cy - 100)) +repage "$work/regions.png"
blue=$(convert "$work/regions.png" -fx 'b > r + 0.12 ? 1 : 0' -format '%[fx:mean]' info:)
orange=$(convert "$work/regions.png" -fx 'r > b + 0.12 ? 1 : 0' -format '%[fx:mean]' info:)
awk -v b="$blue" -v o="$orange" 'BEGIN { exit !(b > 0.2 && o > 0.2) }' \
  || { echo "expected both classes' regions behind the points: blue $blue, orange $orange of the area"; exit 1; }
click data-confusion
wait_for '^widget confusion-matrix '
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
spirals=$(grep '^event analysis predictions done' "$work/app.log" | tail -1)

# An image set: the mistakes view.
: > "$work/app.log"
"$app" --preset lenet-300-100-mnist --start --steps 400 --frames 100000 >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^widget data-mistakes '
find_window
sleep 0.5
click data-mistakes
wait_for '^event analysis predictions done on step [0-9]*: test accuracy [0-9.]*%, 24 mistakes shown' 600
wait_for '^widget mistakes '
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
grep -E '^(event|applied)' "$work/app.log"
echo "window data test passed: spirals regions on steps $(tr '\n' ' ' <<< "$steps")(blue $blue, orange $orange); $spirals; mnist: $(grep '^event analysis predictions done' "$work/app.log" | tail -1)"

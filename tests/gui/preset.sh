#!/usr/bin/env bash
# The initialization demonstration, driven with xdotool like a user: the deep tanh network
# with tiny gaussian weights trains and its activations collapse layer by layer; switching to
# the deep ReLU preset (He weights) from the preset list and starting it, every layer keeps
# its spread. The window prints each experiment's first probe of the activations.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
"$app" --preset deep-tanh --start --frames 100000 >"$work/app.log" 2>&1 &
APP_PID=$!
std_of() {  # std_of LINE LAYER: the layer's activation std in an "event activations" line
  tr ' ' '\n' <<< "$1" | awk -F: -v l="$2" '$1 == l { sub("std=", "", $3); print $3 }'
}
wait_for '^event activations '
tanh=$(grep '^event activations ' "$work/app.log" | head -1)
find_window
grep -q ' fc7:tanh:' <<< "$tanh" || { echo "not the tanh network: $tanh"; exit 1; }
awk -v a="$(std_of "$tanh" fc1)" -v b="$(std_of "$tanh" fc7)" 'BEGIN { exit !(a > 0.05 && b < 0.001) }' \
  || { echo "tanh with gaussian 0.01 should collapse: $tanh"; exit 1; }

click preset
wait_for '^widget preset-deep-relu '
sleep 0.3
click preset-deep-relu
wait_for '^event preset deep-relu'
wait_for '^widget start '
sleep 0.3
click start
wait_for '^event activations .* fc7:relu:' 400
relu=$(grep '^event activations ' "$work/app.log" | tail -1)
awk -v a="$(std_of "$relu" fc1)" -v b="$(std_of "$relu" fc7)" 'BEGIN { exit !(a > 0.05 && b > 0.05) }' \
  || { echo "ReLU with He weights should keep its spread: $relu"; exit 1; }
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
grep -E '^(event|applied)' "$work/app.log"
echo "window preset test passed: fc7 std $(std_of "$tanh" fc7) with tanh, $(std_of "$relu" fc7) with ReLU"

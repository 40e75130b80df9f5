#!/usr/bin/env bash
# The Landscape tab, driven with xdotool like a user: the spirals network trains 1,600 steps
# (a kept state every 500); the slice along random directions, then the plane of the path's
# principal directions with the path across it. Each result names its plane in the window's
# log and is saved into the run directory (PNG, SVG, CSV, and the path); the map exports as
# PNG and CSV from its right-click menu, one CSV row a cell.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
"$app" --preset spirals --start --steps 1600 --tab landscape --export-dir "$work/exports" \
  --frames 100000 --runs-dir "$work/runs" >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^applied 1600 end ' 600
wait_for '^widget run-landscape '
find_window
sleep 0.5
click run-landscape
wait_for '^event analysis landscape done on step 1600: 41 x 41 over \[-1, 1\]^2 along filter-normalized random directions: ' 600
wait_for '^event analysis saved .*/analysis/step-1600$'
dir=$(grep '^event analysis saved ' "$work/app.log" | tail -1 | sed 's/^event analysis saved //')
for f in landscape.png landscape.svg landscape.csv landscape-accuracy.png landscape-accuracy.csv; do
  [[ -s "$dir/$f" ]] || { echo "$f is not in $dir"; ls "$dir"; exit 1; }
done
# The path's plane: chosen in the combo (its second item, one line below the first).
read -r x y <<< "$(at landscape-directions)"
xdotool mousemove --window "$window" "$x" "$y"; sleep 0.2
xdotool mousemove --window "$window" "$x" "$y" click 1; sleep 0.5
xdotool mousemove --window "$window" "$x" $((y + 39)); sleep 0.2
xdotool mousemove --window "$window" "$x" $((y + 39)) click 1; sleep 0.5
wait_for '^widget landscape-samples '
sleep 0.5
click run-landscape
wait_for "^event analysis landscape done on step 1600: .* along the path's principal directions: .* they hold" 600
# The path: the initialization, the kept states at 500, 1000 and 1500, and the weights now.
wait_count '^event analysis saved .*/analysis/step-1600$' 2
[[ "$(cut -d, -f1 "$dir/landscape-path.csv" | tr '\n' ' ')" == "step 0 500 1000 1500 1600 " ]] \
  || { cat "$dir/landscape-path.csv"; exit 1; }
[[ $(grep -c 'fill="#ff4040"' "$dir/landscape.svg") == 5 ]] || { echo "not 5 path dots in landscape.svg"; exit 1; }
wait_for '^widget landscape-plot '
sleep 0.5
export_plot landscape-plot csv '/landscape.csv'
csv="$(ls -d "$work"/exports/*/ | head -1)landscape.csv"
cells=$(grep -c '^-\?[0-9]' "$csv")
[[ "$cells" == 1681 ]] || { echo "the exported map has $cells cells"; head -3 "$csv"; exit 1; }
export_plot landscape-plot png '/landscape.png'
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
grep -E '^(event|applied)' "$work/app.log"
echo "window landscape test passed:$(grep '^event analysis landscape' "$work/app.log" | tail -1 | cut -d: -f2-)"

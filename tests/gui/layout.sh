#!/usr/bin/env bash
# The Controls panel keeps still: a message appearing (here "Reached the planned steps")
# moves no slider or button, and History / Save checkpoint stay inside the window at
# 1280x800 without scrolling.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
"$app" --preset lenet-300-100-mnist --start --steps 200 --frames 1000000 --runs-dir '' >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^applied 200 end'
sleep 1
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
for w in lr momentum weight_decay batch_size prune save; do
  ys=$(grep "^widget $w " "$work/app.log" | awk '{print $4}' | sort -u)
  [[ -n "$ys" ]] || { echo "no widget $w"; exit 1; }
  (( $(echo "$ys" | wc -l) == 1 )) || { echo "widget $w moved between rows: $(echo $ys)"; exit 1; }
done
save_y=$(grep "^widget save " "$work/app.log" | tail -1 | awk '{print $4}')
(( save_y < 774 )) || { echo "Save checkpoint is below the window's edge (y $save_y)"; exit 1; }
echo "layout test passed: no control moved when the plan's end was announced; Save at y $save_y"

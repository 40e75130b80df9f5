#!/usr/bin/env bash
# The Instruments tab, driven with xdotool like a user, while the spirals network trains:
# the learning-rate range test from the initialization runs its rates (its curve exports as
# CSV, a row per step of the test); then the lottery
# ticket runner prunes, rewinds and retrains five rounds with the re-sampled control, and
# its curve exports as CSV with a row per round for the tickets and the controls.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
"$app" --preset spirals --start --steps 400 --tab instruments --export-dir "$work/exports" --frames 100000 --runs-dir "$work/runs" \
  >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^widget run-instrument '
find_window
sleep 0.5
click run-instrument
wait_for '^event analysis lr-init done on step [0-9]*: ' 600
# The range is read from the steepest descent and the minimum, and saved into the run directory.
grep -Eq '^event analysis lr-init done on step [0-9]*: (suggested rates .* the loss falls fastest at .* and is lowest at |the smoothed loss never fell)' "$work/app.log" \
  || { grep '^event analysis lr-init' "$work/app.log"; echo "the LR range test does not say why"; exit 1; }
wait_for '^event analysis saved .*/analysis/step-[0-9]*/lr-range.svg'
ls "$work"/runs/*/analysis/step-*/lr-range.csv > /dev/null || { echo "lr-range.csv is not in the run directory"; exit 1; }
wait_for '^widget instrument-plot '
sleep 0.5
export_plot instrument-plot csv '/lr-init.csv'
lr_rows=$(grep -c '^loss,' "$(ls -d "$work"/exports/*/ | head -1)lr-init.csv")
(( lr_rows >= 50 )) || { echo "the LR range curve has $lr_rows points"; exit 1; }
sleep 0.5
click instrument
wait_for '^widget instrument-lottery '
sleep 0.3
click instrument-lottery
wait_for '^widget lottery-rounds '
sleep 0.3
click run-instrument
wait_for '^event analysis lottery done on step [0-9]*: 5 rounds' 1200
wait_for '^widget instrument-plot '
sleep 0.5
export_plot instrument-plot csv '/lottery.csv'
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
csv="$(ls -d "$work"/exports/*/ | head -1)lottery.csv"
tickets=$(grep -c '^winning ticket (rewound),' "$csv")
controls=$(grep -c '^random re-initialization,' "$csv")
[[ "$tickets" == 6 && "$controls" == 5 ]] || { echo "lottery CSV: $tickets ticket rows (want 6), $controls control rows (want 5)"; cat "$csv"; exit 1; }
grep -E '^(event|applied)' "$work/app.log"
echo "window instruments test passed: $lr_rows LR points,$(grep '^event analysis lr-init' "$work/app.log" | tail -1 | cut -d: -f2-);$(grep '^event analysis lottery' "$work/app.log" | tail -1 | cut -d: -f2-)"

#!/usr/bin/env bash
# The Instruments tab, driven with xdotool like a user, while the spirals network trains:
# the learning-rate range test from the initialization runs its rates (its curve exports as
# CSV, a row per step of the test); then the lottery
# ticket runner prunes, rewinds and retrains five rounds with the re-sampled control, and
# its curve exports as CSV with a row per round for the tickets and the controls; then a
# second run, and the interpolation from the first run's weights to its own.
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
# Two runs side by side: Reset starts run 2, at a lower learning rate; once it has trained as
# far, the interpolation from run 1's weights to run 2's, saved with both ends named.
wait_for '^applied 400 end '
click reset
wait_for '^event select run 2'
wait_for '^widget start '
sleep 0.3
drag lr 0 -60
wait_for '^applied 0 set learning rate '
click start
wait_count '^applied 400 end ' 2 1200
click instrument
wait_for '^widget instrument-interpolation '
sleep 0.3
click instrument-interpolation
wait_for '^widget line-from '
sleep 0.3
click line-from
wait_for '^widget line-from-1 '
sleep 0.3
click line-from-1
sleep 0.3
click run-instrument
wait_for '^event analysis interpolation done on step 400: the training loss ' 600
wait_for '^event analysis saved .*/analysis/step-400$'
line_svg=$(ls "$work"/runs/*/analysis/step-400/interpolation.svg | head -1)
grep -q 'Loss along the line from run 1 (step 400) (alpha 0) to step 400 (alpha 1)' "$line_svg" \
  || { echo "the line does not start at run 1: $line_svg"; exit 1; }
grep -q 'Accuracy along the same line' "$line_svg" || { echo "no accuracy chart in $line_svg"; exit 1; }
# Two different minima: the line's ends differ.
ends=$(grep '^event analysis interpolation done' "$work/app.log" | tail -1 \
  | sed -n 's/.* from \([0-9.e+-]*\) at alpha 0 to \([0-9.e+-]*\) at alpha 1.*/\1 \2/p')
read -r from_loss to_loss <<< "$ends"
[[ -n "$from_loss" && "$from_loss" != "$to_loss" ]] || { echo "the two runs' ends are alike: $ends"; exit 1; }
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
csv="$(ls -d "$work"/exports/*/ | head -1)lottery.csv"
tickets=$(grep -c '^winning ticket (rewound),' "$csv")
controls=$(grep -c '^random re-initialization,' "$csv")
[[ "$tickets" == 6 && "$controls" == 5 ]] || { echo "lottery CSV: $tickets ticket rows (want 6), $controls control rows (want 5)"; cat "$csv"; exit 1; }
grep -E '^(event|applied)' "$work/app.log"
echo "window instruments test passed: $lr_rows LR points,$(grep '^event analysis lr-init' "$work/app.log" | tail -1 | cut -d: -f2-);$(grep '^event analysis lottery' "$work/app.log" | tail -1 | cut -d: -f2-)"

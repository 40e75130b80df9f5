#!/usr/bin/env bash
# A student's first hour, driven with xdotool like a user: the default preset; lower the
# learning rate at about step 2,000 and train on without a divergence stop; pause; prune 50%
# of fc1; the test accuracy updates at once and the prune's marker is labelled; New run
# starts the experiment shown (not the live rate) in a new run directory; two exports of the
# loss chart make two files.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
shot() {  # shot NAME: a screenshot into $SCREENSHOTS, when set (for looking at the flow)
  [[ -n "${SCREENSHOTS:-}" ]] && import -window root "$SCREENSHOTS/$1.png" || true
}
"$app" --preset lenet-300-100-mnist --frames 1000000 --runs-dir "$work/runs" --export-dir "$work/exports" \
  >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^widget start '
find_window
sleep 0.5
click start
wait_for '^applied 0 start '
first=$(ls -d "$work"/runs/lenet-300-100-mnist-* | head -1)
# About step 2,000: lower the learning rate with the slider (the drag takes about a second,
# some 800 steps at full speed here, so it starts at step 1,200).
for _ in $(seq 600); do
  (( $(wc -l < "$first/metrics.csv" 2>/dev/null || echo 0) > 1200 )) && break
  sleep 0.1
done
drag lr 60 -20
wait_for '^applied [0-9]* set learning rate'
changed_at=$(grep '^applied [0-9]* set learning rate' "$work/app.log" | tail -1 | awk '{print $2}')
lowered=$(grep '^applied [0-9]* set learning rate' "$work/app.log" | tail -1 | sed -E 's/.*-> ([0-9.e+-]+).*/\1/')
# A thousand more steps: no divergence stop on the way.
for _ in $(seq 600); do
  (( $(wc -l < "$first/metrics.csv") > changed_at + 1000 )) && break
  sleep 0.1
done
if grep -q '^applied [0-9]* divergence' "$work/app.log"; then
  grep '^applied' "$work/app.log"; echo "a divergence stop after lowering the rate"; exit 1
fi
# The space bar pauses, as the window says it does.
xdotool mousemove --window "$window" 700 140
sleep 0.2
xdotool key --window "$window" space
wait_for '^event pause (space)'
wait_for '^applied [0-9]* pause paused'
wait_for '^widget resume '
sleep 0.5
click prune-layer
wait_for '^widget prune-layer-fc1 '
sleep 0.3
click prune-layer-fc1
sleep 0.3
click prune
wait_for '^applied [0-9]* prune prune magnitude 50% of fc1: fc1: removed 117600 of 235200'
sleep 0.5
shot after-prune
# The marker of the prune says what it did, and the accuracy measured right after it.
grep -q '^applied [0-9]* prune .*; now: validation [0-9.]*%; test [0-9.]*%' "$work/app.log" \
  || { echo "the prune did not evaluate at once"; exit 1; }
# Export the loss chart twice: two files, named for the run, neither overwritten; the CSV
# holds every step, not the drawn pixel columns.
paused_at=$(grep '^applied [0-9]* pause paused' "$work/app.log" | tail -1 | awk '{print $2}')
export_plot curves-plot csv "/loss.csv"
wait_for '^widget toast '
click curves-plot 3
wait_for '^widget export-csv '
sleep 0.5
shot export-menu
click export-csv
wait_for '^event export .*/loss-2.csv'
sleep 0.3
shot export-toast
run_exports="$work/exports/$(basename "$first")"
[[ -f "$run_exports/loss.csv" && -f "$run_exports/loss-2.csv" ]] || { ls -R "$work/exports"; echo "two exports did not make two files"; exit 1; }
rows=$(grep -c '^"\?train (raw)' "$run_exports/loss.csv")
[[ "$rows" == "$paused_at" ]] || { echo "the CSV has $rows training rows, the run $paused_at steps"; exit 1; }
head -1 "$run_exports/loss.csv" | grep -q "^# trainscope run $first, " || { head -2 "$run_exports/loss.csv"; exit 1; }
# The Schedule tab's CSV too: the rate of every step.
click tab-schedule
wait_for '^widget schedule-plot '
sleep 0.5
export_plot schedule-plot csv "/schedule.csv"
rows=$(grep -c '^used,' "$run_exports/schedule.csv")
[[ "$rows" == "$paused_at" ]] || { echo "the schedule CSV has $rows used rates, the run $paused_at steps"; exit 1; }
click tab-loss
sleep 0.3
# New run: live changes were made, so it asks; the experiment shown starts in a new directory.
click reset
wait_for '^widget new-run-shown '
sleep 0.3
click new-run-shown
wait_for '^event new run in '
second=$(grep '^event new run in ' "$work/app.log" | tail -1 | sed 's/^event new run in //')
[[ "$second" != "$first" && -d "$second" ]] || { echo "New run did not open a new run directory: $second"; exit 1; }
click start
for _ in $(seq 300); do
  (( $(wc -l < "$second/metrics.csv" 2>/dev/null || echo 0) > 20 )) && break
  sleep 0.1
done
# The new run trains at the experiment's own cosine schedule, not the live rate.
awk -F, -v low="$lowered" 'NR == 2 { exit !($3 == 0.05) }' "$second/metrics.csv" \
  || { head -3 "$second/metrics.csv"; echo "New run did not start at the shown experiment's rate 0.05"; exit 1; }
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
grep -E '^(event|applied)' "$work/app.log"
echo "first-hour flow passed: rate lowered to $lowered at step $changed_at"

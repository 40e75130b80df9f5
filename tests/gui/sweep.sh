#!/usr/bin/env bash
# A sweep's directory opened in the window (`trainscope DIR`): every planned run shows, the
# done ones drawn, a pending one followed live as its task trains it in another process; the
# Sweep tab's table highlights a run (selecting it), a filter on a swept value hides the runs
# outside it, and Continue here makes a live run from the highlighted run's checkpoint.
set -euo pipefail
app="$1"
cli="$(dirname "$app")/trainscope-cli"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
TASK_PID=""
stop_task() { local s=$?; [[ -n "$TASK_PID" ]] && kill "$TASK_PID" 2> /dev/null || true; cleanup $s; }
trap stop_task EXIT
cat > "$work/s.json" <<'JSON'
{"name": "rates", "base": "lenet-300-100-mnist",
 "set": {"training.steps": 300, "training.epochs": 0, "training.eval_interval": 100},
 "grid": {"schedule.lr": [0.003, 0.01, 0.03]}}
JSON
"$cli" sweep plan "$work/s.json" --out "$work/sweep" > /dev/null
"$cli" sweep task "$work/sweep" 0 --quiet > /dev/null 2>&1
"$cli" sweep task "$work/sweep" 1 --quiet > /dev/null 2>&1
"$app" --runs-dir "$work/runs" --frames 1000000 "$work/sweep" > "$work/app.log" 2>&1 &
APP_PID=$!
wait_for "^event open $work/sweep (sweep rates, 3 runs)"
wait_for '^event tab sweep'
wait_for '^widget sweep-row-run-0002 '
find_window
# Run 2 trains now, in another process: the window follows it to its end.
"$cli" sweep task "$work/sweep" 2 --threads 1 > "$work/task.log" 2>&1 &
TASK_PID=$!
wait_for '^event follow run-0002 step 300' 600
wait "$TASK_PID"  # its final checkpoint and task.json written
TASK_PID=""
# Highlight run 1 from the table: it is selected too.
click sweep-row-run-0001
wait_for '^event highlight run-0001'
wait_for '^event select run-0001'
# Only the rates up to 0.005: runs 1 and 2 hide.
wait_for '^widget sweep-filter-hi-schedule.lr '
click sweep-filter-hi-schedule.lr
xdotool key --window "$window" ctrl+a
xdotool type --window "$window" "0.005"
xdotool key --window "$window" Return
wait_for '^event filter run-0001 hidden'
wait_for '^event filter run-0002 hidden'
grep -q '^event filter run-0000 hidden' "$work/app.log" && { echo "run 0 was filtered out"; exit 1; }
# Continue run 1 here: a live run at its last step, its directory beginning with run 1's rows.
wait_for '^widget sweep-continue '
click sweep-continue
wait_for '^event continue run-0001 at step 300'
wait_for '^event select run-0001 here'
dir=$(ls -d "$work"/runs/run-0001-* 2> /dev/null | head -1 || true)
[[ -n "$dir" ]] || { echo "the continued run has no directory"; exit 1; }
[[ $(($(wc -l < "$dir/metrics.csv") - 1)) == 300 ]] \
  || { echo "the continued run does not start with run 1's 300 rows"; exit 1; }
echo "sweep window test passed: 3 runs, run 2 followed to step 300, highlight, filter, continue"

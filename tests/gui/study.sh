#!/usr/bin/env bash
# A study opened live in the window, driven with xdotool like a user: choose the optimizers
# study; its eight runs train side by side, SGD pauses at step 859 where its fork to Adam is
# made, and all nine reach the end (the plan cut to 1000 steps). Then the transfer study: its
# fine-tuned runs start from the MNIST run's weights once that run is done.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
"$app" --preset lenet-300-100-mnist --steps 1000 --runs-dir "$work/runs" --frames 1000000 \
  >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^widget study '
find_window
sleep 0.5
click study
wait_for '^widget study-optimizers '
sleep 0.3
click study-optimizers
wait_for '^event study optimizers: 9 runs'
wait_for '^event forked sgd-then-adam from sgd at step 859: optimizer sgd -> adam' 600
wait_count 'applied 1000 end ' 9
ends=$(grep -c 'applied 1000 end ' "$work/app.log")
(( ends == 9 )) || { echo "$ends runs reached the end, the study has 9"; exit 1; }
[[ -n "${SHOT:-}" ]] && import -window root "$SHOT"
# The fork's directory holds its parent's rows up to step 859, then its own.
fork_dir=$(grep -l 'forked from sgd at step 859' "$work"/runs/*/events.csv | head -1)
rows=$(($(wc -l < "$(dirname "$fork_dir")/metrics.csv") - 1))
[[ "$rows" == 1000 ]] || { echo "the fork's metrics.csv has $rows rows, want 1000"; exit 1; }
grep -E '^event (study|forked)' "$work/app.log"
echo "optimizers study passed ($ends runs ended; the fork's file has $rows rows)"

# The transfer study: the fine-tuned runs wait for the MNIST run to end, then start from it.
kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true
"$app" --study transfer --steps 300 --runs-dir "$work/runs2" --frames 1000000 >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^event study transfer: 4 runs'
wait_for "^event study run fashion-fc1-frozen starts from mnist's weights" 900
wait_for "^event study run fashion-fine-tuned starts from mnist's weights" 300
wait_count 'applied 300 end ' 4
ends=$(grep -c 'applied 300 end ' "$work/app.log")
(( ends == 4 )) || { echo "$ends transfer runs reached the end, the study has 4"; exit 1; }
echo "window study test passed (transfer: $ends runs ended)"

#!/usr/bin/env bash
# A run directory written by trainscope-cli train in another process, opened in the window
# (`trainscope DIR`): the window follows it read-only, and each step the writer has put in its
# metrics.csv shows in the window within a second (measured five times while it trains).
set -euo pipefail
app="$1"
cli="$(dirname "$app")/trainscope-cli"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
CLI_PID=""
stop_cli() { local s=$?; [[ -n "$CLI_PID" ]] && kill "$CLI_PID" 2>/dev/null || true; cleanup $s; }
trap stop_cli EXIT
"$cli" train --preset lenet-300-100-mnist --steps 200000 --threads 1 --out "$work/run" --quiet \
  >"$work/cli.log" 2>&1 &
CLI_PID=$!
for _ in $(seq 300); do [[ -s "$work/run/metrics.csv" ]] && break; sleep 0.1; done
[[ -s "$work/run/metrics.csv" ]] || { echo "the command line wrote no metrics.csv"; cat "$work/cli.log"; exit 1; }
"$app" --runs-dir '' --frames 1000000 "$work/run" >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for "^event open $work/run"
wait_for '^event follow run step '
later() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { exit !(a - b > d) }'; }  # later A B D: A - B > D
worst=0
for i in 1 2 3 4 5; do
  sleep 0.7
  # The newest complete row (the last line may be torn: the one before it is whole).
  step=$(tail -n 2 "$work/run/metrics.csv" | head -1 | cut -d, -f1)
  t0=$(date +%s.%N)
  seen=""
  while :; do
    shown=$(grep '^event follow run step ' "$work/app.log" | tail -1 | awk '{print $5}')
    if (( shown >= step )); then seen=$(date +%s.%N); break; fi
    if later "$(date +%s.%N)" "$t0" 3; then break; fi
    sleep 0.02
  done
  [[ -n "$seen" ]] || { echo "step $step of the file did not show in the window within 3 s (it shows $shown)"; exit 1; }
  lag=$(awk -v a="$seen" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')
  echo "row of step $step shown after ${lag}s (the window at step $shown)"
  later "$lag" 0 1.0 && { echo "step $step took ${lag}s to show, more than a second"; exit 1; }
  later "$lag" "$worst" 0 && worst=$lag
done
[[ -n "${SHOT:-}" ]] && import -window root "$SHOT"
kill "$CLI_PID"; CLI_PID=""
echo "window follow test passed (the slowest of five rows showed after ${worst}s)"

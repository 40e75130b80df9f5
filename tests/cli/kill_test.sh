#!/usr/bin/env bash
# Crash safety: SIGKILL the CLI at random moments while it trains and writes checkpoints
# and metric files, 100 times (KILLS=n to change). After every kill the run directory must
# read back (`trainscope-cli check`): the newest checkpoint restores, every table parses
# (a torn last line may remain), and the metric rows are consecutive from step 1, so
# nothing before the last flush was lost. Two rounds in three resume the run from its
# newest checkpoint in the same directory, which also shows that a killed writer leaves no
# stale lock and that rows written after that checkpoint are replaced, not duplicated.
set -euo pipefail
cli="$1"
kills="${KILLS:-100}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/config.json" <<'JSON'
{"name": "kill test", "data": {"dataset": "spirals", "train_size": 2000},
 "model": {"layers": [{"type": "dense", "units": 32, "activation": "tanh"},
                      {"type": "dense", "units": 32, "activation": "tanh"},
                      {"type": "dense", "units": 2}]},
 "optimizer": {"type": "adam"}, "schedule": {"type": "constant", "lr": 0.01},
 "monitor": {"stats_interval": 20},
 "training": {"batch_size": 32, "steps": 100000000, "eval_interval": 200,
              "checkpoint_interval": 40}}
JSON
run="$work/run"
RANDOM=7
resumed=0
for ((i = 1; i <= kills; i++)); do
  newest=$(ls "$run/checkpoints" 2>/dev/null | grep -E '^step-[0-9]+\.safetensors$' | sort -t- -k2 -n | tail -1 || true)
  if [[ -z "$newest" || $((i % 3)) == 1 ]]; then
    # A new run (a directory with rows but no checkpoint yet cannot be resumed).
    rm -rf "$run"
    "$cli" train --config "$work/config.json" --out "$run" --quiet > "$work/out.txt" 2>&1 &
  else
    "$cli" train --resume "$run/checkpoints/$newest" --out "$run" --quiet > "$work/out.txt" 2>&1 &
    resumed=$((resumed + 1))
  fi
  pid=$!
  # 20 to 700 ms: start-up, the first steps, and many checkpoint and row writes.
  sleep "0.$(printf '%03d' $((20 + RANDOM % 680)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if grep -q "trainscope-cli:" "$work/out.txt"; then
    echo "round $i: the run failed before it was killed:"; cat "$work/out.txt"; exit 1
  fi
  [[ -e "$run/metrics.csv" ]] || continue  # killed before it wrote anything
  if ! "$cli" check "$run" > "$work/check.txt" 2>&1; then
    echo "round $i: the run directory does not read back after SIGKILL:"; cat "$work/check.txt"; exit 1
  fi
  if grep -q "^checkpoints: [1-9]" "$work/check.txt"; then
    grep -q "restores" "$work/check.txt" || { cat "$work/check.txt"; exit 1; }
  fi
  if ! grep -Eq '^metrics.csv: (0 rows|[0-9]+ rows, steps 1-[0-9]+, consecutive)' "$work/check.txt"; then
    echo "round $i: metrics.csv lost or repeated rows:"; cat "$work/check.txt"; exit 1
  fi
done
echo "kill test: $kills kills, $resumed resumes, every time the run directory read back"
tail -n +1 "$work/check.txt"

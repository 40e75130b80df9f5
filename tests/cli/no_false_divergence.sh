#!/usr/bin/env bash
# The default preset with the live changes of a student's session, headless: the rate set to
# 0.0024 at step 2,000 and half of fc1 pruned by magnitude at step 3,000. It used to stop at
# step 3,777 on an ordinary batch ("the loss jumped to 0.2556"); it must train its 8,590 steps
# with no divergence event.
set -euo pipefail
cli="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
presets="$(dirname "$0")/../../assets/presets"
# The preset with a script added before its closing brace.
{
  head -n -1 "$presets/lenet-300-100-mnist.json"
  echo ', "script": [{"at": 2000, "do": "set", "lr": 0.0024},'
  echo '             {"at": 3000, "do": "prune", "layers": ["fc1"], "amount": 0.5, "criterion": "magnitude"}]}'
} > "$work/config.json"
"$cli" train --config "$work/config.json" --out "$work/run" --threads 2 --quiet > "$work/train.log"
rows=$(($(wc -l < "$work/run/metrics.csv") - 1))
[[ "$rows" == 8590 ]] || { echo "metrics.csv has $rows rows, expected 8590"; tail -3 "$work/run/events.csv"; exit 1; }
if grep -q ',divergence,' "$work/run/events.csv"; then grep ',divergence,' "$work/run/events.csv"; exit 1; fi
echo "the default preset with a lower rate and a prune trained its 8590 steps with no divergence stop"

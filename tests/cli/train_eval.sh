#!/usr/bin/env bash
# The headless command line end to end: train a short run, check the run directory,
# evaluate the checkpoint with --json, and check that a bad config fails with its key.
set -euo pipefail
cli="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cli" train --preset spirals --steps 1200 --out "$work/run" --quiet > "$work/train.log"
for f in config.json metrics.csv events.csv checkpoints/step-1200.safetensors; do
  [[ -s "$work/run/$f" ]] || { echo "missing $f"; exit 1; }
done
rows=$(($(wc -l < "$work/run/metrics.csv") - 1))
[[ "$rows" == 1200 ]] || { echo "metrics.csv has $rows rows, expected 1200"; exit 1; }
head -1 "$work/run/metrics.csv" | grep -q '^step,epoch,lr,train_loss,train_accuracy' || exit 1
json=$("$cli" eval --json --checkpoint "$work/run/checkpoints/step-1200.safetensors")
echo "$json"
echo "$json" | grep -Eq '^\{"loss": [0-9.e+-]+, "accuracy": [0-9.]+\}$' || { echo "bad eval json"; exit 1; }
# The spirals preset learns: at least 95% test accuracy after 1200 steps.
acc=$(echo "$json" | sed -E 's/.*"accuracy": ([0-9.]+).*/\1/')
awk -v a="$acc" 'BEGIN { exit !(a >= 0.95) }' || { echo "spirals test accuracy $acc < 0.95"; exit 1; }
# Exact resume: 600 steps, then --resume to 1200 in the same directory, equals 1200 straight.
"$cli" train --preset spirals --steps 600 --out "$work/split" --quiet > /dev/null
"$cli" train --resume "$work/split/checkpoints/step-600.safetensors" --steps 1200 --out "$work/split" --quiet > /dev/null
resumed=$("$cli" eval --json --checkpoint "$work/split/checkpoints/step-1200.safetensors")
[[ "$resumed" == "$json" ]] || { echo "resumed run differs: $resumed vs $json"; exit 1; }
rows=$(($(wc -l < "$work/split/metrics.csv") - 1))
[[ "$rows" == 1200 ]] || { echo "resumed metrics.csv has $rows rows, expected 1200"; exit 1; }
# Nor is any layer probed twice at one step (the resumed run does not probe its first step again).
dups=$(cut -d, -f1,2 "$work/split/layers.csv" | sort | uniq -d | wc -l)
[[ "$dups" == 0 ]] || { echo "resumed layers.csv has $dups repeated (step, layer) rows"; exit 1; }
# A finished run directory is not overwritten by a new run.
if "$cli" train --preset spirals --steps 10 --out "$work/run" --quiet 2> "$work/err.txt"; then
  echo "a new run overwrote an existing run directory"; exit 1
fi
grep -q 'already holds a run' "$work/err.txt" || { cat "$work/err.txt"; exit 1; }
printf '{"model": {"layers": [{"type": "dense", "units": 2}]}, "training": {"batch_size": 0}}' > "$work/bad.json"
if "$cli" train --config "$work/bad.json" --out "$work/bad" 2> "$work/err.txt"; then
  echo "a bad config was accepted"; exit 1
fi
grep -q 'bad.json: training.batch_size' "$work/err.txt" || { cat "$work/err.txt"; exit 1; }
# --set changes the config from the command line, with the config file's errors.
"$cli" train --preset spirals --steps 5 --out "$work/set" --quiet --set optimizer.type=adam --set schedule.lr=0.001 > /dev/null
grep -q '"type": "adam"' "$work/set/config.json" || { cat "$work/set/config.json"; echo "--set optimizer.type did not apply"; exit 1; }
awk -F, 'NR > 1 && $3 != 0.001 { exit 1 }' "$work/set/metrics.csv" || { echo "--set schedule.lr did not apply"; exit 1; }
if "$cli" train --preset spirals --out "$work/set2" --set schedule.lr=fast 2> "$work/err.txt"; then
  echo "a bad --set was accepted"; exit 1
fi
grep -q 'spirals.json with --set schedule.lr=fast: schedule.lr: must be a number' "$work/err.txt" || { cat "$work/err.txt"; exit 1; }
# A length below one is refused: 0 or -3 steps trained the preset's whole plan instead.
for cmd in "train --preset spirals --steps 0" "train --preset spirals --epochs -1" \
  "study edge-of-stability --steps 0" "lottery --preset spirals --steps -3"; do
  if $cli $cmd --out "$work/zero" > /dev/null 2> "$work/err.txt"; then echo "taken: $cmd"; exit 1; fi
  grep -q -- 'not in range 1 to' "$work/err.txt" || { echo "$cmd:"; cat "$work/err.txt"; exit 1; }
  [[ ! -e "$work/zero" ]] || { echo "$cmd wrote $work/zero"; exit 1; }
done
# Scripted commands run headless, land in events.csv, and the per-layer files are written.
cat > "$work/scripted.json" <<'JSON'
{"name": "scripted", "data": {"dataset": "blobs", "classes": 3, "dim": 8, "train_size": 600},
 "model": {"layers": [{"type": "dense", "units": 32, "activation": "relu"}, {"type": "dense", "units": 3}]},
 "optimizer": {"type": "momentum"}, "schedule": {"type": "constant", "lr": 0.05},
 "training": {"batch_size": 32, "steps": 300},
 "monitor": {"stats_interval": 50},
 "script": [{"at": 100, "do": "prune", "layers": ["fc1"], "amount": 0.5},
            {"at": 200, "do": "set", "lr": 0.01}]}
JSON
"$cli" train --config "$work/scripted.json" --out "$work/scripted" --quiet > /dev/null
grep -q '^100,prune,(scripted) prune magnitude 50% of fc1: fc1: removed 128 of 256' "$work/scripted/events.csv" \
  || { cat "$work/scripted/events.csv"; echo "the scripted prune is not in events.csv"; exit 1; }
grep -q '^200,set,(scripted) learning rate 0.05 -> 0.01' "$work/scripted/events.csv" \
  || { cat "$work/scripted/events.csv"; echo "the scripted lr change is not in events.csv"; exit 1; }
# The rate changes from step 201 exactly.
awk -F, '$1 == 200 && $3 != 0.05 { exit 1 } $1 == 201 && $3 != 0.01 { exit 1 }' "$work/scripted/metrics.csv" \
  || { echo "the learning rate did not change at step 201"; exit 1; }
rows=$(($(wc -l < "$work/scripted/layers.csv") - 1))
[[ "$rows" == 14 ]] || { echo "layers.csv has $rows rows, expected 14 (7 probes from step 0 x 2 layers)"; exit 1; }
echo "cli train/eval test passed"

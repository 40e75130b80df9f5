#!/usr/bin/env bash
# `sweep plan`: a sweep laid out as DIR/manifest.json and DIR/<run>/config.json, each config one
# the trainer takes (one is trained a few steps); planning the same sweep again changes nothing; another sweep is
# refused without --force, and a bad one writes nothing.
set -euo pipefail
cli="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/lr.json" <<'JSON'
{"name": "lr-batch", "base": "lenet-300-100-mnist", "set": {"training.epochs": 1},
 "grid": {"schedule.lr": [0.01, 0.1], "training.batch_size": [32, 128]},
 "random": {"count": 2, "seed": 3,
            "params": {"regularization.weight_decay": {"log_uniform": [1e-5, 1e-3]},
                       "optimizer.type": {"choice": ["sgd", "adam"]}}}}
JSON
"$cli" sweep plan "$work/lr.json" --out "$work/s" | grep -q '^planned 8 runs of lr-batch' \
  || { echo "the plan did not say 8 runs"; exit 1; }
[[ $(ls -d "$work"/s/run-* | wc -l) == 8 ]] || { echo "not 8 run directories: $(ls "$work/s")"; exit 1; }
grep -q '"schedule.lr": 0.1' "$work/s/manifest.json" || { echo "the manifest lacks the values"; exit 1; }
grep -q '"batch_size": 128' "$work/s/run-0007/config.json" || { echo "run-0007 is not the last grid point"; exit 1; }
"$cli" train --config "$work/s/run-0005/config.json" --steps 3 --out "$work/t5" --quiet \
  || { echo "run-0005's config does not train"; exit 1; }
[[ $(($(wc -l < "$work/t5/metrics.csv") - 1)) == 3 ]] || { echo "run-0005 did not train 3 steps"; exit 1; }
# Planned again: nothing changes, not even a file's time.
before=$(stat -c %Y.%N "$work"/s/manifest.json "$work"/s/run-0003/config.json | md5sum)
sleep 1
"$cli" sweep plan "$work/lr.json" --out "$work/s" | grep -q 'nothing to change'
after=$(stat -c %Y.%N "$work"/s/manifest.json "$work"/s/run-0003/config.json | md5sum)
[[ "$before" == "$after" ]] || { echo "planning the same sweep again rewrote files"; exit 1; }
# Another sweep into the same directory: refused, naming the manifest; --force replaces it.
sed 's/"count": 2/"count": 3/' "$work/lr.json" > "$work/lr3.json"
if "$cli" sweep plan "$work/lr3.json" --out "$work/s" 2> "$work/err"; then
  echo "another sweep was planned over the first"; exit 1
fi
grep -q 'manifest.json: holds another sweep' "$work/err" || { cat "$work/err"; exit 1; }
[[ $(ls -d "$work"/s/run-* | wc -l) == 8 ]] || { echo "the refused plan wrote runs"; exit 1; }
"$cli" sweep plan "$work/lr3.json" --out "$work/s" --force | grep -q '^planned 12 runs'
# A bad sweep names its key and writes nothing.
echo '{"name": "bad", "base": "lenet-300-100-mnist", "grid": {"schedule.lrr": [0.1]}}' > "$work/bad.json"
if "$cli" sweep plan "$work/bad.json" --out "$work/bad" 2> "$work/err"; then
  echo "a sweep with an unknown path was planned"; exit 1
fi
grep -q 'schedule.lrr' "$work/err" || { cat "$work/err"; exit 1; }
[[ ! -e "$work/bad" ]] || { echo "a refused sweep wrote $work/bad"; exit 1; }
# An empty grid and a range upside down: each names its field, and nothing is written.
echo '{"name": "e", "base": "lenet-300-100-mnist", "grid": {"schedule.lr": []}}' > "$work/empty.json"
echo '{"name": "r", "base": "lenet-300-100-mnist", "random": {"count": 2, "seed": 1, "params": {"schedule.lr": {"uniform": [0.1, 0.01]}}}}' > "$work/range.json"
for bad in empty:'grid.schedule.lr: an empty list' range:'random.params.schedule.lr.uniform: low 0.1 is above high 0.01'; do
  if "$cli" sweep plan "$work/${bad%%:*}.json" --out "$work/${bad%%:*}" 2> "$work/err"; then
    echo "the ${bad%%:*} sweep was planned"; exit 1
  fi
  grep -qF "${bad#*:}" "$work/err" || { cat "$work/err"; exit 1; }
  [[ ! -e "$work/${bad%%:*}" ]] || { echo "the refused ${bad%%:*} sweep wrote files"; exit 1; }
done
echo "sweep plan test passed (8 runs, re-plan unchanged, another sweep refused, --force 12 runs, bad path refused)"

#!/usr/bin/env bash
# The lenet-300-100-gradual-pruning preset headless, to the end of its plan: fc1 and fc2 each
# at least 75% sparse (the last scheduled prune in events.csv says what is left), the sparsity
# column of metrics.csv at the schedule's final value, and a test accuracy of at least 98.0%.
set -euo pipefail
cli="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cli" train --preset lenet-300-100-gradual-pruning --out "$work/run" --threads 2 --quiet > "$work/train.log"
last=$(grep ',prune,' "$work/run/events.csv" | tail -1)
echo "last scheduled prune: $last"
for layer in fc1 fc2; do
  read -r left total <<< "$(echo "$last" | sed -E "s/.*$layer: removed [0-9]+ of ([0-9]+) \(([0-9]+) left\).*/\2 \1/")"
  awk -v l="$left" -v t="$total" -v n="$layer" 'BEGIN { s = 1 - l / t; printf "%s sparsity %.4f\n", n, s; exit !(s >= 0.75) }' \
    || { echo "$layer is not 75% sparse"; exit 1; }
done
sparsity=$(tail -1 "$work/run/metrics.csv" | cut -d, -f7)
head -1 "$work/run/metrics.csv" | cut -d, -f7 | grep -qx sparsity || { echo "metrics.csv has no sparsity column 7"; exit 1; }
awk -v s="$sparsity" 'BEGIN { exit !(s >= 0.899 && s <= 0.901) }' || { echo "final sparsity $sparsity, planned 0.9"; exit 1; }
ckpt=$(ls "$work"/run/checkpoints/step-*.safetensors | tail -1)
json=$("$cli" eval --json --checkpoint "$ckpt")
echo "$json"
acc=$(echo "$json" | sed -E 's/.*"accuracy": ([0-9.]+).*/\1/')
awk -v a="$acc" 'BEGIN { exit !(a >= 0.98) }' || { echo "test accuracy $acc < 0.98"; exit 1; }
echo "gradual pruning preset: sparsity $sparsity of fc1 and fc2, test accuracy $acc"

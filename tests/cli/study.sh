#!/usr/bin/env bash
# Studies headless: every shipped study runs a few steps per run and writes its summary and
# overlaid charts; a fork's files start as its parent's up to the fork step and go their own
# way after; `compare` overlays run directories. Bad requests name what is wrong.
set -euo pipefail
cli="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset DISPLAY WAYLAND_DISPLAY
studies=$("$cli" study --list | awk '{print $1}')
[[ $(echo "$studies" | wc -l) -ge 6 ]] || { echo "too few shipped studies: $studies"; exit 1; }
for s in $studies; do
  "$cli" study "$s" --steps 24 --out "$work/$s" --quiet > "$work/$s.log" 2>&1 \
    || { echo "study $s failed:"; cat "$work/$s.log"; exit 1; }
  runs=$("$cli" study --list | awk -v s="$s" '$1 == s {print $2}')
  rows=$(($(grep -c '' "$work/$s/summary.csv") - 1))
  [[ "$rows" == "$runs" ]] || { echo "$s: summary.csv has $rows rows, the study $runs runs"; exit 1; }
  # Every run trained its 24 steps (or diverged, which the summary says).
  awk -F, 'NR > 1 && $2 == "done" && $5 != 24 {print FILENAME ": " $1 " ran " $5 " steps"; bad = 1}
           NR > 1 && $2 == "failed" {print FILENAME ": " $1 " failed"; bad = 1} END {exit bad}' \
    "$work/$s/summary.csv"
  head -1 "$work/$s/loss.csv" | grep -q '^run,series,x,y' || { echo "$s: loss.csv has no run column"; exit 1; }
  xmllint --noout "$work/$s/loss.svg" "$work/$s/accuracy.svg" "$work/$s/lr.svg"
  grep -q '^| run |' "$work/$s/summary.md" || { echo "$s: summary.md has no table"; exit 1; }
done
# The optimizers study's fork: sgd-then-adam forks sgd at 859 of 2,577 steps, 8 of 24 here.
o="$work/optimizers"
grep -q '^sgd-then-adam,done,sgd,8,' "$o/summary.csv" || { grep sgd-then-adam "$o/summary.csv"; exit 1; }
cmp <(head -9 "$o/sgd/metrics.csv") <(head -9 "$o/sgd-then-adam/metrics.csv") \
  || { echo "the fork's first rows are not its parent's"; exit 1; }
if cmp -s <(sed -n 10,25p "$o/sgd/metrics.csv") <(sed -n 10,25p "$o/sgd-then-adam/metrics.csv"); then
  echo "the fork trained like its parent after the fork step"; exit 1
fi
[[ $(grep -c '' "$o/sgd-then-adam/metrics.csv") == 25 ]] || { echo "fork rows: $(grep -c '' "$o/sgd-then-adam/metrics.csv")"; exit 1; }
grep -q '^8,fork,forked from sgd at step 8' "$o/sgd-then-adam/events.csv" || { cat "$o/sgd-then-adam/events.csv"; exit 1; }
grep -q '^8,optimizer,' "$o/sgd-then-adam/events.csv" || { echo "the fork's change is no event"; exit 1; }
grep -q '^sgd,' "$o/loss.csv" && grep -q '^sgd-then-adam,' "$o/loss.csv" || { echo "loss.csv lacks a run"; exit 1; }
# The parent is untouched by its fork: the same as the run trained alone from the study's config.
"$cli" train --config <(python3 -c "import json; print(json.dumps(json.load(open('$o/sgd/config.json'))))") \
  --out "$work/alone" --quiet > /dev/null
cmp <(cut -d, -f1-5 "$o/sgd/metrics.csv") <(cut -d, -f1-5 "$work/alone/metrics.csv") \
  || { echo "the parent differs from the same run trained alone"; exit 1; }
# The initialization study's table of activations at the start, as the lectures have it: a
# gaussian of 0.01 collapses them layer by layer (fc10 over a thousand times below fc1), He keeps
# a ReLU net's near 1 all the way down.
i="$work/initialization/activations.csv"
[[ $(grep -c '' "$i") == 9 ]] || { echo "activations.csv: $(grep -c '' "$i") lines, want 9"; cat "$i"; exit 1; }
awk -F, 'NR == 1 {for (k = 1; k <= NF; k++) col[$k] = k}
  $1 == "tanh-gauss-0.01" && !($(col["fc10"]) < 1e-3 * $(col["fc1"])) {print "no collapse: " $0; bad = 1}
  $1 == "relu-he" && !($(col["fc10"]) > 0.3 && $(col["fc10"]) < 3) {print "He lost the scale: " $0; bad = 1}
  END {exit bad}' "$i"
# The transfer study: the Fashion runs that start from MNIST's weights say so and start elsewhere.
t="$work/transfer"
grep -q '^fashion-fc1-frozen,done,.*weights of fc1, fc2 from mnist' "$t/summary.csv" || { cat "$t/summary.csv"; exit 1; }
[[ $(sed -n 2p "$t/fashion-scratch/metrics.csv" | cut -d, -f4) != $(sed -n 2p "$t/fashion-fine-tuned/metrics.csv" | cut -d, -f4) ]] \
  || { echo "the fine-tuned run's first loss is the one from scratch"; exit 1; }
# The edge of stability at four rates: lr.csv has each run's rate, its 2 / lr and the sharpness
# tracked at step 25 (a log chart titled for both).
"$cli" study edge-of-stability --steps 26 --out "$work/eos" --quiet > "$work/eos.log" 2>&1 \
  || { cat "$work/eos.log"; exit 1; }
for rate in 0.1 0.2 0.3 0.4; do
  awk -F, -v r="lr-$rate" -v two="$(python3 -c "print(2 / $rate)")" '
    $1 == r && $2 == r " 2 / lr" && ($4 - two > 1e-4 || two - $4 > 1e-4) {print "2 / lr: " $0; bad = 1}
    $1 == r && $2 == r " sharpness (top Hessian eigenvalue)" {n++; if ($3 != 25 || !($4 > 1)) {print; bad = 1}}
    END {if (n != 1) {print r ": " n " sharpness points, want 1"; bad = 1}; exit bad}' "$work/eos/lr.csv"
done
grep -q 'edge-of-stability: Learning rate and sharpness' "$work/eos/lr.svg" || { echo "lr.svg's title"; exit 1; }
# compare: two runs on one chart, each named.
"$cli" compare "$o/sgd" "$o/adam" --chart accuracy --out "$work/cmp.svg,$work/cmp.csv" > /dev/null
grep -q '^sgd,' "$work/cmp.csv" && grep -q '^adam,' "$work/cmp.csv" || { head "$work/cmp.csv"; exit 1; }
grep -q '>sgd train (per step)<' "$work/cmp.svg" && grep -q '>adam train (per step)<' "$work/cmp.svg" \
  || { echo "the SVG legend does not name both runs"; exit 1; }
expect_error() {  # expect_error PATTERN ARGS...: the command fails and says PATTERN
  local pattern="$1"; shift
  if "$cli" "$@" > "$work/err.log" 2>&1; then echo "succeeded: $*"; exit 1; fi
  grep -q "$pattern" "$work/err.log" || { echo "expected '$pattern' from: $*"; cat "$work/err.log"; exit 1; }
}
expect_error 'no study file "nope" and no shipped study of that name (activations' study nope
expect_error 'already holds a run; give another --out' study optimizers --steps 24 --out "$o"
echo '{"name": "x", "base": "lenet-300-100-mnist", "runs": [{"name": "a", "set": {"optimizer.typo": 1}}]}' > "$work/bad.json"
expect_error 'lenet-300-100-mnist.json in .*bad.json.runs\[0\]: optimizer.typo: unknown key' study "$work/bad.json" --out "$work/bad"
echo '{"name": "x", "base": "lenet-300-100-mnist", "runs": [{"name": "a"}, {"name": "b", "fork": {"from": "a", "at": 5}, "set": {"training.seed": 2}}]}' > "$work/fork.json"
expect_error 'runs\[1\]: training.seed cannot change in a fork' study "$work/fork.json" --out "$work/fork"
echo "studies passed: $(echo $studies)"

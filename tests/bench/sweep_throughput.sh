#!/usr/bin/env bash
# A sweep's throughput on this machine: 8 runs of LeNet-300-100 (one epoch each, 4 rates x 2
# seeds) run by `sweep run --local` two at a time with one thread each, against the same 8 runs
# one after another with two threads each. Alternating rounds, so both see the same machine;
# prints each round's wall time and samples per second, then the medians and their ratio.
#
#   tests/bench/sweep_throughput.sh build/app/trainscope-cli [ROUNDS]
set -euo pipefail
cli=$(realpath "${1:?usage: sweep_throughput.sh path/to/trainscope-cli [rounds]}")
rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/s.json" <<'JSON'
{"name": "bench", "base": "lenet-300-100-mnist",
 "set": {"training.epochs": 1, "monitor.stats_interval": 0},
 "grid": {"schedule.lr": [0.01, 0.03, 0.05, 0.1], "training.seed": [1, 2]}}
JSON
run_once() {  # run_once JOBS THREADS: seconds for the whole sweep, freshly planned
  rm -rf "$work/sweep"
  "$cli" sweep plan "$work/s.json" --out "$work/sweep" > /dev/null
  local t0 t1
  t0=$(date +%s.%N)
  "$cli" sweep run "$work/sweep" --local --jobs "$1" --threads "$2" --checkpoint-seconds 0 > "$work/log" \
    || { cat "$work/log"; exit 1; }
  t1=$(date +%s.%N)
  grep -q '8 of 8 runs done' "$work/log" || { cat "$work/log"; exit 1; }
  awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.2f", a - b }'
}
parallel_s=(); sequential_s=()
for i in $(seq "$rounds"); do
  p=$(run_once 2 1)
  s=$(run_once 1 2)
  parallel_s+=("$p"); sequential_s+=("$s")
  echo "round $i: 2 runs at once x 1 thread ${p} s, one at a time x 2 threads ${s} s"
done
samples=0  # steps x batch over the 8 runs (of the last sweep: every round trains the same)
for r in "$work"/sweep/run-*; do
  steps=$(tail -1 "$r/metrics.csv" | cut -d, -f1)
  batch=$(grep -o '"batch_size": [0-9]*' "$r/config.json" | grep -o '[0-9]*$')
  samples=$((samples + steps * batch))
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mp=$(median "${parallel_s[@]}"); ms=$(median "${sequential_s[@]}")
awk -v p="$mp" -v s="$ms" -v n="$samples" 'BEGIN {
  printf "8 runs, %d samples: --jobs 2 x 1 thread %.2f s (%.0f samples/s); one at a time x 2 threads %.2f s (%.0f samples/s); ratio %.2f\n", n, p, n / p, s, n / s, s / p }'

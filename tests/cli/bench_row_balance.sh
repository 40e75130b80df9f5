#!/usr/bin/env bash
# `bench --row-balance`: the first dense layer's rows shared by the threads' busy time against
# shared evenly, in pairs of rounds back to back. Checks the line's shape and consistency, and
# that one thread is refused with a message naming the option; not the ratio's size (speed is
# the benchmark's to print).
set -euo pipefail
cli="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if "$cli" bench --row-balance --threads 1 > "$work/out" 2> "$work/err"; then
  echo "bench --row-balance on one thread was taken"; exit 1
fi
grep -q -- "--threads of 2 or more" "$work/err" || { echo "unclear refusal:"; cat "$work/err"; exit 1; }
"$cli" bench --row-balance --json --models lenet-300-100 --seconds 1.5 > "$work/out.jsonl"
/usr/bin/python3 - "$work/out.jsonl" <<'PY'
import json, math, statistics, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 1, lines
d = lines[0]
assert (d["bench"], d["model"], d["threads"]) == ("row_balance", "lenet-300-100", 2), d
pairs = d["pairs_round_trip_ns_ratio"]
assert len(pairs) == 3, pairs  # 1.5 s: three rounds of half a second
ratios = [p[1] for p in pairs]
assert all(r > 0 and math.isfinite(r) for r in ratios), pairs
assert abs(d["median_ratio"] - statistics.median(ratios)) < 1e-3, d
assert len(d["pairs_fma_gflops"]) == 3, d
# LeNet's fc1 (784 x 300) is 16 pieces of rows, every thread keeping at least one.
share = d["share"]
assert len(share) == 2 and sum(share) == 16 and min(share) >= 1, share
print(f"row balance {d['median_ratio']:.2f}, share {share}")
PY

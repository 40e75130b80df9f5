#!/usr/bin/env bash
# `bench`'s speed-up of two threads over one, measured in pairs of rounds back to back: one
# JSON line per model whose median is the median of the pairs it lists, the pairs sorted by
# the round trip measured before each, with the cores' FMA rate measured then; none when only
# one thread count is asked for. Checks the figures' shape and consistency, not their size
# (speed is the benchmark's to print).
set -euo pipefail
cli="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A model or thread count it cannot measure is refused before the peaks are measured.
for bad in "--models nope" "--threads 0"; do
  if "$cli" bench $bad > "$work/out" 2> "$work/err"; then echo "bench $bad was taken"; exit 1; fi
  [[ ! -s "$work/out" ]] || { echo "bench $bad measured before refusing:"; cat "$work/out"; exit 1; }
done
"$cli" bench --json --models lenet-300-100 --threads 1 2 --seconds 1.5 > "$work/both.jsonl"
"$cli" bench --json --models lenet-300-100 --threads 1 --seconds 0.5 > "$work/one.jsonl"
/usr/bin/python3 - "$work/both.jsonl" "$work/one.jsonl" <<'PY'
import json, math, os, statistics, sys
both = [json.loads(l) for l in open(sys.argv[1])]
one = [json.loads(l) for l in open(sys.argv[2])]
speedups = [d for d in both if d["bench"] == "speedup"]
assert len(speedups) == 1, f"want one speedup line, got {len(speedups)}: {both}"
s = speedups[0]
assert (s["model"], s["threads"], s["over_threads"]) == ("lenet-300-100", 2, 1), s
pairs = s["pairs_round_trip_ns_ratio"]
# 1.5 s makes three rounds of half a second, so three pairs.
assert len(pairs) == 3, f"want 3 pairs for 1.5 s, got {pairs}"
trips = [p[0] for p in pairs]
ratios = [p[1] for p in pairs]
assert trips == sorted(trips), f"pairs not sorted by round trip: {pairs}"
# 0 only where there is one CPU, and no round trip to time.
floor = 0 if (os.cpu_count() or 1) < 2 else 1e-9
assert all(t >= floor and math.isfinite(t) for t in trips), pairs
assert all(r > 0 and math.isfinite(r) for r in ratios), pairs
assert abs(s["median_ratio"] - statistics.median(ratios)) < 1e-3, (s["median_ratio"], ratios)
# The cores' FMA rate before each pair, in the same order, a rate of a working machine.
rates = s["pairs_fma_gflops"]
assert len(rates) == len(pairs), (rates, pairs)
assert all(r > 1 and math.isfinite(r) for r in rates), rates
# The per-thread lines are still there, and the compare script's key is not in this one.
assert {(d["bench"], d["threads"]) for d in both if "samples_per_s" in d} == {
    ("lenet-300-100", 1), ("lenet-300-100", 2)}, both
assert "samples_per_s" not in s
# Each model line's peak is the best of the first measurement and those around its rounds, so
# never below the first, and its share is of that peak.
first = {d["threads"]: d["peak_gflops"] for d in both if d["bench"] == "fma_peak"}
for d in both:
    if "samples_per_s" not in d: continue
    assert d["peak_gflops"] >= first[d["threads"]] - 0.05, (d, first)
    assert abs(d["share_of_peak"] - d["gflops"] / d["peak_gflops"]) < 1e-3, d
assert not [d for d in one if d["bench"] == "speedup"], f"a speedup line on one thread: {one}"
print(f"speedup {s['median_ratio']:.2f} over pairs {pairs}")
PY

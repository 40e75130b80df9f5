#!/usr/bin/env bash
# Training speed of trainscope against PyTorch on this machine, in one sitting: rounds
# alternate between `trainscope-cli bench` and tests/bench/pytorch_reference.py so that
# both see the same machine, and each figure printed is the median over the rounds.
#
#   tests/bench/compare_pytorch.sh build/app/trainscope-cli [ROUNDS] [SECONDS]
#
# PyTorch is Debian's python3-torch with OpenBLAS (libopenblas0-pthread), glibc malloc keeping
# freed memory. OpenBLAS picks its kernels by its own CPU detection, which on some CPUs picks
# a slower one (on an Intel Xeon of family 6, model 167, its choice ran 2.4 times slower than
# SkylakeX's), so each round also runs it told OPENBLAS_CORETYPE=SkylakeX (where the CPU has
# AVX-512) and Haswell (where it has AVX2), each with OpenBLAS on one thread under OpenMP and
# with OpenBLAS threaded as well; PyTorch's figure is the fastest of them, and every one is
# printed. Installing those packages is up to whoever runs this: the project itself does not
# need them.
set -euo pipefail
CLI=${1:?usage: compare_pytorch.sh path/to/trainscope-cli [rounds] [seconds]}
ROUNDS=${2:-3}
SECONDS_EACH=${3:-4}
HERE=$(cd "$(dirname "$0")" && pwd)
/usr/bin/python3 -c 'import torch' 2>/dev/null || {
  echo "compare_pytorch: /usr/bin/python3 has no torch (apt-get install python3-torch libopenblas0-pthread)" >&2
  exit 2
}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# OpenBLAS's own choice (auto), and the kernels this CPU can run.
coretypes=(auto)
grep -qw avx512f /proc/cpuinfo && coretypes+=(SkylakeX)
grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && coretypes+=(Haswell)
malloc_env=(MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824)
for ((r = 1; r <= ROUNDS; ++r)); do
  echo "round $r of $ROUNDS" >&2
  "$CLI" bench --json --seconds "$SECONDS_EACH" | sed 's/^/ours /' >> "$OUT/all"
  for t in 1 2; do
    for core in "${coretypes[@]}"; do
      if [ "$core" = auto ]; then core_env=(-u OPENBLAS_CORETYPE); else core_env=(OPENBLAS_CORETYPE=$core); fi
      # OpenBLAS on one thread, OpenMP (PyTorch's own kernels) on t; then OpenBLAS threaded too.
      blas_threads=(1)
      [ "$t" = 1 ] || blas_threads+=("$t")
      for blas in "${blas_threads[@]}"; do
        env "${core_env[@]}" "${malloc_env[@]}" OPENBLAS_NUM_THREADS=$blas OMP_NUM_THREADS=$t \
          /usr/bin/python3 "$HERE/pytorch_reference.py" --threads "$t" --seconds "$SECONDS_EACH" |
          sed "s/^/torch-$core-blas$blas /" >> "$OUT/all"
      done
    done
  done
done
python3 - "$OUT/all" <<'PY'
import json, re, statistics, sys
runs = {}
trips = []
for line in open(sys.argv[1]):
    who, rest = line.split(" ", 1)
    if who == "ours":
        d = json.loads(rest)
        if d["bench"] == "core_round_trip":
            trips.append(d["ns"])
        if "samples_per_s" not in d:  # the FMA peak's and the round trip's lines
            continue
        key = ("trainscope", d["bench"], d["threads"])
        runs.setdefault(key, []).append(d["samples_per_s"])
    else:
        m = re.search(r"pytorch (\S+)\s+threads (\d+)\s+batch 64\s+(\d+) samples/s", rest)
        key = (who, m.group(1), int(m.group(2)))
        runs.setdefault(key, []).append(float(m.group(3)))
med = {k: statistics.median(v) for k, v in runs.items()}
for model in ("lenet-300-100", "conv-2"):
    for t in (1, 2):
        ours = med.get(("trainscope", model, t))
        torch_cfgs = {k[0]: v for k, v in med.items() if k[1] == model and k[2] == t and k[0] != "trainscope"}
        best_cfg = max(torch_cfgs, key=torch_cfgs.get)
        best = torch_cfgs[best_cfg]
        others = ", ".join(f"{c} {v:.0f}" for c, v in sorted(torch_cfgs.items()))
        print(f"{model:<14} threads {t}: trainscope {ours:9.0f} samples/s   pytorch best {best:9.0f} ({best_cfg}; {others})"
              f"   ratio {ours / best:.2f}")
if trips:
    print(f"core to core round trip: median {statistics.median(trips):.0f} ns over the rounds"
          f" ({min(trips):.0f}..{max(trips):.0f}); the two-thread figures depend on it")
PY

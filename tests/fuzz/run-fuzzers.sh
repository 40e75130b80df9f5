#!/usr/bin/env bash
# Runs every libFuzzer harness of a TRAINSCOPE_FUZZ build for a given time each, starting
# from the seed corpus in tests/fuzz/corpus/<target>/ and growing a working corpus in
# <build>/fuzz-corpus/<target>/. Prints how many inputs each ran; fails on any finding
# (crash, sanitizer report, leak, timeout, oversized allocation), leaving the input in
# <build>/fuzz-artifacts/.
#
#   tests/fuzz/run-fuzzers.sh <build-dir> <seconds> [target ...]
# FUZZ_JOBS=2 runs two harnesses at a time.
set -uo pipefail
build="$1"
seconds="$2"
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
targets=("$@")
((${#targets[@]})) || targets=(idx safetensors checkpoint config script csv)
jobs="${FUZZ_JOBS:-1}"
mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"

run_one() {
  local target="$1"
  local bin="$build/tests/fuzz/fuzz_$target"
  local work="$build/fuzz-corpus/$target"
  local log="$build/fuzz-logs/$target.log"
  mkdir -p "$work"
  local dict=()
  [[ -f "$here/dict/$target.dict" ]] && dict=(-dict="$here/dict/$target.dict")
  # -malloc_limit_mb: no single allocation may exceed 256 MB, so an untrusted size that
  # reaches an allocation unchecked is a finding; inputs stay below 64 KiB.
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$target-" \
    "${dict[@]}" "$work" "$here/corpus/$target" > "$log" 2>&1
  local rc=$?
  local runs
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  if ((rc != 0)); then
    echo "fuzz_$target: FINDING after ${runs:-?} runs (exit $rc); the log ends:"
    tail -40 "$log"
    return 1
  fi
  local corpus
  corpus=$(find "$work" -type f | wc -l)
  echo "fuzz_$target: ${runs:-?} runs in ${seconds} s, no findings (working corpus: $corpus inputs)"
}

status=0
if ((jobs > 1)); then
  for t in "${targets[@]}"; do
    while (($(jobs -rp | wc -l) >= jobs)); do wait -n || status=1; done
    run_one "$t" &
  done
  while (($(jobs -rp | wc -l) > 0)); do wait -n || status=1; done
else
  for t in "${targets[@]}"; do run_one "$t" || status=1; done
fi
exit $status

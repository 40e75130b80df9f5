#!/usr/bin/env bash
# The window's responsiveness on this machine, in one sitting: rounds alternate between the
# headless trainer and the window, both on one worker thread, so that both see the same
# machine. The window runs on 1280x800 under Xvfb with a 1,000,000-point series on the loss
# plot, training LeNet-300-100 / MNIST, for 600 frames of its 60 Hz loop (--frames):
#  - "still": nobody touches it, so it draws the run's changes at 20 Hz;
#  - "acting": the pointer moves over the loss plot all the time, so it draws every frame.
# Each round prints one line per run; the last lines are the medians over the rounds.
#
#   tests/bench/window_frames.sh build/app [ROUNDS]
#
# Needs the MNIST data (make data) and xvfb, xdotool and util-linux's `script` (for the
# headless progress line), which `make test` installs.
set -euo pipefail
BIN=${1:?usage: window_frames.sh path/to/build/app [rounds]}
ROUNDS=${2:-3}
OUT=$(mktemp -d)
cleanup() {
  [[ -n "${XVFB_PID:-}" ]] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$OUT"
}
trap cleanup EXIT
Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp -noreset 5>"$OUT/display" 2>/dev/null &
XVFB_PID=$!
for _ in $(seq 100); do [[ -s "$OUT/display" ]] && break; sleep 0.05; done
export DISPLAY=":$(cat "$OUT/display")"

headless() {
  # The median of the samples/s the progress line shows over the run.
  rm -rf "$OUT/run"
  script -qc "$BIN/trainscope-cli train --preset lenet-300-100-mnist --steps 12000 --threads 1 --out $OUT/run" /dev/null |
    tr '\r' '\n' | grep -oE '[0-9,]+ samples/s' | tail -20 | tr -d , | awk '{print $1}' | sort -n |
    awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}
window() {  # $1: still or acting
  "$BIN/trainscope" --width 1280 --height 800 --start --steps 1000000 --frames 600 --bench-points 1000000 \
    --runs-dir '' >"$OUT/window.log" 2>&1 &
  local app=$! mover=
  if [[ $1 == acting ]]; then
    sleep 1.5
    local moves=()
    for i in $(seq 0 1500); do moves+=(mousemove $((700 + (i * 7) % 300)) $((560 + (i * 3) % 90)) sleep 0.016); done
    xdotool "${moves[@]}" 2>/dev/null &
    mover=$!
  fi
  wait "$app"
  [[ -n "$mover" ]] && { kill "$mover" 2>/dev/null || true; }
  grep '^frames' "$OUT/window.log"
}
field() { sed -n "s/.* $1 \([0-9.]*\).*/\1/p"; }
for ((r = 1; r <= ROUNDS; ++r)); do
  hl=$(headless)
  echo "round $r headless samples/s $hl" | tee -a "$OUT/all"
  for mode in still acting; do
    line=$(window "$mode")
    sps=$(field train_samples_per_s <<<"$line")
    printf 'round %d %s median_ms %s p95_ms %s drawn %s drawn_median_ms %s samples/s %s (%.0f%% of headless)\n' \
      "$r" "$mode" "$(field median_ms <<<"$line")" "$(field p95_ms <<<"$line")" "$(field drawn <<<"$line")" \
      "$(field drawn_median_ms <<<"$line")" "$sps" "$(awk -v a="$sps" -v b="$hl" 'BEGIN {print 100 * a / b}')" |
      tee -a "$OUT/all"
  done
done
med() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
for mode in still acting; do
  grep " $mode " "$OUT/all" >"$OUT/$mode"
  printf 'median over %d rounds, %s: median_ms %s p95_ms %s throughput %s%% of headless\n' "$ROUNDS" "$mode" \
    "$(field median_ms <"$OUT/$mode" | med)" "$(field p95_ms <"$OUT/$mode" | med)" \
    "$(sed -n 's/.*(\([0-9]*\)% of headless).*/\1/p' "$OUT/$mode" | med)"
done

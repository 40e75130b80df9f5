#!/usr/bin/env bash
# Charts of a run exported from the command line with no display at all (EGL surfaceless):
# the PNG has the asked size and a real picture, the SVG parses with its axis labels, the
# CSV holds one row per training step; bad requests name what is wrong.
set -euo pipefail
cli="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset DISPLAY WAYLAND_DISPLAY
"$cli" train --preset spirals --steps 400 --out "$work/run" --quiet > /dev/null
"$cli" export "$work/run" --chart loss --width 800 --height 500 \
  --out "$work/out/loss.png,$work/out/loss.svg,$work/out/loss.csv" > "$work/export.log"
[[ "$(identify -format '%w %h' "$work/out/loss.png")" == "800 500" ]] || { identify "$work/out/loss.png"; exit 1; }
colours=$(convert "$work/out/loss.png" -format '%k' info:)
(( colours > 50 )) || { echo "the PNG looks blank: $colours colours"; exit 1; }
xmllint --noout "$work/out/loss.svg"
grep -q '>step<' "$work/out/loss.svg" && grep -q '>loss<' "$work/out/loss.svg" || { echo "SVG axis labels missing"; exit 1; }
rows=$(grep -c '^train (per step),' "$work/out/loss.csv")
[[ "$rows" == 400 ]] || { echo "loss.csv has $rows training rows, want 400"; exit 1; }
# Every chart of the list renders, but one of dead (ReLU) and saturated (sigmoid, tanh) units,
# which has no values for the activation spirals uses, and says so.
rendered=0
for chart in $("$cli" export --list | awk '{print $1}'); do
  if "$cli" export "$work/run" --chart "$chart" --width 320 --height 200 --out "$work/out/$chart.png" \
       > /dev/null 2> "$work/chart.err"; then
    rendered=$((rendered + 1))
  else
    [[ "$chart" == dead || "$chart" == saturated ]] && grep -q 'no rows to draw' "$work/chart.err" \
      || { echo "chart $chart failed:"; cat "$work/chart.err"; exit 1; }
  fi
done
[[ "$rendered" == $(($("$cli" export --list | wc -l) - 1)) ]] || { echo "only $rendered charts rendered"; exit 1; }
expect_error() {  # expect_error PATTERN ARGS...: the command fails and says PATTERN
  local pattern="$1"; shift
  if "$cli" "$@" > "$work/err.log" 2>&1; then echo "succeeded: $*"; exit 1; fi
  grep -q "$pattern" "$work/err.log" || { echo "expected '$pattern' from: $*"; cat "$work/err.log"; exit 1; }
}
expect_error 'unknown chart "nope"' export "$work/run" --chart nope --out "$work/x.png"
expect_error 'the extension must be .png, .svg or .csv' export "$work/run" --out "$work/x.jpg"
expect_error "$work/missing/metrics.csv: not found" export "$work/missing" --out "$work/x.svg"
expect_error 'no layer "fc9"' export "$work/run" --chart grad-norm --layers fc9 --out "$work/x.svg"
echo "command-line export test passed ($colours colours in the PNG)"

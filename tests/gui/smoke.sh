#!/usr/bin/env bash
# Window smoke test: opens the default experiment under Xvfb, starts training, renders
# frames, writes a screenshot, and checks its size and that it is not blank.
set -euo pipefail
app="$1"
work=$(mktemp -d)
cleanup() {
  [[ -n "${XVFB_PID:-}" ]] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp 5>"$work/display" 2>"$work/xvfb.log" &
XVFB_PID=$!
for _ in $(seq 100); do [[ -s "$work/display" ]] && break; sleep 0.05; done
export DISPLAY=":$(cat "$work/display")"
"$app" --frames 40 --start --shot "$work/shot.png" >"$work/app.log" 2>&1 || { cat "$work/app.log"; exit 1; }
cat "$work/app.log"
grep -q '^event start' "$work/app.log" || { echo "no start event"; exit 1; }
grep -q '^widget pause' "$work/app.log" || { echo "the Pause button never appeared"; exit 1; }
size=$(identify -format '%wx%h' "$work/shot.png")
[[ "$size" == "1280x800" ]] || { echo "screenshot is $size, expected 1280x800"; exit 1; }
# Not blank: the image has many distinct colours (text, digits, the loss curve).
colors=$(identify -format '%k' "$work/shot.png")
(( colors > 50 )) || { echo "screenshot has only $colors colours"; exit 1; }
echo "window smoke test passed ($size, $colors colours)"

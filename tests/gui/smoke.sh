#!/usr/bin/env bash
# Window smoke test: opens the default experiment under Xvfb, starts training, renders
# frames, writes a screenshot, and checks its size and that it is not blank.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
"$app" --frames 40 --start --shot "$work/shot.png" >"$work/app.log" 2>&1 || { cat "$work/app.log"; exit 1; }
cat "$work/app.log"
grep -q '^event start' "$work/app.log" || { echo "no start event"; exit 1; }
grep -q '^widget pause' "$work/app.log" || { echo "the Pause button never appeared"; exit 1; }
size=$(identify -format '%wx%h' "$work/shot.png")
[[ "$size" == "1280x800" ]] || { echo "screenshot is $size, expected 1280x800"; exit 1; }
# Not blank: the image has many distinct colours (text, digits, the loss curve).
colors=$(identify -format '%k' "$work/shot.png")
(( colors > 50 )) || { echo "screenshot has only $colors colours"; exit 1; }
# An experiment config file opens with --config (the spirals preset, renamed); a file given to
# --preset is refused with the known presets and a pointer to --config.
sed 's/"name": "[^"]*"/"name": "spirals from a file"/' \
  "$(dirname "$0")/../../assets/presets/spirals.json" > "$work/mine.json"
"$app" --config "$work/mine.json" --frames 10 >"$work/config.log" 2>&1 || { cat "$work/config.log"; exit 1; }
grep -q "^event config $work/mine.json" "$work/config.log" || { cat "$work/config.log"; exit 1; }
grep -q '^event preset' "$work/config.log" && { echo "a preset opened beside the file"; exit 1; }
"$app" --preset "$work/mine.json" --frames 5 >"$work/bad.log" 2>&1 || { cat "$work/bad.log"; exit 1; }
grep -q '^event preset error: --preset: no preset ".*mine.json" in .* (known: .*spirals.*); a config file opens with --config' \
  "$work/bad.log" || { cat "$work/bad.log"; exit 1; }
# Without a display, and with one named that does not open, the window says which and exits.
if out=$(env -u DISPLAY -u WAYLAND_DISPLAY "$app" 2>&1); then echo "opened with no display"; exit 1; fi
grep -q 'no display found (DISPLAY and WAYLAND_DISPLAY are unset)' <<<"$out" || { echo "$out"; exit 1; }
if out=$(DISPLAY=no-such-display "$app" 2>&1); then echo "opened no-such-display"; exit 1; fi
grep -q 'the display no-such-display did not open' <<<"$out" || { echo "$out"; exit 1; }
echo "window smoke test passed ($size, $colors colours; a config file opened, a file as a preset refused; no display, and one that does not open, said)"

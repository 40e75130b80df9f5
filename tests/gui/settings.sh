#!/usr/bin/env bash
# Settings persist between runs: the preset and tab of one session open the next; the
# command line still wins; a damaged settings file is reported by name and left untouched.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
settings="$work/config/settings.json"
"$app" --settings "$settings" --preset deep-relu --tab schedule --frames 30 > "$work/first.log" 2>&1
grep -q '"preset": "deep-relu"' "$settings" || { echo "preset not saved:"; cat "$settings"; exit 1; }
grep -q '"tab": "schedule"' "$settings" || { echo "tab not saved:"; cat "$settings"; exit 1; }
[[ -f "$work/config/imgui.ini" ]] || { echo "ImGui's window state was not saved beside the settings"; exit 1; }
"$app" --settings "$settings" --frames 30 > "$work/second.log" 2>&1
grep -q '^event preset deep-relu' "$work/second.log" || { echo "the saved preset did not open"; cat "$work/second.log"; exit 1; }
grep -q '^event tab schedule' "$work/second.log" || { echo "the saved tab did not open"; exit 1; }
"$app" --settings "$settings" --preset spirals --frames 30 > "$work/third.log" 2>&1
grep -q '^event preset spirals' "$work/third.log" || { echo "--preset did not win over the settings"; exit 1; }
printf '{"preset": "spirals", "smoothing": 7}\n' > "$settings"
cp "$settings" "$work/damaged.json"
"$app" --settings "$settings" --frames 30 > "$work/fourth.log" 2>&1
grep -q "$settings: smoothing: must be in \[0, 0.99\], got 7" "$work/fourth.log" \
  || { echo "no clear error for the damaged file:"; cat "$work/fourth.log"; exit 1; }
cmp -s "$settings" "$work/damaged.json" || { echo "the damaged settings file was overwritten"; exit 1; }
grep -q '^event preset lenet-300-100-mnist' "$work/fourth.log" || { echo "did not start on the defaults"; exit 1; }
echo "window settings test passed"

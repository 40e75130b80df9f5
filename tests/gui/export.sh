#!/usr/bin/env bash
# Export from the window, driven with xdotool like a user: train 300 steps, right-click the
# loss plot and save it as PNG, SVG and CSV; the PNG must have the chosen size and a real
# picture, the SVG must parse and carry both axis labels, and the CSV must hold exactly the
# plotted points (300 steps, each drawn once: the plot is wider than 300 pixel columns).
# Then fc1's activation heatmap from the Layers panel the same way: a PNG of whole-pixel
# cells, an SVG with its labels and embedded cells, and a CSV of every cell.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
"$app" --preset lenet-300-100-mnist --start --steps 300 --export-dir "$work/exports" --frames 100000 \
  >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^applied 300 end '
wait_for '^widget curves-plot '
find_window
sleep 0.5
for kind in png svg csv; do
  export_plot curves-plot "$kind" "/loss.$kind"
done
for kind in png svg csv; do
  export_plot over-time-fc1 "$kind" "/fc1-over-training.$kind"
done
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""

# Each run exports into a directory of its own, named like its run directory.
dir=$(ls -d "$work"/exports/lenet-300-100-mnist-*/ | head -1)
png="$dir/loss.png" svg="$dir/loss.svg" csv="$dir/loss.csv"
[[ "$(identify -format '%w %h' "$png")" == "1600 1000" ]] || { echo "PNG size: $(identify "$png")"; exit 1; }
colours=$(convert "$png" -format '%k' info:)
(( colours > 50 )) || { echo "the PNG looks blank: $colours colours"; exit 1; }
xmllint --noout "$svg" || { echo "the SVG does not parse"; exit 1; }
grep -q '>step<' "$svg" || { echo "the SVG has no x-axis label"; exit 1; }
grep -q '>loss<' "$svg" || { echo "the SVG has no y-axis label"; exit 1; }
head -1 "$csv" | grep -q '^# trainscope run .*lenet-300-100-mnist-.*, LeNet-300-100 on MNIST, step 300$' || { echo "CSV provenance: $(head -1 "$csv")"; exit 1; }
sed -n 2p "$csv" | grep -q '^series,x,y' || { echo "CSV header: $(sed -n 2p "$csv")"; exit 1; }
grep -q 'trainscope run .*lenet-300-100-mnist-' "$svg" || { echo "the SVG does not say which run it came from"; exit 1; }
raw=$(grep -c '^train (raw),' "$csv")
[[ "$raw" == 300 ]] || { echo "CSV has $raw raw training points, want 300"; exit 1; }
smooth=$(grep -c '^"\?train (EMA' "$csv")
[[ "$smooth" == 300 ]] || { echo "CSV has $smooth smoothed points, want 300"; exit 1; }
hpng="$dir/fc1-over-training.png" hsvg="$dir/fc1-over-training.svg"
hcsv="$dir/fc1-over-training.csv"
read -r hw hh <<< "$(identify -format '%w %h' "$hpng")"
(( hw >= 800 && hh >= 400 )) || { echo "heatmap PNG is ${hw}x${hh}"; exit 1; }
hcolours=$(convert "$hpng" -format '%k' info:)
(( hcolours > 10 )) || { echo "the heatmap PNG looks blank: $hcolours colours"; exit 1; }
xmllint --noout "$hsvg" || { echo "the heatmap SVG does not parse"; exit 1; }
grep -q '>step<' "$hsvg" && grep -q '>activation<' "$hsvg" || { echo "the heatmap SVG lacks its axis labels"; exit 1; }
grep -q 'data:image/png;base64,' "$hsvg" || { echo "the heatmap SVG has no cells"; exit 1; }
head -1 "$hcsv" | grep -q '^# trainscope run ' || { echo "heatmap CSV provenance: $(head -1 "$hcsv")"; exit 1; }
sed -n 2p "$hcsv" | grep -q '^step,activation,' || { echo "heatmap CSV header: $(sed -n 2p "$hcsv")"; exit 1; }
grep -q 'trainscope run ' "$hsvg" || { echo "the heatmap SVG does not say which run it came from"; exit 1; }
# 48 value bins by one column per probe (step 0, then every 100 steps: 4 by step 300).
cells=$(($(wc -l < "$hcsv") - 2))
[[ "$cells" == 192 ]] || { echo "heatmap CSV has $cells cells, want 48 x 4"; exit 1; }
grep -E '^(event|applied)' "$work/app.log"
echo "window export test passed ($colours colours in the PNG, $raw + $smooth loss rows; heatmap ${hw}x${hh}, $cells cells)"

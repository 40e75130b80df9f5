#!/usr/bin/env bash
# Analyses beside live training, driven with xdotool like a user: compute the pruning curves
# of fc1 while LeNet trains, prune 150 units in the order a criterion chose and see the
# trainer apply exactly that; export the curves as SVG and CSV and check the files; run the
# weight-geometry analysis and see it finish while training goes on.
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
source "$(dirname "$0")/drive.sh"
"$app" --preset lenet-300-100-mnist --start --steps 1000000 --tab pruning --export-dir "$work/exports" --frames 100000 --runs-dir "$work/runs" \
  >"$work/app.log" 2>&1 &
APP_PID=$!
wait_for '^widget compute-curves '
find_window
sleep 1
click compute-curves
wait_for '^event analysis pruning curves of fc1 done on step [0-9]*' 900
# Saved into the run directory as `analyze` saves it.
wait_for '^event analysis saved .*/analysis/step-[0-9]*/prune-curves-fc1.svg'
saved=$(grep '^event analysis saved ' "$work/app.log" | head -1 | sed 's/^event analysis saved //')
[[ "$saved" == "$work"/runs/*/analysis/step-*/prune-curves-fc1.svg && -s "$saved" && -s "${saved%.svg}.csv" ]] \
  || { echo "the pruning curves were not saved into the run directory: $saved"; exit 1; }
wait_for '^widget prune-units-apply '

# The slider's middle is 150 of 300 units; the trainer must remove exactly those.
click prune-units
sleep 0.3
click prune-units-apply
wait_for '^applied [0-9]* prune prune 150 chosen units of fc1: fc1: removed 150 of 300 (150 left)'

# Export: right-click the curves, choose each format. (The menu opens where it opened
# before, so its items keep the positions printed the first time.)
for kind in svg csv; do
  export_plot curves "$kind" "prune-curves-fc1.$kind"
done
svg="$(ls -d "$work"/exports/*/ | head -1)prune-curves-fc1.svg"
csv="$(ls -d "$work"/exports/*/ | head -1)prune-curves-fc1.csv"
head -c 200 "$svg" | grep -q '<svg' || { echo "not an SVG: $svg"; exit 1; }
grep -q '>units removed<' "$svg" || { echo "the SVG has no x-axis label"; exit 1; }
grep -q '>test accuracy (%)<' "$svg" || { echo "the SVG has no y-axis label"; exit 1; }
[[ "$(grep -v "^#" "$csv" | head -1)" == "series,x,y,lo,hi" ]] || { echo "CSV header: $(head -2 "$csv")"; exit 1; }
rows=$(($(grep -vc "^#" "$csv") - 1))
[[ "$rows" == $((9 * 301)) ]] || { echo "CSV has $rows rows, want 9 curves x 301 points"; exit 1; }

# The weight geometry, on another tab, while training goes on.
click tab-weights
wait_for '^event tab weights'

wait_for '^widget analyse-weights '
sleep 0.3
click analyse-weights
wait_for '^event analysis weight geometry done on step [0-9]*' 600
# Asked for with the button, so saved into the run directory, each layer's figures.
wait_for '^event analysis saved .*/analysis/step-[0-9]*$'
geometry_dir=$(grep '^event analysis saved .*/analysis/step-[0-9]*$' "$work/app.log" | head -1 | sed 's/^event analysis saved //')
for f in angles-fc1.svg projection-fc2.svg spectrum-fc1.svg geometry-fc1.csv geometry.csv singular-values.csv; do
  [[ -s "$geometry_dir/$f" ]] || { ls "$geometry_dir"; echo "the weight geometry's $f is not in the run directory"; exit 1; }
done
# The tables are the command line's (trainscope-cli analyze writes the same header).
[[ "$(head -1 "$geometry_dir/geometry-fc1.csv")" == "unit,cluster,angle_deg,pc1,pc2,cluster_init,angle_init_deg,pc1_init,pc2_init" ]] \
  || { head -1 "$geometry_dir/geometry-fc1.csv"; echo "geometry-fc1.csv is not the command line's table"; exit 1; }
# The angles as a histogram by default (easier to read), as a rose when ticked: its SVG
# holds a wedge per filled bin of both series and the legend.
wait_for '^widget angles '
sleep 0.5
export_plot angles csv "fc1-angles.csv"
click angles-rose
sleep 0.5
for kind in svg csv; do
  export_plot angles "$kind" "fc1-angles-rose.$kind"
done
rose="$(ls -d "$work"/exports/*/ | head -1)fc1-angles-rose.svg"
xmllint --noout "$rose" || { echo "the rose SVG does not parse"; exit 1; }
wedges=$(grep -c '<path d="M[0-9.,]* L' "$rose")
(( wedges >= 10 )) || { echo "the rose SVG has $wedges wedges"; exit 1; }
grep -q '>now, median ' "$rose" && grep -q '>at init, median ' "$rose" || { echo "the rose SVG lacks its legend"; exit 1; }
bins=$(grep -c '^"\?now, median' "$(ls -d "$work"/exports/*/ | head -1)fc1-angles-rose.csv")
(( bins == 24 )) || { echo "the rose CSV has $bins bins of the trained angles, want 24"; exit 1; }

# fc1's units as 28x28 images: after the prune 150 units are left, so the 64 strongest
# fill 64 whole tiles, each scaled to its own largest weight.
click fourth-plot
wait_for '^widget fourth-unit-images '
sleep 0.5
click fourth-unit-images
wait_for '^widget unit-images '
sleep 0.5
export_plot unit-images csv "fc1-unit-images.csv"
read -r cells filled peaks width height < <(awk -F, 'NR > 2 { n++; if ($1 + 1 > w) w = $1 + 1; if ($2 + 1 > h) h = $2 + 1;
  if ($3 != "") { f++; if ($3 == 1 || $3 == -1) p++; if ($3 > 1 || $3 < -1) bad++ } }
  END { print n, f, (bad ? -1 : p), w, h }' "$(ls -d "$work"/exports/*/ | head -1)fc1-unit-images.csv")
(( filled == 64 * 784 )) || { echo "the unit images hold $filled weights, want 64 x 784"; exit 1; }
(( peaks >= 64 )) || { echo "$peaks cells at +-1 (or some outside): each of the 64 tiles must reach its peak"; exit 1; }
(( (width + 1) % 29 == 0 && (height + 1) % 29 == 0 && cells == width * height )) \
  || { echo "the grid is ${width}x${height} ($cells cells), not whole 28x28 tiles with separators"; exit 1; }
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
grep -E '^(event|applied)' "$work/app.log"
echo "window analyses test passed (rose: $wedges wedges, $bins bins; unit images ${width}x${height})"

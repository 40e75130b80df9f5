#!/usr/bin/env bash
# The analyses and the lottery ticket from the command line: every table and figure is
# written where the README says, with the right number of rows, and bad options name
# themselves.
set -euo pipefail
cli="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cli" train --preset spirals --steps 600 --out "$work/run" --quiet > /dev/null
ck="$work/run/checkpoints/step-600.safetensors"
"$cli" analyze --checkpoint "$ck" --retrain-steps 50 > "$work/analyze.log"
out="$work/run/analysis/step-600"
for f in summary.json geometry.csv geometry-fc1.csv angles-fc1.svg projection-fc1.svg prune-curves-fc1.csv \
         prune-curves-fc1.svg singular-values.csv singular-values.svg esd-fc1.svg update-projection.csv \
         update-projection.svg lr-range.csv lr-range.svg prune-retrain.csv prune-retrain.svg \
         interpolation.csv interpolation.svg interpolation.png interpolation-accuracy.png sharpness.csv \
         sharpness.svg landscape.csv landscape.svg landscape.png landscape-accuracy.csv \
         landscape-accuracy.svg; do
  [[ -s "$out/$f" ]] || { echo "missing $out/$f"; exit 1; }
done
# Every figure as SVG and as PNG, the window's own drawing at export's size (the stacked
# interpolation's two charts as interpolation.png and interpolation-accuracy.png).
for f in "$out"/*.svg; do
  head -c 5 "$f" | grep -q '<svg' || { echo "$f is not an SVG"; exit 1; }
  [[ -s "${f%.svg}.png" ]] || { echo "no PNG beside $f"; exit 1; }
done
for f in "$out"/*.png; do
  size=$(identify -format '%m %w %h' "$f")
  case "$f" in
    */landscape*.png) read -r kind w h <<< "$size"; [[ $kind == PNG && $w == "$h" ]] ;;  # a square plane
    *) [[ "$size" == "PNG 1600 1000" ]] ;;
  esac || { echo "$f: $size"; exit 1; }
done
# The PNG draws the data: the sharpness estimate's red line over many pixels.
red=$(convert "$out/sharpness.png" -fuzz 25% -fill black +opaque '#d62728' -fill white -opaque '#d62728' \
  -colorspace Gray -format '%[fx:round(mean*w*h)]' info:)
echo "sharpness.png: $red red pixels"
(( red > 1500 )) || { echo "sharpness.png draws no estimate"; exit 1; }
# Each figure's data shows in ImageMagick's own SVG renderer too (it drops whatever sits in an
# SVG clip path): over a thousand coloured pixels, more than twice what the legend holds.
for f in prune-curves-fc1 angles-fc1 lr-range; do
  convert -font DejaVu-Sans "MSVG:$out/$f.svg" "$work/$f.png"
  coloured=$(convert "$work/$f.png" -colorspace HSL -channel G -separate +channel -threshold 30% -format '%[fx:round(mean*w*h)]' info:)
  echo "$f.svg through ImageMagick: $coloured coloured pixels"
  (( coloured > 1000 )) || { echo "$f.svg draws no data in ImageMagick"; exit 1; }
done
# With no OpenGL to render in (no EGL vendor), the figures are SVG only, said once, and the
# analysis finishes.
__EGL_VENDOR_LIBRARY_FILENAMES=/nonexistent.json "$cli" analyze --checkpoint "$ck" \
  --what spectra,sharpness --out "$work/nogl" > /dev/null 2> "$work/nogl.err" \
  || { cat "$work/nogl.err"; exit 1; }
[[ $(grep -c '^analyze: no PNG: .*/esd-fc1.png: no OpenGL context to render it in: .*; the other figures are SVG only$' \
  "$work/nogl.err") == 1 && $(wc -l < "$work/nogl.err") == 1 ]] || { cat "$work/nogl.err"; exit 1; }
for f in esd-fc1.svg singular-values.svg sharpness.svg summary.json; do
  [[ -s "$work/nogl/$f" ]] || { echo "no $f without OpenGL"; exit 1; }
done
if ls "$work"/nogl/*.png 2> /dev/null; then echo "a PNG without OpenGL"; exit 1; fi
# On a terminal a long analysis shows how far it has come, one line rewritten in place from a
# second in, and clears it before its result (script(1) gives it a terminal).
script -qc "$cli analyze --checkpoint $ck --what landscape --landscape-grid 201 --out $work/tty" \
  /dev/null > "$work/tty.log"
tr '\r' '\n' < "$work/tty.log" | grep -q '^landscape: [0-9.]*%' || { cat -A "$work/tty.log"; exit 1; }
grep -q $'\r\033\\[Klandscape: 201 x 201 over' "$work/tty.log" || { cat -A "$work/tty.log"; exit 1; }
units=$(awk -F, 'NR == 2 { print $2 }' "$out/geometry.csv")
rows=$(($(wc -l < "$out/prune-curves-fc1.csv") - 1))
[[ "$rows" == $((units + 1)) ]] || { echo "prune-curves-fc1.csv has $rows rows for $units units"; exit 1; }
head -1 "$out/prune-curves-fc1.csv" | grep -q '^removed,magnitude_smallest_first,magnitude_largest_first,frame_potential_smallest_first' \
  || { head -1 "$out/prune-curves-fc1.csv"; exit 1; }
grep -q '"median_angle_init_deg"' "$out/summary.json" || { echo "no angles in summary.json"; exit 1; }
rows=$(($(wc -l < "$out/prune-retrain.csv") - 1))
[[ "$rows" == 6 ]] || { echo "prune-retrain.csv has $rows rows, expected 6"; exit 1; }
# The line from the initialization: 26 points from alpha 0 to 1, the training loss lower at the
# end; the sharpness: a positive top eigenvalue of the Hessian, over the first 2048 training
# samples (spirals has 2000: all of them).
rows=$(($(wc -l < "$out/interpolation.csv") - 1))
[[ "$rows" == 26 ]] || { echo "interpolation.csv has $rows rows, expected 26"; exit 1; }
awk -F, 'NR == 2 { first = $2 } END { exit !($2 < first) }' "$out/interpolation.csv" \
  || { echo "the training loss did not fall along the line"; cat "$out/interpolation.csv"; exit 1; }
grep -q '"top_eigenvalue"' "$out/summary.json" || { echo "no sharpness in summary.json"; exit 1; }
awk -F, 'NR == 2 { exit !($1 == 2000 && $2 > 0) }' "$out/sharpness.csv" \
  || { cat "$out/sharpness.csv"; exit 1; }
grep -q '^sharpness: top Hessian eigenvalue .*2/lr = ' "$work/analyze.log" || { cat "$work/analyze.log"; exit 1; }
# The slice: 41 x 41 cells, and its centre, lowest and highest loss in summary.json and the log.
rows=$(($(wc -l < "$out/landscape.csv") - 1))
[[ "$rows" == $((41 * 41)) ]] || { echo "landscape.csv has $rows cells, expected 1681"; exit 1; }
grep -q '"centre_loss"' "$out/summary.json" || { echo "no landscape in summary.json"; exit 1; }
grep -q '^landscape: 41 x 41 over \[-1, 1\]^2 along filter-normalized random directions: test loss' \
  "$work/analyze.log" || { cat "$work/analyze.log"; exit 1; }
# Contour lines over the cells in the SVG; no path on random directions.
grep -q 'stroke-opacity="0.55"' "$out/landscape.svg" || { echo "no contours in landscape.svg"; exit 1; }
if grep -q 'stroke="#ff4040"' "$out/landscape.svg"; then echo "a path on random directions"; exit 1; fi
# The plane of the path's two principal directions: it needs checkpoints along the way.
if "$cli" analyze --checkpoint "$ck" --what landscape --landscape-directions trajectory --out "$work/p0" \
  2> "$work/err"; then
  echo "a trajectory plane was drawn from one checkpoint"; exit 1
fi
grep -q 'trajectory needs at least one checkpoint between the initialization and step 600' "$work/err" \
  || { cat "$work/err"; exit 1; }
"$cli" train --preset spirals --steps 600 --set training.checkpoint_interval=200 --out "$work/run4" --quiet > /dev/null
"$cli" analyze --checkpoint "$work/run4/checkpoints/step-600.safetensors" --what landscape \
  --landscape-directions trajectory --landscape-grid 11 --out "$work/p1" > "$work/p1.log"
[[ "$(cut -d, -f1 "$work/p1/landscape-path.csv" | tr '\n' ' ')" == "step 0 200 400 600 " ]] \
  || { cat "$work/p1/landscape-path.csv"; exit 1; }
tail -1 "$work/p1/landscape-path.csv" | grep -q '^600,0,0$' || { cat "$work/p1/landscape-path.csv"; exit 1; }
grep -q '"explained_variance"' "$work/p1/summary.json" || { cat "$work/p1/summary.json"; exit 1; }
# The path over both pictures: a line through the four states and a dot at each.
for f in landscape.svg landscape-accuracy.svg; do
  [[ $(grep -c 'fill="#ff4040"' "$work/p1/$f") == 4 ]] || { echo "$f: not 4 path dots"; exit 1; }
done
[[ -s "$work/p1/landscape-accuracy.png" ]] || { echo "no landscape-accuracy.png"; exit 1; }
# Between two runs of one architecture (another seed): a line from one minimum to the other, its
# barrier in summary.json; a checkpoint of another architecture is refused, naming it.
"$cli" train --preset spirals --steps 600 --seed 9 --out "$work/run2" --quiet > /dev/null
"$cli" analyze --checkpoint "$ck" --what interpolation --out "$work/two" \
  --interpolate-to "$work/run2/checkpoints/step-600.safetensors" > "$work/two.log"
grep -q '"barrier"' "$work/two/summary.json" || { cat "$work/two/summary.json"; exit 1; }
grep -q '^interpolation from this checkpoint to step-600.safetensors' "$work/two.log" || { cat "$work/two.log"; exit 1; }
"$cli" train --preset spirals --steps 5 --set model.layers.0.units=7 --out "$work/run3" --quiet > /dev/null
# refused WHAT MESSAGE ARGS...: analyze ARGS fails, saying MESSAGE (a fixed string); WHAT
# names what it should not have taken.
refused() {
  local what="$1" message="$2"
  shift 2
  if "$cli" analyze "$@" 2> "$work/err"; then echo "$what was taken"; exit 1; fi
  grep -qF -- "$message" "$work/err" || { cat "$work/err"; exit 1; }
}
refused "a checkpoint of another architecture" \
  'step-5.safetensors: --interpolate-to needs a checkpoint of the same architecture' \
  --checkpoint "$ck" --what interpolation --out "$work/three" \
  --interpolate-to "$work/run3/checkpoints/step-5.safetensors"
refused "one point for a line" '--interpolation-points: at least 2' \
  --checkpoint "$ck" --what interpolation --interpolation-points 1
# A sample count below one names its option; it was reported as an empty dataset.
for what in interpolation landscape; do
  refused "--$what-samples 0" "--$what-samples: at least 1, got 0" \
    --checkpoint "$ck" --what "$what" "--$what-samples" 0
done
# A run that did not move has no principal directions: said so, with its checkpoints' folder.
"$cli" train --preset spirals --steps 20 --set schedule.lr=0 --set training.checkpoint_interval=10 \
  --out "$work/still" --quiet > /dev/null
refused "a path that did not move" \
  "still/checkpoints: trajectory plane: every kept state equals the last one" \
  --checkpoint "$work/still/checkpoints/step-20.safetensors" --what landscape \
  --landscape-directions trajectory --landscape-grid 3 --out "$work/still-a"
# Far beyond a span of 100 the slice lost even its centre (1e10 gave LeNet 1.5 against 0.14).
refused "--landscape-span 1e10" '--landscape-span: must be in (0, 100], got 1e+10' \
  --checkpoint "$ck" --what landscape --landscape-span 1e10
# A convolution first: every point runs the whole network, and before it starts the slice says
# what that costs (5 x 5 points of 100 images, 2,500 passes: 833 samples' work, 2.78 epochs of 300).
"$cli" train --preset conv2-mnist --steps 1 --set data.train_size=300 --out "$work/conv" --quiet > /dev/null
"$cli" analyze --checkpoint "$work/conv/checkpoints/step-1.safetensors" --what landscape \
  --landscape-grid 5 --landscape-samples 100 > /dev/null 2> "$work/err.txt"
grep -q '^landscape: Every point runs the whole network here .*: 5 x 5 points of 100 images are 2500 forward passes, the work of about 2.78 epochs of training' "$work/err.txt" \
  || { cat "$work/err.txt"; echo "no cost before Conv-2's slice"; exit 1; }

"$cli" lottery --preset spirals --rounds 2 --steps 300 --out "$work/lottery" > "$work/lottery.log" 2>&1
rows=$(($(wc -l < "$work/lottery/lottery.csv") - 1))
[[ "$rows" == 3 ]] || { cat "$work/lottery.log"; echo "lottery.csv has $rows rows, expected 3"; exit 1; }
awk -F, 'NR == 4 && ($2 < 0.6 || $2 > 0.7) { exit 1 }' "$work/lottery/lottery.csv" \
  || { echo "two rounds of 20% should leave about 64% of the weights"; exit 1; }
head -c 5 "$work/lottery/lottery.svg" | grep -q '<svg'
# Where the tickets live: each round, each layer, per unit and per input.
rows=$(($(wc -l < "$work/lottery/lottery-units.csv") - 1))
[[ "$rows" == $((3 * 3 * 2)) ]] || { echo "lottery-units.csv has $rows rows, expected 18"; exit 1; }
head -1 "$work/lottery/lottery-units.csv" | grep -q '^round,remaining,layer,axis,groups,size,present,mean,std,binomial_std,dispersion,z' \
  || { head -1 "$work/lottery/lottery-units.csv"; exit 1; }
grep -q '>Where the tickets live' "$work/lottery/lottery.svg" || { echo "lottery.svg lacks the spread chart"; exit 1; }

if "$cli" analyze --checkpoint "$ck" --what nope 2> "$work/err.txt"; then echo "--what nope accepted"; exit 1; fi
grep -q 'unknown analysis "nope"' "$work/err.txt" || { cat "$work/err.txt"; exit 1; }
if "$cli" lottery --preset spirals --rate 1.5 --out "$work/bad" 2> "$work/err.txt"; then echo "rate 1.5 accepted"; exit 1; fi
grep -q 'lottery.rate' "$work/err.txt" || { cat "$work/err.txt"; exit 1; }
echo "cli analyze/lottery test passed"

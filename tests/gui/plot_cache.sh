#!/usr/bin/env bash
# Cached plots look like plots drawn afresh. The window caches plots while it draws every
# frame, that is while the user acts on it (app/plot/plot_cache.h), so the pointer moves
# over the Experiment panel's description, away from the plots and from anything that
# lights up under it, all through each run. The same still scene
# (a 200,000-point series on the Training curves tab, and Schedule's planned curve) rendered
# with and without the plot cache then gives the same pixels above the status bar (which
# shows the frame time), but for a few on the edges of thin shapes: the texture's
# projection is offset by the plot's corner, and the last bit of a vertex position can move
# a pixel centre across an edge. A plot copied one pixel off, stale or missing would differ
# in thousands (every glyph and grid line).
set -euo pipefail
app="$1"
source "$(dirname "$0")/xvfb.sh"
field() { sed -n "s/.* $1 \([0-9.]*\).*/\1/p" "$2"; }
moves=()
for i in $(seq 0 1500); do moves+=(mousemove $((20 + (i * 7) % 250)) $((150 + (i * 3) % 24)) sleep 0.016); done
for tab in loss schedule; do
  for mode in cached direct; do
    flag=()
    [[ $mode == direct ]] && flag=(--no-plot-cache)
    xdotool "${moves[@]}" 2>/dev/null &
    mover=$!
    "$app" --frames 120 --tab "$tab" --bench-points 200000 "${flag[@]}" --shot "$work/$tab-$mode.png" \
      >"$work/$tab-$mode.log" 2>&1 || { cat "$work/$tab-$mode.log"; exit 1; }
    kill "$mover" 2>/dev/null || true
    wait "$mover" 2>/dev/null || true
  done
  # The cached run did go through the cache, and the direct one did not.
  cached=$(field plot_rasterizations "$work/$tab-cached.log")
  direct=$(field plot_rasterizations "$work/$tab-direct.log")
  (( cached > 0 && direct == 0 )) || { cat "$work/$tab-cached.log"; echo "$tab: $cached plots rasterized with the cache, $direct without"; exit 1; }
  # And the last frame, the screenshot, showed its plot from the cache.
  shown=$(field cached_plots_shown "$work/$tab-cached.log")
  (( shown >= 1 )) || { cat "$work/$tab-cached.log"; echo "$tab: the last frame showed no cached plot"; exit 1; }
  for mode in cached direct; do convert "$work/$tab-$mode.png" -crop 1280x774+0+0 +repage "$work/$tab-$mode-top.png"; done
  differ=$(compare -metric AE "$work/$tab-cached-top.png" "$work/$tab-direct-top.png" null: 2>&1 || true)
  [[ "$differ" =~ ^[0-9]+$ ]] && (( differ < 100 )) || { echo "$tab: cached and direct frames differ in $differ pixels"; exit 1; }
  # Not a blank comparison: the plot is there (many colours in its part of the frame).
  colors=$(convert "$work/$tab-cached.png" -crop 900x250+370+510 -format '%k' info:)
  (( colors > 20 )) || { echo "$tab: the plot area has only $colors colours"; exit 1; }
  echo "$tab: cached and direct frames agree but for $differ pixels ($colors colours in the plot, $cached rasterizations)"
done

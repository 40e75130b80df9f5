# Sourced by the window tests after they start the window with its output in $work/app.log:
# waiting for its lines, finding widgets by the names it prints, clicking them like a user.
wait_for() {  # wait_for PATTERN [TENTHS]: until the log has a matching line (30 s by default)
  for _ in $(seq "${2:-300}"); do grep -q "$1" "$work/app.log" && return 0; sleep 0.1; done
  echo "timed out waiting for: $1"; cat "$work/app.log"; exit 1
}
wait_count() {  # wait_count PATTERN N [TENTHS]: until the log has N lines matching (90 s by default)
  for _ in $(seq "${3:-900}"); do
    (( $(grep -c "$1" "$work/app.log" || true) >= $2 )) && return 0
    sleep 0.1
  done
  echo "timed out waiting for $2 lines of: $1 (have $(grep -c "$1" "$work/app.log" || true))"
  grep -E '^(event|applied|run )' "$work/app.log" | tail -40; exit 1
}
at() { grep "^widget $1 " "$work/app.log" | tail -1 | awk '{print $3, $4}'; }
find_window() {  # sets $window to the trainscope window's id
  window=""
  for _ in $(seq 50); do window=$(xdotool search --name trainscope 2>/dev/null | head -1 || true); [[ -n "$window" ]] && break; sleep 0.1; done
  [[ -n "$window" ]] || { echo "no window"; exit 1; }
}
click() {  # click NAME [BUTTON]: hover, then click: ImGui takes some clicks only on an item hovered the frame before
  xdotool mousemove --window "$window" $(at "$1")
  sleep 0.2
  xdotool mousemove --window "$window" $(at "$1") click "${2:-1}"
}
drag() {  # drag NAME FROM_DX TO_DX: press at the widget's centre + FROM_DX, move to + TO_DX, release
  local x y
  read -r x y <<< "$(at "$1")"
  xdotool mousemove --window "$window" $((x + $2)) "$y" mousedown 1
  sleep 0.3
  xdotool mousemove --window "$window" $((x + $3)) "$y"
  sleep 0.3
  xdotool mouseup 1
}
export_plot() {  # export_plot PLOT KIND FILE: right-click the plot, pick "Save KIND", wait for FILE
  click "$1" 3
  wait_for "^widget export-$2 "
  sleep 0.5
  click "export-$2"
  wait_for "^event export .*$3"
}

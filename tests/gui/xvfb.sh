# Sourced by the window tests: a private Xvfb display (1280x800) and a scratch directory
# $work, both removed on exit; APP_PID, when set, is the window to kill on exit.
#
# The display is one the server answers on before the test goes on. Its number is drawn at
# random from 100..899, not the lowest free one: with tests in parallel, a server that is
# just exiting can remove the socket of a new one on the same number after the new one has
# answered, so numbers are not handed straight on. A display that does not answer (taken,
# or its socket gone) is given up and another started.
#
# The server runs with -noreset. By default Xvfb resets when its last client leaves, and the
# reset drops a client that connected meanwhile before answering it: that client's
# XOpenDisplay fails ("Failed to open display"). The flows leave and connect in quick
# succession (a window exits as the next one and its xdotool mover start), so without the
# flag a window now and then could not open the display (tests/gui/display.sh).
work=$(mktemp -d)
cleanup() {
  # A failed test says whether its display was still there: a window that cannot open one
  # after others did on it points at the server, not at the window.
  if [[ "${1:-0}" != 0 && -n "${XVFB_PID:-}" ]]; then
    if kill -0 "$XVFB_PID" 2>/dev/null; then
      local d="${DISPLAY:-}"
      echo "xvfb.sh: Xvfb $XVFB_PID still runs on ${d:-no display}; its socket: $(ls "/tmp/.X11-unix/X${d#:}" 2>&1)" >&2
      # Whether it takes a client now: a window refused once by a server that answers here
      # was turned away for a moment, not by a server gone bad.
      if DISPLAY="$d" timeout 5 xdotool getdisplaygeometry >/dev/null 2>&1; then
        echo "xvfb.sh: :${d#:} answers a client now" >&2
      else
        echo "xvfb.sh: :${d#:} answers no client now" >&2
      fi
    else
      echo "xvfb.sh: Xvfb $XVFB_PID on ${DISPLAY:-no display} had exited; its log:" >&2
      tail -20 "$work/xvfb.log" >&2 2>/dev/null || true
    fi
  fi
  [[ -n "${APP_PID:-}" ]] && kill "$APP_PID" 2>/dev/null || true
  [[ -n "${XVFB_PID:-}" ]] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$work"
}
trap 'cleanup $?' EXIT
unset DISPLAY
answered=0
for attempt in 1 2 3 4 5; do
  number=$((100 + RANDOM % 800))
  [[ -e /tmp/.X$number-lock ]] && continue
  Xvfb ":$number" -screen 0 1280x800x24 -nolisten tcp -noreset 2>"$work/xvfb.log" &
  XVFB_PID=$!
  # Up to 10 s for this server to answer: answering, and the display's lock naming its pid.
  for _ in $(seq 100); do
    kill -0 "$XVFB_PID" 2>/dev/null || break
    if DISPLAY=":$number" xdotool getdisplaygeometry >/dev/null 2>&1 &&
      [[ "$(tr -d ' \n' <"/tmp/.X$number-lock" 2>/dev/null)" == "$XVFB_PID" ]]; then
      answered=1
      break
    fi
    sleep 0.1
  done
  if [[ $answered == 1 ]]; then
    export DISPLAY=":$number"
    break
  fi
  echo "xvfb.sh: display :$number does not answer (attempt $attempt); starting another" >&2
  kill "$XVFB_PID" 2>/dev/null || true
  wait "$XVFB_PID" 2>/dev/null || true
done
if [[ $answered != 1 ]]; then
  echo "xvfb.sh: no Xvfb display answered after 5 attempts" >&2
  cat "$work/xvfb.log" >&2 2>/dev/null || true
  exit 1
fi

# Sourced by the window tests: a private Xvfb display (1280x800) and a scratch directory
# $work, both removed on exit; APP_PID, when set, is the window to kill on exit.
#
# The display is one the server answers on before the test goes on: with tests in parallel,
# a server that is just exiting can remove the socket of a new one on the same number, so a
# display that does not answer is given up and another started.
work=$(mktemp -d)
cleanup() {
  [[ -n "${APP_PID:-}" ]] && kill "$APP_PID" 2>/dev/null || true
  [[ -n "${XVFB_PID:-}" ]] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for attempt in 1 2 3; do
  rm -f "$work/display"
  Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp 5>"$work/display" 2>"$work/xvfb.log" &
  XVFB_PID=$!
  for _ in $(seq 100); do [[ -s "$work/display" ]] && break; sleep 0.05; done
  export DISPLAY=":$(cat "$work/display")"
  answered=0
  for _ in $(seq 20); do
    if xdotool getdisplaygeometry >/dev/null 2>&1; then answered=1; break; fi
    sleep 0.1
  done
  [[ $answered == 1 ]] && break
  echo "xvfb.sh: display $DISPLAY does not answer (attempt $attempt); starting another" >&2
  kill "$XVFB_PID" 2>/dev/null || true
  wait "$XVFB_PID" 2>/dev/null || true
done

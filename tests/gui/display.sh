#!/usr/bin/env bash
# The flows' display (xvfb.sh) takes every client, also one that connects while the last
# one leaves: the flows start a window and its xdotool mover as the one before exits. Two
# shells connect and leave 300 times each, in quick succession; a server that resets when its
# last client leaves drops some of them (about one in ten here), this one none.
set -euo pipefail
source "$(dirname "$0")/xvfb.sh"
churn() {
  local failed=0
  for _ in $(seq 300); do xdotool getdisplaygeometry >/dev/null 2>&1 || failed=$((failed + 1)); done
  echo "$failed" >"$work/failed-$1"
}
churn 1 &
first=$!
churn 2
wait "$first"
failed=$(($(cat "$work/failed-1") + $(cat "$work/failed-2")))
(( failed == 0 )) || { echo "$failed of 600 clients could not open $DISPLAY"; exit 1; }
echo "600 clients opened $DISPLAY"

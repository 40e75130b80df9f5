#!/usr/bin/env bash
# `make run`: opens the window on the default experiment, or explains the headless CLI
# when there is no display to open it on.
set -euo pipefail
build_dir="${1:-build}"
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  cat <<MSG
trainscope: no display (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open.
Train headless with the same core instead:
  $build_dir/app/trainscope-cli train --preset lenet-300-100-mnist --out runs/lenet
  $build_dir/app/trainscope-cli eval --checkpoint runs/lenet/checkpoints/step-8590.safetensors
  $build_dir/app/trainscope-cli bench
Or give the window a virtual display: xvfb-run -a -s '-screen 0 1280x800x24' $build_dir/app/trainscope
MSG
  exit 0
fi
exec "$build_dir/app/trainscope" "${@:2}"

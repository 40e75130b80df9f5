#!/usr/bin/env bash
# Installs the Debian packages trainscope builds and tests with, and nothing else.
# (clang-format-14 checks the sources' layout in `make test`; libmagickcore-6.q16-6-extra is
# ImageMagick's SVG reader: the tests render the project's SVG figures with it, as a user's
# `convert figure.svg figure.png` would. slurmctld, slurmd, slurm-client and munge: the sweep
# test starts a one-node Slurm cluster of its own; parallel: GNU parallel, the other backend;
# python3 reads JSON in the command-line tests.)
# Idempotent: when every package is present it only runs dpkg-query and returns.
set -euo pipefail

PACKAGES=(
  cmake g++ make pkg-config ccache clang-14 libclang-rt-14-dev clang-format-14
  libeigen3-dev libtbb-dev doctest-dev nlohmann-json3-dev libcli11-dev zlib1g-dev
  libimgui-dev libstb-dev libglfw3-dev libgl1-mesa-dev libegl1-mesa-dev libgl1-mesa-dri
  xvfb xauth xdotool imagemagick libmagickcore-6.q16-6-extra fonts-dejavu-core libxml2-utils
  dataset-fashion-mnist
  slurmctld slurmd slurm-client munge parallel
  nodejs npm python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done
# npm may come from another source than Debian's package; accept a working one.
if command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == npm || "$p" == nodejs ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"

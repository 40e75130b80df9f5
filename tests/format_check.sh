#!/usr/bin/env bash
# The sources follow .clang-format: lists every file that does not (`make format` fixes them).
set -euo pipefail
cd "$1"
mapfile -t files < <(find core app tests -name '*.cpp' -o -name '*.h' | sort)
if ! clang-format-14 --dry-run --Werror "${files[@]}" 2> /tmp/format-check.$$; then
  grep -o '^[^:]*:' /tmp/format-check.$$ | sort -u | sed 's/:$/: not formatted (make format)/'
  rm -f /tmp/format-check.$$
  exit 1
fi
rm -f /tmp/format-check.$$
echo "format check passed: ${#files[@]} files"

#!/usr/bin/env bash
# ctest registers each doctest case under its name, and CMake's lists split a name at ';' into
# several tests that match no case, run nothing and pass. Lists every case name with a ';' in
# the suites given; exits 1 if there is any.
#   test_names_check.sh SUITE...
set -euo pipefail
status=0
for suite in "$@"; do
  names=$("$suite" --list-test-cases --no-version | grep -v '^\[doctest\]' || true)
  if [ -z "$names" ]; then
    echo "$suite lists no test case" >&2
    status=1
  fi
  bad=$(printf '%s\n' "$names" | grep ';' || true)
  if [ -n "$bad" ]; then
    printf '%s: a test case name with ";" never runs under ctest:\n%s\n' "$suite" "$bad" >&2
    status=1
  fi
done
exit $status

#!/usr/bin/env bash
# Installs what is missing, builds, runs every test, prints the runner's
# summary and exits non-zero on any failure.
#
# Bazel (the second build of the same targets, offline) runs first so that
# ctest's summary is the last thing printed. SCIM_SKIP_BAZEL=1 skips it.
#
# Then every libFuzzer target runs briefly (scripts/fuzz.sh, clang build in
# build-fuzz/): SCIM_FUZZ_SECONDS per target (default 10), SCIM_SKIP_FUZZ=1
# skips it. A finding fails the run after ctest has run too.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
# chromium: the console's browser test (tests/node/console_browser_test.mjs).
if [ "${SCIM_SKIP_BAZEL:-0}" != 1 ]; then
  scim_ensure_packages bazel-bootstrap chromium
else
  scim_ensure_packages chromium
fi
scim_ensure_node_packages
scim_build

if [ "${SCIM_SKIP_BAZEL:-0}" != 1 ]; then
  echo "== bazel build //... && bazel test //..." >&2
  bazel_status=0
  bazel test //... >&2 || bazel_status=$?
  bazel shutdown >/dev/null 2>&1 || true
  if [ "$bazel_status" -ne 0 ]; then
    echo "bazel test //... failed (exit $bazel_status)" >&2
    exit "$bazel_status"
  fi
fi

fuzz_status=0
if [ "${SCIM_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== scripts/fuzz.sh ${SCIM_FUZZ_SECONDS:-10}" >&2
  scripts/fuzz.sh "${SCIM_FUZZ_SECONDS:-10}" >&2 || fuzz_status=$?
fi

echo "== ctest" >&2
cd build
# Tests start their own servers on free ports; two at a time fits 2 cores.
ctest_status=0
ctest --output-on-failure -j2 --timeout 600 || ctest_status=$?
if [ "$fuzz_status" -ne 0 ]; then
  echo "scripts/fuzz.sh found crashes (exit $fuzz_status): see its summary above" \
       "and build-fuzz/findings/" >&2
  exit "$fuzz_status"
fi
exit "$ctest_status"
